"""The benchmark runner: train every baseline, predict, score, write the leaderboard.

Standard run: each system is fit on train (validation for any choice), then
predicts the validation and test documents from bare {doc_id, text}. The
test split is sealed while a system fits (reading it raises). Predictions go
to DIR/predictions/<system>.jsonl (test) and DIR/predictions/validation/
<system>.jsonl, and every figure is computed by scoring those files with the
evaluator, so ``nkworkers evaluate --predictions FILE --split SPLIT`` with the
same --bootstrap and --seed reproduces it.

Cross-validation (--cv): the standard run, then leave-one-document-out with
CorpusData.fold(k). Each document is predicted by the model that never saw
it; fold k's rows go to DIR/cv/fold-K/<system>.jsonl and all folds' to
DIR/predictions/cv/<system>.jsonl. The leaderboard gives, per figure, the
mean and standard deviation over folds (split "cv-mean", each fold figure
reproduced by ``score_fold`` on its file) and the figure of the pooled file
(split "cv-pooled", reproduced by ``evaluate --split all``).

When stdout is not a terminal (a log file), progress is one flushed line per
system and stage (fit, predict, score) with its seconds.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress

from nkworkers.baselines.benchmark.report import coverage_notes, markdown
from nkworkers.baselines.evaluation import evaluate_files
from nkworkers.baselines.evaluation.cli import load_gold
from nkworkers.baselines.systems.base import CorpusData, Row, System, Task
from nkworkers.loaders.files import jsonio
from nkworkers.loaders.files.atomic import write_many, write_text
from nkworkers.loaders.labels import ControlCategory, names

CATEGORY_NAMES = names(ControlCategory)
METRICS: dict[str, tuple[str, ...]] = {
    "entities": tuple(f"entities.{s}.f1" for s in ("strict", "exact", "partial", "type")),
    "attribution": (
        *(
            f"attribution.{r}.{m}.f1"
            for r in ("cue", "source", "content")
            for m in ("exact", "overlap")
        ),
        "attribution.records.f1",
    ),
    "control_measures": (
        "control_measures.sentences.micro.f1",
        "control_measures.sentences.macro.f1",
        "control_measures.spans.micro.exact.f1",
        "control_measures.spans.micro.overlap.f1",
        "control_measures.average_precision.micro.ap",
        *(f"control_measures.sentences.per_category.{c}.f1" for c in CATEGORY_NAMES),
        *(f"control_measures.average_precision.per_category.{c}.ap" for c in CATEGORY_NAMES),
    ),
    # combined pipelines (nkworkers.baselines.benchmark.combine), not a system's task
    "claims": (
        "claims.with_source.f1",
        "claims.with_source.precision",
        "claims.with_source.recall",
        "claims.without_source.f1",
        "claims.source_agreement.accuracy",
        "claims.attributes.source_kind.accuracy",
        "claims.attributes.source_anonymity.accuracy",
    ),
}
EVALUATED_SPLITS = ("validation", "test")


class SealedSplit(Mapping[str, Any]):
    """Stands in for the test split while a system fits: any read is an error."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError(f"the test split ({key!r}) must not be read while fitting")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("the test split must not be read while fitting")

    def __len__(self) -> int:
        raise RuntimeError("the test split must not be read while fitting")


def sealed(data: CorpusData) -> CorpusData:
    return dataclasses.replace(data, test=SealedSplit())  # type: ignore[arg-type]


def bare(documents: Any) -> list[Row]:
    """Only what an unannotated article has: the gold layers never reach predict."""
    return [{"doc_id": d["doc_id"], "text": d["text"]} for d in documents]


def lookup(report: Mapping[str, Any], metric: str) -> tuple[float, list[float] | None] | None:
    """(value, [low, high] or None) at a dotted path of the report, None if absent."""
    *path, figure = metric.split(".")
    node: Any = report
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    if figure not in node:
        return None
    return float(node[figure]), node.get(f"{figure}_ci")


def figures(report: Mapping[str, Any], base: dict[str, Any], task: str) -> list[dict[str, Any]]:
    rows = []
    for metric in METRICS[task]:
        found = lookup(report, metric)
        if found is None:
            continue
        value, ci = found
        low, high = ci if ci else (None, None)
        rows.append({**base, "metric": metric, "value": value, "ci_low": low, "ci_high": high})
    return rows


def write_jsonl(path: Path, rows: Sequence[Row]) -> None:
    """One JSON object per line, written atomically (a crash leaves the old file or none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


@dataclasses.dataclass
class Settings:
    root: Path
    out: Path
    seed: int = 0
    device: str = "cpu"
    bootstrap: int = 1000
    cache_dir: Path | None = None
    # A subset of the leave-one-document-out folds (None: every fold). The
    # transformer systems take minutes a fit on CPU; the README says which ran fewer.
    folds: tuple[int, ...] | None = None


class Log:
    """Progress: a rich bar on a terminal, else one flushed line per system and stage."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress

    def stage(self, system: str, stage: str, seconds: float) -> None:
        if self.progress is None:
            print(f"{system}: {stage} {seconds:.1f} s", flush=True)


