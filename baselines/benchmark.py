"""The benchmark runner: train every baseline, predict, score, write the leaderboard.

Standard run: each system is fit on train (validation for any choice), then
predicts the validation and test documents from bare {doc_id, text}. The
test split is sealed while a system fits (reading it raises). Predictions go
to DIR/predictions/<system>.jsonl (test) and DIR/predictions/validation/
<system>.jsonl, and every figure is computed by scoring those files with the
evaluator, so ``nkworkers evaluate --predictions FILE --split SPLIT`` with the
same --bootstrap and --seed reproduces it.

Cross-validation (--cv): leave-one-document-out with CorpusData.fold(k).
Each document is predicted by the model that never saw it; those rows go to
DIR/predictions/cv/<system>.jsonl. The leaderboard gives, per figure, the mean
and standard deviation over folds (split "cv-mean") and the figure of the
pooled file (split "cv-pooled", reproduced by ``evaluate --split all``).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress

from baselines.benchmark_report import coverage_notes, markdown
from baselines.evaluation import evaluate_files, evaluate_rows
from baselines.evaluation.cli import load_gold
from baselines.systems.base import CorpusData, Row, System, Task

METRICS: dict[Task, tuple[str, ...]] = {
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


def figures(report: Mapping[str, Any], base: dict[str, Any], task: Task) -> list[dict[str, Any]]:
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
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


@dataclasses.dataclass
class Settings:
    root: Path
    out: Path
    seed: int = 0
    device: str = "cpu"
    bootstrap: int = 1000
    cache_dir: Path | None = None


def _fit(system: System, data: CorpusData, settings: Settings) -> float:
    started = time.perf_counter()
    system.fit(sealed(data), seed=settings.seed, device=settings.device)
    return time.perf_counter() - started


def run_standard(
    name: str, make: Callable[[], System], data: CorpusData, settings: Settings
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    system = make()
    timing: dict[str, Any] = {"system": name, "task": system.task, "mode": "standard"}
    timing["fit_s"] = _fit(system, data, settings)
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for split in EVALUATED_SPLITS:
        documents = getattr(data, split)["documents"]
        folder = settings.out / "predictions"
        path = folder / f"{name}.jsonl" if split == "test" else folder / split / f"{name}.jsonl"
        write_jsonl(path, system.predict(bare(documents)))
        gold = load_gold(settings.root, split)
        report = evaluate_files(gold, path, bootstrap=settings.bootstrap, seed=settings.seed)
        rows += figures(report, {"system": name, "task": system.task, "split": split}, system.task)
    timing["predict_score_s"] = time.perf_counter() - started
    return rows, timing


def run_cv(
    name: str,
    make: Callable[[], System],
    data: CorpusData,
    settings: Settings,
    advance: Callable[[], None],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    started = time.perf_counter()
    folds = sorted(set(load_fold_ids(data)))
    pooled: list[Row] = []
    per_fold: list[dict[str, Any]] = []
    task: Task = make().task
    for k in folds:
        fold = data.fold(k)
        system = make()
        _fit(system, fold, settings)
        predicted = system.predict(bare(fold.test["documents"]))
        pooled += predicted
        gold = list(fold.test["documents"])
        per_fold.append(evaluate_rows(gold, predicted, bootstrap=0, seed=settings.seed))
        advance()
    path = settings.out / "predictions" / "cv" / f"{name}.jsonl"
    write_jsonl(path, pooled)
    gold_all = load_gold(settings.root, "all")
    report = evaluate_files(gold_all, path, bootstrap=settings.bootstrap, seed=settings.seed)
    rows = figures(report, {"system": name, "task": task, "split": "cv-pooled"}, task)
    for metric in METRICS[task]:
        values = [v[0] for v in (lookup(r, metric) for r in per_fold) if v is not None]
        if not values:
            continue
        rows.append(
            {
                "system": name,
                "task": task,
                "split": "cv-mean",
                "metric": metric,
                "value": float(np.mean(values)),
                "ci_low": None,
                "ci_high": None,
                "std": float(np.std(values)),
                "folds": [float(v) for v in values],
            }
        )
    timing = {"system": name, "task": task, "mode": "cv", "total_s": time.perf_counter() - started}
    return rows, timing


def run_benchmark(
    *,
    systems: Mapping[str, Callable[[], System]],
    settings: Settings,
    cv: bool = False,
) -> dict[str, Any]:
    """Run, score and write DIR/leaderboard.json and DIR/LEADERBOARD.md; returns the JSON."""
    data = CorpusData.load(settings.root, settings.cache_dir)
    settings.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    timings: list[dict[str, Any]] = []
    n_folds = len(set(load_fold_ids(data)))
    with Progress(transient=False) as progress:
        overall = progress.add_task("benchmark", total=len(systems))
        for name, make in systems.items():
            if cv:
                bar = progress.add_task(f"{name} (LOO folds)", total=n_folds)
                got, timing = run_cv(name, make, data, settings, partial(progress.advance, bar))
            else:
                bar = progress.add_task(f"{name}", total=1)
                got, timing = run_standard(name, make, data, settings)
                progress.advance(bar)
            rows += got
            timings.append(timing)
            progress.advance(overall)
    board = {
        "mode": "cv" if cv else "standard",
        "seed": settings.seed,
        "device": settings.device,
        "bootstrap": settings.bootstrap,
        "rows": rows,
        "timings": timings,
        "notes": coverage_notes(data, cv=cv),
    }
    (settings.out / "leaderboard.json").write_text(json.dumps(board, indent=1) + "\n", "utf-8")
    (settings.out / "LEADERBOARD.md").write_text(markdown(board), encoding="utf-8")
    return board


def load_fold_ids(data: CorpusData) -> list[int]:
    return [
        *data.train["documents"]["fold"],
        *data.validation["documents"]["fold"],
        *data.test["documents"]["fold"],
    ]
