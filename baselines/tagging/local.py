"""``nkworkers tag``: saved models over any collection of articles, in batches.

:func:`tag_articles` is the one per-batch function: it gives every loaded
system the batch's bare documents ({doc_id, text}) and merges their layers
into one predictions row per article (nkworkers.loaders.predictions format; the
input's other columns carried through after the layers). The local engine
(:func:`run_local`) streams the input through it; the Ray engine
(nkworkers.baselines.tagging.ray_engine) runs the very same function inside Ray Data actors.

Memory is bounded by one batch of articles plus the set of doc_ids seen
(duplicates and --resume need it), whatever the input size: the systems'
memos of parses and embeddings are off while they tag.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nkworkers.baselines.tagging.input import (
    Article,
    InputError,
    Reject,
    Seen,
    check,
    kind_of,
)
from nkworkers.baselines.tagging.output import (
    Output,
    OutputError,
    Row,
    add_claims,
    model_set,
    rejects_path,
)
from nkworkers.baselines.tagging.pieces import merge, pieces
from nkworkers.baselines.tagging.readers import Unit, count_items, plan, read_unit

if TYPE_CHECKING:
    from nkworkers.baselines.systems.base import System

# Systems, spaCy and the model gate load inside the functions that need them: a
# refused OUT answers in a fraction of a second, not after seconds of imports.
DEFAULT_BATCH = 64


class TagError(ValueError):
    """A run refused before it starts (models, input or output): one line with the fix."""


@dataclass
class Summary:
    tagged: int  # articles tagged by this run
    skipped: int  # already in the output (--resume)
    rejected: int
    rows: int  # rows in OUT at the end
    seconds: float
    out: Path
    rejects: Path | None


def load_systems(models: Sequence[Path]) -> list[System]:
    """Each model folder loaded (tagging.model_folder); two models of one task are refused."""
    from nkworkers.baselines.systems.registry import SYSTEMS
    from nkworkers.baselines.tagging.model_folder import ModelError, load_model

    systems: list[System] = []
    tasks: dict[str, Path] = {}
    for folder in models:
        try:
            system, _ = load_model(folder, SYSTEMS)
        except ModelError as exc:
            raise TagError(str(exc)) from None
        if system.task in tasks:
            raise TagError(
                f"{folder} and {tasks[system.task]} both tag {system.task}; give one model per task"
            )
        tasks[system.task] = folder
        systems.append(system)
    return systems


def tag_articles(systems: Sequence[System], articles: Sequence[Article]) -> list[Row]:
    """One predictions row per article, every system's layers merged, extras after them.

    An article longer than spaCy's max_length is tagged in pieces and put
    back together (nkworkers.baselines.tagging.pieces); every other article
    is given to the systems as it is. Memos are off
    (nkworkers.baselines.systems.common.memo): an archive's texts are seen
    once, so remembering their parses would only grow memory with the
    archive. For the same reason each prediction runs inside spaCy's memory
    zones (:func:`memory_zones`).
    """
    from nkworkers.baselines.systems.common import memo

    if not articles:
        return []
    split = [pieces(a.doc_id, a.text) for a in articles]
    documents = [doc for parts in split for _, doc in parts]
    tagged: list[Row] = [{"doc_id": d["doc_id"]} for d in documents]
    with memo.off(), memory_zones(systems):
        for system in systems:
            predicted = system.predict(documents)
            for row, got in zip(tagged, predicted, strict=True):
                if got["doc_id"] != row["doc_id"]:
                    raise RuntimeError(f"{system.name} returned rows out of order")
                row.update({k: v for k, v in got.items() if k != "doc_id"})
    rows, at = [], 0
    for article, parts in zip(articles, split, strict=True):
        done = [(offset, tagged[at + i]) for i, (offset, _) in enumerate(parts)]
        at += len(parts)
        row = merge(article.doc_id, done)
        add_claims(row, article.text)
        row.update({k: v for k, v in article.extra.items() if k not in row})
        rows.append(row)
    return rows


@contextmanager
def memory_zones(systems: Sequence[System]) -> Iterator[None]:
    """spaCy's ``Language.memory_zone`` on every pipeline these systems have loaded so far.

    spaCy keeps every new word and number it meets in its vocabulary for the
    life of the pipeline (a few MiB per thousand articles of news); inside a
    memory zone what a batch adds is dropped when the batch is done (spaCy
    3.8, "Memory management for persistent services"). Rows hold plain
    strings and offsets, never a Doc, so nothing outlives the zone. A
    pipeline loaded during the first batch joins from the next one.
    """
    from spacy.language import Language

    from nkworkers.baselines.systems.attribution import parse as attribution_parse
    from nkworkers.loaders.text import segment

    found = [getattr(system, "nlp", None) for system in systems]
    found += [cached() for cached in (attribution_parse.pipeline, segment._nlp)
              if cached.cache_info().currsize]  # fmt: skip
    unique = {id(nlp): nlp for nlp in found if isinstance(nlp, Language)}
    with ExitStack() as stack:
        for nlp in unique.values():
            stack.enter_context(nlp.memory_zone())
        yield


def batches(
    items: Iterable[Any], seen: Seen, size: int, on_reject: Callable[[Reject], None]
) -> Iterator[tuple[list[Article], int]]:
    """Checked, de-duplicated articles in batches of ``size``, and how many were skipped."""
    batch: list[Article] = []
    skipped = 0
    for item in items:
        got = check(item)
        if isinstance(got, Reject):
            on_reject(got)
            continue
        admitted = seen.admit(got, item.source, item.line)
        if isinstance(admitted, Reject):
            on_reject(admitted)
        elif admitted:
            batch.append(got)
        else:
            skipped += 1
        if len(batch) >= size:
            yield batch, skipped
            batch, skipped = [], 0
    if batch or skipped:
        yield batch, skipped


def progress_bar() -> Any:
    """A rich progress bar with articles/s (the task carries a ``rate`` field)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("tagging"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]} articles/s"),
        TimeElapsedColumn(),
        transient=False,
    )


