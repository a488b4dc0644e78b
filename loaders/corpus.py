"""Read the corpus from disk: raw/ texts and manifest, annotations/, splits.

Reading never raises on bad content: problems are collected as ``Problem``
records (file, record id, what is wrong, how to fix it) so that ``validate``
and ``build`` can report every one of them, not just the first.
"""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from nkworkers.loaders.files import jsonio
from nkworkers.loaders.files.atomic import write_json
from nkworkers.loaders.model import Annotation, Document, ManifestEntry, Splits

RAW = "raw"
MANIFEST = "raw/manifest.jsonl"
ANNOTATIONS = "annotations"
SPLITS = "annotations/splits.json"
#: Largest raw text or annotation file read (bytes); a news article is far smaller.
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    file: str
    record: str
    message: str
    fix: str  # required: every problem says how to repair it

    def __str__(self) -> str:
        fix = f" Fix: {self.fix}" if self.fix else ""
        line = f"{self.file}: {self.record}: {self.message}.{fix}"
        # Ids and keys come from the files: a lone surrogate or a control
        # character must not break the terminal or the line it is printed on.
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)


class CorpusError(Exception):
    """Raised by operations that refuse to go on while the corpus has problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s):\n{shown}{more}")


@dataclass
class Index:
    """What the corpus holds, read without reading the texts and annotations."""

    manifest: dict[str, ManifestEntry] = field(default_factory=dict)
    raw_ids: set[str] = field(default_factory=set)
    annotation_ids: set[str] = field(default_factory=set)
    splits: Splits | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Loaded(Index):
    """The index plus every text and annotation, and every problem met reading them."""

    raw_bytes: dict[str, bytes] = field(default_factory=dict)
    annotations: dict[str, Annotation] = field(default_factory=dict)

    def documents(self) -> Iterator[Document]:
        for doc_id in sorted(self.manifest):
            if doc_id in self.raw_bytes and doc_id in self.annotations:
                yield Document(
                    meta=self.manifest[doc_id],
                    text=self.raw_bytes[doc_id].decode("utf-8", errors="replace"),
                    annotation=self.annotations[doc_id],
                )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def annotation_path(root: Path, doc_id: str) -> Path:
    return root / ANNOTATIONS / f"{doc_id}.json"


def _record_of(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Name the record a pydantic error points into: its id when it has one."""
    node, names = raw, []
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "id" in node:
            name = str(node["id"])
            names.append(name if len(name) <= jsonio.CLIP else jsonio.clip(name))
    path = ".".join(str(p) for p in loc)
    path = path if len(path) <= jsonio.CLIP else jsonio.clip(path)
    return f"{names[-1]} ({path})" if names else path or "<document>"


def pydantic_problems(file: str, raw: Any, error: ValidationError) -> list[Problem]:
    problems = []
    for err in error.errors():
        expected = err.get("ctx", {}).get("expected")
        fix = f"use one of {expected}" if expected else "correct the value to match the schema"
        problems.append(
            Problem(
                file,
                _record_of(raw, err["loc"]),
                f"{err['msg']} (got {jsonio.clip(err.get('input'))})",
                fix,
            )
        )
    return problems


def _duplicate_owner(text: str) -> str:
    """The id of the innermost object holding a duplicate key, or '<document>'.

    Called only after jsonio refused ``text`` for a duplicate key, so the text
    is otherwise well-formed and shallow enough to parse again.
    """
    owner: list[str] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if not owner and len(set(keys)) < len(keys):
            ids = [v for k, v in pairs if k in ("id", "doc_id") and isinstance(v, str)]
            owner.append(ids[0] if ids else "")
        return dict(pairs)

    json.loads(text, object_pairs_hook=hook, parse_int=lambda _: 0)
    return jsonio.clip(owner[0]) if owner and owner[0] else "<document>"


def json_problem(file: str, record: str, exc: jsonio.JsonError, text: str | None) -> Problem:
    """A Problem for JSON that jsonio refused; names the record of a duplicate key."""
    if text is not None and exc.message.startswith("duplicate key"):
        owner = _duplicate_owner(text)
        record = owner if owner != "<document>" else record
    return Problem(file, record, exc.message, exc.fix)


def parse_value(file: str, raw: Any, model: type[BaseModel]) -> tuple[Any, list[Problem]]:
    """Validate an already parsed JSON value against ``model``: (instance or None, problems)."""
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        return None, pydantic_problems(file, raw, exc)


def parse(file: str, data: bytes, model: type[BaseModel]) -> tuple[Any, list[Problem]]:
    """Parse JSON bytes strictly (loaders.jsonio) into ``model``: (instance or None, problems)."""
    text = None
    try:
        text = jsonio.decode(data)
        raw = jsonio.loads(text)
    except jsonio.JsonError as exc:
        return None, [json_problem(file, "<document>", exc, text)]
    return parse_value(file, raw, model)


def read_manifest(root: Path, index: Index) -> None:
    path = root / MANIFEST
    if not path.is_file():
        index.problems.append(Problem(MANIFEST, "<file>", "missing", "restore raw/manifest.jsonl"))
        return
    # validate has no --max-line-bytes: one article's metadata is far below the limit.
    fix = "restore raw/manifest.jsonl from git; a line holds one article's metadata"
    for line in jsonio.iter_jsonl(path, too_long_fix=fix):
        where = f"{MANIFEST}:{line.number}"
        if line.error is not None:
            text = None
            if line.error.message.startswith("duplicate key"):
                text = _line_text(path, line.number)
            index.problems.append(json_problem(where, "<line>", line.error, text))
            continue
        entry, problems = parse_value(where, line.value, ManifestEntry)
        index.problems += problems
        if entry is None:
            continue
        if entry.doc_id in index.manifest:
            index.problems.append(
                Problem(where, entry.doc_id, "duplicate doc_id", "keep one line per article")
            )
        index.manifest[entry.doc_id] = entry


