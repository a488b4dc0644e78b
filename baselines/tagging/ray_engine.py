"""``nkworkers tag --engine ray``: the same reader and per-batch function on Ray Data.

The driver cuts the input into units (nkworkers.baselines.tagging.readers:
JSONL byte ranges of one batch of lines, parquet row groups, runs of a
folder's files) -> ``from_items`` -> ``map_batches`` with :class:`TagActor`,
a callable class that loads the model folders once per actor
(``ActorPoolStrategy(size=workers)``, one CPU each, one thread each, so a
worker is one core's work), reads its unit with the local engine's reader,
checks each item and runs :func:`nkworkers.baselines.tagging.local.tag_articles`
-> results streamed back in input order (``preserve_order``) and written by
the local engine's writer, which also finds duplicate doc_ids. So both
engines read the same items, give the same rows and write the same rejects,
byte for byte. No read task competes with the actors for CPUs: the workers
read what they tag.

Without --address a local Ray is started for the run and always shut down;
with --address the run joins that cluster (the model folders and the input
must be at the same paths on every node, e.g. a shared filesystem).
nkworkers.baselines.tagging.ray_cluster probes the address, fits the
workers to the cluster and keeps Ray quiet.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nkworkers.baselines.tagging.input import Article, Reject, Seen, check
from nkworkers.baselines.tagging.local import (
    Summary,
    TagError,
    finish_run,
    input_units,
    load_systems,
    prepare,
    progress_bar,
    started,
    tag_articles,
)
from nkworkers.baselines.tagging.output import Output
from nkworkers.baselines.tagging.ray_cluster import (
    cluster_cpus,
    connect,
    first_line,
    fit_workers,
    probe,
    quiet,
)
from nkworkers.baselines.tagging.readers import Unit, read_unit


class TagActor:
    """Loads the models once; reads, checks and tags each unit; one result row per item.

    A model that fails to load here (it loaded in the driver's check) gives
    one "fatal" row with the reason instead of an actor that dies: the driver
    turns it into one line.
    """

    def __init__(self, models: list[str], done: frozenset[str], batch_size: int) -> None:
        self.done, self.batch_size, self.error = done, batch_size, ""
        try:
            self.systems = load_systems([Path(m) for m in models])
        except TagError as exc:
            self.systems, self.error = [], str(exc)

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        if self.error:
            fatal = {"source": "", "line": None, "status": "fatal", "doc_id": None}
            return pa.Table.from_pylist([{**fatal, "payload": self.error}], schema=result_schema())
        results: list[dict[str, Any]] = []
        todo: list[tuple[int, Article]] = []
        for row in batch.to_pylist():
            for item in read_unit(Unit.from_row(row)):
                got = check(item)
                base = {"source": item.source, "line": item.line}
                if isinstance(got, Reject):
                    results.append({**base, "status": "reject", "doc_id": got.doc_id,
                                    "payload": got.reason})  # fmt: skip
                elif got.doc_id in self.done:
                    results.append({**base, "status": "skip", "doc_id": got.doc_id,
                                    "payload": None})  # fmt: skip
                else:
                    todo.append((len(results), got))
                    results.append({**base, "status": "ok", "doc_id": got.doc_id,
                                    "payload": None})  # fmt: skip
        for at in range(0, len(todo), self.batch_size):
            chunk = todo[at : at + self.batch_size]
            for (i, _), tagged in zip(chunk, tag_articles(self.systems, [a for _, a in chunk]),
                                      strict=True):  # fmt: skip
                results[i]["payload"] = json.dumps(tagged, ensure_ascii=False, default=str)
        return pa.Table.from_pylist(results, schema=result_schema())


def result_schema() -> Any:
    """What TagActor returns per input item (pyarrow is imported on use)."""
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


def run_ray(
    *,
    models: Sequence[Path],
    input_path: Path,
    out: Path,
    resume: bool = False,
    batch_size: int = 64,
    address: str | None = None,
    workers: int | None = None,
    show_progress: bool = True,
    ray_logs: bool = False,
) -> Summary:
    """Tag input_path into out on Ray Data; same rows and rejects as tagging.local.run_local.

    ``workers`` None: one per CPU of the cluster. Raises TagError (one line)
    for a refused output, input, model, address or worker count, before
    anything is written, and for a model that fails to load on a worker.
    """
    from nkworkers.baselines.tagging.model_folder import ModelError, check_folder

    if address:
        probe(address)  # first: before reading models or importing Ray, < 30 s in all
    output, record = prepare(models, input_path, out, resume)
    import ray

    for folder in models:
        try:
            check_folder(folder)
        except ModelError as exc:
            raise TagError(str(exc)) from None
    units, total = input_units(input_path, batch_size)
    if not address and not ray.is_initialized():
        fit_workers(workers, float(_local_cpus()), len(units))  # refuse before starting Ray
    started_at = time.perf_counter()
    with quiet(ray_logs):
        started_here = connect(address, ray_logs) if units else False
        try:
            size = fit_workers(workers, cluster_cpus(), len(units)) if units else 0
            with started(output, record):
                done = frozenset(output.done)
                tagged = skipped = 0
                if units:
                    results = _results(units, models, done, batch_size, size)
                    tagged, skipped = _collect(
                        results, output, Seen(set(done)), total, show_progress, ray_logs
                    )
                return finish_run(output, tagged, skipped, started_at)
        finally:
            if started_here:
                ray.shutdown()


def _local_cpus() -> int:
    import os

    return os.cpu_count() or 1


def _results(
    units: list[Unit], models: Sequence[Path], done: frozenset[str], batch_size: int, size: int
) -> Any:
    import ray.data

    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    dataset = ray.data.from_items([u.to_row() for u in units], override_num_blocks=len(units))
    return dataset.map_batches(
        TagActor,
        fn_constructor_kwargs={
            "models": [str(m.resolve()) for m in models],
            "done": done,
            "batch_size": batch_size,
        },
        batch_size=1,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=size),
        num_cpus=1,
        max_restarts=0,  # see ray_cluster: no restarts, no error line, no endless retries
    )


def _collect(
    results: Any,
    output: Output,
    seen: Seen,
    total: int | None,
    show_progress: bool,
    verbose: bool,
) -> tuple[int, int]:
    from ray.exceptions import RayError

    tagged = skipped = 0
    started = time.perf_counter()
    with progress_bar() as progress:
        bar = progress.add_task("tag", total=total, rate="0.0", visible=show_progress)
        batches = iter(results.iter_batches(batch_format="pyarrow", batch_size=None))
        try:
            for batch in batches:
                rows, rejects, n_skipped = _sort(batch.to_pylist(), seen)
                output.write_part(rows)
                output.add_rejects([r.to_json() for r in rejects])
                tagged, skipped = tagged + len(rows), skipped + n_skipped
                rate = f"{tagged / max(time.perf_counter() - started, 1e-9):.1f}"
                progress.update(bar, advance=batch.num_rows, rate=rate)
        except BaseException as exc:
            progress.update(bar, visible=False)  # a refusal is one line, not a bar and a line
            if verbose or not isinstance(exc, RayError):
                raise
            raise TagError(
                f"the Ray run failed: {first_line(exc)} (the parts done so far are kept: "
                "fix the cause and rerun with --resume; --ray-logs shows Ray's own logs)"
            ) from None
        finally:
            getattr(batches, "close", lambda: None)()  # stop Ray's iterator now, not at exit
    return tagged, skipped


def _sort(results: list[dict[str, Any]], seen: Seen) -> tuple[list[Any], list[Reject], int]:
    """One result batch as (rows to write, rejects, skipped), in input order."""
    rows, rejects, skipped = [], [], 0
    for r in results:
        if r["status"] == "fatal":
            raise TagError(r["payload"])
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
    return rows, rejects, skipped
