"""Bootstrap units: documents when the split has enough of them, else sentences.

With fewer than MIN_DOCUMENTS documents a document bootstrap has too few
distinct resamples to give a usable interval, so sentences (from
nkworkers.loaders.text.segment on the gold text) are resampled instead. An item belongs to
the unit its anchor offset falls in: a span to the sentence it starts in, a
record to the sentence its cue starts in. An offset in the gap between two
sentences belongs to the sentence before it (the first one if it precedes all).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from nkworkers.loaders.text.segment import segment

MIN_DOCUMENTS = 10


class Unit(StrEnum):
    DOCUMENTS = "documents"
    SENTENCES = "sentences"


@dataclass(frozen=True)
class Sentences:
    """Half-open sentence offsets of each document, computed once and shared."""

    texts: tuple[str, ...]

    @cached_property
    def spans(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        out = []
        for text in self.texts:
            sentences = tuple((s.start, s.end) for s in segment(text))
            out.append(sentences or ((0, len(text)),))
        return tuple(out)


@dataclass(frozen=True)
class Units:
    unit: Unit
    sentences: Sentences

    @classmethod
    def choose(cls, texts: Sequence[str], sentences: Sentences | None = None) -> Units:
        unit = Unit.DOCUMENTS if len(texts) >= MIN_DOCUMENTS else Unit.SENTENCES
        return cls(unit, sentences or Sentences(tuple(texts)))

    @cached_property
    def _first(self) -> tuple[int, ...]:
        """Global index of each document's first sentence."""
        firsts, total = [], 0
        for spans in self.sentences.spans:
            firsts.append(total)
            total += len(spans)
        return (*firsts, total)

    @cached_property
    def _starts(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(s for s, _ in spans) for spans in self.sentences.spans)

    @property
    def count(self) -> int:
        if self.unit is Unit.DOCUMENTS:
            return len(self.sentences.texts)
        return self._first[-1]

    def of(self, doc: int, offset: int) -> int:
        """The unit index of a character offset in document number doc."""
        if self.unit is Unit.DOCUMENTS:
            return doc
        local = max(0, bisect_right(self._starts[doc], offset) - 1)
        return self._first[doc] + local
