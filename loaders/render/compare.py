"""Predictions in the viewer: gold and predicted layers side by side, each span marked (pure).

A predictions row of a corpus article is drawn beside the gold: every gold
span is *found* or *missed*, every predicted span *found* or a *false alarm*,
by the matching rules of ``evaluate`` (nkworkers.loaders.text.spans): entities
strict (same offsets and type, one to one), attribution spans by overlap
with the same role, control spans by overlap with the same category (a span
with two categories is two spans, as it is scored). A layer the row does not
hold is drawn on the gold side without marks. A row of an article outside
the corpus (a tagged archive row with its text) is drawn alone.

Predicted ids are the row's own, prefixed ``pred-`` (records ``pred-R<n>``),
so that no gold id and no predicted id share a page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import Any

from nkworkers.loaders.model import Document
from nkworkers.loaders.predictions import PredictionRow
from nkworkers.loaders.render.page import Mark, marks
from nkworkers.loaders.text.spans import Matching, Span, match_exact, match_overlap

FOUND, MISSED, FALSE_ALARM = "found", "missed", "false-alarm"
OUTCOME_TEXT = {FOUND: "found", MISSED: "missed", FALSE_ALARM: "false alarm"}
COMPARED = ("entities", "attribution", "control_measures")
#: The matching of each layer, as evaluate scores it (strict entities; overlap for the rest).
MATCHERS: dict[str, Callable[[Sequence[Span], Sequence[Span]], Matching]] = {
    "entities": match_exact,
    "attribution": match_overlap,
    "control_measures": match_overlap,
}
#: The predictions key that holds each compared layer.
ROW_KEY = {
    "entities": "entities",
    "attribution": "attribution_spans",
    "control_measures": "control_measures",
}
PREFIX = "pred-"


@dataclass(frozen=True)
class Compared:
    """The marks of each side and, per layer compared, how many spans had each outcome."""

    gold: list[Mark]
    predicted: list[Mark]
    counts: dict[str, Counter[str]]


def gold_marks(doc: Document) -> list[Mark]:
    """The gold marks, control spans split per category (as they are scored)."""
    out = []
    for m in marks(doc):
        if m.layer != "control_measures":
            out.append(m)
            continue
        for label in m.label.split(" + "):
            out.append(replace(m, id=f"{m.id}:{label}", label=label, title=f"{label} · {m.id}"))
    return out


def predicted_records(row: PredictionRow, text: str) -> list[dict[str, Any]]:
    """The row's attribution records as the viewer's script reads them (ids prefixed)."""
    spans = {s.id: s for s in row.attribution_spans or []}

    def text_of(span_id: str | None) -> str | None:
        s = spans.get(span_id) if span_id is not None else None
        return text[s.start : s.end] if s is not None else None

    def ref(span_id: str | None) -> str | None:
        return None if span_id is None else PREFIX + span_id

    return [
        {
            "id": f"{PREFIX}R{i}", "source": ref(r.source), "cue": ref(r.cue),
            "content": [PREFIX + c for c in r.content],
            "source_anonymity": r.source_anonymity, "source_kind": r.source_kind,
            "quote_type": r.quote_type, "source_id": None, "parent": None,
            "source_text": text_of(r.source), "cue_text": text_of(r.cue),
            "content_text": [text_of(c) for c in r.content],
        }
        for i, r in enumerate(row.attributions or [], start=1)
    ]  # fmt: skip


def row_marks(row: PredictionRow, records: Sequence[dict[str, Any]]) -> list[Mark]:
    """The predicted marks of a row, ids prefixed; control spans split per category."""
    records_of: dict[str, list[str]] = {}
    for r in records:
        for span_id in (r["source"], r["cue"], *r["content"]):
            if span_id is not None:
                records_of.setdefault(span_id, []).append(r["id"])
    out = [
        Mark(f"{PREFIX}E{i}", "entities", e.start, e.end, e.label.value,
             f"{e.label.value} · predicted", f"ent ent-{e.label.value}")
        for i, e in enumerate(row.entities or [], start=1)
    ]  # fmt: skip
    for s in row.attribution_spans or []:
        ids = tuple(records_of.get(PREFIX + s.id, []))
        title = f"{s.role.value} · predicted · records: {', '.join(ids) or 'none'}"
        out.append(Mark(PREFIX + s.id, "attribution", s.start, s.end, s.role.value, title,
                        f"att att-{s.role.value}", ids))  # fmt: skip
    for i, c in enumerate(row.control_measures or [], start=1):
        for label in dict.fromkeys(c.labels):
            out.append(Mark(f"{PREFIX}C{i}:{label.value}", "control_measures", c.start, c.end,
                            label.value, f"{label.value} · predicted", "cm"))  # fmt: skip
    return out


def _marked(mark: Mark, outcome: str) -> Mark:
    return replace(
        mark, classes=f"{mark.classes} {outcome}", title=f"{mark.title} · {OUTCOME_TEXT[outcome]}"
    )


def compare(doc: Document, row: PredictionRow, predicted: list[Mark]) -> Compared:
    """Gold against predicted marks, layer by layer, with the outcome of each span."""
    gold = gold_marks(doc)
    gold_out: list[Mark] = [m for m in gold if m.layer not in COMPARED]
    pred_out: list[Mark] = []
    counts: dict[str, Counter[str]] = {}
    for layer in COMPARED:
        g = [m for m in gold if m.layer == layer]
        if getattr(row, ROW_KEY[layer]) is None:  # not predicted: nothing to mark
            gold_out += g
            continue
        p = [m for m in predicted if m.layer == layer]
        matching = MATCHERS[layer](_spans(g), _spans(p))
        found_gold = {i for i, _ in matching.pairs}
        found_pred = {j for _, j in matching.pairs}
        gold_out += [_marked(m, FOUND if i in found_gold else MISSED) for i, m in enumerate(g)]
        pred_out += [_marked(m, FOUND if j in found_pred else FALSE_ALARM) for j, m in enumerate(p)]
        counts[layer] = Counter(
            {FOUND: len(matching.pairs), MISSED: len(matching.missed),
             FALSE_ALARM: len(matching.spurious)}
        )  # fmt: skip
    return Compared(gold_out, pred_out, counts)


def _spans(items: Sequence[Mark]) -> list[Span]:
    return [Span(m.start, m.end, m.label) for m in items]


def outcome_table(counts: dict[str, Counter[str]]) -> str:
    """Per layer compared: found, missed, false alarms."""
    rows = "".join(
        f"<tr><td>{escape(layer.replace('_', ' '))}</td>"
        + "".join(f'<td class="n">{c[k]}</td>' for k in (FOUND, MISSED, FALSE_ALARM))
        + "</tr>"
        for layer, c in counts.items()
    )
    return (
        '<table class="outcomes"><thead><tr><th>layer</th><th>found</th><th>missed</th>'
        f"<th>false alarms</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def outcome_legend() -> str:
    keys = "".join(f'<span class="key ann {k}">{OUTCOME_TEXT[k]}</span>' for k in OUTCOME_TEXT)
    return f'<div class="legend" data-legend="outcomes">{keys}</div>'
