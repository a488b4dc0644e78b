"""Percentile bootstrap intervals from per-unit counts.

One seeded matrix of resampling weights (how often each unit is drawn in
each replicate) serves every figure, so the figures of one replicate come
from the same resample; a replicate's counts are a matrix product, no
matching is re-run.

A resample that holds no gold and no predicted item of a block (a type
absent from the drawn sentences) leaves that block's figures undefined: it
is left out of their intervals, which say how many replicates they rest on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nkworkers.baselines.evaluation.metrics import FIGURES, compute, defined
from nkworkers.baselines.evaluation.tally import Path, Tally

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    replicates: int  # how many resamples had something to score


def resample_weights(n_units: int, replicates: int, seed: int) -> np.ndarray:
    """(replicates, n_units) draw counts: row r says how often unit u is in resample r."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_units, size=(replicates, n_units))
    flat = draws + np.arange(replicates)[:, None] * n_units
    counts = np.bincount(flat.ravel(), minlength=replicates * n_units)
    return counts.reshape(replicates, n_units).astype(np.float64)


def intervals(tally: Tally, replicates: int, seed: int) -> dict[Path, dict[str, Interval]]:
    """The CONFIDENCE percentile interval of every figure of every block."""
    if replicates <= 0 or tally.n_units == 0:
        return {}
    weights = resample_weights(tally.n_units, replicates, seed)
    columns = [(path, key) for path, block in tally.blocks.items() for key in block.counts]
    if not columns:
        return {}
    matrix = np.stack([tally.blocks[p].counts[k] for p, k in columns], axis=1)
    resampled = weights @ matrix.astype(np.float64)  # (replicates, columns)
    by_block: dict[Path, dict[str, np.ndarray]] = {}
    for c, (path, key) in enumerate(columns):
        by_block.setdefault(path, {})[key] = resampled[:, c]
    tail = (1 - CONFIDENCE) / 2 * 100
    out: dict[Path, dict[str, Interval]] = {}
    for path, counts in by_block.items():
        kind = tally.blocks[path].kind
        figures, mask = compute(kind, counts), defined(kind, counts)
        n_defined = int(mask.sum())
        if n_defined == 0:
            continue
        out[path] = {}
        for name in FIGURES:
            if name in figures:
                low, high = np.percentile(figures[name][mask], [tail, 100 - tail])
                out[path][name] = Interval(float(low), float(high), n_defined)
    return out
