"""A corpus document -> a Label Studio task, its gold as the task's one annotation; pure.

Every layer travels: zones, entities, attribution and control regions (ids
kept as region ids), record attributes and ids as per-region choices and
text on the CUE, and relations CUE -> SOURCE, CUE -> CONTENT and inner CUE
-> outer CUE (parent). Offsets pass through unchanged (see ``convert``).
"""

from __future__ import annotations

from typing import Any

from nkworkers.loaders.corpus import CorpusError, Problem
from nkworkers.loaders.labelstudio.config import DOC_ID, RECORD_CHOICES, TEXT, RelationLabel
from nkworkers.loaders.model import Annotation, Document

Result = list[dict[str, Any]]


def _span(region_id: str, layer: str, start: int, end: int, text: str, labels: list[str]) -> dict:
    return {
        "id": region_id,
        "from_name": layer,
        "to_name": TEXT,
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": labels},
    }


def _per_region(region: dict, name: str, kind: str, value: str) -> dict:
    key = "text" if kind == "textarea" else kind
    span = region["value"]
    return {
        "id": region["id"],
        "from_name": name,
        "to_name": TEXT,
        "type": kind,
        "value": {"start": span["start"], "end": span["end"], key: [value]},
    }


def _relation(from_id: str, to_id: str, label: RelationLabel) -> dict:
    return {
        "from_id": from_id,
        "to_id": to_id,
        "type": "relation",
        "direction": "right",
        "labels": [label.value],
    }


def annotation_to_result(annotation: Annotation, text: str) -> Result:
    """Every layer of ``annotation`` as a Label Studio result list.

    Raises CorpusError for what the config cannot carry: two records on one
    CUE, or two regions with one id.
    """
    doc = annotation.doc_id
    problems: list[Problem] = []
    result: Result = []
    for i, zone in enumerate(annotation.zones, start=1):
        result.append(_span(f"{doc}-Z{i}", "zone", zone.start, zone.end, text, [zone.label.value]))
    for e in annotation.entities:
        result.append(_span(e.id, "entity", e.start, e.end, text, [e.label.value]))
    regions = {}
    for s in annotation.attribution_spans:
        regions[s.id] = _span(s.id, "attribution", s.start, s.end, text, [s.role.value])
        result.append(regions[s.id])
    for c in annotation.control_measures:
        result.append(_span(c.id, "control", c.start, c.end, text, [x.value for x in c.labels]))

    cue_of = {r.id: r.cue for r in annotation.attributions}
    relations: Result = []
    seen_cues: dict[str, str] = {}
    for r in annotation.attributions:
        if r.cue in seen_cues:
            problems.append(
                Problem(
                    f"annotations/{doc}.json",
                    r.id,
                    f"shares CUE {r.cue} with record {seen_cues[r.cue]}",
                    "Label Studio keys a record by its CUE: give each record its own CUE span",
                )
            )
            continue
        seen_cues[r.cue] = r.id
        cue = regions.get(r.cue)
        if cue is None:
            problems.append(
                Problem(f"annotations/{doc}.json", r.id, f"CUE {r.cue} missing", "validate first")
            )
            continue
        result.append(_per_region(cue, "record_id", "textarea", r.id))
        if r.source_id is not None:
            result.append(_per_region(cue, "source_id", "textarea", r.source_id))
        for name in RECORD_CHOICES:
            result.append(_per_region(cue, name, "choices", getattr(r, name).value))
        if r.source is not None:
            relations.append(_relation(r.cue, r.source, RelationLabel.SOURCE))
        for content in r.content:
            relations.append(_relation(r.cue, content, RelationLabel.CONTENT))
        if r.parent is not None and r.parent in cue_of:
            relations.append(_relation(r.cue, cue_of[r.parent], RelationLabel.PARENT))

    ids = [item["id"] for item in result if item["type"] == "labels"]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(
            Problem(f"annotations/{doc}.json", dup, "two spans share this id", "make ids unique")
        )
    if problems:
        raise CorpusError(problems)
    return result + relations


def document_to_task(document: Document) -> dict[str, Any]:
    """The task for one article: data holds doc_id and text; the gold (if any)
    goes in as the task's one annotation."""
    task: dict[str, Any] = {"data": {DOC_ID: document.doc_id, TEXT: document.text}}
    if not document.annotation.is_empty():
        task["annotations"] = [{"result": annotation_to_result(document.annotation, document.text)}]
    return task
