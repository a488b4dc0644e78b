"""``nkworkers tag --engine ray``: the same per-batch function on Ray Data.

read (``read_parquet``; JSONL and .txt folders through ``read_binary_files``,
split into lines with their numbers, so that decoding and JSON parsing are
the strict ones of the local engine and bad lines become rejects, not a
failed read) -> ``map_batches`` with :class:`TagActor`, a callable class that
loads the model folders once per actor (``ActorPoolStrategy(size=workers)``,
half a CPU reserved each, so two actors and a read task fit on two cores, and
one thread each, so a worker is one core's work) and runs
:func:`nkworkers.baselines.tagging.local.tag_articles` -> results streamed back in input order
(``preserve_order``) and written by the local engine's writer, which also
finds duplicate doc_ids. So both engines give the same rows and rejects.

Without --address a local Ray is started for the run and always shut down;
with --address the run joins that cluster (the model folders and the input
must be at the same paths on every node, e.g. a shared filesystem).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nkworkers.baselines.tagging.input import (
    DEFAULT_MAX_LINE_BYTES,
    Article,
    Item,
    Reject,
    Seen,
    check,
    file_item,
    kind_of,
    parse_line,
)
from nkworkers.baselines.tagging.local import (
    Summary,
    TagError,
    finish_run,
    load_systems,
    open_output,
    progress_bar,
    tag_articles,
)
from nkworkers.baselines.tagging.model_folder import ModelError, check_folder
from nkworkers.baselines.tagging.output import Output

OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
# One thread per actor: a worker is one core's worth of tagging, so --workers
# scales the run; unpinned, each actor's torch and BLAS spread over every core
# and the actors fight over them.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def split_lines(row: dict[str, Any]) -> list[dict[str, Any]]:
    """One JSONL file (Ray's {bytes, path}) as rows {source, line, raw}; blank lines dropped."""
    out = []
    for number, raw in enumerate(row["bytes"].split(b"\n"), start=1):
        raw = raw.rstrip(b"\r")
        if raw.strip():
            out.append({"source": row["path"], "line": number, "raw": raw})
    return out


def _item(row: dict[str, Any], kind: str, source: str) -> Item:
    if kind == "jsonl":
        if len(row["raw"]) > DEFAULT_MAX_LINE_BYTES:
            return Item(row["source"], row["line"], error="line too long")
        return parse_line(row["source"], row["line"], row["raw"])
    if kind == "folder":
        return file_item(row["path"], row["bytes"])
    return Item(source, None, row)


class TagActor:
    """Loads the models once; tags each batch; one result row per input row."""

    def __init__(self, models: list[str], kind: str, source: str, done: frozenset[str]) -> None:
        self.systems = load_systems([Path(m) for m in models])
        self.kind, self.source, self.done = kind, source, done

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        results: list[dict[str, Any]] = []
        todo: list[tuple[int, Article]] = []
        for row in batch.to_pylist():
            item = _item(row, self.kind, self.source)
            got = check(item)
            base = {"source": item.source, "line": item.line}
            if isinstance(got, Reject):
                results.append({**base, "status": "reject", "doc_id": got.doc_id,
                                "payload": got.reason})  # fmt: skip
            elif got.doc_id in self.done:
                results.append({**base, "status": "skip", "doc_id": got.doc_id, "payload": None})
            else:
                todo.append((len(results), got))
                results.append({**base, "status": "ok", "doc_id": got.doc_id, "payload": None})
        tagged = tag_articles(self.systems, [a for _, a in todo])
        for (i, _), row in zip(todo, tagged, strict=True):
            results[i]["payload"] = json.dumps(row, ensure_ascii=False, default=str)
        return pa.Table.from_pylist(results, schema=result_schema())


def result_schema() -> Any:
    """What TagActor returns per input row (pyarrow is imported on use)."""
    import pyarrow as pa

    return pa.schema(
        [
            ("source", pa.string()),
            ("line", pa.int64()),
            ("status", pa.string()),
            ("doc_id", pa.string()),
            ("payload", pa.string()),
        ]
    )


def _dataset(kind: str, path: Path) -> Any:
    import ray.data

    if kind == "parquet":
        return ray.data.read_parquet(str(path.resolve()))
    if kind == "folder":
        files = sorted(str(p.resolve()) for p in path.glob("*.txt"))
        if not files:
            raise TagError(f"{path}: no .txt files; put one article per .txt file there")
        return ray.data.read_binary_files(files, include_paths=True)
    raw = ray.data.read_binary_files(str(path.resolve()), include_paths=True)
    return raw.flat_map(split_lines)


def _start(address: str | None) -> bool:
    """Connect to Ray; True when this run started it (and must shut it down)."""
    import ray

    if ray.is_initialized():
        return False
    runtime_env = {"env_vars": {**OFFLINE, **ONE_THREAD}}
    if address:
        ray.init(address=address, runtime_env=runtime_env, log_to_driver=False)
    else:
        ray.init(
            num_cpus=os.cpu_count() or 2,
            include_dashboard=False,
            runtime_env=runtime_env,
            log_to_driver=False,
        )
    return True


def run_ray(
    *,
    models: Sequence[Path],
    input_path: Path,
    out: Path,
    resume: bool = False,
    batch_size: int = 64,
    address: str | None = None,
    workers: int = 2,
    show_progress: bool = True,
) -> Summary:
    """Tag input_path into out on Ray Data; same rows and rejects as tagging.local.run_local."""
    import ray
    import ray.data

    for folder in models:
        try:
            check_folder(folder)
        except ModelError as exc:
            raise TagError(str(exc)) from None
    kind = kind_of(input_path)
    output, total = open_output(input_path, out, resume)
    done = frozenset(output.done_ids())
    started_here = _start(address)
    started = time.perf_counter()
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        # Blocks of one batch each: a single input file is read as one block,
        # and an actor pool hands out whole blocks, so without this one actor
        # would get all the work (streaming, no shuffle).
        blocks = _dataset(kind, input_path).repartition(target_num_rows_per_block=batch_size)
        results = blocks.map_batches(
            TagActor,
            fn_constructor_kwargs={
                "models": [str(m.resolve()) for m in models],
                "kind": kind,
                "source": str(input_path),
                "done": done,
            },
            batch_size=batch_size,
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(size=workers),
            num_cpus=0.5,
        )
        tagged, skipped = _collect(results, output, Seen(set(done)), total, show_progress)
    finally:
        if started_here:
            ray.shutdown()
    return finish_run(output, tagged, skipped, started)


def _collect(
    results: Any, output: Output, seen: Seen, total: int | None, show_progress: bool
) -> tuple[int, int]:
    tagged = skipped = 0
    started = time.perf_counter()
    with progress_bar() as progress:
        bar = progress.add_task("tag", total=total, rate="0.0", visible=show_progress)
        for batch in results.iter_batches(batch_format="pyarrow", batch_size=None):
            rows, rejects = [], []
            for r in batch.to_pylist():
                if r["status"] == "reject":
                    rejects.append(Reject(r["source"], r["line"], r["doc_id"], r["payload"]))
                    continue
                admitted = seen.admit(Article(r["doc_id"], ""), r["source"], r["line"])
                if isinstance(admitted, Reject):
                    rejects.append(admitted)
                elif admitted and r["status"] == "ok":
                    rows.append(json.loads(r["payload"]))
                else:
                    skipped += 1
            output.write_part(rows)
            output.add_rejects([r.to_json() for r in rejects])
            tagged += len(rows)
            rate = f"{tagged / max(time.perf_counter() - started, 1e-9):.1f}"
            progress.update(bar, advance=batch.num_rows, rate=rate)
    return tagged, skipped
