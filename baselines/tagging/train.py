"""``nkworkers train``: fit one system on the committed train split and save its model folder.

The fit is the benchmark's (nkworkers.baselines.benchmark.runner): train split only, every
choice made on validation, the test split sealed. The validation figures
(the task's benchmark metrics, no bootstrap) go into model.json beside the
corpus data fingerprint, so a model folder says what it was trained on and
how well it did there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from nkworkers.baselines.benchmark.runner import METRICS, bare, lookup, sealed
from nkworkers.baselines.systems.base import CorpusData, System
from nkworkers.baselines.tagging.model_folder import ModelError, data_fingerprint, save_model


def validation_figures(system: System, data: CorpusData, seed: int) -> dict[str, float]:
    """The task's benchmark metrics on the validation documents (point values)."""
    from nkworkers.baselines.evaluation import evaluate_rows

    documents = list(data.validation["documents"])
    report = evaluate_rows(documents, system.predict(bare(documents)), bootstrap=0, seed=seed)
    found = {metric: lookup(report, metric) for metric in METRICS[system.task]}
    return {metric: got[0] for metric, got in found.items() if got is not None}


def train(
    *,
    name: str,
    systems: Mapping[str, Callable[[], System]],
    out: Path,
    root: Path,
    seed: int = 0,
    device: str = "cpu",
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """Fit systems[name], save it to out (a new folder); return its model.json.

    Raises ModelError for an unknown system or an existing out, before any training.
    """
    if name not in systems:
        raise ModelError(f"unknown system {name!r}; choose one of {', '.join(sorted(systems))}")
    if out.exists():
        raise ModelError(f"{out}: already exists; choose a new --out or remove it first")
    data = CorpusData.load(root, cache_dir)
    system = systems[name]()
    system.fit(sealed(data), seed=seed, device=device)
    figures = validation_figures(system, data, seed)
    return save_model(
        system, out, seed=seed, validation_figures=figures, data_fingerprint=data_fingerprint(root)
    )
