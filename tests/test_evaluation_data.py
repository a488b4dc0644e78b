"""Synthetic gold rows (documents-config shape) over the real article texts in raw/.

The corpus data/ folder is built elsewhere; these rows exercise every layer
of the scorer on real text, offsets and sentence segmentation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from nkworkers.loaders.labels import (
    ControlCategory,
    EntityType,
    QuoteType,
    SourceAnonymity,
    SourceKind,
)
from nkworkers.loaders.text.segment import segment

RAW = Path(__file__).resolve().parents[1] / "raw"
TEXTS: dict[str, str] = {p.stem: p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt"))}

_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*")
_CUE = re.compile(r"\b(?:said|says|told)\b")


def gold_row(doc_id: str, text: str) -> dict[str, Any]:
    types, cats = list(EntityType), list(ControlCategory)
    entities = [
        {"id": f"{doc_id}-E{k}", "start": m.start(), "end": m.end(), "text": m.group(),
         "label": types[k % len(types)].value}
        for k, m in enumerate(_NAME.finditer(text))
    ]  # fmt: skip
    spans: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []

    def add_span(start: int, end: int, role: str) -> str:
        span_id = f"{doc_id}-S{len(spans)}"
        spans.append(
            {"id": span_id, "start": start, "end": end, "text": text[start:end], "role": role}
        )
        return span_id

    for k, cue in enumerate(_CUE.finditer(text)):
        line_end = text.find("\n", cue.end())
        line_end = len(text) if line_end < 0 else line_end
        if line_end - cue.end() < 3:
            continue
        before = [m for m in _NAME.finditer(text, max(0, cue.start() - 40), cue.start())]
        source = add_span(before[-1].start(), before[-1].end(), "SOURCE") if before else None
        cue_id = add_span(cue.start(), cue.end(), "CUE")
        content = add_span(cue.end() + 1, line_end, "CONTENT")
        records.append({
            "id": f"{doc_id}-A{k}", "source": source, "cue": cue_id, "content": [content],
            "source_anonymity": list(SourceAnonymity)[k % 3].value,
            "source_kind": list(SourceKind)[k % len(SourceKind)].value,
            "quote_type": list(QuoteType)[k % 3].value, "source_id": None, "parent": None,
        })  # fmt: skip
    measures = []
    for k, sentence in enumerate(segment(text)[1::3]):
        tokens = sentence.tokens[:5]
        labels = [cats[k % len(cats)].value] + (
            [cats[(k + 3) % len(cats)].value] if k % 4 == 0 else []
        )
        start, end = tokens[0].start, tokens[-1].end
        measures.append({"id": f"{doc_id}-C{k}", "start": start, "end": end,
                         "text": text[start:end], "labels": labels})  # fmt: skip
    return {
        "doc_id": doc_id, "text": text, "metadata": {"outlet": "synthetic"}, "zones": [],
        "entities": entities, "attribution_spans": spans, "attributions": records,
        "control_measures": measures, "fold": 0,
    }  # fmt: skip


def gold_rows() -> list[dict[str, Any]]:
    return [gold_row(doc_id, text) for doc_id, text in TEXTS.items()]


def test_synthetic_gold_covers_every_layer() -> None:
    rows = gold_rows()
    assert len(rows) >= 3
    for row in rows:
        assert row["entities"] and row["control_measures"]
        for span in [*row["entities"], *row["attribution_spans"], *row["control_measures"]]:
            assert row["text"][span["start"] : span["end"]] == span["text"]
    assert any(row["attributions"] for row in rows)
