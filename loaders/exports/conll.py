"""CoNLL IOB2 per layer, written and read back.

One file per layer and split, ``<layer>/<split>.conll``, tab-separated:
``token  start  end  tag...`` (start/end: half-open character offsets of the
token in the article). Sentences are the corpus sentences (loaders.segment),
each preceded by ``# doc_id = ...``, ``# sent_id = ...`` and ``# text = ...``
comments and followed by a blank line; the file opens with a
``# global.columns = ...`` line naming the columns.

Layers and tag columns: ``entities`` (ner), ``attribution`` (source, cue,
content: one column per role, as in the attribution config, because roles may
overlap), ``control_measures`` (measure).

Tokens differ from the sentence configs' in one way, so that the file is
lossless for every span that IOB2 can hold: a token inside which a span
boundary of that layer falls is split at the boundary (``RFAs`` with ``RFA``
annotated becomes ``RFA`` + ``s``). What IOB2 cannot hold is reported by
``nkworkers stats`` and is not recoverable from this export: a span nested in
another of the same column, and a span that crosses a sentence boundary
(it comes back as one span per sentence). Use brat or JSONL for those.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from loaders.iob import LabeledSpan, spans_to_tags, tags_to_token_spans
from loaders.labels import MEASURE_TAG, Role
from loaders.model import Document
from loaders.segment import Sentence, Token, segment

# layer -> its tag columns, in file order
LAYERS: dict[str, tuple[str, ...]] = {
    "entities": ("ner",),
    "attribution": tuple(role.value.lower() for role in Role),
    "control_measures": ("measure",),
}


class ConllError(ValueError):
    """A malformed CoNLL file; the message names the file and line."""


def layer_spans(doc: Document, layer: str) -> dict[str, list[LabeledSpan]]:
    """column -> the document's spans of that column."""
    ann = doc.annotation
    if layer == "entities":
        return {"ner": [LabeledSpan(e.start, e.end, e.label.value) for e in ann.entities]}
    if layer == "attribution":
        return {
            role.value.lower(): [
                LabeledSpan(s.start, s.end, role.value)
                for s in ann.attribution_spans
                if s.role is role
            ]
            for role in Role
        }
    if layer == "control_measures":
        return {"measure": [LabeledSpan(c.start, c.end, MEASURE_TAG) for c in ann.control_measures]}
    raise ValueError(f"unknown CoNLL layer {layer!r}; choose one of {list(LAYERS)}")


def split_tokens(tokens: Sequence[Token], boundaries: Iterable[int]) -> list[Token]:
    """Split tokens at the given character offsets where these fall strictly inside."""
    cuts = sorted(set(boundaries))
    out = []
    for t in tokens:
        inner = [b for b in cuts if t.start < b < t.end]
        edges = [t.start, *inner, t.end]
        for a, b in pairwise(edges):
            out.append(Token(a, b, t.text[a - t.start : b - t.start]))
    return out


def _clipped(sentence: Sentence, spans: Iterable[LabeledSpan]) -> list[LabeledSpan]:
    return [
        LabeledSpan(max(s.start, sentence.start), min(s.end, sentence.end), s.label)
        for s in spans
        if s.start < sentence.end and sentence.start < s.end
    ]


def document_block(
    doc: Document, layer: str, sentences: Sequence[Sentence] | None = None
) -> list[str]:
    """The lines of one document in one layer's file (pure)."""
    columns = layer_spans(doc, layer)
    bounds = {x for spans in columns.values() for s in spans for x in (s.start, s.end)}
    lines = []
    for i, sentence in enumerate(segment(doc.text) if sentences is None else sentences):
        tokens = split_tokens(sentence.tokens, bounds)
        tags = [spans_to_tags(tokens, _clipped(sentence, spans)) for spans in columns.values()]
        lines += [
            f"# doc_id = {doc.doc_id}",
            f"# sent_id = {doc.doc_id}-s{i:03d}",
            f"# text = {doc.text[sentence.start : sentence.end]}",
        ]
        for j, t in enumerate(tokens):
            lines.append("\t".join([t.text, str(t.start), str(t.end), *(c[j] for c in tags)]))
        lines.append("")
    return lines


def header(layer: str) -> str:
    return "# global.columns = token start end " + " ".join(LAYERS[layer])


def convert(docs: Sequence[Document], split_of: Mapping[str, str]) -> dict[str, str]:
    files: dict[str, list[str]] = {}
    for doc in docs:
        sentences = segment(doc.text)
        for layer in LAYERS:
            path = f"{layer}/{split_of[doc.doc_id]}.conll"
            lines = files.setdefault(path, [header(layer)])
            lines += document_block(doc, layer, sentences)
    return {path: "\n".join(lines) + "\n" for path, lines in files.items()}


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class ConllToken:
    text: str
    start: int
    end: int  # exclusive
    tags: tuple[str, ...]


@dataclass
class ConllSentence:
    doc_id: str
    sent_id: str
    tokens: list[ConllToken]


def parse(content: str, file: str = "<conll>") -> tuple[tuple[str, ...], list[ConllSentence]]:
    """(tag column names, sentences) of a CoNLL file written by :func:`convert`."""
    columns: tuple[str, ...] = ()
    sentences: list[ConllSentence] = []
    meta: dict[str, str] = {}
    current: ConllSentence | None = None
    for lineno, line in enumerate(content.split("\n"), start=1):
        if line.startswith("# global.columns = "):
            columns = tuple(line.split(" = ", 1)[1].split()[3:])
        elif line.startswith("# "):
            key, _, value = line[2:].partition(" = ")
            meta[key] = value
        elif not line.strip():
            current = None
        else:
            fields = line.split("\t")
            if len(fields) != 3 + len(columns):
                raise ConllError(
                    f"{file}:{lineno}: {len(fields)} fields, expected {3 + len(columns)}"
                )
            if current is None:
                if "doc_id" not in meta or "sent_id" not in meta:
                    raise ConllError(f"{file}:{lineno}: sentence without # doc_id / # sent_id")
                current = ConllSentence(meta["doc_id"], meta["sent_id"], [])
                sentences.append(current)
                meta = {}
            text, start, end, *tags = fields
            current.tokens.append(ConllToken(text, int(start), int(end), tuple(tags)))
    return columns, sentences


def to_spans(sentences: Sequence[ConllSentence], column: int = 0) -> dict[str, list[LabeledSpan]]:
    """doc_id -> the character spans of one tag column (one span per chunk)."""
    out: dict[str, list[LabeledSpan]] = {}
    for sent in sentences:
        spans = out.setdefault(sent.doc_id, [])
        for a, b, label in tags_to_token_spans([t.tags[column] for t in sent.tokens]):
            spans.append(LabeledSpan(sent.tokens[a].start, sent.tokens[b - 1].end, label))
    return out
