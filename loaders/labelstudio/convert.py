"""Two pure functions: a corpus document -> a Label Studio task (``to_task``), and
a Label Studio annotation result -> our Annotation (here; regions are read by
``regions``, relations and records assembled here).

Offsets: Label Studio 1.23.2's Text tag stores region offsets in Unicode code
points (its editor test "NER - Emoji - Text: should calculate offsets by code
points"), the same half-open convention as ``nkworkers.loaders.model``, so offsets pass
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
from typing import Any

from pydantic import ValidationError

from nkworkers.loaders.corpus import CorpusError, Problem, pydantic_problems
from nkworkers.loaders.files.jsonio import clip
from nkworkers.loaders.labels import Role
from nkworkers.loaders.labelstudio.config import (
    DOC_ID,
    RECORD_CHOICES,
    RELATION_TARGET,
    TEXT,
    RelationLabel,
)
from nkworkers.loaders.labelstudio.latest import Picked, pick_latest
from nkworkers.loaders.labelstudio.regions import Reader, Region, read_item
from nkworkers.loaders.labelstudio.to_task import Result, annotation_to_result, document_to_task
from nkworkers.loaders.model import Annotation

# Re-exported: the pull, the predictions reader and the tests take them from here.
__all__ = [
    "MINT_PREFIX",
    "Picked",
    "Result",
    "annotation_of",
    "annotation_to_result",
    "document_to_task",
    "pick_latest",
    "result_to_annotation",
    "task_doc_id",
    "task_to_annotation",
]

# Id prefixes of new regions, per layer (the committed files' convention).
MINT_PREFIX = {"entity": "E", "attribution": "S", "control": "C", "record": "A", "zone": "Z"}


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
    reader: Reader, result: list, regions: dict[str, Region]
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
    reader = Reader(where, text)
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
    regions: dict[str, Region] = {}
    for item in result:
        if isinstance(item, dict) and item.get("type") == "relation":
            continue
        read_item(reader, item, regions)
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
    reader: Reader,
    regions: dict[str, Region],
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

    def layer(name: str) -> list[Region]:
        found = [r for r in ordered if r.layer == name]
        return found if name == "zone" else sorted(found, key=lambda r: _number(ours[r.id]))

    def span(r: Region) -> dict[str, Any]:
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
