"""Every label inventory of the corpus, declared once.

ClassLabel names, JSON Schema enums, the Label Studio labeling config and the
validator's allowed sets are all derived from these Enums; nothing else in the
project lists label names.
"""

from __future__ import annotations

from enum import StrEnum


class Zone(StrEnum):
    HEADLINE = "HEADLINE"
    CAPTION = "CAPTION"
    BODY = "BODY"
    BYLINE = "BYLINE"
    BOILERPLATE = "BOILERPLATE"


# Attribution and control measures are annotated only in these zones.
CONTENT_ZONES: frozenset[Zone] = frozenset({Zone.HEADLINE, Zone.CAPTION, Zone.BODY})


class EntityType(StrEnum):
    """The 18 OntoNotes 5.0 named-entity types."""

    PERSON = "PERSON"
    NORP = "NORP"
    FAC = "FAC"
    ORG = "ORG"
    GPE = "GPE"
    LOC = "LOC"
    PRODUCT = "PRODUCT"
    EVENT = "EVENT"
    WORK_OF_ART = "WORK_OF_ART"
    LAW = "LAW"
    LANGUAGE = "LANGUAGE"
    DATE = "DATE"
    TIME = "TIME"
    PERCENT = "PERCENT"
    MONEY = "MONEY"
    QUANTITY = "QUANTITY"
    ORDINAL = "ORDINAL"
    CARDINAL = "CARDINAL"


class Role(StrEnum):
    """The three PARC-style attribution span roles."""

    SOURCE = "SOURCE"
    CUE = "CUE"
    CONTENT = "CONTENT"


class SourceAnonymity(StrEnum):
    ANONYMOUS = "anonymous"
    NAMED = "named"
    NOT_APPLICABLE = "not_applicable"


class SourceKind(StrEnum):
    REPORTING_PARTNER = "reporting_partner"
    LOCAL_INFORMANT = "local_informant"
    DEFECTOR = "defector"
    DPRK_OFFICIAL = "dprk_official"
    DPRK_DOCUMENT = "dprk_document"
    FOREIGN_OFFICIAL = "foreign_official"
    MEDIA_OUTLET = "media_outlet"
    WORKERS = "workers"
    OTHER = "other"


class QuoteType(StrEnum):
    DIRECT = "direct"
    INDIRECT = "indirect"
    MIXED = "mixed"


class ControlCategory(StrEnum):
    SURVEILLANCE = "SURVEILLANCE"
    MOVEMENT_RESTRICTION = "MOVEMENT_RESTRICTION"
    COMMUNICATION_RESTRICTION = "COMMUNICATION_RESTRICTION"
    DOCUMENT_CONFISCATION = "DOCUMENT_CONFISCATION"
    FINANCIAL_EXTRACTION = "FINANCIAL_EXTRACTION"
    LABOR_ORGANIZATION = "LABOR_ORGANIZATION"
    DEPLOYMENT_CONTROL = "DEPLOYMENT_CONTROL"
    IDEOLOGICAL_CONTROL = "IDEOLOGICAL_CONTROL"
    COERCION = "COERCION"
    HOST_STATE_COOPERATION = "HOST_STATE_COOPERATION"


class PublishedConfidence(StrEnum):
    HIGH = "high"
    MEDIUM_HIGH = "medium_high"
    MEDIUM = "medium"
    LOW = "low"


class Split(StrEnum):
    TRAIN = "train"
    VALIDATION = "validation"
    TEST = "test"


# The single tag used where a layer marks "a measure is stated here",
# whatever its categories.
MEASURE_TAG = "MEASURE"


def iob2_names(types: list[str]) -> list[str]:
    """O, then B-/I- for each type in declaration order (the ClassLabel order)."""
    names = ["O"]
    for label in types:
        names += [f"B-{label}", f"I-{label}"]
    return names


def names(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


NER_TAGS: list[str] = iob2_names(names(EntityType))
ROLE_TAGS: dict[Role, list[str]] = {role: iob2_names([role.value]) for role in Role}
MEASURE_TAGS: list[str] = iob2_names([MEASURE_TAG])
