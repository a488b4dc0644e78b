"""Sentence segmentation and tokenisation with character offsets.

spaCy's rule-based English tokenizer and its ``sentencizer`` need no model
download, are maintained, handle curly quotes, possessive ’s, hyphenated
compounds ("Moscow-based" -> Moscow / - / based) and abbreviations ("Mar.",
"Sept.") from tokenizer exceptions, and give exact character offsets. We run
them per line: a news page's lines (headline, caption, paragraphs, footers)
never share a sentence, and the sentencizer alone would glue a caption to the
next paragraph. Whitespace tokens (spaCy keeps runs of spaces and no-break
spaces as tokens) are dropped, so a token never starts or ends on whitespace.

The sentencizer keeps any punctuation after a full stop in the sentence that
ends there, so "... the previous day. (Rodong Sinmun-News1)" ended a sentence
on "(" and started the next with "Rodong". Boundaries are therefore moved so
that a sentence never ends on an opening bracket nor starts with a closing
one (``_bracket_safe_starts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import spacy
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int  # exclusive
    text: str


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int  # exclusive
    tokens: tuple[Token, ...]


_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")


@lru_cache(maxsize=1)
def _nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _lines(text: str) -> list[tuple[int, int]]:
    """Half-open offsets of the non-blank lines of text."""
    spans, start = [], 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip():
            spans.append((start, end))
        start = end + 1
    return spans


def _bracket_safe_starts(texts: list[str], starts: list[int]) -> list[int]:
    """Sentence starts (token indices, first is 0) moved off brackets.

    A start preceded by opening brackets moves left onto them, and a start on
    closing brackets moves right past them. A move that would leave a
    sentence empty drops that boundary, merging the two sentences.
    """
    kept = [0]
    for start in starts[1:]:
        while start > 0 and set(texts[start - 1]) <= _OPENING:
            start -= 1
        while start < len(texts) and set(texts[start]) <= _CLOSING:
            start += 1
        if kept[-1] < start < len(texts):
            kept.append(start)
    return kept


def _sentences(doc: Doc, offset: int, text: str) -> list[Sentence]:
    # Token attributes read as one array: creating spaCy Token objects one by
    # one was most of the build's cost at corpus scale.
    array: list[list[int]] = doc.to_array([IDX, LENGTH, IS_SPACE, SENT_START]).tolist()  # type: ignore[assignment]
    tokens: list[Token] = []
    starts: list[int] = []
    for idx, length, is_space, sent_start in array:
        if sent_start == 1 and tokens and (not starts or starts[-1] != len(tokens)):
            starts.append(len(tokens))
        if not is_space:
            start = offset + idx
            tokens.append(Token(start, start + length, text[start : start + length]))
    if not tokens:
        return []
    bounds = [*_bracket_safe_starts([t.text for t in tokens], [0, *starts]), len(tokens)]
    return [
        Sentence(tokens[a].start, tokens[b - 1].end, tuple(tokens[a:b]))
        for a, b in pairwise(bounds)
    ]


def segment(text: str) -> list[Sentence]:
    """Sentences (each with its tokens) in text order, covering every non-space char."""
    line_spans = _lines(text)
    docs = _nlp().pipe(text[s:e] for s, e in line_spans)
    return [
        sentence
        for (offset, _), doc in zip(line_spans, docs, strict=True)
        for sentence in _sentences(doc, offset, text)
    ]
