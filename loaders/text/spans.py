"""Span matching shared by every layer: exact and one-to-one greedy overlap.

Pure, and in loaders so that ``evaluate`` (nkworkers.baselines.evaluation)
and the viewer's found / missed / false-alarm marks (nkworkers.loaders.render)
apply one rule; loaders never import baselines.

Spans are half-open character offsets (``end`` exclusive), the corpus
convention; two spans overlap when they share at least one character,
``max(starts) < min(ends)`` (touching spans do not overlap).

The overlap rule (PARC style, used for attribution and control-measure spans):
a predicted span matches a gold span of the same label when they overlap.
Matching is one-to-one and greedy: exact pairs (same offsets) are taken first,
then the remaining overlapping pairs in order of decreasing overlap length,
ties broken by gold start, then predicted start; a pair is taken when neither
side is matched yet. The result is deterministic whatever the input order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int  # exclusive
    label: str = ""


def overlap_length(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def overlaps(a: Span, b: Span) -> bool:
    return max(a.start, b.start) < min(a.end, b.end)


@dataclass(frozen=True, slots=True)
class Matching:
    """Index pairs (gold, predicted) plus the indices left unmatched on each side."""

    pairs: tuple[tuple[int, int], ...]
    missed: tuple[int, ...] = field(default=())  # gold indices
    spurious: tuple[int, ...] = field(default=())  # predicted indices


def _finish(pairs: list[tuple[int, int]], n_gold: int, n_pred: int) -> Matching:
    used_gold = {g for g, _ in pairs}
    used_pred = {p for _, p in pairs}
    return Matching(
        pairs=tuple(sorted(pairs)),
        missed=tuple(i for i in range(n_gold) if i not in used_gold),
        spurious=tuple(j for j in range(n_pred) if j not in used_pred),
    )


def greedy_pairs(ordered: Iterable[Sequence[int]]) -> list[tuple[int, int]]:
    """One-to-one pairs taken in the given order: each candidate ends in (gold, predicted)
    indices and is kept when neither side is taken yet; sorted by gold index."""
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for *_, i, j in ordered:
        if i not in used_gold and j not in used_pred:
            pairs.append((i, j))
            used_gold.add(i)
            used_pred.add(j)
    return sorted(pairs)


def _exact_pairs(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[int, int]]:
    free: dict[tuple[int, int, str], list[int]] = {}
    for j, p in sorted(enumerate(pred), key=lambda item: (item[1].start, item[0])):
        free.setdefault((p.start, p.end, p.label), []).append(j)
    pairs = []
    for i, g in sorted(enumerate(gold), key=lambda item: (item[1].start, item[0])):
        candidates = free.get((g.start, g.end, g.label))
        if candidates:
            pairs.append((i, candidates.pop(0)))
    return pairs


def match_exact(gold: Sequence[Span], pred: Sequence[Span]) -> Matching:
    """One-to-one pairs with the same offsets and label."""
    return _finish(_exact_pairs(gold, pred), len(gold), len(pred))


def match_overlap(gold: Sequence[Span], pred: Sequence[Span]) -> Matching:
    """One-to-one greedy pairs of same-label overlapping spans (rule in the module doc)."""
    pairs = _exact_pairs(gold, pred)
    used_gold = {g for g, _ in pairs}
    used_pred = {p for _, p in pairs}
    candidates = [
        (-overlap_length(g, p), g.start, p.start, i, j)
        for i, g in enumerate(gold)
        if i not in used_gold
        for j, p in enumerate(pred)
        if j not in used_pred and g.label == p.label and overlaps(g, p)
    ]
    for *_, i, j in sorted(candidates):
        if i not in used_gold and j not in used_pred:
            pairs.append((i, j))
            used_gold.add(i)
            used_pred.add(j)
    return _finish(pairs, len(gold), len(pred))
