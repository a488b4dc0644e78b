"""Hugging Face ``Features`` of the five configs, derived from the label Enums."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from datasets import ClassLabel, Features, List, Value

from nkworkers.loaders.labels import (
    MEASURE_TAGS,
    NER_TAGS,
    ROLE_TAGS,
    ControlCategory,
    IloIndicator,
    QuoteType,
    Role,
    SourceAnonymity,
    SourceKind,
    Voice,
    names,
)

CONFIGS = ("documents", "entities", "attribution", "control_measures", "claims")

_str, _int = Value("string"), Value("int32")
Label = Callable[[type[StrEnum]], ClassLabel | Value]


def _class_label(enum: type[StrEnum]) -> ClassLabel:
    return ClassLabel(names=names(enum))


def _string(enum: type[StrEnum]) -> Value:
    return _str


def _piece() -> dict:
    return {"start": _int, "end": _int, "text": _str}


def speaker(label: Label) -> dict:
    """One record as a claim cites it (nkworkers.loaders.claims.Speaker); null spans allowed."""
    return {
        "record_id": _str,
        "source": _piece(),
        "cue": _piece(),
        "source_kind": label(SourceKind),
        "source_anonymity": label(SourceAnonymity),
        "quote_type": label(QuoteType),
    }


def claim_fields(label: Label) -> dict:
    """What a claim holds (nkworkers.loaders.claims.Claim), labels typed by ``label``."""
    return {
        "control_id": _str,
        "start": _int,
        "end": _int,
        "text": _str,
        "category": label(ControlCategory),
        "ilo_indicators": List(label(IloIndicator)),
        "sentence": _piece(),
        "voice": label(Voice),
        "record": speaker(label),
        "chain": List(speaker(label)),
    }


def _sentence_fields() -> dict:
    return {
        "id": _str,
        "doc_id": _str,
        "start": _int,
        "end": _int,
        "tokens": List(_str),
        "char_starts": List(_int),
        "char_ends": List(_int),
    }


def documents() -> Features:
    """Lossless view; labels stay strings so a row is a valid predictions line.

    Each control measure also carries ``ilo_indicators``, derived from its
    labels through ``nkworkers.loaders.labels.ILO_INDICATORS`` (not stored in annotations/),
    and ``claims`` holds the article's claims as the ``claims`` config has them
    (nkworkers.loaders.claims.Claim, labels as strings): derived, not annotated.
    """
    span = {"id": _str, "start": _int, "end": _int, "text": _str}
    return Features(
        {
            "doc_id": _str,
            "text": _str,
            "outlet": _str,
            "headline": _str,
            "headline_note": _str,
            "published": _str,
            "published_confidence": _str,
            "published_evidence": _str,
            "credits": _str,
            "url": _str,
            "sha256": _str,
            "rights": _str,
            "zones": List({"start": _int, "end": _int, "label": _str}),
            "entities": List({**span, "label": _str}),
            "attribution_spans": List({**span, "role": _str}),
            "attributions": List(
                {
                    "id": _str,
                    "source": _str,
                    "cue": _str,
                    "content": List(_str),
                    "source_anonymity": _str,
                    "source_kind": _str,
                    "quote_type": _str,
                    "source_id": _str,
                    "parent": _str,
                }
            ),
            "control_measures": List({**span, "labels": List(_str), "ilo_indicators": List(_str)}),
            "claims": List({"doc_id": _str, **claim_fields(_string)}),
            "fold": _int,
        }
    )


def entities() -> Features:
    return Features(
        {**_sentence_fields(), "ner_tags": List(ClassLabel(names=NER_TAGS)), "fold": _int}
    )


def attribution() -> Features:
    tags = {f"{role.value.lower()}_tags": List(ClassLabel(names=ROLE_TAGS[role])) for role in Role}
    return Features(
        {
            **_sentence_fields(),
            **tags,
            "attribution_ids": List(_str),
            "spans": List(
                {
                    "id": _str,
                    "role": ClassLabel(names=names(Role)),
                    "start": _int,
                    "end": _int,
                    "token_start": _int,
                    "token_end": _int,
                }
            ),
            "attributions": List(
                {
                    "id": _str,
                    "source": _str,
                    "cue": _str,
                    "content": List(_str),
                    "source_anonymity": ClassLabel(names=names(SourceAnonymity)),
                    "source_kind": ClassLabel(names=names(SourceKind)),
                    "quote_type": ClassLabel(names=names(QuoteType)),
                    "source_id": _str,
                    "parent": _str,
                }
            ),
            "fold": _int,
        }
    )


def control_measures() -> Features:
    """Sentence rows; ``ilo_indicators`` are the ILO indicators of the ``labels``."""
    category = ClassLabel(names=names(ControlCategory))
    return Features(
        {
            **_sentence_fields(),
            "text": _str,
            "labels": List(category),
            "ilo_indicators": List(ClassLabel(names=names(IloIndicator))),
            "span_tags": List(ClassLabel(names=MEASURE_TAGS)),
            "spans": List(
                {
                    "id": _str,
                    "start": _int,
                    "end": _int,
                    "token_start": _int,
                    "token_end": _int,
                    "labels": List(category),
                }
            ),
            "fold": _int,
        }
    )


def claims() -> Features:
    """One row per (control span, category): the claim and whose voice it stands in.

    ``record`` is null in the reporter's voice; a record's ``source`` (or
    ``cue``) is null where it has none; ``chain`` lists the outer records,
    nearest first (nkworkers.loaders.claims).
    """
    return Features(
        {
            "id": _str,
            "doc_id": _str,
            "outlet": _str,
            "published": _str,
            **claim_fields(_class_label),
            "fold": _int,
        }
    )


FEATURES = {
    "documents": documents,
    "entities": entities,
    "attribution": attribution,
    "control_measures": control_measures,
    "claims": claims,
}
