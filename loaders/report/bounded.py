"""Counters and samples whose memory does not grow with the number of rows.

- :class:`TopCounter`: the commonest keys of a stream of (key, count) pairs
  in at most ``2 * capacity`` entries, by Misra and Gries's frequent-items
  summary (J. Misra, D. Gries, "Finding repeated elements", Science of
  Computer Programming 2, 1982), with weighted updates: when the table
  holds twice its capacity, the (capacity + 1)-th largest count is taken off
  every key and the keys left at zero or below are dropped. Counts are exact
  while that never happens; after, each count is at most ``error`` below the
  true one, and a key missing from the table occurred at most ``error`` times.
- :class:`BottomK`: a uniform sample of k items of a stream, the k with the
  smallest random keys (bottom-k sampling; every subset of size k is equally
  likely, as with a reservoir). The keys come from one seeded generator, so
  the same input gives the same sample.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from typing import Any


class TopCounter:
    """Approximate counts of the commonest keys in bounded memory (see the module doc)."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.counts: dict[str, int] = {}
        self.error = 0  # the most any count is below the true one
        self.total = 0

    def update(self, pairs: Iterable[tuple[str, int]]) -> None:
        for key, n in pairs:
            self.counts[key] = self.counts.get(key, 0) + n
            self.total += n
        if len(self.counts) > 2 * self.capacity:
            self._prune()

    def _prune(self) -> None:
        cut = heapq.nlargest(self.capacity + 1, self.counts.values())[-1]
        self.counts = {k: c - cut for k, c in self.counts.items() if c > cut}
        self.error += cut

    @property
    def exact(self) -> bool:
        return self.error == 0

    def most_common(self, n: int) -> list[tuple[str, int]]:
        """The n largest counts, ties in key order."""
        return heapq.nsmallest(n, self.counts.items(), key=lambda kv: (-kv[1], kv[0]))


class BottomK:
    """The k items with the smallest keys offered so far (keys: uniform random numbers)."""

    def __init__(self, k: int) -> None:
        self.k = k
        self._arrived = 0
        self._items: list[tuple[float, int, Any]] = []  # (key, arrival, item)

    @property
    def threshold(self) -> float:
        """A key must be below this to enter the sample."""
        return self._items[-1][0] if len(self._items) >= self.k else float("inf")

    def offer(self, key: float, item: Any) -> None:
        self._items.append((key, self._arrived, item))
        self._arrived += 1
        self._items.sort(key=lambda entry: entry[:2])
        del self._items[self.k :]

    def items(self) -> list[Any]:
        """The sample, in the order the items arrived."""
        return [item for _, _, item in sorted(self._items, key=lambda entry: entry[1])]
