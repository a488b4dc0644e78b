"""The typed data model that every part of nkworkers speaks.

Span convention, used everywhere: ``start`` and ``end`` are half-open
character offsets into the article text exactly as stored in raw/ (Python
``str`` indices over the UTF-8-decoded file): ``end`` is exclusive, so the
span's text is ``text[start:end]``. Token offsets, where they exist, are
called ``token_start`` / ``token_end`` and are half-open too.

Every id is unique across the corpus because it starts with its doc_id
(``<doc_id>-E3``); cross-references (record -> span, record -> parent) are ids.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator

from nkworkers.loaders.labels import (
    ControlCategory,
    EntityType,
    PublishedConfidence,
    QuoteType,
    Role,
    SourceAnonymity,
    SourceKind,
    Zone,
)

# Strict: JSON integers only. Lax pydantic would take "0", 0.0 and true (as 1).
Offset = Annotated[int, Strict(), Field(ge=0, description="character offset into the article text")]
SCHEMA_VERSION = 1
#: The forms of ``published``, as strptime formats and as people write them.
PUBLISHED_FORMATS = {"%Y-%m-%d": "YYYY-MM-DD", "%Y-%m": "YYYY-MM"}
#: C0 controls but tab, LF and CR, and DEL: no article text holds them; UTF-16
#: saved without a BOM decodes as "UTF-8" with a NUL after every letter.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
URL_SCHEMES = ("http", "https")


def text_faults(text: str) -> list[str]:
    """Why an article text is not plain UTF-8 prose, one message per fault; [] when it is.

    Offsets into such a text would differ between tools: some drop a leading
    byte-order mark, and control characters mark a binary or UTF-16 file.
    add-article refuses the first fault, validate reports them all.
    """
    faults = []
    if text.startswith("\ufeff"):
        faults.append(
            "the text starts with a byte-order mark (U+FEFF), which some editors and "
            "tools drop, shifting every offset"
        )
    if match := CONTROL.search(text):
        faults.append(
            f"control character {match.group()!r} at character {match.start()} "
            "(a binary file, or UTF-16 saved without a BOM?)"
        )
    return faults


#: A doc_id names files (raw/<doc_id>.txt) and viewer pages (<doc_id>.html, linked as a
#: relative URL): no path separator, no scheme ("javascript:..."), nothing to escape.
DOC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def check_doc_id(value: str) -> str:
    """Return ``value`` if it is a safe doc_id (DOC_ID).

    Raises:
        ValueError: saying which characters are allowed.
    """
    if not DOC_ID.fullmatch(value):
        raise ValueError(
            "doc_id must be 1 to 64 letters, digits, '_' or '-' "
            "(it names the article's files and its viewer page)"
        )
    return value


def check_unicode(value: Any) -> Any:
    """Return ``value``; a string holding a lone surrogate (no character) is refused.

    Raises:
        ValueError: a lone surrogate, e.g. from a command-line byte that is not UTF-8.
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"not valid Unicode at character {exc.start} (a byte that is not UTF-8?)"
            ) from None
    return value


def check_published(value: str) -> str:
    """Return ``value`` if it is a real date or month in one of PUBLISHED_FORMATS.

    Raises:
        ValueError: naming the accepted forms.
    """
    for fmt in PUBLISHED_FORMATS:
        try:
            # strptime alone takes "2023-9-1"; the round trip insists on "2023-09-01".
            if datetime.strptime(value, fmt).strftime(fmt) == value:
                return value
        except ValueError:
            continue
    forms = " or ".join(PUBLISHED_FORMATS.values())
    raise ValueError(f"published must be a real date written {forms} (e.g. 2023-09-14 or 2023-09)")


def check_url(value: str | None) -> str | None:
    """Return ``value`` if it is an absolute http(s) URL with a host (or None).

    Raises:
        ValueError: any other scheme (``javascript:``, ``data:``, ``file:``) or no host.
    """
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() not in URL_SCHEMES or not parts.netloc or value != value.strip():
        raise ValueError("url must be an absolute http:// or https:// address with a host")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class ZoneSpan(_Strict):
    """One zone; the zones of a document tile its text."""

    start: Offset
    end: Offset = Field(description="exclusive end")
    label: Zone


class Entity(_Strict):
    id: str
    start: Offset
    end: Offset = Field(description="exclusive end")
    text: str = Field(description="text[start:end], stored to catch drift")
    label: EntityType


class AttributionSpan(_Strict):
    id: str
    start: Offset
    end: Offset = Field(description="exclusive end")
    text: str
    role: Role


class Attribution(_Strict):
    """One attribution record: who (source) says (cue) what (content)."""

    id: str
    source: str | None = Field(description="id of a SOURCE span; null for agentless records")
    cue: str = Field(description="id of a CUE span")
    content: list[str] = Field(description="ids of CONTENT spans, in text order")
    source_anonymity: SourceAnonymity
    source_kind: SourceKind
    quote_type: QuoteType
    source_id: str | None = Field(
        description="coreference id shared by the records whose sources are the same speaker"
    )
    parent: str | None = Field(description="id of the enclosing (outer) record, if nested")


class ControlMeasure(_Strict):
    id: str
    start: Offset
    end: Offset = Field(description="exclusive end")
    text: str
    labels: list[ControlCategory] = Field(min_length=1)


class Annotation(_Strict):
    """annotations/<doc_id>.json: every layer of one article."""

    schema_version: Annotated[int, Strict()] = SCHEMA_VERSION
    doc_id: str
    text_sha256: str = Field(description="sha256 of the raw file bytes")
    zones: list[ZoneSpan] = []
    entities: list[Entity] = []
    attribution_spans: list[AttributionSpan] = []
    attributions: list[Attribution] = []
    control_measures: list[ControlMeasure] = []

    def is_empty(self) -> bool:
        return not (
            self.zones
            or self.entities
            or self.attribution_spans
            or self.attributions
            or self.control_measures
        )


class ManifestEntry(_Strict):
    """One line of raw/manifest.jsonl."""

    doc_id: str
    outlet: str
    headline: str | None = Field(description="null where the headline was not found")
    headline_note: str | None = None
    published: str = Field(description="ISO date or month: YYYY-MM-DD or YYYY-MM")
    published_confidence: PublishedConfidence
    published_evidence: str
    credits: str | None
    url: str | None
    sha256: str
    rights: str

    @field_validator("*")
    @classmethod
    def _unicode(cls, value: Any) -> Any:
        return check_unicode(value)

    @field_validator("doc_id")
    @classmethod
    def _doc_id(cls, value: str) -> str:
        return check_doc_id(value)

    @field_validator("published")
    @classmethod
    def _published(cls, value: str) -> str:
        return check_published(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return check_url(value)


class Document(BaseModel):
    """An article as the rest of the code sees it: metadata, text and layers."""

    model_config = ConfigDict(frozen=True)

    meta: ManifestEntry
    text: str
    annotation: Annotation

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id


class Splits(_Strict):
    """annotations/splits.json: which annotated article is in which split.

    An article that is in no split (newly added, not yet annotated) stays out
    of data/.
    """

    train: list[str]
    validation: list[str]
    test: list[str]

    def split_of(self) -> dict[str, str]:
        return {
            doc_id: name
            for name in ("train", "validation", "test")
            for doc_id in getattr(self, name)
        }

    def fold_of(self) -> dict[str, int]:
        """Leave-one-document-out fold index: the doc's rank in sorted doc_id order."""
        return {doc_id: i for i, doc_id in enumerate(sorted(self.split_of()))}
