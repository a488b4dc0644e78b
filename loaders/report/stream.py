"""The report's input, streamed as :class:`~nkworkers.loaders.report.columns.Batch` es.

- parquet with a typed ``claims`` column (``tag`` output): record batches of
  the row fields and the claims only, flattened in Arrow.
- any other parquet, and JSONL: rows one at a time (nkworkers.loaders.files.rows),
  their claims read from the row's ``claims`` list, or derived from its
  attribution and control layers (nkworkers.loaders.claims) when it has both
  and no list, with the text of the row or, for a corpus article, of the
  corpus, so that spans and sentences have their text.
- the gold corpus (``report --gold``): each annotated article's claims.

Memory is one batch of rows at a time. Every claim's category, voice,
source kind and anonymity must be a label of loaders.labels: any other value
is refused, naming its row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from nkworkers.loaders.claims import derive_claims
from nkworkers.loaders.files.rows import BATCH_ROWS, RowsError, iter_rows, open_parquet, unjson
from nkworkers.loaders.labels import ControlCategory, SourceAnonymity, SourceKind, Voice, names
from nkworkers.loaders.model import Document
from nkworkers.loaders.predictions import check_offsets, parse_row
from nkworkers.loaders.report.columns import (
    CLAIM_FIELDS,
    ROW_FIELDS,
    Batch,
    claims_array,
    flatten,
    rows_table,
)

#: Layers a row's claims are derived from when it carries no claims list.
LAYERS = ("attribution_spans", "attributions", "control_measures")
ALLOWED = {
    "category": names(ControlCategory),
    "voice": names(Voice),
    "source_kind": names(SourceKind),
    "anonymity": names(SourceAnonymity),
}
FORMAT_FIX = "write each claim as `nkworkers tag` does (Claim.model_dump(mode='json'))"
#: Rows held as Python objects at once on the JSONL path: a tagged row with its
#: claims is some 40,000 objects, so 1,024 rows held about 400 MiB more than 256.
PYTHON_ROWS = 256


def batches(
    path: Path, *, texts: Mapping[str, str], batch_rows: int = BATCH_ROWS
) -> Iterator[Batch]:
    """The batches of a predictions or tagged file (JSONL or parquet). Raises RowsError."""
    if path.suffix.lower() == ".parquet" and _typed_claims(path):
        yield from _checked(_parquet_batches(path, texts, batch_rows))
        return
    columns = {*ROW_FIELDS, "claims", "text", *LAYERS}
    rows = iter_rows(path, columns=columns, batch_rows=batch_rows)
    yield from _checked(_python_batches(rows, texts, min(batch_rows, PYTHON_ROWS)))


def gold_batches(docs: Sequence[Document]) -> Iterator[Batch]:
    """The claims of the gold corpus, derived from each article's annotation with its text."""
    rows = []
    for doc in docs:
        claims = derive_claims(doc.annotation, text=doc.text)
        rows.append(
            (
                f"annotations/{doc.doc_id}.json",
                {
                    "doc_id": doc.doc_id,
                    "outlet": doc.meta.outlet,
                    "published": doc.meta.published,
                    "url": doc.meta.url,
                    "claims": [c.model_dump(mode="json") for c in claims],
                },
            )
        )
    yield from _checked(_python_batches(iter(rows), {}, max(1, len(rows))))


def _typed_claims(path: Path) -> bool:
    """Whether the file's claims column is a list of structs (not JSON text, not absent)."""
    with open_parquet(path) as handle:
        schema = handle.schema_arrow
    if "claims" not in schema.names:
        return False
    typ = schema.field("claims").type
    is_list = pa.types.is_list(typ) or pa.types.is_large_list(typ)
    return is_list and pa.types.is_struct(typ.value_type)


