"""Claims as Arrow columns: the one shape the report tallies, whatever the input.

A parquet file whose ``claims`` column is a list of structs (``tag`` output)
is flattened without a Python object per claim. Every other source (JSONL
lines, a ``claims`` column stored as JSON text, rows without claims whose
claims are derived by nkworkers.loaders.claims, the gold corpus) gives its
claims as dicts, made into the same list-of-struct column first, so a single
:func:`flatten` turns them into one flat table.

A :class:`Batch` holds, for some consecutive rows of the input, one table
of the rows (doc_id, outlet, published, url, as text) and one of their
claims (one row per claim, ``row`` the index of its row in the batch).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Union, get_args, get_origin

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from nkworkers.loaders.claims import Claim

#: Row columns the report reads besides the claims and the layers they are derived from.
ROW_FIELDS: tuple[str, ...] = ("doc_id", "outlet", "published", "url")
#: What the flat table takes from each claim: column name -> field path in a Claim.
CLAIM_FIELDS: dict[str, tuple[str, ...]] = {
    "category": ("category",),
    "voice": ("voice",),
    "start": ("start",),
    "end": ("end",),
    "source_kind": ("record", "source_kind"),
    "anonymity": ("record", "source_anonymity"),
    "source_text": ("record", "source", "text"),
    "source_start": ("record", "source", "start"),
    "source_end": ("record", "source", "end"),
    "cue_text": ("record", "cue", "text"),
    "sentence_text": ("sentence", "text"),
    "sentence_start": ("sentence", "start"),
}


def arrow_type(annotation: Any) -> pa.DataType:
    """The Arrow type of a pydantic field annotation (models become structs, Enums strings)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        (inner,) = [a for a in get_args(annotation) if a is not type(None)]
        return arrow_type(inner)
    if origin is list:
        return pa.list_(arrow_type(get_args(annotation)[0]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct(
            [(name, arrow_type(f.annotation)) for name, f in annotation.model_fields.items()]
        )
    if isinstance(annotation, type) and issubclass(annotation, Enum | str):
        return pa.string()
    if annotation is int:
        return pa.int64()
    raise TypeError(f"no Arrow type for {annotation!r}")


#: A row's ``claims``: the list of Claim.model_dump(mode="json") that ``tag`` writes.
CLAIMS = pa.list_(arrow_type(Claim))


@dataclass(frozen=True)
class Batch:
    """Consecutive rows of the input: their row table, their claims, and where each row is."""

    rows: pa.Table
    claims: pa.Table
    where: Callable[[int], str]
    listed: int = 0  # rows that carried a claims list
    derived: int = 0  # rows whose claims were derived from their layers
    without: int = 0  # rows with neither (no claims list, not both layers)


def as_text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A column as strings (dates as ISO text, numbers as digits); other types as JSON-ish text."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.cast(pa.string())
    try:
        return pc.cast(column, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())


def _field(flat: pa.Array, path: tuple[str, ...], typ: pa.DataType) -> pa.Array:
    """A nested field of the claims, null where any level is null or the field is absent."""
    current: pa.DataType = flat.type
    for name in path:
        if not pa.types.is_struct(current) or current.get_field_index(name) < 0:
            return pa.nulls(len(flat), typ)
        current = current.field(name).type
    return pc.struct_field(flat, list(path)).cast(typ)


def flatten(claims: pa.Array) -> pa.Table:
    """One row per claim of a list-of-struct column: ``row`` (its row) and CLAIM_FIELDS."""
    flat = pc.list_flatten(claims)
    columns = {"row": pc.list_parent_indices(claims).cast(pa.int64())}
    for name, path in CLAIM_FIELDS.items():
        typ = pa.int64() if name.endswith(("start", "end")) else pa.string()
        columns[name] = _field(flat, path, typ)
    return pa.table(columns)


def rows_table(columns: dict[str, Any], n: int) -> pa.Table:
    """ROW_FIELDS as text columns; a field the input lacks is all null."""
    return pa.table(
        {
            name: as_text(columns[name]) if name in columns else pa.nulls(n, pa.string())
            for name in ROW_FIELDS
        }
    )


def claims_array(lists: Sequence[Sequence[Any] | None]) -> pa.Array:
    """Rows' claims (dicts of Claim.model_dump(mode="json")) as the CLAIMS column.

    Raises pa.ArrowInvalid / pa.ArrowTypeError for claims of the wrong shape.
    """
    return pa.array(lists, type=CLAIMS)
