"""Two pure functions: a corpus document -> a Label Studio task, and a Label
Studio annotation result -> our Annotation.

Offsets: Label Studio 1.23.2's Text tag stores region offsets in Unicode code
points (its editor test "NER - Emoji - Text: should calculate offsets by code
points"), the same half-open convention as ``loaders.model``, so offsets pass
through unchanged. Older front ends counted UTF-16 code units; every region's
stored ``text`` is checked against ``text[start:end]``, so such an export is
refused (and named as probably UTF-16) instead of silently shifting spans.

Order: zones come back sorted by start, every other layer by id number, as
the committed annotations are; a region drawn in Label Studio gets the next
id of its layer, so it lands last and the file diff shows only that region,
whatever order the front end saves its result in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from loaders.corpus import CorpusError, Problem, pydantic_problems
from loaders.jsonio import clip
from loaders.labels import Role
from loaders.labelstudio.config import (
    DOC_ID,
    RECORD_CHOICES,
    RECORD_TEXTS,
    RELATION_TARGET,
    SPAN_LAYERS,
    TEXT,
    RelationLabel,
)
from loaders.labelstudio.latest import Picked, pick_latest
from loaders.model import Annotation, Document

__all__ = ["Picked", "pick_latest"]  # re-exported: the pull reports which annotation it took

Result = list[dict[str, Any]]

# Id prefixes of new regions, per layer (the committed files' convention).
MINT_PREFIX = {"entity": "E", "attribution": "S", "control": "C", "record": "A", "zone": "Z"}


# ---------------------------------------------------------------- document -> task


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


# ---------------------------------------------------------------- export -> annotation


@dataclass
class _Region:
    id: str
    start: int
    end: int
    layer: str | None = None
    labels: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class _Reader:
    """Collects problems while reading one task's result; names the task."""

    where: str
    text: str
    problems: list[Problem] = field(default_factory=list)

    def fail(self, record: str, message: str, fix: str) -> None:
        # Region ids come from the export: cut them as any other stored value.
        self.problems.append(Problem(self.where, clip(record)[1:-1], message, fix))


def _utf16_hint(text: str, start: int, end: int, stored: str) -> str:
    """Say so when the offsets fit the text counted in UTF-16 code units."""
    units = text.encode("utf-16-le")
    if units[2 * start : 2 * end].decode("utf-16-le", errors="replace") == stored:
        return " (the offsets look like UTF-16 code units, not code points)"
    return ""


def _offsets(reader: _Reader, rid: str, value: dict) -> tuple[int, int] | None:
    start, end = value.get("start"), value.get("end")
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
        message = f"start/end are not integers: {clip(start)}, {clip(end)}"
        reader.fail(rid, message, "re-draw the region")
        return None
    assert isinstance(start, int) and isinstance(end, int)
    if not 0 <= start < end <= len(reader.text):
        reader.fail(
            rid,
            f"offsets [{start}, {end}) out of range 0..{len(reader.text)}",
            "re-draw the region",
        )
        return None
    return start, end


