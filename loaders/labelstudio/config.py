"""The Label Studio labeling config, generated from the label Enums.

Where each field of the annotation format lives in Label Studio (one region
per span; a region's id is our span id, so ids survive the round trip):

- zones             -> ``zone`` Labels region
- entities          -> ``entity`` Labels region (18 OntoNotes types)
- attribution spans -> ``attribution`` Labels region (SOURCE / CUE / CONTENT)
- control measures  -> ``control`` Labels region, several labels allowed
- attribution records are keyed by their CUE region:
    record id                    -> ``record_id`` TextArea on the CUE region
    source / content             -> relations CUE -> SOURCE ("source"),
                                    CUE -> CONTENT ("content")
    parent                       -> relation inner CUE -> outer CUE ("parent")
    source_anonymity, source_kind,
    quote_type                   -> per-region Choices on the CUE region
    source_id (coreference)      -> ``source_id`` TextArea on the CUE region
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from enum import StrEnum

from nkworkers.loaders.labels import (
    ControlCategory,
    EntityType,
    QuoteType,
    Role,
    SourceAnonymity,
    SourceKind,
    Zone,
    names,
)

TEXT = "text"  # the Text tag's name, and the task data key holding the article
DOC_ID = "doc_id"  # task data key holding the doc_id


class RelationLabel(StrEnum):
    """What a relation from a CUE region means, named after the record field."""

    SOURCE = "source"
    CONTENT = "content"
    PARENT = "parent"


# The role of the region a relation from a CUE points at, per relation label.
RELATION_TARGET: dict[RelationLabel, Role] = {
    RelationLabel.SOURCE: Role.SOURCE,
    RelationLabel.CONTENT: Role.CONTENT,
    RelationLabel.PARENT: Role.CUE,
}

# Span layers: control tag name -> (inventory, several labels per region allowed).
SPAN_LAYERS: dict[str, tuple[type[StrEnum], bool]] = {
    "zone": (Zone, False),
    "entity": (EntityType, False),
    "attribution": (Role, False),
    "control": (ControlCategory, True),
}

# Per-region Choices on a CUE region: tag name == Attribution field name.
RECORD_CHOICES: dict[str, type[StrEnum]] = {
    "source_anonymity": SourceAnonymity,
    "source_kind": SourceKind,
    "quote_type": QuoteType,
}

# Per-region free text on a CUE region: tag name == Attribution field name.
RECORD_TEXTS: tuple[str, ...] = ("record_id", "source_id")

# Colours only help annotators tell the layers apart; any value works.
_COLOURS = {"zone": "#d9d9d9", "entity": "#8ecae6", "attribution": "#ffb703", "control": "#e76f51"}


def _labels(name: str, enum: type[StrEnum], multiple: bool) -> ET.Element:
    attrs = {"name": name, "toName": TEXT}
    if multiple:
        attrs["choice"] = "multiple"
    element = ET.Element("Labels", attrs)
    for value in names(enum):
        ET.SubElement(element, "Label", {"value": value, "background": _COLOURS[name]})
    return element


def _cue_panel() -> ET.Element:
    """Record fields, shown while a CUE region is selected."""
    panel = ET.Element(
        "View",
        {
            "visibleWhen": "region-selected",
            "whenTagName": "attribution",
            "whenLabelValue": Role.CUE.value,
        },
    )
    ET.SubElement(panel, "Header", {"value": "Attribution record (on its CUE)"})
    for name in RECORD_TEXTS:
        ET.SubElement(
            panel,
            "TextArea",
            {
                "name": name,
                "toName": TEXT,
                "perRegion": "true",
                "maxSubmissions": "1",
                "editable": "true",
                "placeholder": name,
            },
        )
    for name, enum in RECORD_CHOICES.items():
        ET.SubElement(panel, "Header", {"value": name})
        choices = ET.SubElement(
            panel, "Choices", {"name": name, "toName": TEXT, "perRegion": "true"}
        )
        for value in names(enum):
            ET.SubElement(choices, "Choice", {"value": value})
    return panel


def build_config() -> ET.Element:
    view = ET.Element("View")
    for name, (enum, multiple) in SPAN_LAYERS.items():
        ET.SubElement(view, "Header", {"value": name})
        view.append(_labels(name, enum, multiple))
    relations = ET.SubElement(view, "Relations")
    for label in RelationLabel:
        ET.SubElement(relations, "Relation", {"value": label.value})
    # Without pre-wrap the editor collapses the article's line breaks on screen.
    ET.SubElement(view, "Style").text = ".htx-text { white-space: pre-wrap; }"
    ET.SubElement(view, "Text", {"name": TEXT, "value": f"${TEXT}", "granularity": "symbol"})
    view.append(_cue_panel())
    return view


def label_config() -> str:
    """The labeling config XML, deterministic (same Enums, same bytes)."""
    root = build_config()
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode") + "\n"


def canonical(xml: str) -> str:
    """A form of a config that ignores layout, for comparing with a project's."""
    try:
        return ET.canonicalize(xml_data=xml, strip_text=True)
    except ET.ParseError as exc:
        return f"<unparsable config: {exc}>"


def same_config(xml: str) -> bool:
    return canonical(xml) == canonical(label_config())
