"""CoNLL IOB2, one tag column per file, written and read back.

Files: ``<tagset>/<split>.conll`` for the tagsets ``entities`` (OntoNotes
types), ``attribution_source``, ``attribution_cue``, ``attribution_content``
(one file per role, because roles overlap) and ``control_measures`` (tag
``MEASURE``). One tag column per file, because common readers (``spacy
convert -c ner``, CoNLL-2003 loaders feeding seqeval) read the last column.

Default (plain CoNLL-2003 style, what ``spacy convert FILE OUT -c ner`` and
seqeval read): each article opens with the line ``-DOCSTART- -X- O O`` (spaCy's
document delimiter) and a blank line; each sentence is one ``TOKEN TAG`` line
per token, space-separated, and ends with a blank line. No comments.

With ``comments=True`` (``nkworkers export --format conll --comments``), for
readers that want offsets back (:func:`parse`): the file opens with
``# global.columns = token start end tag``, each sentence is preceded by
``# doc_id = ...``, ``# sent_id = ...`` and ``# text = ...``, and token lines
are tab-separated ``TOKEN START END TAG`` with half-open character offsets of
the token in the article.

Sentences are the corpus sentences (nkworkers.loaders.text.segment). Tokens are its tokens
with two splits so that the file holds every span IOB2 can hold: a token is
split where a span boundary of the tagset falls inside it (``RFAs`` with
``RFA`` annotated becomes ``RFA`` + ``s``), and at any whitespace inside it
(a token never contains whitespace, so splitting a line on whitespace is
safe). What IOB2 cannot hold is counted by ``nkworkers stats`` and is not
recoverable from this export: a span nested in another of the same tagset
(the outer one is kept), and a span that crosses a sentence boundary (it
comes back as one span per sentence). Use brat or JSONL for those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from nkworkers.loaders.labels import MEASURE_TAG, Role
from nkworkers.loaders.model import Annotation, Document
from nkworkers.loaders.text.iob import LabeledSpan, spans_to_tags, tags_to_token_spans
from nkworkers.loaders.text.segment import Sentence, Token, segment

DOCSTART = "-DOCSTART- -X- O O"  # spaCy's conll_ner_to_docs splits documents on this line
_DOCSTART_FIELDS = DOCSTART.split()
_LINE_ENDS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _entities(ann: Annotation) -> list[LabeledSpan]:
    return [LabeledSpan(e.start, e.end, e.label.value) for e in ann.entities]


def _role(role: Role) -> Callable[[Annotation], list[LabeledSpan]]:
    def spans(ann: Annotation) -> list[LabeledSpan]:
        return [
            LabeledSpan(s.start, s.end, role.value) for s in ann.attribution_spans if s.role is role
        ]

    return spans


def _measures(ann: Annotation) -> list[LabeledSpan]:
    return [LabeledSpan(c.start, c.end, MEASURE_TAG) for c in ann.control_measures]


# tagset (the file's folder) -> the spans it tags
TAGSETS: dict[str, Callable[[Annotation], list[LabeledSpan]]] = {
    "entities": _entities,
    **{f"attribution_{role.value.lower()}": _role(role) for role in Role},
    "control_measures": _measures,
}
HEADER = "# global.columns = token start end tag"


class ConllError(ValueError):
    """A malformed CoNLL file; the message names the file and line."""


def split_tokens(tokens: Sequence[Token], boundaries: Iterable[int]) -> list[Token]:
    """Split tokens where a boundary falls strictly inside, and at whitespace inside them."""
    cuts = sorted(set(boundaries))
    out = []
    for t in tokens:
        inner = [b for b in cuts if t.start < b < t.end]
        for a, b in pairwise([t.start, *inner, t.end]):
            out += _split_space(Token(a, b, t.text[a - t.start : b - t.start]))
    return out


def _split_space(token: Token) -> list[Token]:
    if not any(c.isspace() for c in token.text):
        return [token]
    out, pos = [], 0
    for word in token.text.split():
        pos = token.text.index(word, pos)
        out.append(Token(token.start + pos, token.start + pos + len(word), word))
        pos += len(word)
    return out


def _clipped(sentence: Sentence, spans: Iterable[LabeledSpan]) -> list[LabeledSpan]:
    return [
        LabeledSpan(max(s.start, sentence.start), min(s.end, sentence.end), s.label)
        for s in spans
        if s.start < sentence.end and sentence.start < s.end
    ]


def _comment(value: str) -> str:
    return "".join(" " if c in _LINE_ENDS else c for c in value)


def document_block(
    doc: Document, tagset: str, sentences: Sequence[Sentence], *, comments: bool = False
) -> list[str]:
    """The lines of one document in one tagset's file (pure), from its -DOCSTART- line."""
    spans = TAGSETS[tagset](doc.annotation)
    bounds = {x for s in spans for x in (s.start, s.end)}
    lines = [DOCSTART, ""]
    for i, sentence in enumerate(sentences):
        tokens = split_tokens(sentence.tokens, bounds)
        if not tokens:
            continue
        tags = spans_to_tags(tokens, _clipped(sentence, spans))
        if comments:
            lines += [
                f"# doc_id = {doc.doc_id}",
                f"# sent_id = {doc.doc_id}-s{i:03d}",
                f"# text = {_comment(doc.text[sentence.start : sentence.end])}",
            ]
            lines += [
                f"{t.text}\t{t.start}\t{t.end}\t{tag}" for t, tag in zip(tokens, tags, strict=True)
            ]
        else:
            lines += [f"{t.text} {tag}" for t, tag in zip(tokens, tags, strict=True)]
        lines.append("")
    return lines


