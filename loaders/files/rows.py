"""Rows of a predictions or tagged file, streamed: JSONL line by line, parquet by record batch.

``nkworkers tag`` writes JSONL or parquet (nkworkers.baselines.tagging.output);
``render --predictions`` and ``report`` read either through :func:`iter_rows`,
which holds one line, or one record batch, at a time. Parquet stores a
column whose values disagree on their type (and on the Ray engine, any
value JSON cannot hold) as JSON text: a string value that reads as a JSON
array, object or string is given back decoded, so both formats give the
same dicts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from nkworkers.loaders.files import jsonio

#: Rows per parquet record batch: the memory a parquet reader holds at once.
BATCH_ROWS = 1024
SUFFIXES = (".jsonl", ".parquet")


class RowsError(ValueError):
    """A file, or one of its records, that cannot be read: where, what, and how to fix it."""

    def __init__(self, where: str, message: str, fix: str):
        self.where, self.message, self.fix = where, message, fix
        super().__init__(f"{where}: {message}. Fix: {fix}")


def iter_rows(
    path: Path, *, columns: Collection[str] | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, row) for each record of ``path``: ``"FILE, line N"`` or ``"FILE, row N"``.

    ``columns``: keep only these keys (parquet reads only these columns).
    Raises RowsError for a suffix other than .jsonl/.parquet, an unreadable
    file, a line that is not one strict JSON object (nkworkers.loaders.files.jsonio),
    or a record without a string ``doc_id``.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise RowsError(
            str(path), f"unknown format {suffix or '(no suffix)'}", "pass a .jsonl or .parquet file"
        )
    rows = _parquet(path, columns, batch_rows) if suffix == ".parquet" else _jsonl(path, columns)
    try:
        for where, row in rows:
            if not isinstance(row.get("doc_id"), str):
                raise RowsError(where, "no string doc_id", "give every row its article's doc_id")
            yield where, row
    except OSError as exc:
        raise RowsError(
            str(path), f"cannot read the file: {exc.strerror or exc}", "pass a readable file"
        ) from None


def _jsonl(path: Path, columns: Collection[str] | None) -> Iterator[tuple[str, dict[str, Any]]]:
    for line in jsonio.iter_jsonl(path, too_long_fix="split the row; no article needs 64 MiB"):
        where = f"{path}, line {line.number}"
        if line.error is not None:
            raise RowsError(where, line.error.message, line.error.fix)
        if not isinstance(line.value, dict):
            raise RowsError(where, "not a JSON object", "write one object per line")
        row = line.value
        yield where, row if columns is None else {k: v for k, v in row.items() if k in columns}


def open_parquet(path: Path) -> Any:
    """``pyarrow.parquet.ParquetFile`` of path; RowsError when it cannot be read as one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise RowsError(
            str(path), f"not a readable parquet file ({exc})", "pass a file `nkworkers tag` wrote"
        ) from None


def _parquet(
    path: Path, columns: Collection[str] | None, batch_rows: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    import pyarrow as pa

    handle = open_parquet(path)
    names = handle.schema_arrow.names
    wanted = names if columns is None else [c for c in names if c in columns]
    text_columns = {
        f.name for f in handle.schema_arrow if f.name in wanted and pa.types.is_string(f.type)
    }
    number = 0
    with handle:
        for batch in handle.iter_batches(batch_size=batch_rows, columns=wanted):
            for row in batch.to_pylist():
                number += 1
                for key in text_columns - {"doc_id", "text"}:
                    row[key] = unjson(row[key])
                yield f"{path}, row {number}", row


def unjson(value: Any) -> Any:
    """A JSON text of an array, object or string, decoded; any other value as it is.

    A string that only looks like JSON ("[Reuters]") stays as it is; a layer
    that stays a string is refused by whoever reads the layer.
    """
    if not isinstance(value, str) or not value.startswith(("[", "{", '"')):
        return value
    try:
        return jsonio.loads(value)
    except jsonio.JsonError:
        return value
