"""Rows of the four dataset configs, derived from one Document (pure functions).

Sentence rows carry the sentence's half-open character range (start, end) in
the article and each token's character range (char_starts, char_ends). Span
lists inside sentence rows keep the span's article offsets (start, end) and
add its half-open token range in the sentence (token_start, token_end). A
span that crosses a sentence boundary is tagged in each sentence it touches,
clipped to it (each part opens with B-); ``ViewReport`` counts such spans.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from loaders.iob import LabeledSpan, TagReport, spans_to_tags, token_range
from loaders.labels import MEASURE_TAG, ControlCategory, Role
from loaders.model import Document
from loaders.segment import Sentence, segment

Row = dict[str, Any]


@dataclass
class ViewReport:
    """What tagging did to spans, per layer: nothing is dropped silently."""

    tags: dict[str, TagReport] = field(default_factory=dict)
    cross_sentence: Counter[str] = field(default_factory=Counter)

    def layer(self, name: str) -> TagReport:
        return self.tags.setdefault(name, TagReport())


def documents_row(doc: Document, fold: int) -> Row:
    ann = doc.annotation.model_dump(mode="json")
    meta = doc.meta.model_dump(mode="json")
    return {
        **meta,
        "text": doc.text,
        "zones": ann["zones"],
        "entities": ann["entities"],
        "attribution_spans": ann["attribution_spans"],
        "attributions": ann["attributions"],
        "control_measures": ann["control_measures"],
        "fold": fold,
    }


def _touching(sentence: Sentence, start: int, end: int) -> bool:
    return start < sentence.end and sentence.start < end


def _clip(sentence: Sentence, span: LabeledSpan) -> LabeledSpan:
    return LabeledSpan(max(span.start, sentence.start), min(span.end, sentence.end), span.label)


def _tags(
    sentence: Sentence, spans: Iterable[LabeledSpan], layer: str, report: ViewReport
) -> list[str]:
    inside = []
    for span in spans:
        if _touching(sentence, span.start, span.end):
            if span.start < sentence.start or span.end > sentence.end:
                report.cross_sentence[layer] += 1
            inside.append(_clip(sentence, span))
    return spans_to_tags(sentence.tokens, inside, report.layer(layer))


def _sentence_base(doc: Document, index: int, sentence: Sentence, fold: int) -> Row:
    return {
        "id": f"{doc.doc_id}-s{index:03d}",
        "doc_id": doc.doc_id,
        "start": sentence.start,
        "end": sentence.end,
        "tokens": [t.text for t in sentence.tokens],
        "char_starts": [t.start for t in sentence.tokens],
        "char_ends": [t.end for t in sentence.tokens],
        "fold": fold,
    }


def _token_span(sentence: Sentence, start: int, end: int) -> dict[str, int]:
    rng = token_range(sentence.tokens, start, end)
    assert rng is not None, "a span touching a sentence overlaps one of its tokens"
    return {"start": start, "end": end, "token_start": rng[0], "token_end": rng[1]}


def sentence_rows(
    doc: Document, fold: int, report: ViewReport, sentences: Sequence[Sentence] | None = None
) -> dict[str, list[Row]]:
    """The entities, attribution and control_measures rows of one document."""
    ann = doc.annotation
    sentences = segment(doc.text) if sentences is None else sentences
    entity_spans = [LabeledSpan(e.start, e.end, e.label.value) for e in ann.entities]
    role_spans = {
        role: [
            LabeledSpan(s.start, s.end, role.value) for s in ann.attribution_spans if s.role is role
        ]
        for role in Role
    }
    measure_spans = [LabeledSpan(c.start, c.end, MEASURE_TAG) for c in ann.control_measures]
    out: dict[str, list[Row]] = {"entities": [], "attribution": [], "control_measures": []}
    for i, sentence in enumerate(sentences):
        base = _sentence_base(doc, i, sentence, fold)
        out["entities"].append(
            {**base, "ner_tags": _tags(sentence, entity_spans, "entities", report)}
        )
        touching_spans = [s for s in ann.attribution_spans if _touching(sentence, s.start, s.end)]
        touching_ids = {s.id for s in touching_spans}
        records = [
            r.model_dump(mode="json")
            for r in ann.attributions
            if touching_ids & {r.cue, *r.content, *([r.source] if r.source else [])}
        ]
        out["attribution"].append(
            {
                **base,
                **{
                    f"{role.value.lower()}_tags": _tags(
                        sentence, role_spans[role], role.value, report
                    )
                    for role in Role
                },
                "attribution_ids": [r["id"] for r in records],
                "spans": [
                    {"id": s.id, "role": s.role.value, **_token_span(sentence, s.start, s.end)}
                    for s in touching_spans
                ],
                "attributions": records,
            }
        )
        measures = [c for c in ann.control_measures if _touching(sentence, c.start, c.end)]
        present = {lab for c in measures for lab in c.labels}
        labels = [cat for cat in ControlCategory if cat in present]
        out["control_measures"].append(
            {
                **base,
                "text": doc.text[sentence.start : sentence.end],
                "labels": [lab.value for lab in labels],
                "span_tags": _tags(sentence, measure_spans, "control_measures", report),
                "spans": [
                    {
                        "id": c.id,
                        **_token_span(sentence, c.start, c.end),
                        "labels": [lab.value for lab in c.labels],
                    }
                    for c in measures
                ],
            }
        )
    return out
