"""The predictions file format: JSONL, one :class:`PredictionRow` per article.

Offsets follow the corpus convention (loaders.model): half-open character
offsets into the article text, ``end`` exclusive. A layer whose key is absent
from every row is not scored; a key present but empty means "no predictions".
Unknown keys are ignored, so rows of the corpus ``documents`` config are valid
predictions. The committed ``predictions.schema.json`` is generated from these
models (``python -m baselines.predictions`` rewrites it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from loaders.labels import ControlCategory, EntityType, QuoteType, Role, SourceAnonymity, SourceKind

SCHEMA_PATH = Path(__file__).with_name("predictions.schema.json")
LAYERS: tuple[str, ...] = ("entities", "attribution_spans", "attributions", "control_measures")

Offset = Annotated[int, Field(ge=0, description="character offset into the article text")]


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


class PredictedControlMeasure(_Span):
    labels: list[ControlCategory] = Field(min_length=1)


class PredictionRow(_Lenient):
    """One article's predictions. Omit a layer's key to leave it unscored."""

    doc_id: str
    entities: list[PredictedEntity] | None = None
    attribution_spans: list[PredictedAttributionSpan] | None = None
    attributions: list[PredictedAttribution] | None = None
    control_measures: list[PredictedControlMeasure] | None = None

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
                        f"attributions[{i}].{field}: span id {span_id!r} is not among "
                        "this row's attribution_spans"
                    )
                if roles[span_id] is not role:
                    raise ValueError(
                        f"attributions[{i}].{field}: span {span_id!r} has role "
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


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
