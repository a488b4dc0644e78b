"""What ``nkworkers tag`` reads: articles from JSONL, parquet or a folder of .txt files.

Every input becomes a stream of :class:`Item` (where it came from, and the
parsed value or why it could not be parsed), and :func:`check` turns an item
into an :class:`Article` or a :class:`Reject` with the reason. The same
functions run in the local engine and inside Ray Data's workers, so both
reject the same rows for the same reasons. Duplicate doc_ids are found by
whoever sees the rows in order (:class:`Seen`), after checking.

- JSONL: one object per line with ``doc_id`` and ``text``; lines split on
  ``b"\\n"`` only and parsed strictly (nkworkers.loaders.files.jsonio): not UTF-8, not JSON,
  or over ``max_line_bytes`` is a reject.
- parquet: columns ``doc_id`` and ``text``, read one record batch at a time.
- a folder: every ``*.txt`` file (sorted by name), doc_id = the file stem,
  text = the file decoded as strict UTF-8.

Other fields/columns are carried through to the output unchanged (except
``text`` and names of prediction layers, which the output owns).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nkworkers.loaders.files import jsonio
from nkworkers.loaders.predictions import LAYERS

DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024
RESERVED = frozenset({"doc_id", "text", *LAYERS})


class InputError(ValueError):
    """An input that cannot be read at all (missing, unknown kind): one line with the fix."""


@dataclass(frozen=True)
class Item:
    source: str  # file path
    line: int | None  # 1-based line (JSONL) or row (parquet); None for a .txt file
    value: Any = None
    error: str | None = None


@dataclass(frozen=True)
class Article:
    doc_id: str
    text: str
    extra: dict[str, Any] = field(default_factory=dict)  # carried-through columns


@dataclass(frozen=True)
class Reject:
    source: str
    line: int | None
    doc_id: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "doc_id": self.doc_id,
            "reason": self.reason,
        }


def kind_of(path: Path) -> str:
    """'jsonl', 'parquet' or 'folder'; raises InputError otherwise."""
    if path.is_dir():
        return "folder"
    if not path.is_file():
        raise InputError(f"{path}: no such file or folder; pass a JSONL, a parquet or a folder")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".parquet":
        return "parquet"
    raise InputError(f"{path}: unknown input kind {suffix!r}; use .jsonl, .parquet or a folder")


def decode_text(data: bytes) -> str:
    """Strict UTF-8 without a byte-order mark; raises ValueError naming the byte offset."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise ValueError("starts with a UTF-8 byte-order mark; save it without one")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"not UTF-8: byte {data[exc.start : exc.start + 1]!r} at byte offset {exc.start}"
        ) from None


def parse_line(source: str, number: int, raw: bytes) -> Item:
    """One JSONL line (without its b"\\n") as an Item."""
    try:
        return Item(source, number, jsonio.loads(jsonio.decode(raw)))
    except jsonio.JsonError as exc:
        return Item(source, number, error=exc.message)


def file_item(path: str, data: bytes) -> Item:
    """One .txt file as an Item: {doc_id: stem, text}."""
    doc_id = Path(path).stem
    try:
        return Item(path, None, {"doc_id": doc_id, "text": decode_text(data)})
    except ValueError as exc:
        return Item(path, None, {"doc_id": doc_id}, error=str(exc))


def read_items(path: Path, *, batch_rows: int = 1024) -> Iterator[Item]:
    """Every input record in order, in memory bounded by one line/file/record batch."""
    kind = kind_of(path)
    if kind == "jsonl":
        for line in jsonio.iter_jsonl(path, max_line_bytes=DEFAULT_MAX_LINE_BYTES):
            if line.error is not None:
                yield Item(str(path), line.number, error=line.error.message)
            else:
                yield Item(str(path), line.number, line.value)
    elif kind == "parquet":
        import pyarrow.parquet as pq

        number = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
            for row in batch.to_pylist():
                number += 1
                yield Item(str(path), number, row)
    else:
        for file in sorted(path.glob("*.txt")):
            yield file_item(str(file), file.read_bytes())


def count_items(path: Path) -> int | None:
    """How many records the input holds (for the progress bar), cheaply; None if unknown."""
    kind = kind_of(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    if kind == "folder":
        return sum(1 for _ in path.glob("*.txt"))
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def check(item: Item) -> Article | Reject:
    """The item as an Article, or a Reject saying what is wrong with it."""
    value = item.value
    doc_id = value.get("doc_id") if isinstance(value, dict) else None
    shown = doc_id if isinstance(doc_id, str) else None
    if item.error is not None:
        return Reject(item.source, item.line, shown, item.error)
    if not isinstance(value, dict):
        return Reject(item.source, item.line, None, f"not an object: {jsonio.clip(value)}")
    if doc_id is None:
        return Reject(item.source, item.line, None, "missing doc_id")
    if not isinstance(doc_id, str) or not doc_id.strip():
        return Reject(
            item.source,
            item.line,
            None,
            f"doc_id must be a non-empty string, got {jsonio.clip(doc_id)}",
        )
    text = value.get("text")
    reason = _text_problem(text)
    if reason:
        return Reject(item.source, item.line, doc_id, reason)
    extra = {k: v for k, v in value.items() if k not in RESERVED}
    return Article(doc_id, str(text), extra)


def _text_problem(text: Any) -> str | None:
    if text is None:
        return "missing text"
    if not isinstance(text, str):
        return f"text is not a string (got {type(text).__name__})"
    if not text.strip():
        return "empty text"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate from a JSON \\ud800 escape
        return f"text is not valid Unicode (lone surrogate at character {exc.start})"
    return None


class Seen:
    """First occurrence wins: later rows with a doc_id already seen are rejected.

    ``done`` holds the doc_ids already in the output (--resume): their first
    occurrence is skipped, not tagged again. Memory: one set of doc_ids.
    """

    def __init__(self, done: set[str] | None = None) -> None:
        self.done = done or set()
        self.seen: dict[str, str] = {}

    def admit(self, article: Article, source: str, line: int | None) -> Reject | bool:
        """True: tag it; False: already in the output; a Reject: a duplicate."""
        where = self.seen.get(article.doc_id)
        if where is not None:
            return Reject(source, line, article.doc_id, f"duplicate doc_id (first at {where})")
        self.seen[article.doc_id] = f"line {line}" if line is not None else source
        return article.doc_id not in self.done
