"""Every label inventory of the corpus, declared once.

ClassLabel names, JSON Schema enums, the Label Studio labeling config and the
validator's allowed sets are all derived from these Enums; nothing else in the
project lists label names.
"""

from __future__ import annotations

from collections.abc import Iterable
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


class IloIndicator(StrEnum):
    """The eleven ILO indicators of forced labour (ILO, *ILO Indicators of Forced
    Labour*, 2012), the label set of RaFoLa-style indicator annotation."""

    ABUSE_OF_VULNERABILITY = "ABUSE_OF_VULNERABILITY"
    DECEPTION = "DECEPTION"
    RESTRICTION_OF_MOVEMENT = "RESTRICTION_OF_MOVEMENT"
    ISOLATION = "ISOLATION"
    PHYSICAL_AND_SEXUAL_VIOLENCE = "PHYSICAL_AND_SEXUAL_VIOLENCE"
    INTIMIDATION_AND_THREATS = "INTIMIDATION_AND_THREATS"
    RETENTION_OF_IDENTITY_DOCUMENTS = "RETENTION_OF_IDENTITY_DOCUMENTS"
    WITHHOLDING_OF_WAGES = "WITHHOLDING_OF_WAGES"
    DEBT_BONDAGE = "DEBT_BONDAGE"
    ABUSIVE_WORKING_AND_LIVING_CONDITIONS = "ABUSIVE_WORKING_AND_LIVING_CONDITIONS"
    EXCESSIVE_OVERTIME = "EXCESSIVE_OVERTIME"

    @property
    def ilo_name(self) -> str:
        """The ILO's wording, as the guidelines write it ("withholding of wages")."""
        return self.value.lower().replace("_", " ")


_I = IloIndicator
# The closest ILO indicators of each control category: the table of the
# annotation scheme and the "ILO indicator" line of each category in
# annotations/GUIDELINES.md (a test keeps the two in step). The mapping is by
# category, not annotated per span: a span's indicators are its categories'.
ILO_INDICATORS: dict[ControlCategory, tuple[IloIndicator, ...]] = {
    ControlCategory.SURVEILLANCE: (_I.INTIMIDATION_AND_THREATS, _I.ISOLATION),
    ControlCategory.MOVEMENT_RESTRICTION: (_I.RESTRICTION_OF_MOVEMENT,),
    ControlCategory.COMMUNICATION_RESTRICTION: (_I.ISOLATION,),
    ControlCategory.DOCUMENT_CONFISCATION: (_I.RETENTION_OF_IDENTITY_DOCUMENTS,),
    ControlCategory.FINANCIAL_EXTRACTION: (_I.WITHHOLDING_OF_WAGES,),
    ControlCategory.LABOR_ORGANIZATION: (_I.ABUSIVE_WORKING_AND_LIVING_CONDITIONS,),
    ControlCategory.DEPLOYMENT_CONTROL: (_I.RESTRICTION_OF_MOVEMENT, _I.ABUSE_OF_VULNERABILITY),
    ControlCategory.IDEOLOGICAL_CONTROL: (),
    ControlCategory.COERCION: (_I.INTIMIDATION_AND_THREATS, _I.PHYSICAL_AND_SEXUAL_VIOLENCE),
    ControlCategory.HOST_STATE_COOPERATION: (_I.INTIMIDATION_AND_THREATS,),
}


def indicators_of(categories: Iterable[str]) -> list[str]:
    """The ILO indicators of some control categories (names), in IloIndicator order.

    Raises ValueError for a name that is not a ControlCategory.
    """
    found = {i for c in categories for i in ILO_INDICATORS[ControlCategory(c)]}
    return [i.value for i in IloIndicator if i in found]


class Voice(StrEnum):
    """Whose voice a claim stands in (nkworkers.loaders.claims).

    ``source``: an attribution record with a SOURCE span carries it;
    ``unnamed_source``: a record with no SOURCE span ("reportedly", "it is
    said"); ``reporter``: no record does, the outlet states it itself.
    """

    SOURCE = "source"
    UNNAMED_SOURCE = "unnamed_source"
    REPORTER = "reporter"


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
