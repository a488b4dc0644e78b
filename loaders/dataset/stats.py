"""Corpus counts per layer, label and split (computation only; rendering in cli)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from nkworkers.loaders.dataset.build import SPLITS
from nkworkers.loaders.dataset.views import ViewReport, sentence_rows
from nkworkers.loaders.labels import ControlCategory, EntityType, Role, SourceKind, names
from nkworkers.loaders.model import Document
from nkworkers.loaders.text.segment import segment
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
    for doc in docs:
        counts = per_split[split_of[doc.doc_id]]
        counts.update(_doc_counts(doc))
        sentences = segment(doc.text)
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
            "tagged": rep.tagged,
            "misaligned": len(rep.misaligned),
            "nested": len(rep.nested),
            "lost": len(rep.lost),
            "cross_sentence": report.cross_sentence[layer],
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
