"""``nkworkers train``: fit one system and save its model folder.

``--data splits`` (the default) is the benchmark's fit (nkworkers.baselines.benchmark.runner):
train split only, every choice made on validation, the test split sealed. The
validation figures (the task's benchmark metrics, no bootstrap) go into
model.json beside the corpus data fingerprint, so a model folder says what it
was trained on and how well it did there.

``--data all`` is for tagging an archive: leave-one-document-out first, as
``benchmark --cv`` runs it (fold k's article held out, fold k+1's for the
choices), which gives each fold's choices and the figures on the held-out
articles; then one fit on all annotated articles with the choices the folds
agree on (:func:`combine`: the median of numbers, the commonest of the rest).
model.json says ``"data": "all"`` and carries those LODO figures (mean,
standard deviation, pooled) and every fold's choices instead of validation
figures: no annotated article is left to measure the final model on. Only
systems that can fix their choices (nkworkers.baselines.systems.base.Refits)
train this way.

Importing this module is cheap: ``train_command`` asks :func:`refusal`
before torch, the systems and datasets load (seconds), so the heavy imports
sit inside the functions that need them.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nkworkers.baselines.benchmark.stages import QUIET, Stages
from nkworkers.baselines.systems.catalog import CATALOG, unknown_system

if TYPE_CHECKING:
    from nkworkers.baselines.systems.base import CorpusData, System

DATA_CHOICES = ("splits", "all")


def refusal(
    name: str, out: Path, known: Iterable[str] = CATALOG, data: str = "splits"
) -> str | None:
    """Why ``train`` would refuse (an unknown system or --data, an existing --out), or None.

    ``known`` defaults to the catalog, which names every registry system
    (tests/test_systems_catalog.py) without importing one.
    """
    if (problem := unknown_system(name, known)) is not None:
        return problem
    if data not in DATA_CHOICES:
        return f"--data {data!r}: choose one of {', '.join(DATA_CHOICES)}"
    if out.exists():
        return f"{out}: already exists; choose a new --out or remove it first"
    return None


def validation_figures(system: System, data: CorpusData, seed: int) -> dict[str, float]:
    """The task's benchmark metrics on the validation documents (point values)."""
    return _figures(system, list(data.validation["documents"]), seed)


def _figures(system: System, documents: list[Any], seed: int) -> dict[str, float]:
    from nkworkers.baselines.benchmark.runner import METRICS, bare, lookup
    from nkworkers.baselines.evaluation import evaluate_rows

    report = evaluate_rows(documents, system.predict(bare(documents)), bootstrap=0, seed=seed)
    found = {metric: lookup(report, metric) for metric in METRICS[system.task]}
    return {metric: got[0] for metric, got in found.items() if got is not None}