def _read_item(reader: _Reader, item: Any, regions: dict[str, _Region]) -> None:
    if not isinstance(item, dict):
        reader.fail(
            "<result>",
            f"result item is not an object: {clip(item)}",
            "delete the item from the annotation's result",
        )
        return
    rid, name, kind, value = (
        item.get("id"),
        item.get("from_name"),
        item.get("type"),
        item.get("value"),
    )
    if not isinstance(rid, str) or not rid:
        reader.fail(
            "<result>", f"region without an id: {clip(item)}", "re-draw the region in Label Studio"
        )
        return
    if not isinstance(name, str) or not isinstance(kind, str):
        reader.fail(
            rid,
            f"from_name/type are not strings: {clip(name)}, {clip(kind)}",
            "re-draw the region in Label Studio",
        )
        return
    if item.get("to_name") != TEXT or not isinstance(value, dict):
        reader.fail(
            rid,
            f"not a region of the {TEXT!r} tag: {clip(item)}",
            f"re-draw the region on the {TEXT!r} tag",
        )
        return
    offsets = _offsets(reader, rid, value)
    if offsets is None:
        return
    region = regions.setdefault(rid, _Region(rid, *offsets))
    if (region.start, region.end) != offsets:
        reader.fail(
            rid,
            f"parts of the region disagree on offsets: {offsets} vs {region.start, region.end}",
            "re-draw the region",
        )
        return
    if kind == "labels" and name in SPAN_LAYERS:
        _read_labels(reader, region, str(name), value)
    elif kind == "choices" and name in RECORD_CHOICES:
        _read_field(
            reader, region, str(name), value.get("choices"), allowed=RECORD_CHOICES[str(name)]
        )
    elif kind == "textarea" and name in RECORD_TEXTS:
        _read_field(reader, region, str(name), value.get("text"), allowed=None)
    else:
        reader.fail(
            rid,
            f"unknown control {clip(name)} of type {clip(kind)}",
            f"the project's config is not nkworkers' (expected one of "
            f"{sorted([*SPAN_LAYERS, *RECORD_CHOICES, *RECORD_TEXTS])})",
        )


def _read_labels(reader: _Reader, region: _Region, layer: str, value: dict) -> None:
    enum, multiple = SPAN_LAYERS[layer]
    labels = value.get("labels")
    if region.layer is not None:
        reader.fail(region.id, f"labelled in two layers: {region.layer} and {layer}", "split it")
        return
    allowed = [m.value for m in enum]
    if (
        not isinstance(labels, list)
        or not labels
        or not all(isinstance(x, str) for x in labels)
        or (len(labels) > 1 and not multiple)
    ):
        reader.fail(
            region.id,
            f"{layer} labels {clip(labels)}",
            f"give {'one or more' if multiple else 'exactly one'} of {allowed}",
        )
        return
    unknown = [x for x in labels if x not in allowed]
    if unknown or len(set(labels)) != len(labels):
        reader.fail(
            region.id,
            f"unknown or repeated {layer} label(s) {clip(unknown or labels)}",
            f"use {allowed}",
        )
        return
    stored = value.get("text")
    actual = reader.text[region.start : region.end]
    if stored is not None and stored != actual:
        reader.fail(
            region.id,
            f"span text {clip(stored)} differs from the article's "
            f"text[{region.start}:{region.end}] {clip(actual)}"
            + _utf16_hint(reader.text, region.start, region.end, str(stored)),
            "re-draw the region on the article text",
        )
        return
    region.layer, region.labels = layer, list(labels)


def _read_field(reader: _Reader, region: _Region, name: str, values: Any, allowed: Any) -> None:
    ok = isinstance(values, list) and len(values) == 1 and isinstance(values[0], str)
    value = values[0].strip() if ok else ""
    if not value or (allowed is not None and value not in [m.value for m in allowed]):
        expected = [m.value for m in allowed] if allowed is not None else "one non-empty line"
        reader.fail(region.id, f"{name} is {clip(values)}", f"give {expected}")
        return
    if name in region.fields:
        reader.fail(region.id, f"{name} given twice", "keep one")
        return
    region.fields[name] = value


def _number(identifier: str) -> tuple[str, int, str]:
    match = re.fullmatch(r"(.*?)(\d+)", identifier)
    return (match.group(1), int(match.group(2)), "") if match else (identifier, -1, identifier)


class _Minter:
    """Our ids for regions drawn in Label Studio (whose ids are random)."""

    def __init__(self, doc_id: str, taken: set[str]):
        self.doc_id, self.taken = doc_id, set(taken)

    def keep_or_mint(self, rid: str, layer: str) -> str:
        if rid.startswith(f"{self.doc_id}-"):
            return rid
        prefix = f"{self.doc_id}-{MINT_PREFIX[layer]}"
        used = [_number(t)[1] for t in self.taken if _number(t)[0] == prefix]
        new = f"{prefix}{max(used, default=0) + 1}"
        self.taken.add(new)
        return new


