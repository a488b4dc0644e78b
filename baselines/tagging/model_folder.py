"""Model folders: a fitted system saved in safe formats, with a model.json that says what it is.

A model folder holds ``model.json`` and the files the system's ``save`` wrote
(safetensors, JSON, crfsuite model files, spaCy's ``to_disk``, a transformers
``save_pretrained`` folder with safetensors weights). ``model.json``::

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
renamed, readable as the process umask says) and refuses to write a pickle.

A folder is untrusted input (folders travel: shared disks, downloads), and
is read only through :func:`check_folder`, the gate ``load_model`` and the Ray
engine call first: every entry is listed with ``lstat`` before any file is
opened (plain files and folders only, plain names: no link, FIFO or device,
no ``..``; nkworkers.baselines.systems.safe.paths); model.json is validated
(:class:`ModelJson`); its ``files`` table must name exactly the files in the
folder; no file may be a pickle; every sha256 must match. Only then does the
system's ``load`` run, whose readers validate each state file against what
``train`` writes (nkworkers.baselines.systems.safe). Every refusal is a
:class:`ModelError`: one line naming the folder, the file and the fix.
Nothing is unpickled and no code from the folder is ever run.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from nkworkers.baselines.systems.base import System, Task
from nkworkers.baselines.systems.safe import paths
from nkworkers.baselines.systems.safe.paths import FolderError, Listing
from nkworkers.baselines.systems.safe.schema import first_error
from nkworkers.baselines.tagging.corpus_note import corpus_warning, note
from nkworkers.loaders.files import jsonio
from nkworkers.loaders.files.atomic import dumps_json
from nkworkers.loaders.files.swap import tree_fingerprint

FORMAT = "nkworkers-model"
FORMAT_VERSION = 1
MODEL_JSON = "model.json"
RETRAIN = "train the model again with `nkworkers train`"
#: Larger than any folder train writes (a MiniLM one is about 90 MB): a sparse
#: file of a terabyte would otherwise be hashed for hours.
MAX_FOLDER = 4 * 1024**3


class ModelError(ValueError):
    """A model folder that cannot be written or loaded (one line, with the fix)."""


class ModelJson(BaseModel):
    """model.json as ``save_model`` writes it; ``settings``, ``validation`` and ``lodo`` are for
    people. ``data``: "splits" (train split, choices on validation; folders written before
    ``--data`` existed say nothing and are this) or "all" (every annotated article, with the
    leave-one-document-out figures in ``lodo`` instead of validation figures).
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    format: Literal["nkworkers-model"]
    format_version: int
    system: str = Field(max_length=100)
    task: Task
    package_version: str = Field(max_length=100)
    data_fingerprint: str = Field(max_length=100)
    seed: int
    settings: dict[str, Any]
    validation: dict[str, float] | None = None
    data: Literal["splits", "all"] = "splits"
    lodo: dict[str, Any] | None = None
    files: dict[str, str]

    @model_validator(mode="after")
    def _figures_of_its_data(self) -> ModelJson:
        held_out = {"splits": self.validation, "all": self.lodo}[self.data]
        if held_out is None:
            figures = "validation" if self.data == "splits" else "lodo"
            raise ValueError(f"data {self.data!r} needs its {figures!r} figures")
        return self


def data_fingerprint(root: Path) -> str:
    """The fingerprint of root/data that the README card carries (loaders.dataset.build)."""
    return tree_fingerprint(root / "data")


