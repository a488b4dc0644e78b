"""Assemble an annotation file from per-layer fragments (the annotation workflow).

Annotators work layer by layer: one JSON fragment per article holding only
its layer's keys (zones + entities, attribution_spans + attributions, or
control_measures). This merges the fragments of one pass into annotation
files, stamping the raw text hash; validation happens afterwards as usual.
"""

from __future__ import annotations

import json
from pathlib import Path

from nkworkers.loaders.corpus import sha256
from nkworkers.loaders.model import Annotation

LAYER_KEYS = {
    "entities": ("zones", "entities"),
    "attribution": ("attribution_spans", "attributions"),
    "control": ("control_measures",),
}


def assemble(raw: bytes, doc_id: str, fragments: dict[str, dict]) -> Annotation:
    """One annotation from {layer name: fragment dict}; absent layers stay empty."""
    fields: dict = {"doc_id": doc_id, "text_sha256": sha256(raw)}
    for layer, fragment in fragments.items():
        if fragment.get("doc_id") != doc_id:
            raise ValueError(f"{layer} fragment is for {fragment.get('doc_id')!r}, not {doc_id!r}")
        for key in LAYER_KEYS[layer]:
            fields[key] = fragment.get(key, [])
    return Annotation.model_validate(fields)


def read_fragments(folder: Path, doc_id: str) -> dict[str, dict]:
    """Fragments of one article from folder/<layer>/<doc_id>.json, those that exist."""
    out = {}
    for layer in LAYER_KEYS:
        path = folder / layer / f"{doc_id}.json"
        if path.exists():
            out[layer] = json.loads(path.read_text(encoding="utf-8"))
    return out
