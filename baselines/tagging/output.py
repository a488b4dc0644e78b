"""Where ``nkworkers tag`` writes: parts while running, one file at the end, rejects beside it.

While a run goes, each tagged batch is committed as its own part file
(``.OUT.parts/part-NNNNNN.jsonl``, written atomically), so a crash loses at
most the batch in flight and ``--resume`` finds every doc_id already done in
the parts and in OUT. At the end the previous OUT (when resuming) and the
parts are streamed into one staged file that is renamed onto OUT: OUT is
either the old file or the complete new one, never half-written. Rejected
rows go to ``OUT-stem.rejects.jsonl`` (one JSON object per reject: source,
line, doc_id, reason), rewritten by each run.

OUT is JSONL or parquet by its suffix. Parquet gets a fixed schema for the
prediction layers; carried-through columns keep the types pyarrow infers,
or become JSON text when the rows disagree on a column's type. Control
measures have a ``score`` field only when a system scored them, and
``control_scores`` keeps each sentence's scores as a map (category ->
score), which pyarrow reads back as (key, value) pairs.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nkworkers.loaders.files import jsonio
from nkworkers.loaders.files.atomic import write_bytes, writes_through

Row = dict[str, Any]
PART_ROWS = 1024  # rows per parquet row group when merging


def _layer_types() -> dict[str, Any]:
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
    }


def rejects_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.rejects.jsonl")


class Output:
    """The output of one run; see the module docstring. Raises ValueError on a refused OUT."""

    def __init__(self, out: Path, *, resume: bool) -> None:
        self.out = out
        self.kind = out.suffix.lower().lstrip(".")
        if self.kind not in ("jsonl", "parquet"):
            raise ValueError(f"{out}: write .jsonl or .parquet (the suffix picks the format)")
        self.parts = out.with_name(f".{out.name}.parts")
        if not resume and out.exists():
            raise ValueError(f"{out}: already exists; pass --resume to add to it, or remove it")
        if not resume and self.parts.exists():
            raise ValueError(
                f"{self.parts}: left by an interrupted run; pass --resume to continue it, "
                "or remove the folder"
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        self.parts.mkdir(exist_ok=True)
        self.rejects = self.parts / "rejects.jsonl"
        self.rejects.write_bytes(b"")
        self.count = len(self._part_files())
        self.rejected = 0

    def _part_files(self) -> list[Path]:
        return sorted(self.parts.glob("part-*.jsonl"))

    def done_ids(self) -> set[str]:
        """doc_ids already in OUT or in the parts of an interrupted run."""
        done = set()
        sources = [*([self.out] if self.out.exists() else []), *self._part_files()]
        for source in sources:
            for row in _rows(source):
                done.add(str(row["doc_id"]))
        return done

    def write_part(self, rows: list[Row]) -> None:
        if not rows:
            return
        # default=str: carried-through values JSON cannot hold (dates, bytes) as text,
        # as the Ray engine sends them.
        data = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
        write_bytes(self.parts / f"part-{self.count:06d}.jsonl", data.encode("utf-8"))
        self.count += 1

    def add_rejects(self, rejects: list[dict[str, Any]]) -> None:
        if not rejects:
            return
        self.rejected += len(rejects)
        with self.rejects.open("a", encoding="utf-8") as handle:
            for reject in rejects:
                handle.write(json.dumps(reject, ensure_ascii=False) + "\n")

    def finish(self) -> int:
        """Merge into OUT atomically, move the rejects beside it; return OUT's row count."""
        sources = [*([self.out] if self.out.exists() else []), *self._part_files()]
        staged = self.out.with_name(f".{self.out.name}.staged")
        written = (
            _write_jsonl(staged, sources)
            if self.kind == "jsonl"
            else _write_parquet(staged, sources)
        )
        if writes_through(self.out):  # --out /dev/stdout: renaming over it replaced the link
            with staged.open("rb") as source, self.out.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            staged.unlink()
        else:
            os.replace(staged, self.out)
        target = rejects_path(self.out)
        if self.rejected:
            os.replace(self.rejects, target)
        else:
            target.unlink(missing_ok=True)
        shutil.rmtree(self.parts)
        return written


def _rows(path: Path) -> Iterator[Row]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=PART_ROWS):
            yield from batch.to_pylist()
        return
    for line in jsonio.iter_jsonl(path, max_line_bytes=1 << 30):
        if line.error is not None:
            raise ValueError(f"{path}, line {line.number}: {line.error.message}")
        yield line.value


def _unique(sources: list[Path]) -> Iterator[Row]:
    """Rows of every source, a doc_id's first row only: a crash between the rename onto
    OUT and the removal of the parts leaves rows in both, and a resume must not double them."""
    written: set[str] = set()
    for source in sources:
        for row in _rows(source):
            if row["doc_id"] not in written:
                written.add(row["doc_id"])
                yield row


def _write_jsonl(staged: Path, sources: list[Path]) -> int:
    n = 0
    with staged.open("w", encoding="utf-8") as handle:
        for row in _unique(sources):
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def _schema(sources: list[Path]) -> tuple[Any, set[str]]:
    """The output schema (layers fixed, carried columns unified), and columns sent as JSON."""
    import pyarrow as pa

    layers = _layer_types()
    names: dict[str, None] = {"doc_id": None}
    carried: dict[str, Any] = {}
    as_json: set[str] = set()
    for row in _unique(sources):
        if any("score" in m for m in row.get("control_measures") or []):
            # a system that scores its spans: the column holds the score (null where absent)
            span = [("start", pa.int64()), ("end", pa.int64()), ("labels", pa.list_(pa.string()))]
            layers["control_measures"] = pa.list_(pa.struct([*span, ("score", pa.float64())]))
        for key, value in row.items():
            names.setdefault(key, None)
            if key in layers or key == "doc_id" or key in as_json:
                continue
            try:
                typ = pa.array([value]).type
                old = carried.get(key, pa.null())
                carried[key] = (
                    pa.unify_schemas(
                        [pa.schema([(key, old)]), pa.schema([(key, typ)])],
                        promote_options="permissive",
                    )
                    .field(key)
                    .type
                )
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                as_json.add(key)
                carried.pop(key, None)
    fields = []
    for name in names:
        if name == "doc_id":
            fields.append(pa.field(name, pa.string()))
        elif name in layers:
            fields.append(pa.field(name, layers[name]))
        else:
            fields.append(pa.field(name, pa.string() if name in as_json else carried[name]))
    return pa.schema(fields), as_json


def _write_parquet(staged: Path, sources: list[Path]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema, as_json = _schema(sources)
    n = 0
    with pq.ParquetWriter(staged, schema) as writer:
        batch: list[Row] = []
        for row in _unique(sources):
            for key in as_json & row.keys():
                row[key] = json.dumps(row[key], ensure_ascii=False)
            batch.append(row)
            if len(batch) >= PART_ROWS:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n, batch = n + len(batch), []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n
