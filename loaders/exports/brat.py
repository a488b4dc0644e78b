"""brat standoff (https://brat.nlplab.org/standoff.html), written and read back.

One ``<doc_id>.txt`` and ``<doc_id>.ann`` per article, plus annotation.conf
and visual.conf. brat offsets are half-open character offsets, like ours,
but into the text *as brat reads it*: the ``.txt`` holds the article text with
"\r\n" and "\r" line ends turned into "\n", and offsets are mapped to it;
a span is written as fragments that never contain a line end, so no ``.ann``
line is broken by a character a line reader ends lines at (U+2028, U+0085,
"\x0b", ...). nkworkers.loaders.exports.brat_text holds these rules; the tests load the
exports with brat's own server code. Mapping:

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
- ids               an ``AnnotatorNotes`` (``#``) line holds the corpus id of
                    every ``T`` except triggers (brat refuses any reference
                    to a trigger but its event's); the event's note holds the
                    record id and its cue's id: ``<record id> cue:<span id>``.

Zones are not exported to brat (they are in the JSONL export and the
documents config). nkworkers.loaders.exports.brat_read reads the files back by
brat's own reading rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from nkworkers.loaders.exports.brat_text import (
    LINE_ENDS,
    BratText,
    OffsetError,
    fragment_text,
    fragments,
)
from nkworkers.loaders.labels import (
    ControlCategory,
    EntityType,
    QuoteType,
    Role,
    SourceAnonymity,
    SourceKind,
    names,
)
from nkworkers.loaders.model import (
    Document,
)

EVENT = "Attribution"
ROLE_TYPES: dict[Role, str] = {Role.SOURCE: "Source", Role.CUE: EVENT, Role.CONTENT: "Content"}
TYPE_ROLES: dict[str, Role] = {v: k for k, v in ROLE_TYPES.items()}
ALSO = "Also_"
CUE_NOTE = " cue:"  # separates the record id from its cue's id in an event's note
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
    """A document brat cannot carry, or a .ann file that does not map to the model.

    The message names the document or file and line, and the value.
    """


def _token(doc_id: str, what: str, value: str) -> str:
    """A value brat carries as one whitespace-free token (ids, SourceId)."""
    if not value or any(c.isspace() or c in LINE_ENDS for c in value):
        raise BratError(
            f"{doc_id}: {what} {value!r} is empty or holds whitespace; brat cannot carry it"
        )
    return value


def _strip(doc_id: str, value: str) -> str:
    prefix = f"{doc_id}-"
    if not value.startswith(prefix):
        raise BratError(f"{doc_id}: source_id {value!r} does not start with {prefix!r}")
    return _token(doc_id, "source_id", value[len(prefix) :])


@dataclass
class _Writer:
    doc: Document
    text: BratText
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    t_of: dict[str, str] = field(default_factory=dict)
    n_attr: int = 0

    def span(self, ann_id: str, type_: str, start: int, end: int, *, note: bool = True) -> str:
        t = f"T{len(self.t_of) + 1}"
        self.t_of[ann_id] = t
        try:
            frags = fragments(self.text.text, self.text.to_brat(start), self.text.to_brat(end))
        except OffsetError as exc:
            raise BratError(f"{self.doc.doc_id}: {ann_id}: {exc}") from None
        if not frags:
            raise BratError(f"{self.doc.doc_id}: {ann_id} holds only line ends")
        offsets = ";".join(f"{a} {b}" for a, b in frags)
        self.lines.append(f"{t}\t{type_} {offsets}\t{fragment_text(self.text.text, frags)}")
        if note:
            self.note(t, _token(self.doc.doc_id, "id", ann_id))
        return t

    def note(self, target: str, text: str) -> None:
        self.notes.append(f"#{len(self.notes) + 1}\tAnnotatorNotes {target}\t{text}")

    def attribute(self, name: str, target: str, value: str | None = None) -> None:
        self.n_attr += 1
        tail = f" {value}" if value is not None else ""
        self.lines.append(f"A{self.n_attr}\t{name} {target}{tail}")


def to_ann(doc: Document) -> str:
    """The .ann text of one article (pure); offsets into ``BratText.of(doc.text).text``."""
    ann, w = doc.annotation, _Writer(doc, BratText.of(doc.text))
    for e in ann.entities:
        w.span(e.id, e.label.value, e.start, e.end)
    for s in ann.attribution_spans:  # a cue is a trigger: no note may point at it
        w.span(s.id, ROLE_TYPES[s.role], s.start, s.end, note=s.role is not Role.CUE)
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
        w.note(
            event, f"{_token(doc.doc_id, 'id', r.id)}{CUE_NOTE}{_token(doc.doc_id, 'id', r.cue)}"
        )
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
        files[f"{doc.doc_id}.txt"] = BratText.of(doc.text).text
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
