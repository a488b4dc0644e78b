"""Reading brat standoff back into the model, by brat's own reading rules.

The counterpart of nkworkers.loaders.exports.brat (whose docstring gives the mapping).
brat's server reads a ``.ann`` file line by line, a line ending wherever
``str.splitlines`` ends it; a ``T`` line's text must equal the text at its
fragments joined by one space; fragments may not overlap or touch; and no
annotation but its event may point at a trigger (an AnnotatorNotes line on a
trigger makes brat refuse the whole file). :func:`read` applies the same
rules, each failure a :class:`BratError` naming file and line, and maps
brat's offsets back into the text it is given (half-open, end exclusive).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from nkworkers.loaders.exports.brat import ALSO, CUE_NOTE, EVENT, TYPE_ROLES, BratError
from nkworkers.loaders.exports.brat_text import BratText, fragment_text
from nkworkers.loaders.labels import (
    ControlCategory,
    EntityType,
    QuoteType,
    SourceAnonymity,
    SourceKind,
)
from nkworkers.loaders.model import Annotation, Attribution, AttributionSpan, ControlMeasure, Entity


@dataclass(frozen=True)
class BratSpan:
    id: str
    type: str
    fragments: tuple[tuple[int, int], ...]  # brat offsets, half-open, in file order
    text: str  # the text after the offsets, as written
    line: int

    @property
    def start(self) -> int:
        return min(a for a, _ in self.fragments)

    @property
    def end(self) -> int:  # exclusive
        return max(b for _, b in self.fragments)


@dataclass(frozen=True)
class BratEvent:
    id: str
    type: str
    trigger: str
    args: tuple[tuple[str, str], ...]  # (role, T or E id), in file order


@dataclass
class BratFile:
    """A parsed .ann file, still in brat's terms."""

    spans: dict[str, BratSpan] = field(default_factory=dict)
    events: dict[str, BratEvent] = field(default_factory=dict)
    attributes: list[tuple[str, str, str | None]] = field(default_factory=list)
    notes: dict[str, tuple[str, int]] = field(default_factory=dict)  # target -> (text, line)


def _parse_span(ann_id: str, rest: str, lineno: int) -> BratSpan:
    head, tab, text = rest.partition("\t")
    type_, _, offsets = head.partition(" ")
    frags = tuple((int(a), int(b)) for a, b in (f.split() for f in offsets.split(";")))
    if not tab:
        raise ValueError("no tab before the span text")
    return BratSpan(ann_id, type_, frags, text, lineno)


def parse_ann(content: str, file: str = "<ann>") -> BratFile:
    """Parse .ann text (pure); unknown line kinds are an error, not skipped.

    Lines end where ``str.splitlines`` ends them, as brat's reader does.
    """
    out = BratFile()
    for lineno, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{file}:{lineno}"
        ann_id, _, rest = line.partition("\t")
        kind = ann_id[:1]
        try:
            if kind == "T":
                out.spans[ann_id] = _parse_span(ann_id, rest, lineno)
            elif kind == "E":
                trigger, *args = rest.split()
                type_, _, t = trigger.partition(":")
                pairs = tuple(tuple(a.split(":", 1)) for a in args)
                out.events[ann_id] = BratEvent(ann_id, type_, t, pairs)  # type: ignore[arg-type]
            elif kind == "A":
                name, target, *value = rest.split()
                out.attributes.append((name, target, value[0] if value else None))
            elif kind == "#":
                head, _, note = rest.partition("\t")
                _, target = head.split()
                out.notes[target] = (note.strip(), lineno)
            else:
                raise BratError(f"{where}: unsupported line kind {ann_id!r}")
        except (ValueError, IndexError) as exc:
            if isinstance(exc, BratError):
                raise
            raise BratError(f"{where}: cannot parse {line!r}: {exc}") from None
    return out


def _check_span(span: BratSpan, text: str, file: str) -> None:
    """brat's checks of a ``T`` line against the text it reads (annotation.py)."""
    where = f"{file}:{span.line}: {span.id}"
    seen: list[tuple[int, int]] = []
    for a, b in span.fragments:
        if not 0 <= a <= b <= len(text):
            raise BratError(f"{where}: fragment {a} {b} is outside the text (0-{len(text)})")
        if any(b >= c and a < d for c, d in seen):
            raise BratError(f"{where}: fragments overlap or touch; separate them by a character")
        seen.append((a, b))
    expected = fragment_text(text, list(span.fragments))
    written, rest = span.text[: len(expected)], span.text[len(expected) :]
    if written != expected or (rest and not rest[0].isspace()):
        raise BratError(
            f"{where}: text {span.text!r} does not match the text at its offsets {expected!r}"
        )