def _parquet_batches(path: Path, texts: Mapping[str, str], batch_rows: int) -> Iterator[Batch]:
    """Row group by row group (as a parquet reader holds them), cut into batches.

    A row whose claims are null (a file merged from runs with and without
    claims) gets its claims derived from its layers, read for its row group
    only when such a row is met.
    """
    with open_parquet(path) as handle:
        names = handle.schema_arrow.names
        if "doc_id" not in names:
            raise RowsError(str(path), "no doc_id column", "pass a file `nkworkers tag` wrote")
        derivable = set(LAYERS) <= set(names)
        layers = [c for c in ("doc_id", "text", *LAYERS) if c in names]
        first = 0
        for group in range(handle.num_row_groups):
            table = handle.read_row_group(group, columns=_leaf_columns(handle))
            full: list[dict[str, Any]] | None = None
            for offset in range(0, table.num_rows, batch_rows):
                part = table.slice(offset, batch_rows)
                n, where = part.num_rows, _row_namer(path, first)
                claims = part.column("claims").combine_chunks()
                origins = Counter(listed=n - claims.null_count, without=claims.null_count)
                if claims.null_count and derivable:
                    if full is None:
                        full = handle.read_row_group(group, columns=layers).to_pylist()
                    lists = claims.to_pylist()
                    for i, row in enumerate(full[offset : offset + n]):
                        if lists[i] is None:
                            lists[i], origin = row_claims(where(i), _decoded(row), texts)
                            origins[origin] += 1
                            origins["without"] -= 1
                    claims = _claims_column(lists, [where(i) for i in range(n)])
                data = {name: part.column(name) for name in part.column_names}
                yield Batch(rows_table(data, n), flatten(claims), where, **origins)
                first += n


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A parquet row with its JSON-text columns decoded (nkworkers.loaders.files.rows.unjson)."""
    return {key: unjson(value) for key, value in row.items()}


def _row_namer(path: Path, first: int) -> Callable[[int], str]:
    """Where the i-th row of a batch whose first row is row ``first + 1`` of the file is."""
    return lambda i: f"{path}, row {first + i + 1}"


def _leaf_columns(handle: Any) -> list[str]:
    """The row fields, and only the leaves of ``claims`` the report reads (CLAIM_FIELDS).

    Parquet stores each leaf of a nested column apart; reading 12 of a claim's
    30 leaves halves the time (the sentence and speaker chains are most of it).
    A leaf path is ``claims.<list>.<element>.record.source.text``, whatever
    the writer named the two list levels.
    """
    wanted = {".".join(path) for path in CLAIM_FIELDS.values()}
    leaves = []
    for column in handle.schema:
        parts = column.path.split(".", 3)  # claims, the list level, the element level, the field
        if len(parts) == 4 and parts[0] == "claims" and parts[3] in wanted:
            leaves.append(column.path)
    rows = [name for name in handle.schema_arrow.names if name in ROW_FIELDS]
    return rows + (leaves or ["claims"])


def _python_batches(
    rows: Iterator[tuple[str, dict[str, Any]]], texts: Mapping[str, str], batch_rows: int
) -> Iterator[Batch]:
    while chunk := list(islice(rows, batch_rows)):
        places = [where for where, _ in chunk]
        lists, origins = [], {"listed": 0, "derived": 0, "without": 0}
        for where, row in chunk:
            claims, origin = row_claims(where, row, texts)
            lists.append(claims)
            origins[origin] += 1
        columns = {
            name: pa.array([_text(row.get(name)) for _, row in chunk], pa.string())
            for name in ROW_FIELDS
        }
        yield Batch(
            rows=rows_table(columns, len(chunk)),
            claims=flatten(_claims_column(lists, places)),
            where=places.__getitem__,
            **origins,
        )


def row_claims(
    where: str, row: Mapping[str, Any], texts: Mapping[str, str]
) -> tuple[list[Any], str]:
    """A row's claims as dicts, and where they came from: listed, derived or without."""
    listed = row.get("claims")
    if listed is not None:
        if not isinstance(listed, list):
            raise RowsError(where, f"claims is a {type(listed).__name__}, not a list", FORMAT_FIX)
        return listed, "listed"
    if row.get("attributions") is None or row.get("control_measures") is None:
        return [], "without"
    parsed = parse_row({k: row.get(k) for k in ("doc_id", *LAYERS)})
    if isinstance(parsed, tuple):
        raise RowsError(where, *parsed)
    text = row.get("text")
    text = text if isinstance(text, str) else texts.get(parsed.doc_id)
    if text is not None and (problem := check_offsets(parsed, text)):
        raise RowsError(where, problem, "predict on the article's own text")
    return [c.model_dump(mode="json") for c in derive_claims(parsed, text=text)], "derived"


def _text(value: Any) -> str | None:
    return None if value is None else value if isinstance(value, str) else str(value)


def _claims_column(lists: list[list[Any]], places: list[str]) -> pa.Array:
    try:
        return claims_array(lists)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        for claims, where in zip(lists, places, strict=True):  # find the row to name
            try:
                claims_array([claims])
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise RowsError(
                    where, f"claims: not the claims format ({exc})", FORMAT_FIX
                ) from None
        raise


def _checked(stream: Iterator[Batch]) -> Iterator[Batch]:
    """Each batch, once every label in its claims is one of loaders.labels."""
    for batch in stream:
        for column, allowed in ALLOWED.items():
            values = batch.claims.column(column)
            bad = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, pa.array(allowed))))
            if column in ("category", "voice"):
                bad = pc.or_(bad, pc.is_null(values))
            if pc.any(bad).as_py():
                i = pc.index(bad, True).as_py()
                value = values[i].as_py()
                row = batch.claims.column("row")[i].as_py()
                raise RowsError(
                    batch.where(row),
                    f"a claim's {column} is {value!r}, not one of {', '.join(allowed)}",
                    FORMAT_FIX,
                )
        yield batch
