"""Read a predictions file (the evaluation format) into Label Studio results.

One JSON object per line and article: ``doc_id`` and any of ``entities``
[{start, end, label}], ``attribution_spans`` [{id, start, end, role}],
``attributions`` [{source, cue, content, source_anonymity, source_kind,
quote_type}] (pointing at attribution span ids), ``control_measures``
[{start, end, labels}]. Offsets are half-open code-point offsets, as in the
corpus. Each line becomes an ``Annotation`` (ids minted in the corpus
pattern), then a result through the same converter as the gold.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from loaders.corpus import CorpusError, Problem, pydantic_problems
from loaders.labelstudio.convert import MINT_PREFIX, Result, annotation_to_result
from loaders.model import Annotation, AttributionSpan, ControlMeasure, Entity

LAYERS = ("entities", "attribution_spans", "attributions", "control_measures")


def _with_ids(line: dict[str, Any], text: str) -> dict[str, Any]:
    """The line as Annotation fields: ids minted, span texts filled in."""
    doc = line["doc_id"]

    def spans(layer: str, prefix: str) -> list[dict[str, Any]]:
        out = []
        for i, span in enumerate(line.get(layer) or [], start=1):
            start, end = span.get("start"), span.get("end")
            piece = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
            out.append({**span, "id": f"{doc}-{prefix}{i}", "text": piece})
        return out

    attribution_spans = spans("attribution_spans", MINT_PREFIX["attribution"])
    ours = {
        str(given.get("id")): minted["id"]
        for given, minted in zip(
            line.get("attribution_spans") or [], attribution_spans, strict=True
        )
    }
    records = []
    for i, rec in enumerate(line.get("attributions") or [], start=1):
        source = rec.get("source")
        records.append(
            {
                **rec,
                "id": f"{doc}-{MINT_PREFIX['record']}{i}",
                "source": ours.get(str(source), source) if source is not None else None,
                "cue": ours.get(str(rec.get("cue")), rec.get("cue")),
                "content": [ours.get(str(c), c) for c in rec.get("content") or []],
                "source_id": rec.get("source_id"),
                "parent": None,
            }
        )
    return {
        "doc_id": doc,
        "text_sha256": "",
        "entities": spans("entities", MINT_PREFIX["entity"]),
        "attribution_spans": attribution_spans,
        "attributions": records,
        "control_measures": spans("control_measures", MINT_PREFIX["control"]),
    }


def _range_problems(where: str, annotation: Annotation, length: int) -> list[Problem]:
    spans: list[Entity | AttributionSpan | ControlMeasure] = [
        *annotation.entities,
        *annotation.attribution_spans,
        *annotation.control_measures,
    ]
    return [
        Problem(where, s.id, f"offsets [{s.start}, {s.end}) out of range 0..{length}", "fix them")
        for s in spans
        if not s.start < s.end <= length
    ]


def read_predictions(path: Path, texts: dict[str, str]) -> dict[str, Result]:
    """doc_id -> Label Studio result; raises CorpusError naming every bad line."""
    problems: list[Problem] = []
    results: dict[str, Result] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path.name}:{lineno}"
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(where, "<line>", f"not JSON: {exc}", "one object per line"))
            continue
        doc_id = raw.get("doc_id") if isinstance(raw, dict) else None
        if doc_id not in texts:
            problems.append(
                Problem(where, str(doc_id), "unknown doc_id", "predict only corpus articles")
            )
            continue
        if doc_id in results:
            problems.append(Problem(where, doc_id, "second line for this article", "keep one"))
            continue
        unknown = sorted(set(raw) - {"doc_id", *LAYERS})
        if unknown:
            problems.append(Problem(where, doc_id, f"unknown keys {unknown}", f"use {LAYERS}"))
            continue
        try:
            fields = _with_ids(raw, texts[doc_id])
            annotation = Annotation.model_validate(fields)
            problems += _range_problems(where, annotation, len(texts[doc_id]))
            results[doc_id] = annotation_to_result(annotation, texts[doc_id])
        except ValidationError as exc:
            problems += pydantic_problems(where, fields, exc)
        except (TypeError, ValueError, AttributeError) as exc:
            problems.append(
                Problem(where, doc_id, f"malformed prediction: {exc}", "see the format")
            )
        except CorpusError as exc:
            problems += [Problem(where, p.record, p.message, p.fix) for p in exc.problems]
    if problems:
        raise CorpusError(problems)
    return results
