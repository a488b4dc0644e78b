"""Hostile model folders: each kind of attack on a folder written by ``train``, refused in one line.

One set of real folders is trained per session (entities-crf,
attribution-tokenlr, control-lexicon, control-tfidf-lr, with small grids),
then copied and damaged per case. Every refusal must be a ModelError of one
line naming the folder, the file and the fix; nothing outside the folder may
be opened (an audit hook records every open the interpreter makes while a
folder loads). Where the attack is a crash (crfsuite files), the loads run in
a fresh process, whose exit status is the oracle.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from nkworkers.baselines.systems.attribution.system import AttributionSystem
from nkworkers.baselines.systems.base import System
from nkworkers.baselines.systems.common.features import attribution_features, entity_features
from nkworkers.baselines.systems.common.taggers import CrfTagger, TokenLRTagger
from nkworkers.baselines.systems.control.lexicon import KeywordLexicon
from nkworkers.baselines.systems.control.tfidf import TfidfLogReg
from nkworkers.baselines.systems.entities.registry import EntitySystem
from nkworkers.baselines.systems.registry import SYSTEMS
from nkworkers.baselines.systems.safe import paths
from nkworkers.baselines.tagging import corpus_note
from nkworkers.baselines.tagging.model_folder import MODEL_JSON, ModelError, load_model, save_model
from nkworkers.baselines.tagging.train import train
from nkworkers.loaders.predictions import PredictionRow

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "models-v1"


def _small_tokenlr() -> System:
    tagger = TokenLRTagger(attribution_features)
    tagger.C, tagger.CLASS_WEIGHTS = (1.0,), (None,)  # type: ignore[misc]
    return AttributionSystem("attribution-tokenlr", tagger)


#: The light systems with small grids: what train writes is the same kind of folder.
LIGHT: dict[str, Callable[[], System]] = {
    "entities-crf": lambda: EntitySystem(
        "entities-crf", CrfTagger(entity_features, max_iterations=15)
    ),
    "attribution-tokenlr": _small_tokenlr,
    "control-lexicon": KeywordLexicon,
    "control-tfidf-lr": lambda: TfidfLogReg(c_grid=(1.0,)),
}

# Every path the interpreter opens while OPENING is on (PEP 578 audit hook).
OPENED: list[str] = []
OPENING = [False]


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if OPENING[0] and event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The four light folders, written by ``train`` on the checkout (once per session)."""
    base = tmp_path_factory.mktemp("trained")
    cache = tmp_path_factory.mktemp("hf-cache-train")
    out = {}
    for name in LIGHT:
        train(name=name, systems=LIGHT, out=base / name, root=ROOT, cache_dir=cache)
        out[name] = base / name
    return out


def copy(trained: dict[str, Path], name: str, tmp: Path) -> Path:
    return Path(shutil.copytree(trained[name], tmp / "model" / name))


def restamp(folder: Path) -> None:
    """Give model.json the sha256 of every plain file now in the folder (an attacker would)."""
    meta = json.loads((folder / MODEL_JSON).read_text())
    meta["files"] = {
        p.relative_to(folder).as_posix(): paths.sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink() and p.name != MODEL_JSON
    }
    (folder / MODEL_JSON).write_text(json.dumps(meta))


def edit_json(folder: Path, name: str, change: Callable[[Any], Any]) -> None:
    path = folder / name
    value = json.loads(path.read_text())
    path.write_text(json.dumps(change(value) or value))
    restamp(folder)


def refused(folder: Path, *needles: str) -> str:
    """load_model's ModelError: one line naming the folder, each needle, and a fix."""
    OPENED.clear()
    OPENING[0] = True
    try:
        with pytest.raises(ModelError) as caught:
            load_model(folder, SYSTEMS)
    finally:
        OPENING[0] = False
    message = str(caught.value)
    assert "\n" not in message, message
    assert str(folder) in message, message
    for needle in needles:
        assert needle in message, message
    assert any(w in message for w in ("train", "copy", "remove", "give")), message
    clauses = message.split("; ")
    assert len(clauses) == len(set(clauses)), f"a clause said twice: {message}"
    outside = [p for p in OPENED if not _inside(p, folder) and p.startswith(str(folder.parent))]
    assert outside == [], outside
    return message