def _relations(
    reader: _Reader, result: list, regions: dict[str, _Region]
) -> dict[str, dict[RelationLabel, list[str]]]:
    """CUE region id -> relation label -> target region ids."""
    links: dict[str, dict[RelationLabel, list[str]]] = {}
    for item in result:
        if not isinstance(item, dict) or item.get("type") != "relation":
            continue
        a, b = item.get("from_id"), item.get("to_id")
        where = f"relation {clip(a)}->{clip(b)}"
        if item.get("direction") == "left":
            a, b = b, a
        if not isinstance(a, str) or not isinstance(b, str):
            reader.fail(where, "from_id/to_id are not region ids", "delete the relation")
            continue
        if a not in regions or b not in regions:
            missing = [x for x in (a, b) if x not in regions]
            reader.fail(where, f"points at missing region(s) {missing}", "delete the relation")
            continue
        source_role, target_role = (regions[x].labels[:1] for x in (a, b))
        if (
            source_role != [Role.CUE.value]
            and target_role == [Role.CUE.value]
            and item.get("direction") == "bi"
        ):
            a, b, source_role, target_role = b, a, target_role, source_role
        if regions[a].layer != "attribution" or source_role != [Role.CUE.value]:
            reader.fail(where, "relation does not start at a CUE region", "draw it from the CUE")
            continue
        labels = item.get("labels") or []
        inferred = [lab for lab, role in RELATION_TARGET.items() if [role.value] == target_role]
        if regions[b].layer != "attribution" or not inferred:
            reader.fail(
                where, "relation does not end at an attribution span", "link SOURCE, CONTENT or CUE"
            )
            continue
        if not isinstance(labels, list) or any(lab != inferred[0].value for lab in labels):
            reader.fail(
                where,
                f"labels {clip(labels)} do not fit a {target_role[0]} target",
                f"label it {inferred[0].value!r} (or leave it unlabelled)",
            )
            continue
        targets = links.setdefault(a, {}).setdefault(inferred[0], [])
        if b not in targets:
            targets.append(b)
    return links


def result_to_annotation(
    result: Any, *, doc_id: str, text: str, text_sha256: str, where: str
) -> Annotation:
    """Our Annotation from one Label Studio result list; pure.

    ``where`` names the task in every problem. Raises CorpusError listing
    every problem found.
    """
    reader = _Reader(where, text)
    if not isinstance(result, list):
        raise CorpusError(
            [
                Problem(
                    where,
                    "<result>",
                    f"result is not a list: {clip(result)}",
                    "re-save the annotation in Label Studio",
                )
            ]
        )
    regions: dict[str, _Region] = {}
    for item in result:
        if isinstance(item, dict) and item.get("type") == "relation":
            continue
        _read_item(reader, item, regions)
    for region in regions.values():
        if region.layer is None:
            reader.fail(
                region.id, f"region has fields {sorted(region.fields)} but no label", "label it"
            )
        elif region.fields and region.labels != [Role.CUE.value]:
            reader.fail(
                region.id,
                f"record fields {sorted(region.fields)} on a non-CUE region",
                "move them to the CUE",
            )
    links = _relations(reader, result, regions)
    if reader.problems:
        raise CorpusError(reader.problems)
    return _assemble(reader, regions, links, doc_id=doc_id, text_sha256=text_sha256)


