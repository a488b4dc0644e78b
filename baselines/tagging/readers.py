"""Reading ``nkworkers tag``'s input as units of work, the same way in both engines.

An input is cut into :class:`Unit` s: a JSONL file into byte ranges that
start and end at line ends (with the number of their first line), a parquet
file into its row groups (with the number of their first row), a folder into
runs of its ``*.txt`` entries (sorted by name). :func:`read_unit` turns one
unit into :class:`~nkworkers.baselines.tagging.input.Item` s. The local
engine reads the units one after the other; the Ray engine hands them to its
actors, which read them where they run. One reader, so both engines give the
same items, line numbers, sources and reasons.

Nothing here stops on bad input: a line that is not JSON or UTF-8, a line
or a file over ``MAX_ARTICLE_BYTES``, a corrupt parquet file or row group,
a folder entry that is a folder, a dangling symlink, a symlink loop, a FIFO,
a device or a socket each become an item with an error. Special files are
refused from their stat, without opening them; regular files are opened
non-blocking and checked again on the open descriptor, so an entry swapped
for a FIFO in between cannot hang the run.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

from nkworkers.baselines.tagging.input import (
    MAX_ARTICLE_BYTES,
    InputError,
    Item,
    decode_text,
    kind_of,
    shown,
    special_kind,
    stat_problem,
    too_long,
)
from nkworkers.loaders.files import jsonio

PARQUET_BATCH_ROWS = 256  # rows decoded at a time inside a row group


@dataclass(frozen=True)
class Unit:
    """A piece of the input one worker reads; plain fields, so Ray can ship it as a row."""

    kind: str  # "jsonl" | "parquet" | "folder"
    source: str  # the input as the user named it (what rejects show)
    path: str  # the same input, absolute (workers may run in another folder)
    start: int = 0  # jsonl: first byte; parquet: row group
    stop: int = -1  # jsonl: byte after the range (-1: end of file)
    first: int = 1  # jsonl: number of the first line; parquet: of the first row
    names: tuple[str, ...] = ()  # folder: entry names

    def to_row(self) -> dict[str, Any]:
        return {**asdict(self), "names": list(self.names)}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Unit:
        return cls(**{**row, "names": tuple(row["names"])})


def plan(path: Path, per_unit: int | None = None) -> list[Unit]:
    """The units of an input; ``per_unit`` lines/files each, or the whole input per kind.

    Raises InputError for an input that is not there, special, or of an unknown kind.
    """
    kind = kind_of(path)
    base = Unit(kind, str(path), os.path.abspath(path))
    if kind == "parquet":
        return _parquet_units(base)
    if kind == "folder":
        names = folder_names(path)
        size = per_unit or max(len(names), 1)
        chunks = [tuple(names[i : i + size]) for i in range(0, len(names), size)]
        return [Unit(kind, base.source, base.path, names=c) for c in chunks]
    if per_unit is None:
        return [base]
    return _jsonl_units(base, per_unit)


def folder_names(path: Path) -> list[str]:
    """Names of the ``*.txt`` entries of a folder (``.TXT`` too), sorted; InputError if it
    cannot be listed."""
    try:
        with os.scandir(path) as entries:
            return sorted(e.name for e in entries if e.name.lower().endswith(".txt"))
    except OSError as exc:
        raise InputError(f"{path}: cannot list the folder ({exc.strerror})") from None


def count_items(units: list[Unit]) -> int | None:
    """How many records the units hold (for the progress bar), cheaply; None if unknown."""
    if not units:
        return 0
    kind = units[0].kind
    if kind == "folder":
        return sum(len(u.names) for u in units)
    if kind == "parquet":
        try:
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(units[0].path).metadata.num_rows)
        except Exception:  # a corrupt file: its reject comes from read_unit
            return None
    last = units[-1]  # the ranges before it hold last.first - 1 lines: read only the last
    with open(last.path, "rb") as handle:
        handle.seek(last.start)
        tail = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    return last.first - 1 + tail


def read_items(path: Path) -> Iterator[Item]:
    """Every input record in order, in memory bounded by one line/file/record batch."""
    for unit in plan(path):
        yield from read_unit(unit)


def read_unit(unit: Unit) -> Iterator[Item]:
    if unit.kind == "jsonl":
        yield from _jsonl_items(unit)
    elif unit.kind == "parquet":
        yield from _parquet_items(unit)
    else:
        for name in unit.names:
            yield file_item(str(Path(unit.source) / name), Path(unit.path) / name, unit.path)


def _jsonl_units(base: Unit, per_unit: int) -> list[Unit]:
    """Byte ranges of per_unit lines each, cut after a b"\\n" (one pass over the file)."""
    units, start, first, lines, offset = [], 0, 1, 0, 0
    with open(base.path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            at, left = 0, block.count(b"\n")
            while lines + left >= per_unit:
                for _ in range(per_unit - lines):
                    at = block.index(b"\n", at) + 1
                left -= per_unit - lines
                units.append(Unit("jsonl", base.source, base.path, start, offset + at, first))
                start, first, lines = offset + at, first + per_unit, 0
            lines += left
            offset += len(block)
    if offset > start:
        units.append(Unit("jsonl", base.source, base.path, start, -1, first))
    return units


def _lines(handle: BinaryIO, stop: int) -> Iterator[tuple[int, bytes | None]]:
    """(index from 0, a line without its end) up to byte ``stop``; None for an over-long one."""
    index = 0
    while stop < 0 or handle.tell() < stop:
        chunk = handle.readline(MAX_ARTICLE_BYTES + 1)
        if not chunk:
            return
        if len(chunk) > MAX_ARTICLE_BYTES and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):  # skip it without holding it
                chunk = handle.readline(1 << 20)
            yield index, None
        else:
            yield index, chunk.rstrip(b"\n").rstrip(b"\r")
        index += 1


def _jsonl_items(unit: Unit) -> Iterator[Item]:
    try:
        handle = open(unit.path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        yield Item(unit.source, unit.first, error=f"cannot open it ({exc.strerror})")
        return
    with handle:
        handle.seek(unit.start)
        for index, raw in _lines(handle, unit.stop):
            number = unit.first + index
            if raw is None:
                yield Item(unit.source, number, error=too_long("line"))
            elif raw.strip():
                try:
                    yield Item(unit.source, number, jsonio.loads(jsonio.decode(raw)))
                except jsonio.JsonError as exc:
                    yield Item(unit.source, number, error=exc.message)


def _parquet_units(base: Unit) -> list[Unit]:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(base.path).metadata
    except Exception:  # any damage: read_unit opens it again and says what is wrong
        return [base]
    units, first = [], 1
    for group in range(meta.num_row_groups):
        units.append(Unit("parquet", base.source, base.path, group, -1, first))
        first += meta.row_group(group).num_rows
    return units


def _parquet_items(unit: Unit) -> Iterator[Item]:
    import pyarrow.parquet as pq

    number = unit.first
    try:
        batches = pq.ParquetFile(unit.path).iter_batches(
            batch_size=PARQUET_BATCH_ROWS, row_groups=[unit.start]
        )
        for batch in batches:
            for row in batch.to_pylist():
                yield Item(unit.source, number, row)
                number += 1
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for damaged files
        what = "not a readable parquet file" if number == 1 else "unreadable from here on"
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        yield Item(unit.source, number, error=f"{what} (row group {unit.start}): {first_line}")


def file_item(source: str, path: Path, folder: str) -> Item:
    """One folder entry as an Item {doc_id: stem, text}, or with the reason it cannot be read.

    A symlink is followed only to a file inside the folder: an archive is
    untrusted input, and a link to /etc/shadow or /proc/self/environ would
    copy that file into the output.
    """
    value = {"doc_id": Path(source).stem}
    st, problem = stat_problem(path)
    if st is not None:
        problem = _entry_problem(path, st, folder)
    data = None
    if problem is None:
        data, problem = _read_regular(path)
    if data is None:
        return Item(shown(source), None, value, error=problem)
    try:
        return Item(shown(source), None, {**value, "text": decode_text(data)})
    except ValueError as exc:
        return Item(shown(source), None, value, error=str(exc))


def _entry_problem(path: Path, st: os.stat_result, folder: str) -> str | None:
    """Why an existing entry is not read (its stat only: nothing is opened), or None."""
    target = os.path.realpath(path)
    if not target.startswith(os.path.join(os.path.realpath(folder), "")):
        return f"a symlink to {shown(target)}, outside the folder; copy the file in"
    if stat.S_ISDIR(st.st_mode):
        return "a folder, not a .txt file"
    if special := special_kind(st.st_mode):
        return f"{special}, not a regular file (not opened)"
    if st.st_size > MAX_ARTICLE_BYTES:
        return too_long("file")
    return None


def _read_regular(path: Path) -> tuple[bytes | None, str | None]:
    """The bytes of a regular file opened non-blocking, or why not (a swapped-in FIFO too)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return None, f"cannot open it ({exc.strerror})"
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, "not a regular file (not read)"
        data = handle.read(MAX_ARTICLE_BYTES + 1)
    if len(data) > MAX_ARTICLE_BYTES:
        return None, too_long("file")
    return data, None
