"""Every disagreement between two annotations of the same articles, for an adjudicator.

Annotators' ids differ, so regions are matched by their character offsets
(half-open, into the article text): a span layer disagrees where one side
has a span the other lacks at the same offsets, or a different label there.
Attribution records are matched by their CUE's offsets; for a record both
sides have, each field that differs is one disagreement (source and content
compared as offsets, ``parent`` as the parent's CUE offsets; ``source_id``,
a coreference id, is not comparable across annotators). Rendering is in
``agreement_report.adjudication_markdown``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from nkworkers.loaders.model import Annotation

SPAN_LAYERS = ("zones", "entities", "attribution_spans", "control_measures")
RECORD_FIELDS = ("source", "content", "source_anonymity", "source_kind", "quote_type", "parent")


@dataclass(frozen=True)
class Disagreement:
    """One place the two sides differ; ``a``/``b`` None where that side has nothing."""

    layer: str
    doc_id: str
    start: int
    end: int
    text: str
    field: str
    a: str | None
    b: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _label(layer: str, record: Any) -> str:
    if layer == "control_measures":
        return "+".join(sorted(x.value for x in record.labels))
    if layer == "attribution_spans":
        return str(record.role.value)
    return str(record.label.value)


def span_labels(annotation: Annotation, layer: str) -> dict[tuple[int, int], str]:
    """(start, end) -> label(s); roles sharing offsets (a SOURCE that is also a CUE) join."""
    found: dict[tuple[int, int], list[str]] = {}
    for record in getattr(annotation, layer):
        found.setdefault((record.start, record.end), []).append(_label(layer, record))
    return {k: "+".join(sorted(v)) for k, v in found.items()}


def _span_layer(doc_id: str, text: str, layer: str, a: Annotation, b: Annotation) -> Iterator:
    la, lb = span_labels(a, layer), span_labels(b, layer)
    field = {"attribution_spans": "role", "control_measures": "labels"}.get(layer, "label")
    for start, end in sorted(set(la) | set(lb)):
        x, y = la.get((start, end)), lb.get((start, end))
        if x != y:
            yield Disagreement(layer, doc_id, start, end, text[start:end], field, x, y)


def _offsets(annotation: Annotation, span_id: str | None) -> str | None:
    if span_id is None:
        return None
    span = next(s for s in annotation.attribution_spans if s.id == span_id)
    return f"[{span.start}, {span.end})"


def record_fields(annotation: Annotation) -> dict[tuple[int, int], dict[str, str | None]]:
    """CUE offsets -> the record's comparable fields, spans given by offsets."""
    spans = {s.id: s for s in annotation.attribution_spans}
    cue_of = {r.id: r.cue for r in annotation.attributions}
    out = {}
    for r in annotation.attributions:
        cue = spans[r.cue]
        out[(cue.start, cue.end)] = {
            "source": _offsets(annotation, r.source),
            "content": " ".join(_offsets(annotation, c) or "" for c in sorted(
                r.content, key=lambda c: (spans[c].start, spans[c].end)
            )),
            "source_anonymity": r.source_anonymity.value,
            "source_kind": r.source_kind.value,
            "quote_type": r.quote_type.value,
            "parent": _offsets(annotation, cue_of[r.parent]) if r.parent in cue_of else None,
        }  # fmt: skip
    return out


def _records(doc_id: str, text: str, a: Annotation, b: Annotation) -> Iterator[Disagreement]:
    ra, rb = record_fields(a), record_fields(b)
    for start, end in sorted(set(ra) | set(rb)):
        x, y = ra.get((start, end)), rb.get((start, end))
        cue = text[start:end]
        if x is None or y is None:
            summary = [None if r is None else "; ".join(f"{k} {v}" for k, v in r.items())
                       for r in (x, y)]  # fmt: skip
            yield Disagreement("attributions", doc_id, start, end, cue, "record", *summary)
            continue
        for name in RECORD_FIELDS:
            if x[name] != y[name]:
                yield Disagreement("attributions", doc_id, start, end, cue, name, x[name], y[name])


def disagreements(
    texts: Mapping[str, str], a: Mapping[str, Annotation], b: Mapping[str, Annotation]
) -> list[Disagreement]:
    """Every disagreement on the articles both sides annotate, by layer, doc and offsets."""
    found: list[Disagreement] = []
    for doc_id in sorted(set(a) & set(b) & set(texts)):
        text, x, y = texts[doc_id], a[doc_id], b[doc_id]
        for layer in SPAN_LAYERS:
            found += _span_layer(doc_id, text, layer, x, y)
        found += _records(doc_id, text, x, y)
    order = {layer: i for i, layer in enumerate((*SPAN_LAYERS, "attributions"))}
    return sorted(found, key=lambda d: (order[d.layer], d.doc_id, d.start, d.end, d.field))


def adjudication(
    texts: Mapping[str, str],
    a: Mapping[str, Annotation],
    b: Mapping[str, Annotation],
    *,
    names: tuple[str, str],
    agreement: dict[str, Any],
) -> dict[str, Any]:
    """The adjudication list with its summary: counts per layer and the agreement figures."""
    found = disagreements(texts, a, b)
    counts = {layer: 0 for layer in (*SPAN_LAYERS, "attributions")}
    for d in found:
        counts[d.layer] += 1
    return {
        "a": names[0],
        "b": names[1],
        "documents": sorted(set(a) & set(b) & set(texts)),
        "counts": counts,
        "agreement": agreement,
        "disagreements": [d.as_dict() for d in found],
    }