def _inside(path: str, folder: Path) -> bool:
    return os.path.realpath(path).startswith(str(folder.resolve()) + os.sep)


# Paths outside the folder, links and special files -------------------------------------


def _table_entry(name: str) -> Callable[[Path], None]:
    def attack(folder: Path) -> None:
        meta = json.loads((folder / MODEL_JSON).read_text())
        meta["files"][name] = "0" * 64
        (folder / MODEL_JSON).write_text(json.dumps(meta))

    return attack


def _link(name: str, target: Callable[[Path], Path | str]) -> Callable[[Path], None]:
    def attack(folder: Path) -> None:
        where = folder / name
        if where.exists():
            where.unlink()
        where.symlink_to(target(folder))
        restamp(folder)

    return attack


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "queue.json")
    meta = json.loads((folder / MODEL_JSON).read_text())
    meta["files"]["queue.json"] = "0" * 64
    (folder / MODEL_JSON).write_text(json.dumps(meta))


def _socket(folder: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "s"))
    server.close()


def _sparse(folder: Path) -> None:
    with (folder / "crf-ner.crfsuite").open("r+b") as handle:
        handle.truncate(5 * 1024**3)
    meta = json.loads((folder / MODEL_JSON).read_text())
    meta["files"]["crf-ner.crfsuite"] = "0" * 64
    (folder / MODEL_JSON).write_text(json.dumps(meta))


def _layer_traversal(folder: Path) -> None:
    outside = folder.parent / "outside"
    outside.mkdir()
    shutil.copy(folder / "crf-ner.crfsuite", outside / "crf-evil.crfsuite")
    edit_json(folder, "crf.json", lambda s: {**s, "layers": ["x/../../outside/evil"]})


OUTSIDE: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "table-dotdot": (_table_entry("../secret.json"), ("'../secret.json'", "not a plain file")),
    "table-absolute": (_table_entry("/etc/shadow"), ("'/etc/shadow'", "not a plain file")),
    "table-empty-part": (_table_entry("a//b"), ("'a//b'",)),
    "link-out": (_link("leak.json", lambda f: "/etc/shadow"), ("leak.json", "symbolic link")),
    "link-in": (
        _link("crf.json", lambda f: f / "state.json"),
        ("crf.json", "symbolic link"),
    ),
    "link-dir": (_link("etc", lambda f: "/etc"), ("etc", "symbolic link")),
    "fifo": (_fifo, ("queue.json", "FIFO")),
    "socket": (_socket, ("socket",)),
    "crf-layer-traversal": (_layer_traversal, ("crf.json", "layers.0", "not a layer name")),
    # found by the re-attack: a sparse file of 5 GiB, listed, was hashed byte by byte
    "huge-sparse-file": (_sparse, ("more than any folder",)),
}


@pytest.mark.parametrize("case", sorted(OUTSIDE))
def test_paths_outside_the_folder_links_and_special_files_are_refused_unopened(
    trained: dict[str, Path], tmp_path: Path, case: str
) -> None:
    folder = copy(trained, "entities-crf", tmp_path)
    attack, needles = OUTSIDE[case]
    attack(folder)
    refused(folder, *needles)
    assert not any(p.startswith("/etc") for p in OPENED), OPENED


