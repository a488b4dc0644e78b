"""What every baseline system offers the benchmark runner.

Systems read the corpus only through ``datasets.load_dataset`` on the checkout
(``CorpusData.load``), the road a researcher takes; never annotations/.
``predict`` takes bare documents (doc_id + text), so it works on articles that
are not annotated; systems tokenise with ``nkworkers.loaders.text.segment`` exactly as the
dataset configs do, and return rows of the predictions format
(loaders/predictions.py) holding only their task's layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import datasets

Task = Literal["entities", "attribution", "control_measures"]
TASKS: tuple[Task, ...] = ("entities", "attribution", "control_measures")
CONFIGS = ("documents", "entities", "attribution", "control_measures")
Row = dict[str, Any]


@dataclass
class CorpusData:
    """Rows of every config for the three roles a run gives them."""

    train: dict[str, datasets.Dataset]  # config name -> rows
    validation: dict[str, datasets.Dataset]
    test: dict[str, datasets.Dataset]

    @classmethod
    def load(cls, root: Path, cache_dir: Path | None = None) -> CorpusData:
        """The committed splits, through load_dataset on the checkout."""
        loaded = {
            config: datasets.load_dataset(
                str(root.resolve()), config, cache_dir=str(cache_dir) if cache_dir else None
            )
            for config in CONFIGS
        }
        return cls(
            **{
                split: {c: loaded[c][split] for c in CONFIGS}
                for split in ("train", "validation", "test")
            }
        )

    def fold(self, k: int) -> CorpusData:
        """Leave-one-document-out: document fold k is test, fold (k+1) mod n validation."""
        pooled = {
            c: datasets.concatenate_datasets([self.train[c], self.validation[c], self.test[c]])
            for c in CONFIGS
        }
        n = len(set(pooled["documents"]["fold"]))
        val = (k + 1) % n

        def pick(keep: Any) -> dict[str, datasets.Dataset]:
            return {c: pooled[c].filter(lambda r: keep(r["fold"])) for c in CONFIGS}

        return CorpusData(
            train=pick(lambda f: f not in (k, val)),
            validation=pick(lambda f: f == val),
            test=pick(lambda f: f == k),
        )


class System(Protocol):
    name: str  # unique, e.g. "entities-crf"
    task: Task

    def fit(self, data: CorpusData, *, seed: int = 0, device: str = "cpu") -> None:
        """Train on data.train; choose any setting on data.validation only."""

    def predict(self, documents: list[Row]) -> list[Row]:
        """One predictions row per input document ({doc_id, text, ...})."""
        ...

    def save(self, directory: Path) -> dict[str, Any]:
        """Write the fitted state into ``directory`` (exists, empty); return its settings.

        Safe formats only: safetensors, JSON, numpy ``.npy`` without object
        arrays, a library's own model file (crfsuite) or ``to_disk``; never
        pickle, joblib or anything that runs code when read. The returned
        dict is JSON-able (str/int/float/bool/None, lists, str-keyed dicts)
        and lands in model.json as ``settings``, for people to read; ``load``
        must not need it.
        """
        ...

    def load(self, directory: Path) -> None:
        """Restore the fitted state written by ``save`` into a fresh ``SYSTEMS[name]()``.

        After ``load``, ``predict`` returns exactly what the saved instance
        predicted. Raises ``FileNotFoundError`` for a missing weight file and
        ``ValueError`` for one that does not parse or holds what ``train``
        never writes: read state through nkworkers.baselines.systems.safe
        (``read_state`` with a schema, ``read_arrays`` and ``check_arrays``),
        whose errors say so in one line.
        """
        ...


@runtime_checkable
class Refits(Protocol):
    """A system whose validation choices can be read and fixed (``train --data all``).

    Leave-one-document-out fits it once per fold (choices on each fold's
    validation), then one fit on every annotated article with the choices
    the folds agree on (nkworkers.baselines.tagging.train.combine).
    """

    name: str
    task: Task

    def chosen_settings(self) -> dict[str, Any]:
        """After ``fit``: the settings validation chose (JSON scalars), nothing else."""
        ...

    def fit_chosen(
        self, data: CorpusData, chosen: Mapping[str, Any], *, seed: int = 0, device: str = "cpu"
    ) -> None:
        """Fit on ``data.train`` with ``chosen``; ``data.validation`` is not read."""
        ...
