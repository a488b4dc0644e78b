"""Reading and checking predictions (and gold rows) against the gold texts.

Every problem is reported with the file, the line, the doc_id and what is
wrong, and stops the evaluation: a half-read predictions file would give
scores that look valid and are not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from baselines.predictions import PredictionRow


class PredictionError(ValueError):
    """A predictions file (or gold row) that cannot be scored."""


def _where(source: str, line: int | None, doc_id: object) -> str:
    place = source if line is None else f"{source}, line {line}"
    return f"{place}, doc_id {doc_id!r}" if doc_id is not None else place


def _explain(error: ValidationError) -> str:
    parts = []
    for e in error.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "row"
        got = f" (got {e['input']!r})" if "input" in e and not isinstance(e["input"], dict) else ""
        parts.append(f"{loc}: {e['msg']}{got}")
    return "; ".join(parts)


def check_offsets(row: PredictionRow, text: str) -> str | None:
    """What is out of range in row for this text, or None."""
    for layer in ("entities", "attribution_spans", "control_measures"):
        for i, span in enumerate(getattr(row, layer) or []):
            if span.end > len(text):
                return (
                    f"{layer}[{i}]: span [{span.start}, {span.end}) ends past the text "
                    f"(length {len(text)}; offsets are half-open character offsets)"
                )
    return None


def validate(obj: Any, *, texts: Mapping[str, str], where: tuple[str, int | None]) -> PredictionRow:
    source, line = where
    doc_id = obj.get("doc_id") if isinstance(obj, dict) else None
    if not isinstance(obj, dict):
        raise PredictionError(f"{_where(source, line, None)}: expected a JSON object per line")
    try:
        row = PredictionRow.model_validate(obj)
    except ValidationError as e:
        raise PredictionError(f"{_where(source, line, doc_id)}: {_explain(e)}") from None
    if row.doc_id not in texts:
        raise PredictionError(
            f"{_where(source, line, doc_id)}: doc_id is not among the {len(texts)} gold "
            "documents being evaluated (wrong --split?)"
        )
    problem = check_offsets(row, texts[row.doc_id])
    if problem:
        raise PredictionError(f"{_where(source, line, doc_id)}: {problem}")
    return row


def validate_rows(
    rows: Iterable[tuple[int | None, Any]], *, texts: Mapping[str, str], source: str
) -> list[PredictionRow]:
    out: list[PredictionRow] = []
    first_line: dict[str, int | None] = {}
    for line, obj in rows:
        row = validate(obj, texts=texts, where=(source, line))
        if row.doc_id in first_line:
            raise PredictionError(
                f"{_where(source, line, row.doc_id)}: duplicate doc_id "
                f"(first seen at line {first_line[row.doc_id]})"
            )
        first_line[row.doc_id] = line
        out.append(row)
    return out


def parse_lines(path: Path) -> Iterable[tuple[int, Any]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as e:
                raise PredictionError(f"{path}, line {number}: malformed JSON: {e}") from None


def read_predictions(path: Path, texts: Mapping[str, str]) -> list[PredictionRow]:
    if not path.is_file():
        raise PredictionError(f"{path}: no such predictions file")
    return validate_rows(parse_lines(path), texts=texts, source=str(path))
