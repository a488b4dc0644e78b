"""Read JSON and JSONL strictly: every reader of the project goes through here.

Python's ``json`` accepts inputs that silently change data or crash the
reader: a repeated key keeps the last value, a 5,000-digit integer raises
ValueError, deep nesting raises RecursionError, ``NaN`` is accepted, and
``str.splitlines`` splits on U+2028 and other characters that JSON allows
inside strings. These functions refuse all of that with :class:`JsonError`,
whose message names what is wrong and whose ``fix`` says how to repair it;
callers add the file and the record (line number) they know.

JSONL is split on ``b"\\n"`` only (JSON Lines, https://jsonlines.org/), each
line decoded as UTF-8 on its own, so a bad byte names its line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

#: Longest line (bytes) a JSONL reader takes unless the caller raises it.
DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024
#: Longest integer literal (digits); offsets and counts never come near it.
MAX_INT_DIGITS = 20
#: Nesting depth beyond which a document is refused before Python recurses.
MAX_DEPTH = 64
#: Values quoted in messages are cut to this many characters.
CLIP = 80
#: What may hold a lone surrogate: a \\uD800-\\uDFFF escape, or one already in the text.
_MAY_HOLD_SURROGATE = re.compile("\\\\u[dD][89a-fA-F]|[\ud800-\udfff]")


class JsonError(ValueError):
    """A JSON text that the project refuses: ``message`` and how to ``fix`` it."""

    def __init__(self, message: str, fix: str):
        self.message = message
        self.fix = fix
        super().__init__(f"{message}. Fix: {fix}")


def clip(value: Any, limit: int = CLIP) -> str:
    """``repr`` of a value cut to ``limit`` characters, saying how much was cut."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise JsonError(
                f"duplicate key {clip(key)} in one object (JSON readers keep only one)",
                f"keep a single {clip(key)} key in that object",
            )
        obj[key] = value
    return obj


def _parse_int(literal: str) -> int:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise JsonError(
            f"integer of {digits} digits (at most {MAX_INT_DIGITS} are read)",
            "write offsets and counts as ordinary integers",
        )
    return int(literal)


def _refuse_constant(name: str) -> Any:
    raise JsonError(f"{name} is not JSON", "write a number or null instead")


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before ``json`` recurses into it."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise JsonError(
                    f"arrays or objects nested deeper than {MAX_DEPTH} levels",
                    "flatten the structure; no field of this format nests that deep",
                )
        elif char in "]}":
            depth -= 1


def _lone_surrogate(value: Any, where: str) -> tuple[str, str] | None:
    """(where, the string) of the first string or key holding a lone surrogate."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where or "<document>", value
        return None
    items: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found = _lone_surrogate(key, f"a key of {where or '<document>'}")
            if found:
                return found
            items.append((f"{where}.{key}" if where else key, child))
    elif isinstance(value, list):
        items = [(f"{where}.{i}" if where else str(i), child) for i, child in enumerate(value)]
    for path, child in items:
        if found := _lone_surrogate(child, path):
            return found
    return None


def _refuse_lone_surrogates(text: str, value: Any) -> None:
    """A lone \\ud800 escape is legal JSON but no character: UTF-8 cannot store it,
    so the build's parquet writer, exports and viewer crash on it. Refuse it here."""
    if not _MAY_HOLD_SURROGATE.search(text):
        return
    found = _lone_surrogate(value, "")
    if found:
        where, string = found
        raise JsonError(
            f"text is not valid Unicode (lone surrogate in the string at {clip(where)}: "
            f"{clip(string)}; \\ud800-\\udfff escapes only come in pairs)",
            "write the character itself, or remove the escape",
        )


def loads(text: str) -> Any:
    """Parse one JSON text strictly.

    Raises:
        JsonError: malformed JSON (with line and column), a duplicate key, an
            over-long integer, NaN/Infinity, nesting deeper than MAX_DEPTH, or
            a lone surrogate (``"\\ud800"``) in a string or key.
    """
    if text.count("[") + text.count("{") > MAX_DEPTH:
        _check_depth(text)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs_without_duplicates,
            parse_int=_parse_int,
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as exc:
        raise JsonError(
            f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            "repair the JSON syntax there (a JSON linter shows it)",
        ) from None
    except RecursionError:
        raise JsonError(
            "nesting too deep to read", "flatten the structure; no field nests that deep"
        ) from None
    _refuse_lone_surrogates(text, value)
    return value


def decode(data: bytes) -> str:
    """UTF-8 text of ``data`` (a leading BOM is an error: the files are plain UTF-8).

    Raises:
        JsonError: the bytes are not UTF-8 (naming the byte offset), or start with a BOM.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        # json's own message ("decode using utf-8-sig") tells a user to change our code.
        raise JsonError("starts with a UTF-8 byte-order mark (BOM)", "save it as UTF-8 without BOM")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonError(
            f"not UTF-8: byte {data[exc.start : exc.start + 1]!r} at byte offset {exc.start}",
            "save the file as UTF-8",
        ) from None


def load_file(path: Path) -> Any:
    """Parse a whole JSON file strictly (see :func:`loads`); OSError passes through."""
    return loads(decode(path.read_bytes()))


@dataclass(frozen=True)
class Line:
    """One JSONL line: its 1-based number, and either its value or its error."""

    number: int
    value: Any = None
    error: JsonError | None = None


def _lines(handle: BinaryIO, max_line_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, bytes without b"\\n"), or None for an over-long line."""
    number = 0
    while True:
        number += 1
        chunk = handle.readline(max_line_bytes + 1)
        if not chunk:
            return
        if len(chunk) > max_line_bytes and not chunk.endswith(b"\n"):
            # Skip the rest of the line without holding it in memory.
            while chunk and not chunk.endswith(b"\n"):
                chunk = handle.readline(1024 * 1024)
            yield number, None
            continue
        yield number, chunk.rstrip(b"\n").rstrip(b"\r")


def iter_jsonl(
    path: Path,
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    skip_blank: bool = True,
    too_long_fix: str = "split the article, or raise the limit with --max-line-bytes",
) -> Iterator[Line]:
    """Each line of a JSONL file, parsed strictly, in constant memory per line.

    Lines are split on ``b"\\n"`` only, so U+2028/U+2029 and other characters
    that ``str.splitlines`` treats as line ends stay inside their string.
    A line longer than ``max_line_bytes`` is not read; its Line carries a
    JsonError whose fix is ``too_long_fix`` (by default: how to raise the
    limit; a reader without that option says something else). Blank lines
    are skipped.
    """
    with path.open("rb") as handle:
        for number, raw in _lines(handle, max_line_bytes):
            if raw is None:
                yield Line(number, error=_too_long(max_line_bytes, too_long_fix))
                continue
            if skip_blank and not raw.strip():
                continue
            try:
                yield Line(number, value=loads(decode(raw)))
            except JsonError as exc:
                yield Line(number, error=exc)


def _too_long(max_line_bytes: int, fix: str) -> JsonError:
    return JsonError(f"line longer than {max_line_bytes:,} bytes", fix)
