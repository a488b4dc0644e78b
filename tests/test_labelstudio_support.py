"""Helpers for the Label Studio bridge tests (no tests here).

A tmp copy of the corpus whose every article has a valid annotation: the
committed gold where it validates, else a rich synthetic annotation anchored
in code on the real raw text (annotators fill annotations/ in over time).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from nkworkers.loaders.corpus import read_corpus, sha256, write_annotation
from nkworkers.loaders.model import Annotation
from nkworkers.loaders.text.locate import find
from nkworkers.loaders.validate import validate_document

REPO = Path(__file__).resolve().parents[1]


def synthetic(doc_id: str, text: str, digest: str) -> Annotation:
    """Every layer, a nested record, a shared content span, a two-label control span."""
    first_break = text.index("\n") if "\n" in text else len(text)
    cut = first_break + 1 if first_break < len(text) else len(text)
    zones = [{"start": 0, "end": cut, "label": "HEADLINE"}] if cut < len(text) else []
    zones.append({"start": cut if zones else 0, "end": len(text), "label": "BODY"})
    body = zones[-1]["start"]
    words = [w for w in text[body:].split() if w.isalpha() and len(w) > 3]
    spans = []
    pos = body
    for w in words:
        s, e = find(text, w, nth=1, after=pos)
        spans.append((s, e))
        pos = e
        if len(spans) == 9:
            break
    d = doc_id

    def span(i: int, role: str) -> dict[str, Any]:
        s, e = spans[i]
        return {"id": f"{d}-S{i + 1}", "start": s, "end": e, "text": text[s:e], "role": role}

    roles = ["SOURCE", "CUE", "CONTENT", "SOURCE", "CUE", "CONTENT", "CUE", "CONTENT"]
    attribution_spans = [span(i, r) for i, r in enumerate(roles)]
    ids = [s["id"] for s in attribution_spans]
    rec = {"source_anonymity": "named", "source_kind": "media_outlet", "quote_type": "indirect"}
    attributions = [
        {
            "id": f"{d}-A1",
            "source": ids[0],
            "cue": ids[1],
            "content": [ids[2], ids[5]],
            **rec,
            "source_id": f"{d}-src1",
            "parent": None,
        },
        {
            "id": f"{d}-A2",
            "source": ids[3],
            "cue": ids[4],
            "content": [ids[5]],
            **{**rec, "quote_type": "direct", "source_kind": "defector"},
            "source_id": f"{d}-src1",
            "parent": f"{d}-A1",
        },
        {
            "id": f"{d}-A3",
            "source": None,
            "cue": ids[6],
            "content": [ids[7]],
            **{**rec, "source_anonymity": "not_applicable"},
            "source_id": None,
            "parent": None,
        },
    ]
    s0, e0 = spans[0]
    s8, e8 = spans[8]
    entities = [
        {"id": f"{d}-E1", "start": s0, "end": e0, "text": text[s0:e0], "label": "ORG"},
        {"id": f"{d}-E2", "start": s8, "end": e8, "text": text[s8:e8], "label": "GPE"},
    ]
    cs, ce = spans[2][0], spans[5][1]
    controls = [
        {
            "id": f"{d}-C1",
            "start": cs,
            "end": ce,
            "text": text[cs:ce],
            "labels": ["SURVEILLANCE", "COERCION"],
        },
    ]
    return Annotation.model_validate(
        {
            "doc_id": d,
            "text_sha256": digest,
            "zones": zones,
            "entities": entities,
            "attribution_spans": attribution_spans,
            "attributions": attributions,
            "control_measures": controls,
        }
    )


def make_corpus(dest: Path, *, source: Path = REPO) -> dict[str, str]:
    """Copy raw/ and annotations/ to dest; return doc_id -> 'gold' | 'synthetic'."""
    shutil.copytree(source / "raw", dest / "raw")
    (dest / "annotations").mkdir(parents=True)
    for path in (source / "annotations").glob("*.json"):
        shutil.copy(path, dest / "annotations" / path.name)
    loaded = read_corpus(dest)
    kinds = {}
    for doc_id, meta in sorted(loaded.manifest.items()):
        raw = loaded.raw_bytes[doc_id]
        gold = loaded.annotations.get(doc_id)
        file = f"annotations/{doc_id}.json"
        if (
            gold is not None
            and not gold.is_empty()
            and not validate_document(meta, raw, gold, file)
        ):
            kinds[doc_id] = "gold"
            continue
        fake = synthetic(doc_id, raw.decode("utf-8"), sha256(raw))
        assert validate_document(meta, raw, fake, file) == [], validate_document(
            meta, raw, fake, file
        )
        write_annotation(dest, fake)
        kinds[doc_id] = "synthetic"
    return kinds


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def as_export(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tasks shaped like Label Studio's full JSON export (ids, timestamps)."""
    out = []
    for i, task in enumerate(tasks, start=1):
        anns = [
            {
                "id": 100 + i,
                "completed_by": 1,
                "was_cancelled": False,
                "result": a["result"],
                "created_at": "2025-01-01T00:00:00Z",
                "updated_at": "2025-01-01T00:00:00Z",
            }
            for a in task.get("annotations", [])
        ]
        out.append({"id": i, "data": task["data"], "annotations": anns, "predictions": []})
    return json.loads(json.dumps(out))


def corpus_export(root: Path) -> list[dict[str, Any]]:
    """The export a project holds right after pushing ``root``: one task per article,
    the gold as its one annotation."""
    from nkworkers.loaders.labelstudio.convert import document_to_task

    return as_export([document_to_task(d) for d in read_corpus(root).documents()])


def task_of(export: list[dict[str, Any]], doc_id: str) -> dict[str, Any]:
    return next(t for t in export if t["data"]["doc_id"] == doc_id)


def relabel_first_entity(result: list[dict[str, Any]]) -> tuple[int, int, str]:
    """Give the first entity region another label (in place); its (start, end, new label)."""
    item = next(i for i in result if i.get("from_name") == "entity")
    new = "GPE" if item["value"]["labels"] != ["GPE"] else "ORG"
    item["value"]["labels"] = [new]
    return item["value"]["start"], item["value"]["end"], new


def annotate_again(
    task: dict[str, Any], result: list[dict[str, Any]], *, by: Any = 1, at: str
) -> dict[str, Any]:
    """Add an annotation to an exported task, as a later save in Label Studio would."""
    annotation = {
        "id": 1000 + len(task["annotations"]),
        "completed_by": by,
        "was_cancelled": False,
        "result": result,
        "created_at": at,
        "updated_at": at,
    }
    task["annotations"].append(annotation)
    return annotation