def _timed(log: Log, system: str, stage: str, work: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    log.stage(system, stage, seconds)
    return result, seconds


def run_standard(
    name: str,
    make: Callable[[], System],
    data: CorpusData,
    settings: Settings,
    log: Log | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Fit on train (test sealed), predict validation and test, score the written files."""
    log = log or Log(None)
    system = make()
    timing: dict[str, Any] = {"system": name, "task": system.task, "mode": "standard"}
    fit = partial(system.fit, sealed(data), seed=settings.seed, device=settings.device)
    timing["fit_s"] = _timed(log, name, "fit", fit)[1]
    rows: list[dict[str, Any]] = []
    timing["predict_s"] = timing["score_s"] = 0.0
    for split in EVALUATED_SPLITS:
        documents = getattr(data, split)["documents"]
        folder = settings.out / "predictions"
        path = folder / f"{name}.jsonl" if split == "test" else folder / split / f"{name}.jsonl"
        predicted, seconds = _timed(
            log, name, f"predict {split}", partial(system.predict, bare(documents))
        )
        timing["predict_s"] += seconds
        write_jsonl(path, predicted)
        gold = load_gold(settings.root, split)
        score = partial(
            evaluate_files, gold, path, bootstrap=settings.bootstrap, seed=settings.seed
        )
        report, seconds = _timed(log, name, f"score {split}", score)
        timing["score_s"] += seconds
        rows += figures(report, {"system": name, "task": system.task, "split": split}, system.task)
    timing["predict_score_s"] = timing["predict_s"] + timing["score_s"]
    return rows, timing


def fold_path(out: Path, k: int, name: str) -> Path:
    """Where fold k's held-out predictions of a system go: OUT/cv/fold-K/<system>.jsonl."""
    return out / "cv" / f"fold-{k}" / f"{name}.jsonl"


def score_fold(root: Path, path: Path, doc_ids: Sequence[str], seed: int = 0) -> dict[str, Any]:
    """Re-score one fold's predictions file against the gold of its held-out articles."""
    gold = [g for g in load_gold(root, "all") if g["doc_id"] in set(doc_ids)]
    return evaluate_files(gold, path, bootstrap=0, seed=seed)


def fold_means(
    task: str, reports: Sequence[Mapping[str, Any]], of_folds: int | None = None
) -> list[dict[str, Any]]:
    """cv-mean rows: per metric, mean and (population) standard deviation over folds.

    ``of_folds`` is how many folds the corpus has (default: as many as reports).
    """
    rows = []
    for metric in METRICS[task]:
        values = [v[0] for v in (lookup(r, metric) for r in reports) if v is not None]
        if values:
            rows.append(
                {
                    "split": "cv-mean",
                    "metric": metric,
                    "value": float(np.mean(values)),
                    "ci_low": None,
                    "ci_high": None,
                    "std": float(np.std(values)),
                    "folds": [float(v) for v in values],
                    "of_folds": of_folds or len(reports),
                }
            )
    return rows


def run_cv(
    name: str,
    make: Callable[[], System],
    data: CorpusData,
    settings: Settings,
    advance: Callable[[], None],
    log: Log | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Leave-one-document-out: fold k's model predicts fold k's article; files, then scores."""
    log = log or Log(None)
    started = time.perf_counter()
    pooled: list[Row] = []
    reports: list[dict[str, Any]] = []
    task: Task = make().task
    for k in chosen_folds(data, settings):
        fold = data.fold(k)
        system = make()
        fit = partial(system.fit, sealed(fold), seed=settings.seed, device=settings.device)
        _timed(log, name, f"fold {k} fit", fit)
        documents = bare(fold.test["documents"])
        predicted, _ = _timed(log, name, f"fold {k} predict", partial(system.predict, documents))
        pooled += predicted
        path = fold_path(settings.out, k, name)
        write_jsonl(path, predicted)
        doc_ids = [d["doc_id"] for d in documents]
        score = partial(score_fold, settings.root, path, doc_ids, settings.seed)
        reports.append(_timed(log, name, f"fold {k} score", score)[0])
        advance()
    path = settings.out / "predictions" / "cv" / f"{name}.jsonl"
    write_jsonl(path, pooled)
    predicted_ids = {row["doc_id"] for row in pooled}
    gold_all = [g for g in load_gold(settings.root, "all") if g["doc_id"] in predicted_ids]
    report = evaluate_files(gold_all, path, bootstrap=settings.bootstrap, seed=settings.seed)
    base = {"system": name, "task": task}
    rows = figures(report, {**base, "split": "cv-pooled"}, task)
    of_folds = len(set(load_fold_ids(data)))
    rows += [{**base, **r} for r in fold_means(task, reports, of_folds)]
    timing = {"system": name, "task": task, "mode": "cv", "total_s": time.perf_counter() - started}
    return rows, timing


class StaleLeaderboard(ValueError):
    """--update on a leaderboard written with other settings; the message says which."""


def merged(previous: dict[str, Any], board: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """The previous board with the rows and timings of ``names`` replaced by the new run's."""
    for key in ("mode", "seed", "device", "bootstrap"):
        if previous.get(key) != board[key]:
            raise StaleLeaderboard(
                f"the leaderboard in the output folder has {key}={previous.get(key)!r}, this run "
                f"{board[key]!r}: rerun with the same settings, or without --update"
            )
    keep_rows = [r for r in previous["rows"] if r["system"] not in names]
    keep_times = [t for t in previous["timings"] if t["system"] not in names]
    return {**board, "rows": keep_rows + board["rows"], "timings": keep_times + board["timings"]}


def _run_all(
    systems: Mapping[str, Callable[[], System]], data: CorpusData, settings: Settings, cv: bool,
    progress: Progress | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    log = Log(progress)
    n_folds = len(chosen_folds(data, settings))
    rows: list[dict[str, Any]] = []
    timings: list[dict[str, Any]] = []
    for name, make in systems.items():
        bar = progress.add_task(name, total=n_folds + 1 if cv else 1) if progress else None
        advance = partial(progress.advance, bar) if progress and bar is not None else _nothing
        got, timing = run_standard(name, make, data, settings, log)
        rows, timings = rows + got, [*timings, timing]
        advance()
        if cv:
            got, timing = run_cv(name, make, data, settings, advance, log)
            rows, timings = rows + got, [*timings, timing]
    return rows, timings


def _nothing() -> None:
    return None


def run_benchmark(
    *,
    systems: Mapping[str, Callable[[], System]],
    settings: Settings,
    cv: bool = False,
    update: bool = False,
    finish: Callable[[Settings, dict[str, Any]], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run, score and write DIR/leaderboard.json and DIR/LEADERBOARD.md; returns the JSON.

    Every system is fit on train and scored on validation and test; with
    ``cv`` it is also run leave-one-document-out (fold files under DIR/cv/).
    With ``update``, an existing DIR/leaderboard.json keeps the rows of the
    systems not run now (same mode, seed, device and bootstrap, else
    StaleLeaderboard), so a long benchmark can be run system by system.
    ``finish`` turns the board into the one written: ``benchmark`` passes
    nkworkers.baselines.benchmark.combine.with_claims, which adds the rows of
    the best attribution + control pipeline.
    """
    data = CorpusData.load(settings.root, settings.cache_dir)
    settings.out.mkdir(parents=True, exist_ok=True)
    if sys.stdout.isatty():
        with Progress(transient=False) as progress:
            rows, timings = _run_all(systems, data, settings, cv, progress)
    else:
        rows, timings = _run_all(systems, data, settings, cv, None)
    board = {
        "mode": "cv" if cv else "standard",
        "seed": settings.seed,
        "device": settings.device,
        "bootstrap": settings.bootstrap,
        "rows": rows,
        "timings": timings,
        "notes": coverage_notes(data, cv=cv),
    }
    previous_path = settings.out / "leaderboard.json"
    if update and previous_path.is_file():
        board = merged(jsonio.load_file(previous_path), board, set(systems))
    if finish is not None:
        board = finish(settings, board)
    write_board(settings, board)
    return board


def write_board(settings: Settings, board: dict[str, Any]) -> None:
    """OUT/leaderboard.json and OUT/LEADERBOARD.md, both or neither."""
    write_many(
        {
            settings.out / "leaderboard.json": (json.dumps(board, indent=1) + "\n").encode(),
            settings.out / "LEADERBOARD.md": markdown(board, root=_root_from(settings)).encode(),
        }
    )


def _root_from(settings: Settings) -> str:
    """The corpus checkout as LEADERBOARD.md's folder sees it (``..`` for results/)."""
    return Path(os.path.relpath(settings.root.resolve(), settings.out.resolve())).as_posix()


def chosen_folds(data: CorpusData, settings: Settings) -> list[int]:
    """The folds a run covers: every fold id of the corpus, or the subset asked for.

    Raises:
        ValueError: a requested fold id that the corpus does not have.
    """
    every = sorted(set(load_fold_ids(data)))
    if settings.folds is None:
        return every
    unknown = sorted(set(settings.folds) - set(every))
    if unknown:
        raise ValueError(f"--folds {unknown}: the corpus has folds {every}")
    return sorted(set(settings.folds))


def load_fold_ids(data: CorpusData) -> list[int]:
    return [
        *data.train["documents"]["fold"],
        *data.validation["documents"]["fold"],
        *data.test["documents"]["fold"],
    ]
