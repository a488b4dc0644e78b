"""Read the region items of one Label Studio result (everything but relations).

Each item is checked on its own: an id, a control of the generated config,
integer offsets inside the text, labels of the layer's Enum, and the stored
``text`` equal to ``text[start:end]`` (else the offsets are named as probably
UTF-16 code units). Items sharing an id are parts of one region (its label,
its per-region choices and text) and must agree on offsets. Problems are
collected, not raised, so a refusal lists all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nkworkers.loaders.corpus import Problem
from nkworkers.loaders.files.jsonio import clip
from nkworkers.loaders.labelstudio.config import RECORD_CHOICES, RECORD_TEXTS, SPAN_LAYERS, TEXT


@dataclass
class Region:
    id: str
    start: int
    end: int
    layer: str | None = None
    labels: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Reader:
    """Collects problems while reading one task's result; names the task."""

    where: str
    text: str
    problems: list[Problem] = field(default_factory=list)

    def fail(self, record: str, message: str, fix: str) -> None:
        # Region ids come from the export: cut them as any other stored value.
        self.problems.append(Problem(self.where, clip(record)[1:-1], message, fix))


def _utf16_hint(text: str, start: int, end: int, stored: str) -> str:
    """Say so when the offsets fit the text counted in UTF-16 code units."""
    units = text.encode("utf-16-le")
    if units[2 * start : 2 * end].decode("utf-16-le", errors="replace") == stored:
        return " (the offsets look like UTF-16 code units, not code points)"
    return ""


def _offsets(reader: Reader, rid: str, value: dict) -> tuple[int, int] | None:
    start, end = value.get("start"), value.get("end")
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
        message = f"start/end are not integers: {clip(start)}, {clip(end)}"
        reader.fail(rid, message, "re-draw the region")
        return None
    assert isinstance(start, int) and isinstance(end, int)
    if not 0 <= start < end <= len(reader.text):
        reader.fail(
            rid,
            f"offsets [{start}, {end}) out of range 0..{len(reader.text)}",
            "re-draw the region",
        )
        return None
    return start, end


def read_item(reader: Reader, item: Any, regions: dict[str, Region]) -> None:
    if not isinstance(item, dict):
        reader.fail(
            "<result>",
            f"result item is not an object: {clip(item)}",
            "delete the item from the annotation's result",
        )
        return
    rid, name, kind, value = (
        item.get("id"),
        item.get("from_name"),
        item.get("type"),
        item.get("value"),
    )
    if not isinstance(rid, str) or not rid:
        reader.fail(
            "<result>", f"region without an id: {clip(item)}", "re-draw the region in Label Studio"
        )
        return
    if not isinstance(name, str) or not isinstance(kind, str):
        reader.fail(
            rid,
            f"from_name/type are not strings: {clip(name)}, {clip(kind)}",
            "re-draw the region in Label Studio",
        )
        return
    if item.get("to_name") != TEXT or not isinstance(value, dict):
        reader.fail(
            rid,
            f"not a region of the {TEXT!r} tag: {clip(item)}",
            f"re-draw the region on the {TEXT!r} tag",
        )
        return
    offsets = _offsets(reader, rid, value)
    if offsets is None:
        return
    region = regions.setdefault(rid, Region(rid, *offsets))
    if (region.start, region.end) != offsets:
        reader.fail(
            rid,
            f"parts of the region disagree on offsets: {offsets} vs {region.start, region.end}",
            "re-draw the region",
        )
        return
    if kind == "labels" and name in SPAN_LAYERS:
        _read_labels(reader, region, str(name), value)
    elif kind == "choices" and name in RECORD_CHOICES:
        _read_field(
            reader, region, str(name), value.get("choices"), allowed=RECORD_CHOICES[str(name)]
        )
    elif kind == "textarea" and name in RECORD_TEXTS:
        _read_field(reader, region, str(name), value.get("text"), allowed=None)
    else:
        reader.fail(
            rid,
            f"unknown control {clip(name)} of type {clip(kind)}",
            f"the project's config is not nkworkers' (expected one of "
            f"{sorted([*SPAN_LAYERS, *RECORD_CHOICES, *RECORD_TEXTS])})",
        )


def _read_labels(reader: Reader, region: Region, layer: str, value: dict) -> None:
    enum, multiple = SPAN_LAYERS[layer]
    labels = value.get("labels")
    if region.layer is not None:
        reader.fail(region.id, f"labelled in two layers: {region.layer} and {layer}", "split it")
        return
    allowed = [m.value for m in enum]
    if (
        not isinstance(labels, list)
        or not labels
        or not all(isinstance(x, str) for x in labels)
        or (len(labels) > 1 and not multiple)
    ):
        reader.fail(
            region.id,
            f"{layer} labels {clip(labels)}",
            f"give {'one or more' if multiple else 'exactly one'} of {allowed}",
        )
        return
    unknown = [x for x in labels if x not in allowed]
    if unknown or len(set(labels)) != len(labels):
        reader.fail(
            region.id,
            f"unknown or repeated {layer} label(s) {clip(unknown or labels)}",
            f"use {allowed}",
        )
        return
    stored = value.get("text")
    actual = reader.text[region.start : region.end]
    if stored is not None and stored != actual:
        reader.fail(
            region.id,
            f"span text {clip(stored)} differs from the article's "
            f"text[{region.start}:{region.end}] {clip(actual)}"
            + _utf16_hint(reader.text, region.start, region.end, str(stored)),
            "re-draw the region on the article text",
        )
        return
    region.layer, region.labels = layer, list(labels)


def _read_field(reader: Reader, region: Region, name: str, values: Any, allowed: Any) -> None:
    ok = isinstance(values, list) and len(values) == 1 and isinstance(values[0], str)
    value = values[0].strip() if ok else ""
    if not value or (allowed is not None and value not in [m.value for m in allowed]):
        expected = [m.value for m in allowed] if allowed is not None else "one non-empty line"
        reader.fail(region.id, f"{name} is {clip(values)}", f"give {expected}")
        return
    if name in region.fields:
        reader.fail(region.id, f"{name} given twice", "keep one")
        return
    region.fields[name] = value
