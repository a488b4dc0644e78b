"""What ``nkworkers tag`` accepts: one input record checked into an article or a reject.

Every input record becomes an :class:`Item` (where it came from, and the
parsed value or why it could not be read; nkworkers.baselines.tagging.readers
reads them), and :func:`check` turns an item into an :class:`Article` or a
:class:`Reject` with the reason. The same functions run in the local engine
and inside Ray Data's workers, so both reject the same rows for the same
reasons. Duplicate doc_ids are found by whoever sees the rows in order
(:class:`Seen`), after checking.

Other fields/columns are carried through to the output unchanged (except
``text`` and names of prediction layers, which the output owns). A carried
value that neither JSON nor parquet holds exactly is a reject, not a
conversion: a non-finite float (``1e400`` parses to inf; a NaN in a parquet
float column), an integer outside the signed 64-bit range, or nesting deeper
than the strict JSON reader takes. Such a row once failed the final merge of
the whole run (and every ``--resume`` after it); converting it to text
instead would silently turn the whole parquet column into strings.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nkworkers.loaders.files import jsonio
from nkworkers.loaders.predictions import LAYERS

#: Longest JSONL line, .txt file or parquet text (bytes) read: bounds the
#: memory one article takes; the reason names the limit.
MAX_ARTICLE_BYTES = jsonio.DEFAULT_MAX_LINE_BYTES
RESERVED = frozenset({"doc_id", "text", *LAYERS})
INT64 = (-(2**63), 2**63 - 1)


class InputError(ValueError):
    """An input that cannot be read at all (missing, unknown kind): one line with the fix."""


@dataclass(frozen=True)
class Item:
    source: str  # the input path as given (a folder's entry: folder/name)
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


def shown(path: str | Path) -> str:
    """A path as text that JSON and UTF-8 can hold: undecodable bytes of a file name
    (os.fsdecode's surrogates) become backslash escapes instead of crashing the writer."""
    return str(path).encode("utf-8", "backslashreplace").decode("utf-8")


def special_kind(mode: int) -> str | None:
    """'a FIFO', 'a socket', ... for what is neither a regular file nor a folder."""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else "not a regular file"


def stat_problem(path: Path) -> tuple[os.stat_result | None, str | None]:
    """The stat of path (symlinks followed), or why it cannot be read, without opening it."""
    try:
        return path.stat(), None
    except FileNotFoundError:
        if path.is_symlink():
            return None, f"a dangling symlink (to {shown(os.readlink(path))})"
        return None, "no such file or folder"
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return None, "a symlink loop"
        return None, f"cannot read it ({exc.strerror})"


def kind_of(path: Path) -> str:
    """'jsonl', 'parquet' or 'folder'; raises InputError otherwise (special files too)."""
    st, problem = stat_problem(path)
    if st is None:
        raise InputError(f"{path}: {problem}; pass a JSONL, a parquet or a folder of .txt files")
    if stat.S_ISDIR(st.st_mode):
        return "folder"
    special = special_kind(st.st_mode)
    if special:
        raise InputError(f"{path}: {special}, not a file; pass a JSONL, a parquet or a folder")
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


def too_long(what: str) -> str:
    return f"{what} longer than {MAX_ARTICLE_BYTES:,} bytes; split the article"


def check(item: Item) -> Article | Reject:
    """The item as an Article, or a Reject saying what is wrong with it."""
    value = item.value
    doc_id = value.get("doc_id") if isinstance(value, dict) else None
    shown_id = doc_id if isinstance(doc_id, str) else None
    if item.error is not None:
        return Reject(item.source, item.line, shown_id, item.error)
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
    reason = _unicode_problem("doc_id", doc_id) or _text_problem(value.get("text"))
    extra = {k: v for k, v in value.items() if k not in RESERVED}
    reason = reason or next(
        (p for k, v in extra.items() if (p := carried_problem(k, v)) is not None), None
    )
    if reason:
        return Reject(item.source, item.line, shown(doc_id), reason)
    return Article(doc_id, str(value["text"]), extra)


def _unicode_problem(what: str, text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate (JSON escape, undecodable file name)
        return f"{what} is not valid Unicode (lone surrogate at character {exc.start})"
    return None


def _text_problem(text: Any) -> str | None:
    if text is None:
        return "missing text"
    if not isinstance(text, str):
        return f"text is not a string (got {type(text).__name__})"
    if not text.strip():
        return "empty text"
    if len(text) > MAX_ARTICLE_BYTES // 4 and len(text.encode("utf-8")) > MAX_ARTICLE_BYTES:
        return too_long("text")
    return _unicode_problem("text", text)


def carried_problem(column: str, value: Any, depth: int = 0) -> str | None:
    """Why a carried value cannot pass through JSON and parquet unchanged, or None."""
    where = f"carried column {jsonio.clip(column)}"
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where} holds {value!r}, not a finite number; write null or a finite number"
    if isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
        return (
            f"{where} holds {jsonio.clip(value)}, an integer beyond 64 bits; write it as a string"
        )
    children: list[Any] = []
    if isinstance(value, dict):
        children = list(value.values())
    elif isinstance(value, list | tuple):
        children = list(value)
    if children and depth >= jsonio.MAX_DEPTH - 2:
        return f"{where} nests deeper than {jsonio.MAX_DEPTH - 2} levels; flatten it"
    return next((p for child in children if (p := carried_problem(column, child, depth + 1))), None)


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
