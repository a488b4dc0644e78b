"""Attribution scores: role spans (PARC-style exact and overlap), records, attributes.

Records: a predicted record matches a gold one when their cues overlap, their
sources overlap (or both are null) and their contents overlap (some content
span of one overlaps some content span of the other; two empty contents also
count). Matching is one-to-one and greedy over compatible pairs in order of
decreasing cue overlap, ties broken by gold then predicted cue start. A
record's bootstrap unit is where its cue starts (its first span if it has no
cue). Attribute accuracy is over matched records; a null predicted attribute
is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nkworkers.baselines.evaluation.tally import Kind, Tally
from nkworkers.baselines.evaluation.units import Units
from nkworkers.loaders.labels import Role
from nkworkers.loaders.predictions import PredictedAttributionSpan, PredictionRow
from nkworkers.loaders.text.spans import (
    Span,
    greedy_pairs,
    match_exact,
    match_overlap,
    overlap_length,
    overlaps,
)

ATTRIBUTES: tuple[str, ...] = ("source_anonymity", "source_kind", "quote_type")


@dataclass(frozen=True, slots=True)
class Record:
    cue: Span | None
    source: Span | None
    content: tuple[Span, ...]
    attributes: tuple[str | None, ...]  # in ATTRIBUTES order

    @property
    def anchor(self) -> int:
        spans = [s for s in (self.cue, self.source, *self.content) if s is not None]
        return spans[0].start if spans else 0


def role_spans(row: PredictionRow, role: Role) -> list[Span]:
    return [
        Span(s.start, s.end, s.role.value) for s in row.attribution_spans or [] if s.role is role
    ]


def records(row: PredictionRow) -> list[Record]:
    by_id: dict[str, PredictedAttributionSpan] = {s.id: s for s in row.attribution_spans or []}

    def span(span_id: str | None) -> Span | None:
        if span_id is None:
            return None
        s = by_id[span_id]
        return Span(s.start, s.end, s.role.value)

    out = []
    for r in row.attributions or []:
        spans = tuple(
            Span(by_id[i].start, by_id[i].end, Role.CONTENT.value)
            for i in sorted(r.content, key=lambda i: by_id[i].start)
        )
        raw = (r.source_anonymity, r.source_kind, r.quote_type)
        values = tuple(None if v is None else v.value for v in raw)
        out.append(Record(span(r.cue), span(r.source), spans, values))
    return out


def compatible(gold: Record, pred: Record) -> bool:
    if gold.cue is None or pred.cue is None or not overlaps(gold.cue, pred.cue):
        return False
    if (gold.source is None) != (pred.source is None):
        return False
    if (
        gold.source is not None
        and pred.source is not None
        and not overlaps(gold.source, pred.source)
    ):
        return False
    if not gold.content and not pred.content:
        return True
    return any(overlaps(g, p) for g in gold.content for p in pred.content)


def match_records(gold: Sequence[Record], pred: Sequence[Record]) -> list[tuple[int, int]]:
    return greedy_pairs(
        sorted(
            (-overlap_length(g.cue, p.cue), g.cue.start, p.cue.start, i, j)
            for i, g in enumerate(gold)
            for j, p in enumerate(pred)
            if g.cue is not None and p.cue is not None and compatible(g, p)
        )
    )


def tally_spans(
    tally: Tally, units: Units, gold: Sequence[PredictionRow], pred: Sequence[PredictionRow]
) -> None:
    for doc, (g_row, p_row) in enumerate(zip(gold, pred, strict=True)):
        for role in Role:
            g, p = role_spans(g_row, role), role_spans(p_row, role)
            for name, matcher in (("exact", match_exact), ("overlap", match_overlap)):
                m = matcher(g, p)
                tally.add_prf(
                    ("attribution", role.value.lower(), name),
                    [units.of(doc, g[i].start) for i, _ in m.pairs],
                    [units.of(doc, p[j].start) for j in m.spurious],
                    [units.of(doc, g[i].start) for i in m.missed],
                )


def tally_records(
    tally: Tally, units: Units, gold: Sequence[PredictionRow], pred: Sequence[PredictionRow]
) -> None:
    tally.block(("attribution", "records"), Kind.PRF)
    for name in ATTRIBUTES:
        tally.block(("attribution", "attributes", name), Kind.ACCURACY)
    for doc, (g_row, p_row) in enumerate(zip(gold, pred, strict=True)):
        g, p = records(g_row), records(p_row)
        pairs = match_records(g, p)
        matched_gold = {i for i, _ in pairs}
        matched_pred = {j for _, j in pairs}
        tally.add_prf(
            ("attribution", "records"),
            [units.of(doc, g[i].anchor) for i, _ in pairs],
            [units.of(doc, r.anchor) for j, r in enumerate(p) if j not in matched_pred],
            [units.of(doc, r.anchor) for i, r in enumerate(g) if i not in matched_gold],
        )
        for i, j in pairs:
            unit = units.of(doc, g[i].anchor)
            for k, name in enumerate(ATTRIBUTES):
                path = ("attribution", "attributes", name)
                tally.add(path, Kind.ACCURACY, "total", unit)
                truth, guess = g[i].attributes[k], p[j].attributes[k]
                if guess is not None and guess == truth:
                    tally.add(path, Kind.ACCURACY, "correct", unit)
