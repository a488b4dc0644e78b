"""Claims scores: who reports which control measure, predicted against gold.

Claims come from :func:`nkworkers.loaders.claims.derive_claims`, the one
carrying rule, on each row's attribution and control layers; a predictions
row that holds its own ``claims`` list is read as it is (the gold is always
derived). A predicted claim matches a gold one when

1. their categories are equal,
2. their control spans overlap (at least one shared character), and
3. their sources agree: both in the reporter's voice, both in an unnamed
   source's, or both with SOURCE spans that overlap.

Matching is one-to-one and greedy over compatible pairs, as the span and
record scorers are: pairs with the same control span offsets first, then
decreasing control-span overlap, then decreasing source overlap, ties broken
by gold then predicted start. Figures (under ``claims``):

- ``with_source``: P/R/F1 under conditions 1-3;
- ``without_source``: P/R/F1 under conditions 1-2 (its own matching);
- ``source_agreement``: over the pairs of the ``without_source`` matching,
  the share whose sources agree (condition 3): given the measure is found,
  is its source right;
- ``attributes.source_kind`` / ``attributes.source_anonymity``: accuracy
  over the ``with_source`` pairs whose gold claim has a carrying record (a
  null predicted attribute is wrong).

A claim's bootstrap unit is the sentence (or document) its control span
starts in: the gold claim's for true positives and misses, the predicted
one's for false positives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nkworkers.baselines.evaluation.tally import Kind, Tally
from nkworkers.baselines.evaluation.units import Units
from nkworkers.loaders.claims import Claim, derive_claims
from nkworkers.loaders.labels import Voice
from nkworkers.loaders.predictions import PredictionRow
from nkworkers.loaders.text.spans import Span, greedy_pairs, overlap_length, overlaps

ATTRIBUTES: tuple[str, ...] = ("source_kind", "source_anonymity")


@dataclass(frozen=True, slots=True)
class Scored:
    """What scoring needs of one claim."""

    span: Span  # the control span, labelled with the category
    voice: Voice
    source: Span | None
    attributes: tuple[str | None, ...]  # in ATTRIBUTES order; all None without a record


def scored(claim: Claim) -> Scored:
    record = claim.record
    source = record.source if record else None
    values = tuple(getattr(record, name, None) for name in ATTRIBUTES)
    return Scored(
        Span(claim.start, claim.end, claim.category.value),
        claim.voice,
        Span(source.start, source.end) if source else None,
        tuple(None if v is None else v.value for v in values),
    )


def claims_of(row: PredictionRow, *, own: bool = True) -> list[Scored]:
    """The row's claims: its ``claims`` list when it has one and ``own``, else derived."""
    found = row.claims if own and row.claims is not None else derive_claims(row)
    return [scored(c) for c in found]


def sources_agree(gold: Scored, pred: Scored) -> bool:
    if gold.voice is not pred.voice:
        return False
    if gold.source is None or pred.source is None:
        return gold.source is None and pred.source is None
    return overlaps(gold.source, pred.source)


def same_measure(gold: Scored, pred: Scored) -> bool:
    return gold.span.label == pred.span.label and overlaps(gold.span, pred.span)


def match_claims(
    gold: Sequence[Scored], pred: Sequence[Scored], *, with_source: bool = True
) -> list[tuple[int, int]]:
    """One-to-one (gold, predicted) index pairs, in the greedy order of the module doc."""

    def source_overlap(g: Scored, p: Scored) -> int:
        return overlap_length(g.source, p.source) if g.source and p.source else 0

    return greedy_pairs(
        sorted(
            (
                (g.span.start, g.span.end) != (p.span.start, p.span.end),
                -overlap_length(g.span, p.span),
                -source_overlap(g, p),
                g.span.start,
                p.span.start,
                i,
                j,
            )
            for i, g in enumerate(gold)
            for j, p in enumerate(pred)
            if same_measure(g, p) and (not with_source or sources_agree(g, p))
        )
    )


def tally_claims(
    tally: Tally, units: Units, gold: Sequence[PredictionRow], pred: Sequence[PredictionRow]
) -> None:
    """Count every claims figure of the module doc into ``tally`` (paths under ``claims``)."""
    for with_source in (True, False):
        tally.block(("claims", _name(with_source)), Kind.PRF)
    tally.block(("claims", "source_agreement"), Kind.ACCURACY)
    for name in ATTRIBUTES:
        tally.block(("claims", "attributes", name), Kind.ACCURACY)
    for doc, (g_row, p_row) in enumerate(zip(gold, pred, strict=True)):
        g, p = claims_of(g_row, own=False), claims_of(p_row)

        def unit(claim: Scored, doc: int = doc) -> int:
            return units.of(doc, claim.span.start)

        matched = {ws: match_claims(g, p, with_source=ws) for ws in (True, False)}
        for with_source, pairs in matched.items():
            _add_prf(tally, ("claims", _name(with_source)), g, p, pairs, unit)
        for i, j in matched[False]:
            tally.add(("claims", "source_agreement"), Kind.ACCURACY, "total", unit(g[i]))
            if sources_agree(g[i], p[j]):
                tally.add(("claims", "source_agreement"), Kind.ACCURACY, "correct", unit(g[i]))
        for i, j in matched[True]:
            if g[i].voice is Voice.REPORTER:
                continue
            for k, name in enumerate(ATTRIBUTES):
                path = ("claims", "attributes", name)
                tally.add(path, Kind.ACCURACY, "total", unit(g[i]))
                guess = p[j].attributes[k]
                if guess is not None and guess == g[i].attributes[k]:
                    tally.add(path, Kind.ACCURACY, "correct", unit(g[i]))


def _name(with_source: bool) -> str:
    return "with_source" if with_source else "without_source"


def _add_prf(
    tally: Tally,
    path: tuple[str, ...],
    gold: Sequence[Scored],
    pred: Sequence[Scored],
    pairs: Sequence[tuple[int, int]],
    unit: Callable[[Scored], int],
) -> None:
    matched_gold = {i for i, _ in pairs}
    matched_pred = {j for _, j in pairs}
    tally.add_prf(
        path,
        [unit(gold[i]) for i, _ in pairs],
        [unit(c) for j, c in enumerate(pred) if j not in matched_pred],
        [unit(c) for i, c in enumerate(gold) if i not in matched_gold],
    )