def _line_text(path: Path, number: int) -> str | None:
    """Line ``number`` (1-based, split on b"\n") of a file already read once by iter_jsonl."""
    with path.open("rb") as handle:
        for i, raw in enumerate(handle, start=1):
            if i == number:
                return raw.decode("utf-8", errors="replace")
    return None


def refuse_writing_into_corpus(root: Path, out: Path, targets: Iterable[Path]) -> None:
    """Refuse an output whose files would land in raw/, annotations/, data/ or README.md.

    ``export --out raw`` once rewrote the raw texts with brat's "\\n" line
    ends: no command but build, add-article and ls pull writes the corpus.

    Raises:
        CorpusError: naming ``out`` and the first corpus file it would overwrite or join.
    """
    base = root.resolve()
    guarded = [base / RAW, base / ANNOTATIONS, base / "data"]
    for target in targets:
        path = target.resolve()
        if path == base / "README.md" or any(g == path or g in path.parents for g in guarded):
            shown = path.relative_to(base).as_posix()
            raise CorpusError(
                [
                    Problem(
                        str(out),
                        "<out>",
                        f"would write {shown} inside the corpus it reads",
                        "write elsewhere: not into raw/, annotations/, data/ or README.md",
                    )
                ]
            )


def missing_root(root: Path) -> Problem | None:
    """A Problem when ``root`` is not an existing folder (a mistyped --root)."""
    if root.is_dir():
        return None
    what = "is not a folder" if root.exists() else "does not exist"
    return Problem(
        str(root),
        "<root>",
        f"the corpus root {what}",
        "pass --root the checkout that holds raw/ and annotations/ (default: current folder)",
    )


def _fill_index(root: Path, index: Index) -> None:
    if (problem := missing_root(root)) is not None:
        index.problems.append(problem)
        return
    read_manifest(root, index)
    index.raw_ids = {p.stem for p in (root / RAW).glob("*.txt")}
    index.annotation_ids = {
        p.stem
        for p in (root / ANNOTATIONS).glob("*.json")
        if p.name not in {"splits.json", "schema.json"}
    }
    splits_path = root / SPLITS
    if splits_path.is_file():
        index.splits, problems = parse(SPLITS, splits_path.read_bytes(), Splits)
        index.problems += problems
    else:
        index.problems.append(Problem(SPLITS, "<file>", "missing", "restore the split file"))


def read_index(root: Path) -> Index:
    """Manifest, splits and which files exist; the texts and annotations are not read."""
    index = Index()
    _fill_index(root, index)
    return index


def _not_plain(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a folder" if stat.S_ISDIR(mode) else "a device, FIFO or socket"


def read_plain(path: Path, file: str, record: str) -> tuple[bytes | None, list[Problem]]:
    """A corpus file's bytes (None when absent), refusing anything but a plain file.

    A folder or FIFO in place of an article's file was once skipped in silence
    (the build dropped the article), and a symlink let ``validate`` quote
    another file (``text[0:12] is 'root:*:...'``): only regular files of at
    most MAX_FILE_BYTES are read; anything else is a Problem.
    """
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None, []
    except OSError as exc:
        return None, [Problem(file, record, f"cannot be read ({exc.strerror})", "restore it")]
    if not stat.S_ISREG(info.st_mode):
        return None, [
            Problem(
                file,
                record,
                f"is {_not_plain(info.st_mode)}, not a plain file",
                "put the file itself there (git restore it)",
            )
        ]
    if info.st_size > MAX_FILE_BYTES:
        return None, [
            Problem(
                file,
                record,
                f"file of {info.st_size:,} bytes (at most {MAX_FILE_BYTES:,} are read)",
                "restore the file; an article and its annotation are far smaller",
            )
        ]
    try:
        return path.read_bytes(), []
    except OSError as exc:
        return None, [Problem(file, record, f"cannot be read ({exc.strerror})", "restore it")]


def read_document(root: Path, doc_id: str) -> tuple[bytes | None, Annotation | None, list[Problem]]:
    """One article's raw bytes and parsed annotation (None where missing or unreadable)."""
    raw, problems = read_plain(root / RAW / f"{doc_id}.txt", f"{RAW}/{doc_id}.txt", doc_id)
    file = f"{ANNOTATIONS}/{doc_id}.json"
    data, more = read_plain(annotation_path(root, doc_id), file, doc_id)
    problems += more
    if data is None:
        return raw, None, problems
    annotation, more = parse(file, data, Annotation)
    return raw, annotation, problems + more


def read_corpus(root: Path) -> Loaded:
    """Read everything; never raises on bad content (see Loaded.problems)."""
    loaded = Loaded()
    _fill_index(root, loaded)
    for doc_id in sorted(loaded.raw_ids | loaded.annotation_ids):
        raw, annotation, problems = read_document(root, doc_id)
        loaded.problems += problems
        if raw is not None:
            loaded.raw_bytes[doc_id] = raw
        if annotation is not None:
            loaded.annotations[doc_id] = annotation
    return loaded


def write_annotation(root: Path, annotation: Annotation) -> None:
    write_json(annotation_path(root, annotation.doc_id), annotation.model_dump(mode="json"))
