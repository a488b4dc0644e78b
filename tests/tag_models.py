"""Model folders for the ``tag`` tests: trained once per test module, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from nkworkers.baselines.systems.registry import SYSTEMS
from nkworkers.baselines.tagging.train import train

ROOT = Path(__file__).resolve().parent.parent


def trained(factory: pytest.TempPathFactory, names: tuple[str, ...]) -> dict[str, Path]:
    """{system name: its model folder}, each trained on the committed corpus with seed 0."""
    base = factory.mktemp("models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_DATASETS_OFFLINE", "1")
        mp.setenv("HF_HUB_OFFLINE", "1")
        for name in names:
            train(name=name, systems=SYSTEMS, out=base / name, root=ROOT, seed=0,
                  cache_dir=base / "hf")  # fmt: skip
    return {name: base / name for name in names}
