"""The end of a ``tag`` run: the old OUT and the parts merged into one staged file.

OUT is JSONL or parquet by its suffix. Parquet gets a fixed schema for the
prediction layers; carried-through columns keep the types pyarrow infers, or
become JSON text when the rows disagree on a column's type or parquet cannot
store the type (a struct without fields, from a carried ``{}``). The columns
sent as JSON text are named in the file's schema metadata
(``nkworkers.json_columns``), so that ``--resume`` decodes them when it reads
the old OUT back instead of encoding them a second time.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nkworkers.loaders.files import jsonio

Row = dict[str, Any]
PART_ROWS = 1024  # rows per parquet row group when merging
JSON_COLUMNS = b"nkworkers.json_columns"


def layer_types() -> dict[str, Any]:
    import pyarrow as pa

    span = [("start", pa.int64()), ("end", pa.int64())]
    return {
        "entities": pa.list_(pa.struct([*span, ("label", pa.string())])),
        "attribution_spans": pa.list_(
            pa.struct([("id", pa.string()), *span, ("role", pa.string())])
        ),
        "attributions": pa.list_(
            pa.struct(
                [
                    ("source", pa.string()),
                    ("cue", pa.string()),
                    ("content", pa.list_(pa.string())),
                    ("source_anonymity", pa.string()),
                    ("source_kind", pa.string()),
                    ("quote_type", pa.string()),
                ]
            )
        ),
        "control_measures": pa.list_(pa.struct([*span, ("labels", pa.list_(pa.string()))])),
        "control_scores": pa.list_(
            pa.struct([*span, ("scores", pa.map_(pa.string(), pa.float64()))])
        ),
        "claims": _claims_type(),
    }


def _claims_type() -> Any:
    """The ``documents`` config's claims column type (ClassLabel-free: labels are strings)."""
    from datasets import Features

    from nkworkers.loaders.dataset.features import documents

    return Features({"claims": documents()["claims"]}).arrow_schema.field("claims").type


def rows(path: Path) -> Iterator[Row]:
    """The rows of OUT or of a part, JSON text columns of a parquet OUT decoded back."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        file = pq.ParquetFile(path)
        meta = file.schema_arrow.metadata or {}
        encoded = set(json.loads(meta.get(JSON_COLUMNS, b"[]")))
        for batch in file.iter_batches(batch_size=PART_ROWS):
            for row in batch.to_pylist():
                for key in encoded & row.keys():
                    if isinstance(row[key], str):
                        row[key] = jsonio.loads(row[key])
                yield row
        return
    for line in jsonio.iter_jsonl(path, max_line_bytes=1 << 30):
        if line.error is not None:
            raise ValueError(f"{path}, line {line.number}: {line.error.message}")
        yield line.value


def unique(sources: list[Path]) -> Iterator[Row]:
    """Rows of every source, a doc_id's first row only: a crash between the rename onto
    OUT and the removal of the parts leaves rows in both, and a resume must not double them."""
    written: set[str] = set()
    for source in sources:
        for row in rows(source):
            if row["doc_id"] not in written:
                written.add(row["doc_id"])
                yield row


def write_jsonl(staged: Path, sources: list[Path]) -> int:
    n = 0
    with staged.open("w", encoding="utf-8") as handle:
        for row in unique(sources):
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def _unify(old: Any, value: Any) -> Any:
    """The type of a column holding values of type ``old`` and ``value``; raises on a clash."""
    import pyarrow as pa

    typ = pa.array([value]).type
    both = [pa.schema([("c", old)]), pa.schema([("c", typ)])]
    return pa.unify_schemas(both, promote_options="permissive").field("c").type


def _storable(name: str, typ: Any) -> bool:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pq.write_table(pa.table({name: pa.array([], typ)}), io.BytesIO())
    except (pa.ArrowException, ValueError, TypeError):
        return False
    return True


def schema(sources: list[Path]) -> tuple[Any, set[str]]:
    """The output schema (layers fixed, carried columns unified), and columns sent as JSON."""
    import pyarrow as pa

    layers = layer_types()
    names: dict[str, None] = {"doc_id": None}
    carried: dict[str, Any] = {}
    as_json: set[str] = set()
    for row in unique(sources):
        if any("score" in m for m in row.get("control_measures") or []):
            # a system that scores its spans: the column holds the score (null where absent)
            span = [("start", pa.int64()), ("end", pa.int64()), ("labels", pa.list_(pa.string()))]
            layers["control_measures"] = pa.list_(pa.struct([*span, ("score", pa.float64())]))
        for key, value in row.items():
            names.setdefault(key, None)
            if key in layers or key == "doc_id" or key in as_json:
                continue
            try:
                carried[key] = _unify(carried.get(key, pa.null()), value)
            except (pa.ArrowException, OverflowError, TypeError, ValueError):
                as_json.add(key)
                carried.pop(key, None)
    as_json |= {k for k, typ in carried.items() if not _storable(k, typ)}
    fields = []
    for name in names:
        if name == "doc_id":
            fields.append(pa.field(name, pa.string()))
        elif name in layers:
            fields.append(pa.field(name, layers[name]))
        else:
            fields.append(pa.field(name, pa.string() if name in as_json else carried[name]))
    return pa.schema(fields, metadata={JSON_COLUMNS: json.dumps(sorted(as_json))}), as_json


def write_parquet(staged: Path, sources: list[Path]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table_schema, as_json = schema(sources)
    n = 0
    with pq.ParquetWriter(staged, table_schema) as writer:
        batch: list[Row] = []
        for row in unique(sources):
            for key in as_json & row.keys():
                row[key] = json.dumps(row[key], ensure_ascii=False)
            batch.append(row)
            if len(batch) >= PART_ROWS:
                writer.write_table(pa.Table.from_pylist(batch, schema=table_schema))
                n, batch = n + len(batch), []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=table_schema))
            n += len(batch)
    return n