def _assemble(
    reader: _Reader,
    regions: dict[str, _Region],
    links: dict[str, dict[RelationLabel, list[str]]],
    *,
    doc_id: str,
    text_sha256: str,
) -> Annotation:
    ordered = sorted(regions.values(), key=lambda r: (r.start, r.end))
    minter = _Minter(doc_id, set(regions) | {r.fields.get("record_id", "") for r in ordered})
    ours = {
        r.id: minter.keep_or_mint(r.id, r.layer or "zone") for r in ordered if r.layer != "zone"
    }
    text = reader.text

    def layer(name: str) -> list[_Region]:
        found = [r for r in ordered if r.layer == name]
        return found if name == "zone" else sorted(found, key=lambda r: _number(ours[r.id]))

    def span(r: _Region) -> dict[str, Any]:
        return {"id": ours[r.id], "start": r.start, "end": r.end, "text": text[r.start : r.end]}

    cues = [r for r in layer("attribution") if r.labels == [Role.CUE.value]]
    record_of = {c.id: c.fields.get("record_id") or minter.keep_or_mint("", "record") for c in cues}
    records = []
    for cue in cues:
        rel = links.get(cue.id, {})
        for label in (RelationLabel.SOURCE, RelationLabel.PARENT):
            if len(rel.get(label, [])) > 1:
                reader.fail(
                    cue.id, f"CUE has {len(rel[label])} {label.value} relations", "keep one"
                )
        missing = [name for name in RECORD_CHOICES if name not in cue.fields]
        if missing:
            reader.fail(
                cue.id, f"CUE region lacks record choice(s) {missing}", "pick them on the CUE"
            )
            continue
        contents = sorted(
            rel.get(RelationLabel.CONTENT, []), key=lambda i: (regions[i].start, regions[i].end)
        )
        source, parent = (
            rel.get(RelationLabel.SOURCE, [None])[0],
            rel.get(RelationLabel.PARENT, [None])[0],
        )
        records.append(
            {
                "id": record_of[cue.id],
                "source": ours[source] if source else None,
                "cue": ours[cue.id],
                "content": [ours[c] for c in contents],
                **{name: cue.fields[name] for name in RECORD_CHOICES},
                "source_id": cue.fields.get("source_id"),
                "parent": record_of.get(parent) if parent else None,
            }
        )
    records.sort(key=lambda rec: _number(str(rec["id"])))
    raw = {
        "doc_id": doc_id,
        "text_sha256": text_sha256,
        "zones": [{"start": r.start, "end": r.end, "label": r.labels[0]} for r in layer("zone")],
        "entities": [{**span(r), "label": r.labels[0]} for r in layer("entity")],
        "attribution_spans": [{**span(r), "role": r.labels[0]} for r in layer("attribution")],
        "attributions": records,
        "control_measures": [{**span(r), "labels": r.labels} for r in layer("control")],
    }
    if reader.problems:
        raise CorpusError(reader.problems)
    try:
        return Annotation.model_validate(raw)
    except ValidationError as exc:
        raise CorpusError(pydantic_problems(reader.where, raw, exc)) from None


# ---------------------------------------------------------------- one exported task


def task_doc_id(task: dict[str, Any], *, text: str) -> str:
    """The task's doc_id, once its text is checked against the raw text; CorpusError if not."""
    data: dict[str, Any] = task["data"] if isinstance(task.get("data"), dict) else {}
    doc_id = str(data.get(DOC_ID))
    if data.get(TEXT) != text:
        raise CorpusError(
            [
                Problem(
                    f"task {clip(task.get('id'))} ({clip(doc_id)[1:-1]})",
                    DOC_ID,
                    "the task's text differs from raw/" + doc_id + ".txt",
                    "re-push the article; never edit task data",
                )
            ]
        )
    return doc_id


def annotation_of(
    task: dict[str, Any], chosen: dict[str, Any], *, doc_id: str, text: str, text_sha256: str
) -> Annotation:
    """Our Annotation from one of the task's annotations; problems name task and annotation."""
    where = f"task {clip(task.get('id'))} ({doc_id}) annotation {clip(chosen.get('id'))}"
    return result_to_annotation(
        chosen.get("result"), doc_id=doc_id, text=text, text_sha256=text_sha256, where=where
    )


def task_to_annotation(
    task: dict[str, Any], *, text: str, text_sha256: str
) -> tuple[Annotation | None, Picked | None]:
    """Our Annotation from an exported task's latest annotation (None if it has none).

    Raises CorpusError naming the task (and annotation) for every problem.
    """
    doc_id = task_doc_id(task, text=text)
    latest, picked = pick_latest(task)
    if latest is None:
        return None, None
    return annotation_of(task, latest, doc_id=doc_id, text=text, text_sha256=text_sha256), picked