def convert(
    docs: Sequence[Document], split_of: Mapping[str, str], *, comments: bool = False
) -> dict[str, str]:
    """``{<tagset>/<split>.conll: text}`` for the documents (pure); see the module docstring."""
    files: dict[str, list[str]] = {}
    for doc in docs:
        sentences = segment(doc.text)
        for tagset in TAGSETS:
            path = f"{tagset}/{split_of[doc.doc_id]}.conll"
            lines = files.setdefault(path, [HEADER] if comments else [])
            lines += document_block(doc, tagset, sentences, comments=comments)
    return {path: "\n".join(lines) + "\n" for path, lines in files.items()}


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class ConllToken:
    text: str
    start: int | None  # character offsets (exclusive end); None in plain files
    end: int | None
    tag: str


@dataclass
class ConllSentence:
    doc_id: str  # from ``# doc_id``, else "doc<n>" counting -DOCSTART- lines from 0
    sent_id: str
    tokens: list[ConllToken]


def _token(line: str, where: str) -> ConllToken:
    if "\t" in line:
        fields = line.split("\t")
        if len(fields) != 4:
            raise ConllError(f"{where}: {len(fields)} tab-separated fields, expected 4")
        try:
            return ConllToken(fields[0], int(fields[1]), int(fields[2]), fields[3])
        except ValueError:
            raise ConllError(f"{where}: start and end must be integers") from None
    fields = line.split()
    if len(fields) < 2:
        raise ConllError(f"{where}: expected a token and its tag")
    return ConllToken(fields[0], None, None, fields[-1])


def parse(content: str, file: str = "<conll>") -> list[ConllSentence]:
    """The sentences of a CoNLL file written by :func:`convert`, plain or with comments.

    Lines are split at "\\n" only. Raises ConllError naming file and line.
    """
    sentences: list[ConllSentence] = []
    meta: dict[str, str] = {}
    current: ConllSentence | None = None
    n_docs = 0
    for lineno, line in enumerate(content.split("\n"), start=1):
        if line.split() == _DOCSTART_FIELDS:  # a token "-DOCSTART-" is not a boundary
            current, meta, n_docs = None, {}, n_docs + 1
        elif line.startswith("# "):
            key, _, value = line[2:].partition(" = ")
            meta[key] = value
        elif not line.strip():
            current = None
        else:
            if current is None:
                doc_id = meta.get("doc_id", f"doc{max(n_docs - 1, 0)}")
                sent_id = meta.get("sent_id", f"{doc_id}-s{len(sentences):03d}")
                current = ConllSentence(doc_id, sent_id, [])
                sentences.append(current)
                meta = {}
            current.tokens.append(_token(line, f"{file}:{lineno}"))
    return sentences


def align(words: Sequence[str], text: str) -> list[tuple[int, int]]:
    """Character offsets of plain-file tokens in their article's text.

    Tokens are the text's non-whitespace characters in order, so each token
    starts at the next non-whitespace character. Raises ConllError on a mismatch.
    """
    out, pos = [], 0
    for i, word in enumerate(words):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text[pos : pos + len(word)] != word:
            raise ConllError(f"token {i} {word!r} does not match the text at {pos}")
        out.append((pos, pos + len(word)))
        pos += len(word)
    return out


def to_spans(sentences: Sequence[ConllSentence]) -> dict[str, list[LabeledSpan]]:
    """doc_id -> the character spans of the tag column (one span per chunk).

    Needs offsets (a file written with comments); for a plain file, :func:`align` first.
    """
    out: dict[str, list[LabeledSpan]] = {}
    for sent in sentences:
        spans = out.setdefault(sent.doc_id, [])
        for a, b in ((t.start, t.end) for t in sent.tokens):
            if a is None or b is None:
                raise ConllError(f"{sent.sent_id}: no offsets; export with --comments or align()")
        for a, b, label in tags_to_token_spans([t.tag for t in sent.tokens]):
            start, end = sent.tokens[a].start, sent.tokens[b - 1].end
            assert start is not None and end is not None
            spans.append(LabeledSpan(start, end, label))
    return out
