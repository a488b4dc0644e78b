"""Per-unit counts, the one thing every figure and its bootstrap interval come from.

Each layer's scorer matches gold and predictions once and records the outcome
of every item (a true positive, a miss, ...) in the bootstrap unit it belongs
to (a document, or a sentence). A figure is then a function of summed counts:
the point estimate sums over all units, a bootstrap replicate sums over a
resample of units. Nothing is matched twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

Path = tuple[str, ...]


class Kind(StrEnum):
    """How a block's counts turn into figures (see metrics.compute)."""

    SEMEVAL = "semeval"  # strict / exact: P = correct / actual
    SEMEVAL_PARTIAL = "semeval_partial"  # partial / type: P = (correct + partial / 2) / actual
    PRF = "prf"  # tp, fp, fn
    ACCURACY = "accuracy"  # correct, total
    MACRO = "macro"  # tp:<label>, fp:<label>, fn:<label> for each label


KEYS: dict[Kind, tuple[str, ...]] = {
    Kind.SEMEVAL: ("correct", "incorrect", "partial", "missed", "spurious"),
    Kind.SEMEVAL_PARTIAL: ("correct", "incorrect", "partial", "missed", "spurious"),
    Kind.PRF: ("tp", "fp", "fn"),
    Kind.ACCURACY: ("correct", "total"),
    Kind.MACRO: (),
}


@dataclass
class Block:
    kind: Kind
    counts: dict[str, np.ndarray]  # key -> int64 array of shape (n_units,)


@dataclass
class Tally:
    n_units: int
    blocks: dict[Path, Block] = field(default_factory=dict)

    def block(self, path: Path, kind: Kind) -> Block:
        """The block at path, created with zero counts on first use."""
        if path not in self.blocks:
            zeros = {key: np.zeros(self.n_units, dtype=np.int64) for key in KEYS[kind]}
            self.blocks[path] = Block(kind, zeros)
        block = self.blocks[path]
        if block.kind is not kind:
            raise ValueError(f"block {'.'.join(path)} is {block.kind}, not {kind}")
        return block

    def add(self, path: Path, kind: Kind, key: str, unit: int, n: int = 1) -> None:
        counts = self.block(path, kind).counts
        if key not in counts:
            if kind is not Kind.MACRO:
                raise KeyError(f"{key!r} is not a count of a {kind} block")
            counts[key] = np.zeros(self.n_units, dtype=np.int64)
        counts[key][unit] += n

    def add_counts(self, path: Path, kind: Kind, counts: Mapping[str, np.ndarray]) -> None:
        """Add whole per-unit count vectors (key -> shape (n_units,)), for bulk scorers."""
        block = self.block(path, kind)
        for key, values in counts.items():
            if key not in block.counts:
                if kind is not Kind.MACRO:
                    raise KeyError(f"{key!r} is not a count of a {kind} block")
                block.counts[key] = np.zeros(self.n_units, dtype=np.int64)
            block.counts[key] += values

    def add_prf(
        self, path: Path, unit_tp: list[int], unit_fp: list[int], unit_fn: list[int]
    ) -> None:
        """Record a matching: the unit of every true positive, false positive, false negative."""
        self.block(path, Kind.PRF)
        for key, units in (("tp", unit_tp), ("fp", unit_fp), ("fn", unit_fn)):
            for unit in units:
                self.add(path, Kind.PRF, key, unit)
