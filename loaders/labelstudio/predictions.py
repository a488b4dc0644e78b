"""Read a predictions file (nkworkers.loaders.predictions, the evaluation format) into
Label Studio results.

Each row (``doc_id`` and any of ``entities``, ``attribution_spans``,
``attributions``, ``control_measures``; half-open character offsets, as in
the corpus) becomes an ``Annotation`` (ids minted in the corpus pattern),
then a result through the same converter as the gold. Records must carry a
CUE and all three attributes, as gold records do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from nkworkers.loaders import predictions as format_
from nkworkers.loaders.corpus import CorpusError, Problem, pydantic_problems
from nkworkers.loaders.files.jsonio import clip
from nkworkers.loaders.labelstudio.convert import MINT_PREFIX, Result, annotation_to_result
from nkworkers.loaders.model import Annotation
from nkworkers.loaders.predictions import PredictionProblem, PredictionRow, check_offsets


def _with_ids(line: dict[str, Any], text: str) -> dict[str, Any]:
    """The line as Annotation fields: ids minted, span texts filled in."""
    doc = line["doc_id"]

    def spans(layer: str, prefix: str) -> list[dict[str, Any]]:
        out = []
        for i, span in enumerate(line.get(layer) or [], start=1):
            start, end = span.get("start"), span.get("end")
            piece = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
            kept = {k: v for k, v in span.items() if k != "score"}  # an annotation has no score
            out.append({**kept, "id": f"{doc}-{prefix}{i}", "text": piece})
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


def _problem(where: str, problem: PredictionProblem) -> Problem:
    return Problem(where, problem.doc_id or "<line>", problem.message, problem.fix)


def _result(where: str, row: PredictionRow, text: str) -> tuple[Result | None, list[Problem]]:
    """The row as a Label Studio result, or the problems that stop it."""
    out_of_range = check_offsets(row, text)
    if out_of_range:
        return None, [Problem(where, row.doc_id, out_of_range, "predict offsets into the text")]
    fields = _with_ids(row.model_dump(mode="json", exclude_none=False), text)
    try:
        annotation = Annotation.model_validate(fields)
        return annotation_to_result(annotation, text), []
    except ValidationError as exc:
        return None, pydantic_problems(where, fields, exc)
    except CorpusError as exc:
        return None, [Problem(where, p.record, p.message, p.fix) for p in exc.problems]


def read_predictions(path: Path, texts: dict[str, str]) -> dict[str, Result]:
    """doc_id -> Label Studio result; raises CorpusError naming every bad line.

    The file is read by nkworkers.loaders.predictions (the one reader of the format), so
    ``tag`` and ``predict`` output, and rows with extra columns, are accepted.
    """
    problems: list[Problem] = []
    results: dict[str, Result] = {}
    for read in format_.read_predictions(path):
        where = f"{path.name}:{read.line}"
        if read.problem is not None:
            problems.append(_problem(where, read.problem))
            continue
        assert read.row is not None
        if read.row.doc_id not in texts:
            record = clip(read.row.doc_id)
            problems.append(
                Problem(where, record, "unknown doc_id", "predict corpus articles only")
            )
            continue
        result, found = _result(where, read.row, texts[read.row.doc_id])
        problems += found
        if result is not None:
            results[read.row.doc_id] = result
    if problems:
        raise CorpusError(problems)
    return results
