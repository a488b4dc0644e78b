"""Corpus counts per layer, label and split (computation only; rendering in cli)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from nkworkers.loaders.dataset.build import SPLITS
from nkworkers.loaders.dataset.views import ViewReport, buckets, sentence_rows
from nkworkers.loaders.labels import ControlCategory, EntityType, Role, SourceKind, names
from nkworkers.loaders.model import Document
from nkworkers.loaders.text.segment import Sentence, segment
from nkworkers.loaders.validate import load_valid, unannotated


def _doc_counts(doc: Document) -> Counter[str]:
    ann = doc.annotation
    c: Counter[str] = Counter()
    c["documents"] += 1
    c.update(f"entities/{e.label.value}" for e in ann.entities)
    c.update(f"attribution_spans/{s.role.value}" for s in ann.attribution_spans)
    c.update(f"attributions/{r.source_kind.value}" for r in ann.attributions)
    c["attributions/nested"] += sum(r.parent is not None for r in ann.attributions)
    c.update(f"control_measures/{lab.value}" for m in ann.control_measures for lab in m.labels)
    c["control_measures/spans"] += len(ann.control_measures)
    return c


def span_pieces(doc: Document, sentences: list[Sentence]) -> Counter[str]:
    """Per tagging layer: ``LAYER/spans``, ``LAYER/crossing`` (spans over a sentence
    boundary) and ``LAYER/pieces`` (one per sentence a span touches: what IOB2
    tagging sees, so pieces = tagged + nested + lost). Layers are named as
    ViewReport names them: ``entities``, the roles, ``control_measures``."""
    ann = doc.annotation
    layers: dict[str, list[Any]] = {"entities": list(ann.entities)}
    for role in Role:
        layers[role.value] = [s for s in ann.attribution_spans if s.role == role]
    layers["control_measures"] = list(ann.control_measures)
    c: Counter[str] = Counter()
    for layer, spans in layers.items():
        touched = Counter(id(span) for found in buckets(sentences, spans) for span in found)
        c[f"{layer}/spans"] += len(spans)
        c[f"{layer}/pieces"] += sum(touched.values())
        c[f"{layer}/crossing"] += sum(n > 1 for n in touched.values())
    return c


def label_keys() -> list[str]:
    """Every row of the table, in inventory order (zero counts shown too)."""
    return (
        ["documents", "sentences", "tokens"]
        + [f"entities/{x}" for x in names(EntityType)]
        + [f"attribution_spans/{x}" for x in names(Role)]
        + [f"attributions/{x}" for x in names(SourceKind)]
        + ["attributions/nested", "control_measures/spans"]
        + [f"control_measures/{x}" for x in names(ControlCategory)]
        + [f"control_sentences/{x}" for x in names(ControlCategory)]
    )


def corpus_stats(root: Path) -> dict[str, Any]:
    docs, split_of, _ = load_valid(root)
    per_split: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
    report = ViewReport()
    pieces: Counter[str] = Counter()
    for doc in docs:
        counts = per_split[split_of[doc.doc_id]]
        counts.update(_doc_counts(doc))
        sentences = segment(doc.text)
        pieces.update(span_pieces(doc, sentences))
        counts["sentences"] += len(sentences)
        counts["tokens"] += sum(len(s.tokens) for s in sentences)
        rows = sentence_rows(doc, 0, report, sentences)
        counts.update(
            f"control_sentences/{lab}" for r in rows["control_measures"] for lab in r["labels"]
        )
    table = {key: {s: per_split[s][key] for s in SPLITS} for key in label_keys()}
    for row in table.values():
        row["total"] = sum(row.values())
    tagging = {
        layer: {
            "spans": pieces[f"{layer}/spans"],
            "crossing": pieces[f"{layer}/crossing"],
            "pieces": pieces[f"{layer}/pieces"],
            "tagged": rep.tagged,
            "misaligned": len(rep.misaligned),
            "nested": len(rep.nested),
            "lost": len(rep.lost),
            "cross_sentence": report.cross_sentence[layer],  # pieces of crossing spans
            "misaligned_examples": [f"{s.label} [{s.start},{s.end})" for s in rep.misaligned[:5]],
        }
        for layer, rep in sorted(report.tags.items())
    }
    return {
        "splits": {s: sorted(d for d, x in split_of.items() if x == s) for s in SPLITS},
        "counts": table,
        "tagging": tagging,
        "unannotated": unannotated(root),  # waiting for annotation, out of the splits
    }