def test_a_device_in_the_folder_is_refused(trained: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(trained, "control-lexicon", tmp_path)
    try:
        os.mknod(folder / "zero", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("no permission to make a device node here")
    refused(folder, "zero", "character device")


# The files table -------------------------------------------------------------------------


def _meta(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def attack(folder: Path) -> None:
        meta = json.loads((folder / MODEL_JSON).read_text())
        change(meta)
        (folder / MODEL_JSON).write_text(json.dumps(meta))

    return attack


def _write(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(data) and None


TABLE: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "empty-table": (_meta(lambda m: m.update(files={})), ("not in model.json's files table",)),
    "unlisted-file": (_write("notes.txt", b"hello"), ("notes.txt", "not in model.json's files")),
    "loader-file-unlisted": (
        _meta(lambda m: m["files"].pop("lexicon.json")),
        ("lexicon.json", "not in model.json's files table"),
    ),
    "listed-but-missing": (
        _meta(lambda m: m["files"].update({"more.json": "0" * 64})),
        ("more.json", "missing"),
    ),
    "changed": (_write("lexicon.json", b'{"lexicon": []}'), ("lexicon.json", "changed")),
    "digest-not-hex": (
        _meta(lambda m: m["files"].update({"lexicon.json": "x" * 64})),
        ("64 hex digits",),
    ),
    # found by the re-attack: the size refusal ended with the links hint, not the fix
    "model-json-huge": (
        lambda folder: (folder / MODEL_JSON).write_bytes(b" " * (16 * 1024**2 + 1)),
        ("model.json", "larger than", "train the model again"),
    ),
    "extra-model-key": (_meta(lambda m: m.update(code="import os")), ("code", "Extra inputs")),
    "task-mismatch": (_meta(lambda m: m.update(task="entities")), ("tags control_measures",)),
    # found by the re-attack: a folder relabelled as the zero-shot system loaded
    "relabelled-zero-shot": (
        _meta(lambda m: m.update(system="entities-spacy-sm", task="entities")),
        ("lexicon.json", "saves no files"),
    ),
}


@pytest.mark.parametrize("case", sorted(TABLE))
def test_the_files_table_must_name_exactly_the_folders_files(
    trained: dict[str, Path], tmp_path: Path, case: str
) -> None:
    folder = copy(trained, "control-lexicon", tmp_path)
    attack, needles = TABLE[case]
    attack(folder)
    refused(folder, *needles)


# Settings train never writes -------------------------------------------------------------


def _tfidf(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    return lambda folder: edit_json(folder, "tfidf-lr.json", change)


def _params(key: str, value: Any) -> Callable[[Path], None]:
    return _tfidf(lambda s: s["vectorizer"]["params"].update({key: value}))


def _first_model(key: str, value: Any) -> Callable[[Path], None]:
    return _tfidf(lambda s: next(iter(s["models"].values()))["params"].update({key: value}))


def _arrays(name: str, change: Callable[[dict[str, np.ndarray]], None]) -> Callable[[Path], None]:
    def attack(folder: Path) -> None:
        arrays = load_file(str(folder / name))
        change(arrays)
        save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(folder / name))
        restamp(folder)

    return attack


def _write_stamped(name: str, text: str) -> Callable[[Path], None]:
    def attack(folder: Path) -> None:
        (folder / name).write_text(text)
        restamp(folder)

    return attack


def _first(arrays: dict[str, np.ndarray], suffix: str) -> str:
    return sorted(k for k in arrays if k.endswith(suffix))[0]


def _transpose(arrays: dict[str, np.ndarray]) -> None:
    key = _first(arrays, ".coef")
    arrays[key] = arrays[key].T


def _retype(arrays: dict[str, np.ndarray]) -> None:
    arrays["tfidf.idf"] = arrays["tfidf.idf"].astype(np.float32)


def _nan(arrays: dict[str, np.ndarray]) -> None:
    arrays["tfidf.idf"] = arrays["tfidf.idf"].copy()
    arrays["tfidf.idf"][3] = np.nan


SETTINGS: dict[str, tuple[str, Callable[[Path], None], tuple[str, ...]]] = {
    "tfidf-input-filename": ("control-tfidf-lr", _params("input", "filename"), ("input",)),
    "tfidf-analyzer-char": ("control-tfidf-lr", _params("analyzer", "char"), ("analyzer",)),
    "tfidf-catastrophic-pattern": (
        "control-tfidf-lr",
        _params("token_pattern", "(a+)+$"),
        ("token_pattern",),
    ),
    "tfidf-pattern-none": ("control-tfidf-lr", _params("token_pattern", None), ("token_pattern",)),
    "tfidf-preprocessor": ("control-tfidf-lr", _params("preprocessor", "os.system"), ("preproc",)),
    "tfidf-ngram-range": ("control-tfidf-lr", _params("ngram_range", [1, 50]), ("ngram_range",)),
    "tfidf-unknown-param": ("control-tfidf-lr", _params("dtype", "object"), ("dtype",)),
    "tfidf-duplicate-term": (
        "control-tfidf-lr",
        _tfidf(
            lambda s: s["vectorizer"]["vocabulary"].__setitem__(1, s["vectorizer"]["vocabulary"][0])
        ),
        ("vocabulary", "twice"),
    ),
    "logreg-solver": ("control-tfidf-lr", _first_model("solver", "saga"), ("solver",)),
    "logreg-class-weight": (
        "control-tfidf-lr",
        _first_model("class_weight", {"1": 1000.0}),
        ("class_weight",),
    ),
    "logreg-negative-c": ("control-tfidf-lr", _first_model("C", -1.0), (".C",)),
    "threshold-above-one": (
        "control-tfidf-lr",
        _tfidf(lambda s: s.update(threshold=2.0)),
        ("threshold",),
    ),
    "unknown-category": (
        "control-tfidf-lr",
        _tfidf(lambda s: s["models"].update(EVIL=next(iter(s["models"].values())))),
        ("EVIL",),
    ),
    "transposed-coef": (
        "attribution-tokenlr",
        _arrays("tokenlr.safetensors", _transpose),
        ("promises",),
    ),
    "retyped-idf": ("control-tfidf-lr", _arrays("tfidf-lr.safetensors", _retype), ("float32",)),
    "nan-idf": ("control-tfidf-lr", _arrays("tfidf-lr.safetensors", _nan), ("NaN",)),
    "extra-array": (
        "control-tfidf-lr",
        _arrays("tfidf-lr.safetensors", lambda a: a.update(extra=np.zeros(3))),
        ("'extra'",),
    ),
    "missing-array": (
        "attribution-tokenlr",
        _arrays("tokenlr.safetensors", lambda a: a.pop(_first(a, ".intercept"))),
        ("lacks",),
    ),
    "unknown-decoding": (
        "attribution-tokenlr",
        lambda f: edit_json(f, "tokenlr.json", lambda s: s.update(decoding="beam")),
        ("decoding",),
    ),
    "tag-train-never-writes": (
        "attribution-tokenlr",
        lambda f: edit_json(
            f,
            "tokenlr.json",
            lambda s: s["layers"]["CUE"]["classes"]["values"].__setitem__(0, "B-EVIL"),
        ),
        ("B-EVIL",),
    ),
    "attribute-value-unknown": (
        "attribution-tokenlr",
        lambda f: edit_json(f, "state.json", lambda s: s["rules"]["kind_default"].update(spy=3)),
        ("state.json", "rules"),
    ),
    "lexicon-category": (
        "control-lexicon",
        lambda f: edit_json(f, "lexicon.json", lambda s: s["lexicon"][0].__setitem__(1, ["EVIL"])),
        ("lexicon.json", "EVIL"),
    ),
    "crf-layer-unknown": (
        "entities-crf",
        lambda f: edit_json(f, "crf.json", lambda s: s.update(layers=["ner", "SOURCE"])),
        ("crf-SOURCE.crfsuite", "missing"),
    ),
    "duplicate-json-key": (
        "entities-crf",
        _write_stamped("crf.json", '{"layers": ["ner"], "layers": [], "selected": {}}'),
        ("crf.json", "duplicate key"),
    ),
}


@pytest.mark.parametrize("case", sorted(SETTINGS))
def test_settings_train_never_writes_are_refused(
    trained: dict[str, Path], tmp_path: Path, case: str
) -> None:
    name, attack, needles = SETTINGS[case]
    folder = copy(trained, name, tmp_path)
    attack(folder)
    refused(folder, *needles)


def test_a_state_file_that_is_no_json_gets_the_retrain_fix_not_the_files_table_hint(
    trained: dict[str, Path], tmp_path: Path
) -> None:
    # found by the re-attack: NaN in tfidf-lr.json was answered with a files-table hint
    folder = copy(trained, "control-tfidf-lr", tmp_path)
    edit_json(folder, "tfidf-lr.json", lambda s: s.update(threshold=float("nan")))
    message = refused(folder, "tfidf-lr.json", "NaN", "train the model again")
    assert "files table" not in message


# crfsuite files: a crash must become one line ---------------------------------------------

LOAD_EACH = """
import json, sys
from pathlib import Path
from nkworkers.baselines.systems.registry import SYSTEMS
from nkworkers.baselines.tagging.model_folder import ModelError, load_model
results = []
text = "Kim Jong Un met workers in Moscow on 3 May 2019."
for folder in sys.argv[1:]:
    try:
        system, _ = load_model(Path(folder), SYSTEMS)
        system.predict([{"doc_id": "d", "text": text}])
        results.append("loaded")
    except ModelError as exc:
        results.append("refused: " + str(exc))
print(json.dumps(results))
"""


def _damaged_crf_files(data: bytes, count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(seed)
    for cut in (0, 4, 47, 48, 1000, len(data) // 2, len(data) - 1):
        yield f"cut-{cut}", data[:cut]
    yield "magic", b"XCRF" + data[4:]
    yield "size-lies", data[:4] + (len(data) * 2).to_bytes(4, "little") + data[8:]
    for i in range(count):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(damaged) - 4)
            damaged[at : at + 4] = rng.randrange(1 << 32).to_bytes(4, "little")
        yield f"random-{i}", bytes(damaged)


def test_damaged_crfsuite_files_give_one_line_never_a_crash(
    trained: dict[str, Path], tmp_path: Path
) -> None:
    """Truncated and corrupted crfsuite files, sha256 updated, loaded in a fresh process.

    python-crfsuite reads such files unchecked and dies with SIGSEGV (exit
    139); every one must now be refused in one line, or load and predict.
    """
    source = trained["entities-crf"] / "crf-ner.crfsuite"
    folders = []
    for name, data in _damaged_crf_files(source.read_bytes(), count=40, seed=7):
        folder = Path(shutil.copytree(trained["entities-crf"], tmp_path / name))
        (folder / "crf-ner.crfsuite").write_bytes(data)
        restamp(folder)
        folders.append(folder)
    done = subprocess.run(
        [sys.executable, "-c", LOAD_EACH, *map(str, folders)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for folder, result in zip(folders, results, strict=True):
        if folder.name.startswith(("cut", "magic", "size")):
            assert result.startswith("refused:") and "crf-ner.crfsuite" in result, result
        assert "\n" not in result
    assert sum(r.startswith("refused") for r in results) >= len(results) // 2


# The command line: one line, exit 1, no traceback -----------------------------------------


def test_tag_refuses_a_truncated_crfsuite_file_in_one_line(
    trained: dict[str, Path], tmp_path: Path
) -> None:
    """The command a user runs: exit 1, one line, no traceback, nothing written (not exit 139)."""
    folder = copy(trained, "entities-crf", tmp_path)
    (folder / "crf-ner.crfsuite").write_bytes((folder / "crf-ner.crfsuite").read_bytes()[:900])
    restamp(folder)
    articles = tmp_path / "in.jsonl"
    articles.write_text(json.dumps({"doc_id": "a", "text": "Workers in Moscow."}) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "nkworkers.loaders.cli", "tag", "--model", str(folder),
         "--input", str(articles), "--out", str(tmp_path / "out.jsonl")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(folder) in lines[0]
    assert not (tmp_path / "out.jsonl").exists()


# Folders readable as the umask says (issue 18) --------------------------------------------


class _Tiny:
    name = "control-lexicon"
    task = "control_measures"

    def save(self, directory: Path) -> dict[str, Any]:
        (directory / "sub").mkdir()
        (directory / "sub" / "a.json").write_text("{}")
        save_file({"x": np.zeros(2)}, str(directory / "w.safetensors"))  # safetensors makes 0600
        return {}


@pytest.mark.parametrize(
    ("umask", "folder_mode", "file_mode"), [(0o022, 0o755, 0o644), (0o077, 0o700, 0o600)]
)
def test_model_folders_are_readable_as_the_umask_says(
    tmp_path: Path, umask: int, folder_mode: int, file_mode: int
) -> None:
    old = os.umask(umask)
    try:
        out = tmp_path / "model"
        save_model(_Tiny(), out, seed=0, validation_figures={}, data_fingerprint="t")  # type: ignore[arg-type]
    finally:
        os.umask(old)
    for path in [out, out / "sub"]:
        assert stat.S_IMODE(path.stat().st_mode) == folder_mode, oct(path.stat().st_mode)
    for path in [out / MODEL_JSON, out / "sub" / "a.json", out / "w.safetensors"]:
        assert stat.S_IMODE(path.stat().st_mode) == file_mode, (path, oct(path.stat().st_mode))


# Folders written before the gate ----------------------------------------------------------


@pytest.mark.parametrize("name", ["control-lexicon", "control-tfidf-lr"])
def test_folders_written_before_the_gate_still_load(name: str, tmp_path: Path) -> None:
    """tests/golden/models-v1: folders trained by the code before this change (drwx------)."""
    folder = Path(shutil.copytree(GOLDEN / name, tmp_path / name))
    system, meta = load_model(folder, SYSTEMS)
    assert meta["format_version"] == 1
    documents = [
        {"doc_id": p.stem, "text": p.read_text(encoding="utf-8")}
        for p in sorted((ROOT / "raw").glob("*.txt"))
    ]
    rows = system.predict(documents)
    for row in rows:
        PredictionRow.model_validate(row)
    assert sum(len(r["control_measures"]) for r in rows) > 0


# The corpus a model was trained on --------------------------------------------------------


@pytest.fixture
def fresh_notes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(corpus_note, "_said", set())
    yield


def test_a_model_of_another_corpus_version_warns_naming_both_fingerprints(
    trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], fresh_notes: None
) -> None:
    folder = copy(trained, "control-lexicon", tmp_path)
    meta = json.loads((folder / MODEL_JSON).read_text())
    ours = meta["data_fingerprint"]
    _meta(lambda m: m.update(data_fingerprint="f" * 64))(folder)
    load_model(folder, SYSTEMS, root=ROOT)
    load_model(folder, SYSTEMS, root=ROOT)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "f" * 64 in err[0] and ours in err[0] and str(folder) in err[0]


def test_outside_a_checkout_the_fingerprints_are_not_compared_and_it_says_so_once(
    trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], fresh_notes: None
) -> None:
    for name in ("control-lexicon", "control-tfidf-lr"):
        load_model(trained[name], SYSTEMS, root=tmp_path)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "not a corpus checkout" in err[0]


def test_a_model_of_this_corpus_loads_without_a_word(
    trained: dict[str, Path], capsys: pytest.CaptureFixture[str], fresh_notes: None
) -> None:
    load_model(trained["control-lexicon"], SYSTEMS, root=ROOT)
    assert capsys.readouterr().err == ""
