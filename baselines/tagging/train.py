"""``nkworkers train``: fit one system on the committed train split and save its model folder.

The fit is the benchmark's (nkworkers.baselines.benchmark.runner): train split only, every
choice made on validation, the test split sealed. The validation figures
(the task's benchmark metrics, no bootstrap) go into model.json beside the
corpus data fingerprint, so a model folder says what it was trained on and
how well it did there.

Importing this module is cheap: ``train_command`` asks :func:`refusal`
before torch, the systems and datasets load (seconds), so the heavy imports
sit inside the functions that need them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nkworkers.baselines.benchmark.stages import QUIET, Stages
from nkworkers.baselines.systems.catalog import CATALOG, unknown_system

if TYPE_CHECKING:
    from nkworkers.baselines.systems.base import CorpusData, System


def refusal(name: str, out: Path, known: Iterable[str] = CATALOG) -> str | None:
    """Why ``train`` would refuse (an unknown system, an existing --out), or None.

    ``known`` defaults to the catalog, which names every registry system
    (tests/test_systems_catalog.py) without importing one.
    """
    if (problem := unknown_system(name, known)) is not None:
        return problem
    if out.exists():
        return f"{out}: already exists; choose a new --out or remove it first"
    return None


def validation_figures(system: System, data: CorpusData, seed: int) -> dict[str, float]:
    """The task's benchmark metrics on the validation documents (point values)."""
    from nkworkers.baselines.benchmark.runner import METRICS, bare, lookup
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
    stages: Stages = QUIET,
) -> dict[str, Any]:
    """Fit systems[name], save it to out (a new folder); return its model.json.

    ``stages`` says when loading, fitting, scoring and saving start and end.
    Raises ModelError for an unknown system or an existing out, before any training.
    """
    from nkworkers.baselines.benchmark.runner import sealed
    from nkworkers.baselines.systems.base import CorpusData
    from nkworkers.baselines.tagging.model_folder import ModelError, data_fingerprint, save_model

    if (problem := refusal(name, out, systems)) is not None:
        raise ModelError(problem)
    with stages.stage(f"loading the corpus from {root}", "corpus loaded"):
        data = CorpusData.load(root, cache_dir)
    system = systems[name]()
    n_train = len(data.train["documents"])
    with stages.stage(
        f"training {name} on the train split ({n_train} articles; choices on validation)",
        f"trained {name}",
    ):
        system.fit(sealed(data), seed=seed, device=device)
    with stages.stage("scoring the validation split", "validation scored"):
        figures = validation_figures(system, data, seed)
    with stages.stage(f"saving the model folder {out}", f"saved {out}"):
        return save_model(
            system, out, seed=seed, validation_figures=figures,
            data_fingerprint=data_fingerprint(root),
        )  # fmt: skip
