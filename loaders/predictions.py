"""The predictions format: JSONL, one :class:`PredictionRow` per article.

This is part of the corpus contract, declared once here beside the annotation
model (nkworkers.loaders.model) and read by ``evaluate``, ``tag`` and ``ls push
--predictions`` through :func:`read_predictions`.

Offsets follow the corpus convention: half-open character offsets into the
article text, ``end`` exclusive, JSON integers only (``"0"``, ``0.0`` and
``true`` are refused, not coerced). A layer whose key is absent from every
row is not scored; a key present but empty means "no predictions". Unknown
keys are ignored, so rows of the corpus ``documents`` config and ``tag``
output with carried-through columns are valid predictions. The committed
``predictions.schema.json`` beside this module is generated from these
models (``python -m nkworkers.loaders.predictions`` rewrites it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from nkworkers.loaders.claims import Claim
from nkworkers.loaders.files.jsonio import clip, iter_jsonl
from nkworkers.loaders.labels import (
    ControlCategory,
    EntityType,
    QuoteType,
    Role,
    SourceAnonymity,
    SourceKind,
)

SCHEMA_PATH = Path(__file__).with_name("predictions.schema.json")
LAYERS: tuple[str, ...] = (
    "entities",
    "attribution_spans",
    "attributions",
    "control_measures",
    "claims",
)
#: Longest line (bytes) read unless raised (--max-line-bytes): 16 MiB holds
#: any news article's predictions many times over and bounds the memory one
#: parsed line takes.
DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024
#: Most items one layer of one row may hold unless raised (--max-spans).
DEFAULT_MAX_SPANS = 100_000
#: Validation errors of one line shown before "and N more".
_SHOWN_ERRORS = 3

Offset = Annotated[StrictInt, Field(ge=0, description="character offset into the article text")]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Span(_Lenient):
    start: Offset
    end: Offset = Field(description="exclusive end; text[start:end] is the span")

    @model_validator(mode="after")
    def _non_empty(self) -> _Span:
        if self.end <= self.start:
            raise ValueError(f"empty or reversed span: start={self.start}, end={self.end}")
        return self


class PredictedEntity(_Span):
    label: EntityType


class PredictedAttributionSpan(_Span):
    id: str = Field(description="unique within the row; attributions refer to it")
    role: Role


class PredictedAttribution(_Lenient):
    source: str | None = Field(default=None, description="id of a SOURCE span, or null")
    cue: str | None = Field(default=None, description="id of a CUE span, or null")
    content: list[str] = Field(default=[], description="ids of CONTENT spans")
    source_anonymity: SourceAnonymity | None = None
    source_kind: SourceKind | None = None
    quote_type: QuoteType | None = None


Score = Annotated[float, Field(ge=0.0, le=1.0)]


class PredictedControlMeasure(_Span):
    labels: list[ControlCategory] = Field(min_length=1)
    score: Score | None = Field(
        default=None, description="the system's confidence in the span's labels, in [0, 1]"
    )


class ControlScores(_Span):
    """A system's score of every category for one text span (a sentence), for ranking.

    Not predictions: the F1 figures ignore these; average precision ranks
    (sentence, category) pairs by them.
    """

    scores: dict[ControlCategory, Score]


class PredictionRow(_Lenient):
    """One article's predictions. Omit a layer's key to leave it unscored."""

    doc_id: str
    entities: list[PredictedEntity] | None = None
    attribution_spans: list[PredictedAttributionSpan] | None = None
    attributions: list[PredictedAttribution] | None = None
    control_measures: list[PredictedControlMeasure] | None = None
    control_scores: list[ControlScores] | None = Field(
        default=None,
        description="per-sentence category scores in [0, 1] (average precision ranks by them)",
    )
    claims: list[Claim] | None = Field(
        default=None,
        description="who reports which control measure (nkworkers.loaders.claims.Claim); "
        "when absent, evaluate derives the claims from the attribution and control layers",
    )

    @model_validator(mode="after")
    def _claims_are_this_rows(self) -> PredictionRow:
        for i, claim in enumerate(self.claims or []):
            if claim.doc_id != self.doc_id:
                raise ValueError(f"claims[{i}].doc_id {clip(claim.doc_id)} is not the row's doc_id")
        return self

    @model_validator(mode="after")
    def _references_resolve(self) -> PredictionRow:
        if not self.attributions:
            return self
        roles = {span.id: span.role for span in self.attribution_spans or []}
        if len(roles) != len(self.attribution_spans or []):
            raise ValueError("attribution_spans: duplicate span id")
        for i, record in enumerate(self.attributions):
            refs = [("source", record.source, Role.SOURCE), ("cue", record.cue, Role.CUE)]
            refs += [("content", span_id, Role.CONTENT) for span_id in record.content]
            for field, span_id, role in refs:
                if span_id is None:
                    continue
                if span_id not in roles:
                    raise ValueError(
                        f"attributions[{i}].{field}: span id {clip(span_id)} is not among "
                        "this row's attribution_spans"
                    )
                if roles[span_id] is not role:
                    raise ValueError(
                        f"attributions[{i}].{field}: span {clip(span_id)} has role "
                        f"{roles[span_id].value}, expected {role.value}"
                    )
        return self

    def present_layers(self) -> set[str]:
        return {layer for layer in LAYERS if getattr(self, layer) is not None}


def json_schema() -> dict[str, Any]:
    schema = PredictionRow.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "nkworkers predictions row (one JSON object per line)"
    return schema


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class PredictionProblem:
    """What is wrong with one line (or the whole file, line None) and how to fix it."""

    file: str
    line: int | None
    doc_id: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        place = self.file if self.line is None else f"{self.file}, line {self.line}"
        if self.doc_id is not None:
            place += f", doc_id {clip(self.doc_id)}"
        return f"{place}: {self.message}. Fix: {self.fix}"


@dataclass(frozen=True)
class ReadLine:
    """One non-blank line of a predictions file: its row, or its problem."""

    line: int
    row: PredictionRow | None = None
    problem: PredictionProblem | None = None


_FIXES = {
    "int_type": "write offsets as JSON integers (not strings, floats or booleans)",
    "enum": "use one of the labels listed",
    "missing": "add the field",
    "extra_forbidden": "remove the field",
}


def explain(error: ValidationError) -> tuple[str, str]:
    """A validation error as (message, fix), values cut, at most a few errors listed."""
    errors = error.errors()
    parts = []
    for e in errors[:_SHOWN_ERRORS]:
        loc = ".".join(str(x) for x in e["loc"]) or "row"
        value = e.get("input")
        got = "" if isinstance(value, dict) or "input" not in e else f" (got {clip(value)})"
        parts.append(f"{loc}: {e['msg']}{got}")
    if len(errors) > _SHOWN_ERRORS:
        parts.append(f"and {len(errors) - _SHOWN_ERRORS} more")
    fix = _FIXES.get(errors[0]["type"], f"follow the format in {SCHEMA_PATH.name}")
    return "; ".join(parts), fix


def _oversized(obj: dict[str, Any], max_spans: int) -> tuple[str, str] | None:
    for layer in (*LAYERS, "control_scores"):
        items = obj.get(layer)
        if isinstance(items, list) and len(items) > max_spans:
            return (
                f"{layer} holds {len(items):,} items (at most {max_spans:,} per layer are read)",
                "check the system's output, or raise the limit with --max-spans",
            )
    return None


def parse_row(obj: Any, *, max_spans: int = DEFAULT_MAX_SPANS) -> PredictionRow | tuple[str, str]:
    """A parsed JSON value as a PredictionRow, or (message, fix) saying why it is not one."""
    if not isinstance(obj, dict):
        return (
            f"expected a JSON object per line, got {type(obj).__name__} {clip(obj)}",
            'write one object per line: {"doc_id": ..., "entities": [...]}',
        )
    too_big = _oversized(obj, max_spans)
    if too_big:
        return too_big
    try:
        return PredictionRow.model_validate(obj)
    except ValidationError as error:
        return explain(error)


def _doc_id_of(obj: Any) -> str | None:
    doc_id = obj.get("doc_id") if isinstance(obj, dict) else None
    return doc_id if isinstance(doc_id, str) else None


def read_predictions(
    path: Path,
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    max_spans: int = DEFAULT_MAX_SPANS,
) -> Iterator[ReadLine]:
    """Each non-blank line of a predictions JSONL file, as a row or a problem.

    Reads one line at a time (split on ``b"\\n"`` only, strict JSON through
    nkworkers.loaders.files.jsonio), so memory is bounded by ``max_line_bytes`` whatever the
    file size. A second line for a doc_id is a problem. A file that cannot be
    opened gives a single problem with line None. Offsets are not checked
    against texts here (see :func:`check_offsets`): the reader knows no texts.
    """
    seen: dict[str, int] = {}
    file = str(path)
    try:
        for item in iter_jsonl(path, max_line_bytes=max_line_bytes):
            if item.error is not None:
                problem = PredictionProblem(
                    file, item.number, None, item.error.message, item.error.fix
                )
                yield ReadLine(item.number, problem=problem)
                continue
            parsed = parse_row(item.value, max_spans=max_spans)
            doc_id = _doc_id_of(item.value)
            if isinstance(parsed, tuple):
                problem = PredictionProblem(file, item.number, doc_id, *parsed)
                yield ReadLine(item.number, problem=problem)
            elif parsed.doc_id in seen:
                message = f"duplicate doc_id (first seen at line {seen[parsed.doc_id]})"
                problem = PredictionProblem(
                    file, item.number, doc_id, message, "keep one line per article"
                )
                yield ReadLine(item.number, problem=problem)
            else:
                seen[parsed.doc_id] = item.number
                yield ReadLine(item.number, row=parsed)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        problem = PredictionProblem(
            file, None, None, f"cannot read the file: {reason}", "pass a readable JSONL file"
        )
        yield ReadLine(0, problem=problem)


def check_offsets(row: PredictionRow, text: str) -> str | None:
    """What is out of range in ``row`` for the article ``text``, or None."""
    for layer in ("entities", "attribution_spans", "control_measures", "control_scores"):
        for i, span in enumerate(getattr(row, layer) or []):
            if span.end > len(text):
                return _past_the_end(f"{layer}[{i}]", span.start, span.end, text)
    for i, claim in enumerate(row.claims or []):
        pieces = [("", claim), ("sentence", claim.sentence)]
        for j, speaker in enumerate([claim.record, *claim.chain]):
            where = "record" if j == 0 else f"chain[{j - 1}]"
            if speaker is not None:
                pieces += [(f"{where}.source", speaker.source), (f"{where}.cue", speaker.cue)]
        for name, piece in pieces:
            if piece is not None and piece.end > len(text):
                where = f"claims[{i}]" + (f".{name}" if name else "")
                return _past_the_end(where, piece.start, piece.end, text)
    return None


def _past_the_end(where: str, start: int, end: int, text: str) -> str:
    return (
        f"{where}: span [{start}, {end}) ends past the text "
        f"(length {len(text)}; offsets are half-open character offsets)"
    )


if __name__ == "__main__":
    from nkworkers.loaders.files.atomic import write_text

    write_text(SCHEMA_PATH, schema_text())
    print(f"wrote {SCHEMA_PATH}")
