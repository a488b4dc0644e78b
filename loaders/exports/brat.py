"""brat standoff (https://brat.nlplab.org/standoff.html), written and read back.

One ``<doc_id>.txt`` (the article text, byte for byte) and ``<doc_id>.ann`` per
article. brat offsets are half-open character offsets, like ours. Mapping:

- entity            ``T`` line, type = its OntoNotes label (PERSON, ORG, ...).
- SOURCE / CONTENT  ``T`` lines of type ``Source`` / ``Content``.
- CUE               ``T`` line of type ``Attribution``: the cue is the trigger
                    of the Attribution event, and brat requires a trigger to
                    carry its event's type (visual.conf shows it as "Cue").
- record            ``E`` line ``Attribution:<cue T> Source:<T> Content:<T>
                    Content2:<T> ... Parent:<E>``; ``Parent`` points at the
                    enclosing record's event (nested attribution).
- record attributes ``A`` lines SourceAnonymity, SourceKind, QuoteType and
                    SourceId (the source_id without its ``<doc_id>-`` prefix,
                    e.g. ``src1``) on the event.
- control measure   one ``T`` line whose type is its first category; each
                    further category is a binary ``A`` line ``Also_<CATEGORY>``
                    (brat allows one type per span, so the span keeps one id
                    and the categories keep their order).
- ids               every ``T`` and ``E`` has an ``AnnotatorNotes`` (``#``)
                    line holding the corpus id, so reading back restores ids.

Zones are not exported to brat (they are in the JSONL export and the
documents config). A span containing a newline is written as brat fragments
split at the newlines and read back as one span.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from loaders.labels import (
    ControlCategory,
    EntityType,
    QuoteType,
    Role,
    SourceAnonymity,
    SourceKind,
    names,
)
from loaders.model import (
    Annotation,
    Attribution,
    AttributionSpan,
    ControlMeasure,
    Document,
    Entity,
)

EVENT = "Attribution"
ROLE_TYPES: dict[Role, str] = {Role.SOURCE: "Source", Role.CUE: EVENT, Role.CONTENT: "Content"}
TYPE_ROLES: dict[str, Role] = {v: k for k, v in ROLE_TYPES.items()}
ALSO = "Also_"
RECORD_ATTRIBUTES: dict[str, type] = {
    "SourceAnonymity": SourceAnonymity,
    "SourceKind": SourceKind,
    "QuoteType": QuoteType,
}
_FIELD_OF = {
    "SourceAnonymity": "source_anonymity",
    "SourceKind": "source_kind",
    "QuoteType": "quote_type",
}


class BratError(ValueError):
    """A .ann file that does not map to the model; the message names file, line and value."""


# ---------------------------------------------------------------- writing


def _fragments(text: str, start: int, end: int) -> str:
    """brat offsets of a span, split into fragments at newlines."""
    parts, pos = [], start
    for piece in text[start:end].split("\n"):
        if piece:
            parts.append(f"{pos} {pos + len(piece)}")
        pos += len(piece) + 1
    return ";".join(parts)


def _strip(doc_id: str, value: str) -> str:
    prefix = f"{doc_id}-"
    if not value.startswith(prefix):
        raise BratError(f"{doc_id}: source_id {value!r} does not start with {prefix!r}")
    return value[len(prefix) :]


@dataclass
class _Writer:
    doc: Document
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    t_of: dict[str, str] = field(default_factory=dict)
    n_attr: int = 0

    def span(self, ann_id: str, type_: str, start: int, end: int) -> str:
        t = f"T{len(self.t_of) + 1}"
        self.t_of[ann_id] = t
        text = self.doc.text
        frags = _fragments(text, start, end)
        shown = " ".join(text[start:end].split("\n"))
        self.lines.append(f"{t}\t{type_} {frags}\t{shown}")
        self.note(t, ann_id)
        return t

    def note(self, target: str, ann_id: str) -> None:
        self.notes.append(f"#{len(self.notes) + 1}\tAnnotatorNotes {target}\t{ann_id}")

    def attribute(self, name: str, target: str, value: str | None = None) -> None:
        self.n_attr += 1
        tail = f" {value}" if value is not None else ""
        self.lines.append(f"A{self.n_attr}\t{name} {target}{tail}")


def to_ann(doc: Document) -> str:
    """The .ann text of one article (pure)."""
    ann, w = doc.annotation, _Writer(doc)
    for e in ann.entities:
        w.span(e.id, e.label.value, e.start, e.end)
    for s in ann.attribution_spans:
        w.span(s.id, ROLE_TYPES[s.role], s.start, s.end)
    for c in ann.control_measures:
        t = w.span(c.id, c.labels[0].value, c.start, c.end)
        for label in c.labels[1:]:
            w.attribute(f"{ALSO}{label.value}", t)
    e_of = {r.id: f"E{i}" for i, r in enumerate(ann.attributions, start=1)}
    for r in ann.attributions:
        event = e_of[r.id]
        args = [f"{EVENT}:{w.t_of[r.cue]}"]
        if r.source is not None:
            args.append(f"Source:{w.t_of[r.source]}")
        args += [f"Content{i if i > 1 else ''}:{w.t_of[c]}" for i, c in enumerate(r.content, 1)]
        if r.parent is not None:
            args.append(f"Parent:{e_of[r.parent]}")
        w.lines.append(f"{event}\t{' '.join(args)}")
        w.note(event, r.id)
        for name, attr in _FIELD_OF.items():
            w.attribute(name, event, getattr(r, attr).value)
        if r.source_id is not None:
            w.attribute("SourceId", event, _strip(doc.doc_id, r.source_id))
    return "\n".join(w.lines + w.notes) + "\n"


def annotation_conf(source_ids: Sequence[str]) -> str:
    """annotation.conf for the exported files; SourceId values are those exported."""
    controls = names(ControlCategory)
    lines = ["[entities]", "!Named_entity"]
    lines += [f"\t{x}" for x in names(EntityType)]
    lines += ["!Attribution_span", "\tSource", "\tContent", "!Control_measure"]
    lines += [f"\t{x}" for x in controls]
    lines += ["", "[relations]", "<OVERLAP>\tArg1:<ANY>, Arg2:<ANY>, <OVL-TYPE>:<ANY>", ""]
    lines += ["[events]", f"{EVENT}\tSource?:Source, Content+:Content, Parent?:{EVENT}", ""]
    lines += ["[attributes]"]
    for name, enum in RECORD_ATTRIBUTES.items():
        lines.append(f"{name}\tArg:{EVENT}, Value:{'|'.join(names(enum))}")
    if source_ids:
        lines.append(f"SourceId\tArg:{EVENT}, Value:{'|'.join(source_ids)}")
    lines += [f"{ALSO}{x}\tArg:{'|'.join(controls)}" for x in controls]
    return "\n".join(lines) + "\n"


_PALETTE = ("#a6cee3", "#b2df8a", "#fb9a99", "#fdbf6f", "#cab2d6", "#ffff99", "#8dd3c7")


def visual_conf() -> str:
    lines = ["[labels]", f"{EVENT} | Cue", "Source | Source", "Content | Content", ""]
    lines += ["[drawing]"]
    for i, x in enumerate(names(EntityType)):
        lines.append(f"{x}\tbgColor:{_PALETTE[i % len(_PALETTE)]}")
    lines += ["Source\tbgColor:#1f78b4, fgColor:white", f"{EVENT}\tbgColor:#e31a1c, fgColor:white"]
    lines += ["Content\tbgColor:#33a02c, fgColor:white"]
    lines += [f"{x}\tbgColor:#ff7f00" for x in names(ControlCategory)]
    lines += ["Parent\tcolor:#6a3d9a, dashArray:3-3"]
    return "\n".join(lines) + "\n"


def convert(docs: Sequence[Document], split_of: Mapping[str, str]) -> dict[str, str]:
    """brat files for the corpus; split_of is unused (brat has no splits)."""
    files = {}
    source_ids: set[str] = set()
    for doc in docs:
        files[f"{doc.doc_id}.txt"] = doc.text
        files[f"{doc.doc_id}.ann"] = to_ann(doc)
        source_ids |= {
            _strip(doc.doc_id, r.source_id) for r in doc.annotation.attributions if r.source_id
        }
    files["annotation.conf"] = annotation_conf(sorted(source_ids, key=_natural))
    files["visual.conf"] = visual_conf()
    return files


def _natural(value: str) -> tuple[str, int]:
    stem = value.rstrip("0123456789")
    return stem, int(value[len(stem) :] or 0)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class BratSpan:
    id: str
    type: str
    start: int
    end: int  # exclusive; min start / max end of the fragments


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
    notes: dict[str, str] = field(default_factory=dict)


def parse_ann(content: str, file: str = "<ann>") -> BratFile:
    """Parse .ann text (pure); unknown line kinds are an error, not skipped."""
    out = BratFile()
    for lineno, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{file}:{lineno}"
        ann_id, _, rest = line.partition("\t")
        kind = ann_id[:1]
        try:
            if kind == "T":
                head, _, _text = rest.partition("\t")
                type_, _, offsets = head.partition(" ")
                frags = [tuple(map(int, f.split())) for f in offsets.split(";")]
                start, end = min(f[0] for f in frags), max(f[1] for f in frags)
                out.spans[ann_id] = BratSpan(ann_id, type_, start, end)
            elif kind == "E":
                trigger, *args = rest.split()
                type_, _, t = trigger.partition(":")
                pairs = tuple(tuple(a.split(":", 1)) for a in args)
                out.events[ann_id] = BratEvent(ann_id, type_, t, pairs)  # type: ignore[arg-type]
            elif kind == "A":
                name, target, *value = rest.split()
                out.attributes.append((name, target, value[0] if value else None))
            elif kind == "#":
                _, target = rest.split("\t")[0].split()
                out.notes[target] = rest.split("\t", 1)[1]
            else:
                raise BratError(f"{where}: unsupported line kind {ann_id!r}")
        except (ValueError, IndexError) as exc:
            if isinstance(exc, BratError):
                raise
            raise BratError(f"{where}: cannot parse {line!r}: {exc}") from None
    return out


def _role_num(role: str) -> tuple[str, int]:
    base = role.rstrip("0123456789")
    return base, int(role[len(base) :] or 1)


def to_annotation(doc_id: str, text: str, parsed: BratFile, file: str = "<ann>") -> Annotation:
    """Map a parsed .ann back to the model (pure)."""
    ident = {k: parsed.notes.get(k, f"{doc_id}-{k}") for k in [*parsed.spans, *parsed.events]}
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
        common = {"id": ident[s.id], "start": s.start, "end": s.end, "text": text[s.start : s.end]}
        if s.type in TYPE_ROLES:
            spans.append(AttributionSpan(**common, role=TYPE_ROLES[s.type]))
        elif s.type in EntityType.__members__:
            entities.append(Entity(**common, label=EntityType(s.type)))
        elif s.type in ControlCategory.__members__:
            labels = [ControlCategory(s.type), *extra.get(s.id, [])]
            measures.append(ControlMeasure(**common, labels=labels))
        else:
            raise BratError(f"{file}: {s.id} has unknown type {s.type!r}")
    records = []
    for e in parsed.events.values():
        if e.type != EVENT:
            raise BratError(f"{file}: {e.id} has event type {e.type!r}, expected {EVENT!r}")
        by_role: dict[str, list[tuple[int, str]]] = {}
        for role, target in e.args:
            base, num = _role_num(role)
            by_role.setdefault(base, []).append((num, ident[target]))
        attrs = record_attrs.get(e.id, {})
        source_id = attrs.get("SourceId")
        records.append(
            Attribution(
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
        )
    return Annotation(
        doc_id=doc_id,
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        entities=entities,
        attribution_spans=spans,
        attributions=records,
        control_measures=measures,
    )


def read(doc_id: str, text: str, ann: str, file: str = "<ann>") -> Annotation:
    return to_annotation(doc_id, text, parse_ann(ann, file), file)
