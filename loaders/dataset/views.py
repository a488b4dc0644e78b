"""Rows of the documents and sentence configs, derived from one Document (pure functions).

Sentence rows carry the sentence's half-open character range (start, end) in
the article and each token's character range (char_starts, char_ends). Span
lists inside sentence rows keep the span's article offsets (start, end) and
add its half-open token range in the sentence (token_start, token_end). A
span that crosses a sentence boundary is tagged in each sentence it touches,
clipped to it (each part opens with B-); ``ViewReport`` counts such spans.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from nkworkers.loaders.dataset.claim_rows import document_claims
from nkworkers.loaders.labels import MEASURE_TAG, ControlCategory, Role, indicators_of, names
from nkworkers.loaders.model import Document
from nkworkers.loaders.text.iob import LabeledSpan, TagReport, spans_to_tags, token_range
from nkworkers.loaders.text.segment import Sentence, segment

Row = dict[str, Any]


class _HasSpan(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


T = TypeVar("T", bound=_HasSpan)
ROLE_NAMES = names(Role)
CATEGORY_NAMES = names(ControlCategory)


@dataclass
class ViewReport:
    """What tagging did to spans, per layer: nothing is dropped silently."""

    tags: dict[str, TagReport] = field(default_factory=dict)
    cross_sentence: Counter[str] = field(default_factory=Counter)

    def layer(self, name: str) -> TagReport:
        return self.tags.setdefault(name, TagReport())

    def merge(self, other: ViewReport) -> None:
        for name, rep in other.tags.items():
            mine = self.layer(name)
            mine.tagged += rep.tagged
            mine.misaligned += rep.misaligned
            mine.nested += rep.nested
            mine.lost += rep.lost
        self.cross_sentence.update(other.cross_sentence)


def documents_row(doc: Document, fold: int, claims: Sequence[Row] | None = None) -> Row:
    """The article, every layer, and its claims (claim_rows.claim_json rows; derived here
    unless given)."""
    if claims is None:
        claims = document_claims(doc)
    ann = doc.annotation.model_dump(mode="json")
    meta = doc.meta.model_dump(mode="json")
    return {
        **meta,
        "text": doc.text,
        "zones": ann["zones"],
        "entities": ann["entities"],
        "attribution_spans": ann["attribution_spans"],
        "attributions": ann["attributions"],
        "control_measures": [
            {**c, "ilo_indicators": indicators_of(c["labels"])} for c in ann["control_measures"]
        ],
        "claims": list(claims),
        "fold": fold,
    }


def _touching(sentence: Sentence, start: int, end: int) -> bool:
    return start < sentence.end and sentence.start < end


def _clip(sentence: Sentence, span: LabeledSpan) -> LabeledSpan:
    return LabeledSpan(max(span.start, sentence.start), min(span.end, sentence.end), span.label)


def buckets(sentences: Sequence[Sentence], spans: Sequence[T]) -> list[list[T]]:
    """For each sentence, the spans (objects with start/end) that overlap it, in input order.

    Bisecting sentence offsets keeps this linear in spans and sentences; a
    scan of every span for every sentence dominated the build at scale.
    """
    starts = [s.start for s in sentences]
    ends = [s.end for s in sentences]
    out: list[list[T]] = [[] for _ in sentences]
    for span in spans:
        first = bisect_right(ends, span.start)
        last = bisect_left(starts, span.end)
        for i in range(first, last):
            out[i].append(span)
    return out


def _tags(
    sentence: Sentence, spans: Iterable[LabeledSpan], layer: str, report: ViewReport
) -> list[str]:
    inside = []
    for span in spans:
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


def _attribution_row(
    sentence: Sentence,
    spans: list[Row],
    records: list[Row],
    role_spans: dict[str, list[LabeledSpan]],
    report: ViewReport,
) -> Row:
    ids = {s["id"] for s in spans}
    touching = [
        r
        for r in records
        if ids & {r["cue"], *r["content"], *([r["source"]] if r["source"] else [])}
    ]
    return {
        **{
            f"{role.lower()}_tags": _tags(sentence, found, role, report)
            for role, found in role_spans.items()
        },
        "attribution_ids": [r["id"] for r in touching],
        "spans": [
            {"id": s["id"], "role": s["role"], **_token_span(sentence, s["start"], s["end"])}
            for s in spans
        ],
        "attributions": touching,
    }


def _control_row(sentence: Sentence, measures: list[Row], report: ViewReport) -> Row:
    present = {lab for c in measures for lab in c["labels"]}
    return {
        "labels": [cat for cat in CATEGORY_NAMES if cat in present],
        "ilo_indicators": indicators_of(present),
        "span_tags": _tags(
            sentence,
            [LabeledSpan(c["start"], c["end"], MEASURE_TAG) for c in measures],
            "control_measures",
            report,
        ),
        "spans": [
            {"id": c["id"], **_token_span(sentence, c["start"], c["end"]), "labels": c["labels"]}
            for c in measures
        ],
    }


def sentence_rows(
    doc: Document, fold: int, report: ViewReport, sentences: Sequence[Sentence] | None = None
) -> dict[str, list[Row]]:
    """The entities, attribution and control_measures rows of one document."""
    ann = doc.annotation.model_dump(mode="json")  # plain values: enum access was costly
    sentences = segment(doc.text) if sentences is None else sentences
    entity_spans = [LabeledSpan(e["start"], e["end"], e["label"]) for e in ann["entities"]]
    entities = buckets(sentences, entity_spans)
    spans = buckets(sentences, [_Bound(s) for s in ann["attribution_spans"]])
    measures = buckets(sentences, [_Bound(c) for c in ann["control_measures"]])
    out: dict[str, list[Row]] = {"entities": [], "attribution": [], "control_measures": []}
    for i, sentence in enumerate(sentences):
        base = _sentence_base(doc, i, sentence, fold)
        out["entities"].append(
            {**base, "ner_tags": _tags(sentence, entities[i], "entities", report)}
        )
        here = [b.row for b in spans[i]]
        role_spans = {
            role: [LabeledSpan(s["start"], s["end"], role) for s in here if s["role"] == role]
            for role in ROLE_NAMES
        }
        out["attribution"].append(
            {**base, **_attribution_row(sentence, here, ann["attributions"], role_spans, report)}
        )
        out["control_measures"].append(
            {
                **base,
                "text": doc.text[sentence.start : sentence.end],
                **_control_row(sentence, [b.row for b in measures[i]], report),
            }
        )
    return out


class _Bound:
    """A span row seen through start/end, for ``buckets``."""

    __slots__ = ("end", "row", "start")

    def __init__(self, row: Row):
        self.row, self.start, self.end = row, row["start"], row["end"]