def prepare(
    models: Sequence[Path], input_path: Path, out: Path, resume: bool
) -> tuple[Output, list[dict[str, str]]]:
    """The refusals that need no model loaded, in a fraction of a second: the output
    (exists, is the input, in the corpus), the input's kind, each model folder's gate
    (model_folder.check_folder), and on --resume another model set than the one that
    wrote OUT. Returns the Output and the model set."""
    try:
        output = Output(out, resume=resume, input_path=input_path)
        kind_of(input_path)
    except (OutputError, InputError) as exc:
        raise TagError(str(exc)) from None
    from nkworkers.baselines.tagging.model_folder import ModelError, check_folder

    try:  # the whole gate (names, files table, sha256): hostile folders refused in a second
        record = model_set([(folder, check_folder(folder)) for folder in models])
        if resume:
            output.check_models(record)
    except (OutputError, ModelError) as exc:
        raise TagError(str(exc)) from None
    return output, record


@contextmanager
def started(output: Output, record: list[dict[str, str]]) -> Iterator[Output]:
    """Output.running with its refusals and write failures (OutputError, raised by Output
    only) as TagError; any other error of the run passes through unchanged."""
    try:
        with output.running(record):
            yield output
    except OutputError as exc:
        raise TagError(str(exc)) from None


def input_units(input_path: Path, per_unit: int | None = None) -> tuple[list[Unit], int | None]:
    """The input's units and record count (nkworkers.baselines.tagging.readers); TagError."""
    try:
        units = plan(input_path, per_unit)
        return units, count_items(units)
    except (InputError, OSError) as exc:
        raise TagError(str(exc)) from None


def run_local(
    *,
    models: Sequence[Path],
    input_path: Path,
    out: Path,
    resume: bool = False,
    batch_size: int = DEFAULT_BATCH,
    show_progress: bool = True,
) -> Summary:
    """Tag input_path with the models into out, in this process; see the module docstring.

    Raises TagError (one line) for a refused output, input or model, before
    anything is written; bad rows become rejects.
    """
    output, record = prepare(models, input_path, out, resume)
    systems = load_systems(models)
    units, total = input_units(input_path)
    started_at = time.perf_counter()
    with started(output, record):
        seen = Seen(set(output.done))
        tagged = skipped = 0
        pending: list[dict[str, Any]] = []
        items = (item for unit in units for item in read_unit(unit))
        with progress_bar() as progress:
            bar = progress.add_task("tag", total=total, rate="0.0", visible=show_progress)
            try:
                for articles, n_skipped in batches(
                    items, seen, batch_size, lambda r: pending.append(r.to_json())
                ):
                    output.write_part(tag_articles(systems, articles))
                    output.add_rejects(pending)
                    tagged, skipped = tagged + len(articles), skipped + n_skipped
                    advance = len(articles) + n_skipped + len(pending)
                    pending.clear()
                    rate = f"{tagged / max(time.perf_counter() - started_at, 1e-9):.1f}"
                    progress.update(bar, advance=advance, rate=rate)
            except BaseException:
                progress.update(bar, visible=False)  # the error's line alone, not a bar too
                raise
            output.add_rejects(pending)
        return finish_run(output, tagged, skipped, started_at)


def finish_run(output: Output, tagged: int, skipped: int, started: float) -> Summary:
    """Merge the parts onto OUT and sum the run up."""
    rows = output.finish()
    rejects = rejects_path(output.out) if output.rejected else None
    return Summary(
        tagged, skipped, output.rejected, rows, time.perf_counter() - started, output.out, rejects
    )
