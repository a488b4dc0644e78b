"""Warm ``datasets.load_dataset`` against ``pyarrow.parquet.read_table`` of the same files.

Warm: the dataset cache is prepared once before timing, as a researcher's second
load is. Goal of issue 7: at most 3x read_table.
"""

from __future__ import annotations

import os
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

import datasets
import pyarrow.parquet as pq

from nkworkers.benchmarks.synthetic import make_corpus
from nkworkers.benchmarks.timing import timed
from nkworkers.loaders.dataset.build import build
from nkworkers.loaders.dataset.features import CONFIGS
from nkworkers.loaders.labels import Split

ROOT = Path(__file__).resolve().parent.parent


def _read_tables(root: Path, config: str) -> int:
    return sum(
        pq.read_table(root / "data" / config / f"{split.value}.parquet").num_rows for split in Split
    )


def _load(root: Path, config: str, cache: str) -> int:
    loaded = datasets.load_dataset(str(root), config, cache_dir=cache)
    return sum(ds.num_rows for ds in loaded.values())


def _measure(root: Path, scale: int, cache: str, repeat: int) -> list[dict[str, Any]]:
    rows = []
    for config in CONFIGS:
        _load(root, config, cache)  # warm the cache
        ours, n_ours = timed(partial(_load, root, config, cache), repeat)
        arrow, n_arrow = timed(partial(_read_tables, root, config), repeat)
        assert n_ours == n_arrow
        rows.append(
            {
                "scale": scale,
                "config": config,
                "rows": n_ours,
                "load_dataset_s": ours,
                "read_table_s": arrow,
                "ratio": ours["median"] / arrow["median"],
            }
        )
    return rows


def run(scales: tuple[int, ...] = (1, 100, 2000), repeat: int = 5) -> dict[str, Any]:
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    datasets.disable_progress_bars()
    rows = []
    with tempfile.TemporaryDirectory(prefix="nkw-load-") as tmp:
        for scale in scales:
            root = ROOT
            if scale > 1:
                root = Path(tmp) / f"x{scale}"
                make_corpus(ROOT, root, scale)
                build(root)
            rows += _measure(root, scale, str(Path(tmp) / f"cache{scale}"), repeat)
    return {"rows": rows, "goal": "warm load_dataset <= 3x pyarrow read_table"}
