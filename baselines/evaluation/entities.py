"""Named-entity scores: the four SemEval-2013 schemes, as nervaluate 1.2.1 computes them.

The matching below is nervaluate 1.2.1's (strategies.py) rewritten over
half-open offsets: nervaluate's ``end`` is inclusive, so its overlap of
``(s, e)`` with ``(s2, e2)`` is ``min(e, e2) - max(s, s2) + 1`` characters and
ours is the same number without the ``+ 1``. Its quirks are kept on purpose so
that the figures equal nervaluate's on the same spans: predictions are
visited in list order (the scorer sorts them by start, end, label), a
prediction that overlaps a gold span by less than 1 % of the gold span's
length does not overlap it, and a non-exact overlapping prediction consumes
the first such gold span. The per-type figures score each type's spans alone,
as nervaluate's ``entities`` results do, for the types found in gold or
predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from baselines.evaluation.spans import Span
from baselines.evaluation.tally import Kind, Tally
from baselines.evaluation.units import Units
from loaders.labels import EntityType

# Our scheme name -> whether it gives half credit for partial matches.
SCHEMES: dict[str, Kind] = {
    "strict": Kind.SEMEVAL,
    "exact": Kind.SEMEVAL,
    "partial": Kind.SEMEVAL_PARTIAL,
    "type": Kind.SEMEVAL_PARTIAL,
}
MIN_OVERLAP_PERCENT = 1.0  # nervaluate's default min_overlap_percentage


@dataclass(frozen=True, slots=True)
class Outcome:
    predicted: tuple[str, ...]  # per prediction: correct | incorrect | partial | spurious
    missed: tuple[int, ...]  # gold indices left unmatched


def _sufficient_overlap(pred: Span, gold: Span) -> bool:
    shared = min(pred.end, gold.end) - max(pred.start, gold.start)
    if shared <= 0:
        return False
    return (shared / (gold.end - gold.start)) * 100.0 >= MIN_OVERLAP_PERCENT


def _distance(pred: Span, gold: Span) -> int:
    return abs(pred.start - gold.start) + abs(pred.end - gold.end)


def _same_offsets(pred: Span, gold: Span) -> bool:
    return pred.start == gold.start and pred.end == gold.end


def _visit_type(pred: Span, gold: Sequence[Span], matched: set[int]) -> tuple[str, int | None]:
    best: int | None = None
    best_distance = 0
    first_other: int | None = None
    for i, g in enumerate(gold):
        if i in matched or not _sufficient_overlap(pred, g):
            continue
        if pred.label == g.label:
            if best is None or _distance(pred, g) < best_distance:
                best, best_distance = i, _distance(pred, g)
        elif first_other is None:
            first_other = i
    if best is not None:
        return "correct", best
    return ("incorrect", first_other) if first_other is not None else ("spurious", None)


def _visit(
    scheme: str, pred: Span, gold: Sequence[Span], matched: set[int]
) -> tuple[str, int | None]:
    """Outcome of one prediction and the gold index it consumes (nervaluate's inner loop)."""
    if scheme == "type":
        return _visit_type(pred, gold, matched)
    fallback: int | None = None
    for i, g in enumerate(gold):
        if i in matched:
            continue
        if scheme == "partial":
            if _sufficient_overlap(pred, g):
                if _same_offsets(pred, g):
                    return "correct", i
                if fallback is None:
                    fallback = i
            continue
        exact = _same_offsets(pred, g) and (scheme == "exact" or pred.label == g.label)
        if exact:
            return "correct", i
        if fallback is None and _sufficient_overlap(pred, g):
            fallback = i
    if fallback is None:
        return "spurious", None
    return ("partial" if scheme == "partial" else "incorrect"), fallback


def evaluate(scheme: str, gold: Sequence[Span], pred: Sequence[Span]) -> Outcome:
    matched: set[int] = set()
    outcomes = []
    for p in pred:
        outcome, gold_index = _visit(scheme, p, gold, matched)
        outcomes.append(outcome)
        if gold_index is not None:
            matched.add(gold_index)
    return Outcome(tuple(outcomes), tuple(i for i in range(len(gold)) if i not in matched))


def _record(
    tally: Tally, path: tuple[str, ...], kind: Kind, doc: int, units: Units,
    gold: Sequence[Span], pred: Sequence[Span], outcome: Outcome,
) -> None:  # fmt: skip
    tally.block(path, kind)
    for p, result in zip(pred, outcome.predicted, strict=True):
        tally.add(path, kind, result, units.of(doc, p.start))
    for i in outcome.missed:
        tally.add(path, kind, "missed", units.of(doc, gold[i].start))


def tally_entities(
    tally: Tally, units: Units, gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]]
) -> None:
    """Record every scheme's outcomes, overall and per type, under ("entities", ...)."""
    present = {s.label for doc in (*gold, *pred) for s in doc}
    types = [t.value for t in EntityType if t.value in present]
    for scheme, kind in SCHEMES.items():  # declared up front to fix the report's key order
        tally.block(("entities", scheme), kind)
    for label in types:
        for scheme, kind in SCHEMES.items():
            tally.block(("entities", "per_type", label, scheme), kind)
    for doc, (gold_doc, pred_doc) in enumerate(zip(gold, pred, strict=True)):
        g_all = sorted(gold_doc, key=_key)
        p_all = sorted(pred_doc, key=_key)
        for scheme, kind in SCHEMES.items():
            path = ("entities", scheme)
            _record(tally, path, kind, doc, units, g_all, p_all, evaluate(scheme, g_all, p_all))
            for label in types:
                g = [s for s in g_all if s.label == label]
                p = [s for s in p_all if s.label == label]
                outcome = evaluate(scheme, g, p)
                _record(
                    tally, ("entities", "per_type", label, scheme), kind, doc, units, g, p, outcome
                )


def _key(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.label)