def combine(choices: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One setting per key from the folds' choices: numbers by their median, others by mode.

    The median is statistics.median_low, so the result is a value some fold chose;
    a tie of modes goes to the value seen first. Booleans count as labels, not numbers.
    """
    out: dict[str, Any] = {}
    for key in dict.fromkeys(k for c in choices for k in c):
        values = [c[key] for c in choices if key in c]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        if numeric:
            out[key] = statistics.median_low(values)
        else:
            counts = Counter(map(repr, values))
            out[key] = next(v for v in values if counts[repr(v)] == max(counts.values()))
    return out


def pooled(data: CorpusData) -> dict[str, Any]:
    """Every config's rows of all three splits (datasets.Dataset each)."""
    import datasets

    from nkworkers.baselines.systems.base import CONFIGS

    return {
        c: datasets.concatenate_datasets([data.train[c], data.validation[c], data.test[c]])
        for c in CONFIGS
    }


def lodo(
    make: Callable[[], System], data: CorpusData, seed: int, device: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every fold's choices, and the LODO figures {folds, mean, std, pooled, per_fold}."""
    import numpy as np

    from nkworkers.baselines.benchmark.runner import METRICS, bare, lookup, sealed
    from nkworkers.baselines.evaluation import evaluate_rows
    from nkworkers.baselines.systems.base import Refits

    folds = sorted(set(pooled(data)["documents"]["fold"]))
    choices, per_fold, rows, gold = [], [], [], []
    for k in folds:
        fold = data.fold(k)
        system = make()
        system.fit(sealed(fold), seed=seed, device=device)
        assert isinstance(system, Refits)
        choices.append(system.chosen_settings())
        documents = list(fold.test["documents"])
        per_fold.append(_figures(system, documents, seed))
        rows += system.predict(bare(documents))
        gold += documents
    report = evaluate_rows(gold, rows, bootstrap=0, seed=seed)
    metrics = [m for m in METRICS[make().task] if any(m in f for f in per_fold)]
    figures = {
        "folds": len(folds),
        "mean": {m: float(np.mean([f[m] for f in per_fold if m in f])) for m in metrics},
        "std": {m: float(np.std([f[m] for f in per_fold if m in f])) for m in metrics},
        "pooled": {m: got[0] for m in metrics if (got := lookup(report, m)) is not None},
        "per_fold": per_fold,
    }
    return choices, figures


def fit_all(
    make: Callable[[], System], data: CorpusData, seed: int, device: str
) -> tuple[System, dict[str, Any]]:
    """LODO, then one fit on every annotated article with the combined choices."""
    from nkworkers.baselines.benchmark.runner import SealedSplit
    from nkworkers.baselines.systems.base import CorpusData, Refits

    choices, figures = lodo(make, data, seed, device)
    chosen = combine(choices)
    everything = pooled(data)
    empty = {c: rows.select([]) for c, rows in everything.items()}
    system = make()
    assert isinstance(system, Refits)
    all_data = CorpusData(train=everything, validation=empty, test=SealedSplit())  # type: ignore[arg-type]
    system.fit_chosen(all_data, chosen, seed=seed, device=device)
    return system, {"chosen": chosen, "chosen_per_fold": choices, **figures}


def train(
    *,
    name: str,
    systems: Mapping[str, Callable[[], System]],
    out: Path,
    root: Path,
    seed: int = 0,
    device: str = "cpu",
    cache_dir: Path | None = None,
    data: str = "splits",
    stages: Stages = QUIET,
) -> dict[str, Any]:
    """Fit systems[name] on ``data`` ("splits" or "all"), save it to out; return its model.json.

    ``stages`` says when loading, fitting, scoring and saving start and end.
    Raises ModelError for an unknown system, an unknown ``data``, a system that
    cannot train on all articles, or an existing out, before any training.
    """
    from nkworkers.baselines.benchmark.runner import sealed
    from nkworkers.baselines.systems.base import CorpusData, Refits
    from nkworkers.baselines.tagging.model_folder import ModelError, data_fingerprint, save_model

    if (problem := refusal(name, out, systems, data)) is not None:
        raise ModelError(problem)
    if data == "all" and not isinstance(systems[name](), Refits):
        able = sorted(n for n, make in systems.items() if isinstance(make(), Refits))
        raise ModelError(
            f"{name} cannot fix its validation choices, so it cannot train on all articles; "
            f"use --data splits, or one of {', '.join(able)}"
        )
    with stages.stage(f"loading the corpus from {root}", "corpus loaded"):
        corpus = CorpusData.load(root, cache_dir)
    fingerprint = data_fingerprint(root)
    if data == "all":
        n_all = sum(len(getattr(corpus, s)["documents"]) for s in ("train", "validation", "test"))
        with stages.stage(
            f"training {name} on all {n_all} articles (leave-one-document-out first, "
            "for its choices and figures)",
            f"trained {name}",
        ):
            system, lodo_figures = fit_all(systems[name], corpus, seed, device)
        with stages.stage(f"saving the model folder {out}", f"saved {out}"):
            return save_model(
                system, out, seed=seed, validation_figures=None, data_fingerprint=fingerprint,
                extra={"data": "all", "lodo": lodo_figures},
            )  # fmt: skip
    system = systems[name]()
    n_train = len(corpus.train["documents"])
    with stages.stage(
        f"training {name} on the train split ({n_train} articles; choices on validation)",
        f"trained {name}",
    ):
        system.fit(sealed(corpus), seed=seed, device=device)
    with stages.stage("scoring the validation split", "validation scored"):
        figures = validation_figures(system, corpus, seed)
    with stages.stage(f"saving the model folder {out}", f"saved {out}"):
        return save_model(
            system, out, seed=seed, validation_figures=figures, data_fingerprint=fingerprint,
            extra={"data": "splits"},
        )  # fmt: skip
