"""Model folders: a fitted system saved in safe formats, with a model.json that says what it is.

A model folder holds ``model.json`` and the files the system's ``save`` wrote
(safetensors, JSON, crfsuite model files, a transformers ``save_pretrained``
folder with safetensors weights). ``model.json``::

    {"format": "nkworkers-model", "format_version": 1,
     "system": "entities-crf", "task": "entities", "package_version": "0.1.0",
     "data_fingerprint": "<sha256 of data/*.parquet, as in the README card>",
     "seed": 0, "settings": {...}, "validation": {...}, "data": "splits",
     "files": {"crf-ner.crfsuite": "<sha256>", ...}}

A model trained on every annotated article (``train --data all``) has
``"data": "all"`` and, instead of "validation", ``"lodo"``: the
leave-one-document-out figures (mean, std, pooled, per fold) and the
choices of every fold that its settings were combined from.

``save_model`` writes the folder atomically (staged beside the target, then
renamed) and refuses to write a pickle. ``load_model`` checks model.json,
every listed file and its sha256 before the system reads a byte, and raises
:class:`ModelError` with one line naming the folder, what is wrong and how to
fix it. Nothing is unpickled and no code from the folder is ever run.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from nkworkers.baselines.systems.base import System
from nkworkers.loaders.dataset.build import tree_fingerprint
from nkworkers.loaders.files import jsonio
from nkworkers.loaders.files.atomic import dumps_json

FORMAT = "nkworkers-model"
FORMAT_VERSION = 1
MODEL_JSON = "model.json"
# By suffix; ``.bin`` is not among them: spaCy's to_disk writes msgpack .bin
# files. A torch.save file (a zip holding data.pkl) is caught by its content.
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt")
# Pickle protocol 2+ starts with PROTO (0x80) and the protocol number.
PICKLE_MAGIC = tuple(bytes([0x80, n]) for n in range(2, 6))


class ModelError(ValueError):
    """A model folder that cannot be written or loaded (one line, with the fix)."""


def data_fingerprint(root: Path) -> str:
    """The fingerprint of root/data that the README card carries (loaders.dataset.build)."""
    return tree_fingerprint(root / "data")


def package_version() -> str:
    try:
        return importlib.metadata.version("nkworkers")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _zip_with_pickle(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.endswith((".pkl", ".pickle")) for n in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def unsafe_files(folder: Path) -> list[str]:
    """Files under folder that are, or hold, pickles: by suffix, magic bytes or zip content."""
    bad = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        with path.open("rb") as handle:
            head = handle.read(2)
        # A safetensors file opens with its header length, which may look like
        # the magic; its reader never unpickles, so only the suffix counts there.
        magic = head in PICKLE_MAGIC and path.suffix != ".safetensors"
        zipped = head == b"PK" and _zip_with_pickle(path)
        if path.suffix.lower() in PICKLE_SUFFIXES or magic or zipped:
            bad.append(path.relative_to(folder).as_posix())
    return bad


def save_model(
    system: System,
    out_dir: Path,
    *,
    seed: int,
    validation_figures: Mapping[str, Any] | None,
    data_fingerprint: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write a fitted system to out_dir (which must not exist); return its model.json.

    ``validation_figures`` None leaves the "validation" key out (a model fit on
    every annotated article has no held-out figure); ``extra`` adds keys
    (``data``, ``lodo``) before ``files``.

    Raises ModelError if out_dir exists or the system wrote a pickle-like
    file; nothing is left behind on any error.
    """
    if out_dir.exists():
        raise ModelError(f"{out_dir}: already exists; choose a new --out or remove it first")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        settings = system.save(staging)
        bad = unsafe_files(staging)
        if bad:
            raise ModelError(
                f"{system.name}: save wrote pickle-like files ({', '.join(bad)}); "
                "a model folder holds safetensors, JSON or a library's own model file only"
            )
        files = {
            p.relative_to(staging).as_posix(): _sha256(p)
            for p in sorted(staging.rglob("*"))
            if p.is_file()
        }
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "system": system.name,
            "task": system.task,
            "package_version": package_version(),
            "data_fingerprint": data_fingerprint,
            "seed": seed,
            "settings": settings,
            **({} if validation_figures is None else {"validation": dict(validation_figures)}),
            **dict(extra or {}),
            "files": files,
        }
        (staging / MODEL_JSON).write_text(dumps_json(meta), encoding="utf-8")
        staging.rename(out_dir)
        return meta
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_model_json(folder: Path) -> dict[str, Any]:
    """model.json of a model folder, checked; raises ModelError."""
    path = folder / MODEL_JSON
    if not folder.is_dir():
        raise ModelError(f"{folder}: not a folder; pass a folder written by `nkworkers train`")
    if not path.is_file():
        raise ModelError(f"{path}: missing; {folder} is not a model folder from `nkworkers train`")
    try:
        meta = jsonio.load_file(path)
    except jsonio.JsonError as exc:
        raise ModelError(f"{path}: {exc}; train the model again") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{path}: not an nkworkers model.json (no format {FORMAT!r})")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{path}: format_version {jsonio.clip(meta.get('format_version'))}, this nkworkers "
            f"reads {FORMAT_VERSION}; train the model again with this version"
        )
    return meta


def _check_files(folder: Path, meta: dict[str, Any]) -> None:
    files = meta.get("files")
    if not isinstance(files, dict):
        raise ModelError(f"{folder / MODEL_JSON}: no 'files' table; train the model again")
    for name, digest in files.items():
        path = folder / name
        if not path.is_file():
            raise ModelError(f"{path}: missing from the model folder; copy the whole folder")
        if _sha256(path) != digest:
            raise ModelError(f"{path}: changed since it was saved (sha256 differs); train again")
    bad = unsafe_files(folder)
    if bad:
        raise ModelError(f"{folder}: holds pickle-like files ({', '.join(bad)}); refusing to load")


def check_folder(folder: Path) -> dict[str, Any]:
    """model.json and every listed file checked, without loading the system; raises ModelError."""
    meta = read_model_json(folder)
    _check_files(folder, meta)
    return meta


def load_model(
    folder: Path,
    systems: Mapping[str, Callable[[], System]],
    *,
    expect: str | None = None,
) -> tuple[System, dict[str, Any]]:
    """A fitted System from a model folder, and its model.json.

    ``expect`` names the system the caller wants; a folder of another system
    is refused. Raises ModelError (unknown system, another format version, a
    missing or changed file, a file the system cannot read).
    """
    meta = read_model_json(folder)
    name = meta.get("system")
    shown = name if isinstance(name, str) else jsonio.clip(name)
    if expect is not None and name != expect:
        raise ModelError(f"{folder}: a model of {shown}, not of {expect}; pass a model of {expect}")
    if not isinstance(name, str) or name not in systems:
        raise ModelError(
            f"{folder}: system {shown} is not known to this nkworkers; "
            f"known: {', '.join(sorted(systems))}"
        )
    _check_files(folder, meta)
    system = systems[name]()
    try:
        system.load(folder)
    except (FileNotFoundError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{folder}: {name} cannot read its files ({exc}); train again") from None
    return system, meta