def _ids(doc_id: str, parsed: BratFile, file: str) -> tuple[dict[str, str], dict[str, str]]:
    """Corpus ids of every T and E from the notes, and each event's cue id."""
    triggers = {e.trigger for e in parsed.events.values()}
    triggers |= {t for t, s in parsed.spans.items() if s.type == EVENT}
    ident: dict[str, str] = {}
    cue_of: dict[str, str] = {}
    for target, (note, line) in parsed.notes.items():
        if target in triggers:
            raise BratError(
                f"{file}:{line}: AnnotatorNotes on trigger {target}: brat refuses any "
                "reference to a trigger but its event's; note the event instead"
            )
        record, sep, cue = note.rpartition(CUE_NOTE) if target in parsed.events else ("", "", "")
        ident[target] = record if sep else note
        if sep:
            cue_of[target] = cue
    for k in [*parsed.spans, *parsed.events]:
        ident.setdefault(k, f"{doc_id}-{k}")
    for e in parsed.events.values():
        ident[e.trigger] = cue_of.get(e.id, ident[e.trigger])
    return ident, cue_of


def _role_num(role: str) -> tuple[str, int]:
    base = role.rstrip("0123456789")
    return base, int(role[len(base) :] or 1)


def to_annotation(doc_id: str, text: str, parsed: BratFile, file: str = "<ann>") -> Annotation:
    """Map a parsed .ann back to the model (pure).

    ``text`` is the article text, ours (raw/) or the exported ``.txt``; offsets
    come back as half-open offsets into it.
    """
    brat_text = BratText.of(text)
    for span in parsed.spans.values():
        _check_span(span, brat_text.text, file)
    ident, _ = _ids(doc_id, parsed, file)
    extra: dict[str, list[ControlCategory]] = {}
    record_attrs: dict[str, dict[str, str]] = {}
    for name, target, value in parsed.attributes:
        if name.startswith(ALSO):
            extra.setdefault(target, []).append(ControlCategory(name[len(ALSO) :]))
        elif value is not None:
            record_attrs.setdefault(target, {})[name] = value
        else:
            raise BratError(f"{file}: attribute {name} on {target} needs a value")
    entities, spans, measures = [], [], []
    for s in parsed.spans.values():
        start, end = brat_text.from_brat(s.start), brat_text.from_brat(s.end)
        common = {"id": ident[s.id], "start": start, "end": end, "text": text[start:end]}
        if s.type in TYPE_ROLES:
            spans.append(AttributionSpan(**common, role=TYPE_ROLES[s.type]))
        elif s.type in EntityType.__members__:
            entities.append(Entity(**common, label=EntityType(s.type)))
        elif s.type in ControlCategory.__members__:
            labels = [ControlCategory(s.type), *extra.get(s.id, [])]
            measures.append(ControlMeasure(**common, labels=labels))
        else:
            raise BratError(f"{file}:{s.line}: {s.id} has unknown type {s.type!r}")
    records = [
        _record(doc_id, e, ident, record_attrs.get(e.id, {}), file) for e in parsed.events.values()
    ]
    return Annotation(
        doc_id=doc_id,
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        entities=entities,
        attribution_spans=spans,
        attributions=records,
        control_measures=measures,
    )


def _record(
    doc_id: str, e: BratEvent, ident: dict[str, str], attrs: dict[str, str], file: str
) -> Attribution:
    if e.type != EVENT:
        raise BratError(f"{file}: {e.id} has event type {e.type!r}, expected {EVENT!r}")
    by_role: dict[str, list[tuple[int, str]]] = {}
    for role, target in e.args:
        base, num = _role_num(role)
        by_role.setdefault(base, []).append((num, ident[target]))
    source_id = attrs.get("SourceId")
    return Attribution(
        id=ident[e.id],
        source=by_role.get("Source", [(0, None)])[0][1],
        cue=ident[e.trigger],
        content=[x for _, x in sorted(by_role.get("Content", []))],
        source_anonymity=SourceAnonymity(attrs["SourceAnonymity"]),
        source_kind=SourceKind(attrs["SourceKind"]),
        quote_type=QuoteType(attrs["QuoteType"]),
        source_id=f"{doc_id}-{source_id}" if source_id is not None else None,
        parent=by_role.get("Parent", [(0, None)])[0][1],
    )


def read(doc_id: str, text: str, ann: str, file: str = "<ann>") -> Annotation:
    """An annotation from .ann text; ``text`` is ours or the exported .txt (see to_annotation).

    Raises BratError naming the file and line of what brat would refuse.
    """
    return to_annotation(doc_id, text, parse_ann(ann, file), file)