def package_version() -> str:
    try:
        return importlib.metadata.version("nkworkers")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _readable_as_umask(folder: Path) -> None:
    """Folders 0o777 and files 0o666 less the process umask (mkdtemp made them private)."""
    mask = os.umask(0)
    os.umask(mask)
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)


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

    Raises ModelError if out_dir exists, or the system wrote a pickle-like
    file or a link; nothing is left behind on any error. The folder and its
    files are readable as the process umask says (umask 022: drwxr-xr-x and
    -rw-r--r--, so the other users of a shared cluster can load it).
    """
    if out_dir.exists():
        raise ModelError(f"{out_dir}: already exists; choose a new --out or remove it first")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        settings = system.save(staging)
        try:
            listing = paths.walk(staging, "a system's save writes plain files only")
        except FolderError as exc:
            raise ModelError(f"{system.name}: save wrote {exc}") from None
        bad = paths.pickle_like(listing)
        if bad:
            raise ModelError(
                f"{system.name}: save wrote pickle-like files ({', '.join(bad)}); "
                "a model folder holds safetensors, JSON or a library's own model file only"
            )
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
            "files": {name: paths.sha256(staging / name) for name in sorted(listing.files)},
        }
        (staging / MODEL_JSON).write_text(dumps_json(meta), encoding="utf-8")
        _readable_as_umask(staging)
        staging.rename(out_dir)
        return meta
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _listing(folder: Path) -> Listing:
    try:
        return paths.walk(folder, f"pass a folder written by `nkworkers train`, or {RETRAIN}")
    except FolderError as exc:
        raise ModelError(str(exc)) from None


def read_model_json(folder: Path, listing: Listing | None = None) -> dict[str, Any]:
    """model.json of a model folder, checked against :class:`ModelJson`; raises ModelError."""
    listing = listing or _listing(folder)
    path = folder / MODEL_JSON
    if not listing.has(MODEL_JSON):
        raise ModelError(f"{path}: missing; {folder} is not a model folder from `nkworkers train`")
    try:
        meta = paths.read_json(path, RETRAIN)
    except FolderError as exc:
        raise ModelError(str(exc)) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{path}: not an nkworkers model.json (no format {FORMAT!r})")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{path}: format_version {jsonio.clip(meta.get('format_version'))}, this nkworkers "
            f"reads {FORMAT_VERSION}; train the model again with this version"
        )
    try:
        ModelJson.model_validate(meta)
    except ValidationError as exc:
        raise ModelError(f"{path}: {first_error(exc)}; {RETRAIN}") from None
    return meta


def _check_files(folder: Path, meta: dict[str, Any], listing: Listing) -> None:
    """The files table names exactly the folder's files; no pickle; every sha256 matches.

    Names are checked before any file is opened, so a table entry such as
    ``../../etc/shadow`` or ``/etc/passwd`` is refused without reading it.
    """
    table: dict[str, str] = meta["files"]
    where = f"{MODEL_JSON}'s files table"
    size = sum(listing.files.values())
    if size > MAX_FOLDER:
        raise ModelError(
            f"{folder}: {size:,} bytes, more than any folder `nkworkers train` writes "
            f"({MAX_FOLDER:,}); {RETRAIN}"
        )
    for name, digest in table.items():
        try:
            paths.check_name(folder, name, where, RETRAIN)
        except FolderError as exc:  # its message ends with the fix already
            raise ModelError(str(exc)) from None
        if not isinstance(digest, str) or len(digest) != 64 or digest.strip("0123456789abcdef"):
            raise ModelError(
                f"{folder / MODEL_JSON}: {name}'s sha256 is not 64 hex digits; {RETRAIN}"
            )
    missing = sorted(set(table) - set(listing.files))
    if missing:
        raise ModelError(
            f"{folder / missing[0]}: missing from the model folder; copy the whole folder"
        )
    bad = paths.pickle_like(listing)
    if bad:
        raise ModelError(f"{folder}: holds pickle-like files ({', '.join(bad)}); refusing to load")
    unlisted = paths.names_outside(listing, [*table, MODEL_JSON])
    if unlisted:
        raise ModelError(
            f"{folder / unlisted[0]}: not in {where} ({len(unlisted)} such files); a model folder "
            f"holds only what `nkworkers train` wrote: remove it, or {RETRAIN}"
        )
    for name, digest in sorted(table.items()):
        if paths.sha256(folder / name) != digest:
            raise ModelError(
                f"{folder / name}: changed since it was saved (sha256 differs); {RETRAIN}"
            )


def check_folder(folder: Path) -> dict[str, Any]:
    """The gate: listing, model.json, files table, pickles, sha256; returns model.json.

    Raises ModelError. Nothing but model.json and the listed plain files is
    opened, and those only after the whole folder was listed with ``lstat``.
    """
    try:
        listing = _listing(folder)
        meta = read_model_json(folder, listing)
        _check_files(folder, meta, listing)
    except FolderError as exc:  # a file swapped for a link or FIFO after the listing
        raise ModelError(f"{exc}; {RETRAIN}") from None
    return meta


def load_model(
    folder: Path,
    systems: Mapping[str, Callable[[], System]],
    *,
    expect: str | None = None,
    root: Path = Path("."),
) -> tuple[System, dict[str, Any]]:
    """A fitted System from a model folder, and its model.json.

    ``expect`` names the system the caller wants; a folder of another system
    is refused. The folder goes through :func:`check_folder` first; then the
    system's ``load`` validates its state files. Raises ModelError (unknown
    system, another format version, a missing, unlisted or changed file, a
    link, a file the system cannot read or that ``train`` never writes). A
    model trained on another version of root's corpus gives a warning line.
    """
    meta = check_folder(folder)
    name = meta["system"]
    if expect is not None and name != expect:
        raise ModelError(f"{folder}: a model of {name}, not of {expect}; pass a model of {expect}")
    if name not in systems:
        raise ModelError(
            f"{folder}: system {jsonio.clip(name)} is not known to this nkworkers; "
            f"known: {', '.join(sorted(systems))}"
        )
    system = systems[name]()
    if system.task != meta["task"]:
        raise ModelError(
            f"{folder / MODEL_JSON}: {name} tags {system.task}, not {meta['task']}; {RETRAIN}"
        )
    try:
        system.load(folder)
    except FolderError as exc:
        raise ModelError(str(exc)) from None  # its message holds the fix
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise ModelError(f"{folder}: {name} cannot read its files ({exc}); {RETRAIN}") from None
    warning = corpus_warning(folder, meta, root)
    if warning:
        note(warning)
    return system, meta
