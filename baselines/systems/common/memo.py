"""A bounded least-recently-used memo for per-text results (parses, embeddings).

Cross-validation and validation grids meet the same few hundred corpus
sentences again and again, so the parse and embedding helpers remember what
they computed. An archive being tagged is the opposite case: thousands of
texts seen once each. So a memo is bounded (the least recently used entry
goes first) and :func:`off` turns every memo off for the duration of a block:
``nkworkers tag`` tags inside it, so its memory does not grow with the
archive. (Within one call the helpers still compute each distinct text once.)

The switch is one per process and not thread-safe: tagging runs one batch at
a time per process (the local engine, and each Ray actor).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_enabled = [True]  # one switch for the process (tagging runs one batch at a time)


class Memo(Generic[V]):
    """At most ``maxsize`` entries; ``get`` gives None for a miss or while memos are off."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> V | None:
        if not _enabled[0] or key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: Hashable, value: V) -> None:
        if not _enabled[0]:
            return
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)

    def get_many(self, keys: Sequence[K], compute: Callable[[list[K]], Iterable[V]]) -> list[V]:
        """One value per key (repeats allowed), in order; ``compute`` gets the distinct misses.

        ``compute(misses)`` returns their values in the same order, in one call (a
        batch for the parser or the encoder); each distinct key is computed once
        per call even while memos are off.
        """
        found: dict[K, V] = {}
        for key in dict.fromkeys(keys):
            if (value := self.get(key)) is not None:
                found[key] = value
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing:
            for key, value in zip(missing, compute(missing), strict=True):
                found[key] = value
                self.put(key, value)
        return [found[k] for k in keys]


@contextmanager
def off() -> Iterator[None]:
    """Every memo neither read nor written inside the block (restored after it)."""
    before = _enabled[0]
    _enabled[0] = False
    try:
        yield
    finally:
        _enabled[0] = before
