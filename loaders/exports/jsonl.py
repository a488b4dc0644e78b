"""JSONL: ``documents.jsonl`` (one article per line: metadata, split, text) and
``annotations.jsonl`` (one annotation per line), written and read back.

Every annotation line has ``doc_id``, ``layer`` (zone, entity,
attribution_span, attribution, control_measure) and the model's fields for
that layer (half-open character offsets, ``end`` exclusive). Lines follow the
article order, then the layer order above, then the annotation file's order,
so reading them back rebuilds each Annotation exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from nkworkers.loaders.files import jsonio
from nkworkers.loaders.model import (
    Annotation,
    Attribution,
    AttributionSpan,
    ControlMeasure,
    Document,
    Entity,
    ZoneSpan,
)

# layer name in the file -> (Annotation field, model)
LAYERS: dict[str, tuple[str, type[BaseModel]]] = {
    "zone": ("zones", ZoneSpan),
    "entity": ("entities", Entity),
    "attribution_span": ("attribution_spans", AttributionSpan),
    "attribution": ("attributions", Attribution),
    "control_measure": ("control_measures", ControlMeasure),
}


def _line(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=False)


def annotation_lines(doc: Document) -> list[str]:
    ann = doc.annotation.model_dump(mode="json")
    return [
        _line({"doc_id": doc.doc_id, "layer": layer, **item})
        for layer, (attr, _) in LAYERS.items()
        for item in ann[attr]
    ]


def document_line(doc: Document, split: str) -> str:
    return _line({**doc.meta.model_dump(mode="json"), "split": split, "text": doc.text})


def convert(docs: Sequence[Document], split_of: Mapping[str, str]) -> dict[str, str]:
    documents = [document_line(d, split_of[d.doc_id]) for d in docs]
    annotations = [line for d in docs for line in annotation_lines(d)]
    return {
        "documents.jsonl": "".join(f"{x}\n" for x in documents),
        "annotations.jsonl": "".join(f"{x}\n" for x in annotations),
    }


def _objects(text: str, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of each non-blank line of a JSONL text.

    Lines end at "\n" only, as JSON Lines says (nkworkers.loaders.files.jsonio's rule): a
    text holding U+2028 or another character that ``str.splitlines`` ends a
    line at stays one line. Raises ValueError naming the file and line.
    """
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = jsonio.loads(line)
        except jsonio.JsonError as exc:
            raise ValueError(f"{name}:{lineno}: {exc}") from None
        if not isinstance(value, dict):
            raise ValueError(f"{name}:{lineno}: expected a JSON object, got {jsonio.clip(value)}")
        yield lineno, value


def read(documents: str, annotations: str) -> dict[str, Annotation]:
    """doc_id -> Annotation, from the two files' texts (pure).

    Raises:
        ValueError: a line that is not strict JSON, an unknown layer or
            doc_id, or fields the model refuses, naming the file and line.
    """
    texts = {}
    for lineno, row in _objects(documents, "documents.jsonl"):
        doc_id, text = row.get("doc_id"), row.get("text")
        if not isinstance(doc_id, str) or not isinstance(text, str):
            raise ValueError(f"documents.jsonl:{lineno}: needs a string doc_id and text")
        texts[doc_id] = text
    layers: dict[str, dict[str, list[Any]]] = {d: {} for d in texts}
    for lineno, row in _objects(annotations, "annotations.jsonl"):
        doc_id, layer = row.pop("doc_id", None), row.pop("layer", None)
        if layer not in LAYERS or doc_id not in texts:
            raise ValueError(
                f"annotations.jsonl:{lineno}: unknown layer {jsonio.clip(layer)} or doc_id "
                f"{jsonio.clip(doc_id)}; layers are {list(LAYERS)}"
            )
        attr, model = LAYERS[layer]
        layers[doc_id].setdefault(attr, []).append(model.model_validate(row))
    return {
        doc_id: Annotation(
            doc_id=doc_id,
            text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            **layers[doc_id],
        )
        for doc_id, text in texts.items()
    }
