"""Token sequences shared by the token-level systems: read, segment, decode.

Training sentences come from the sentence configs (``entities``,
``attribution``) through :class:`~nkworkers.baselines.systems.base.CorpusData`, with
their IOB2 tags turned back into strings by the config's ClassLabel. New
documents are segmented with :func:`nkworkers.loaders.text.segment.segment`, the tokeniser
that built those configs, so a model sees the same tokens at predict time.
Tags go back to half-open character spans with :func:`nkworkers.loaders.text.iob.tags_to_spans`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import datasets

from nkworkers.loaders.text.iob import tags_to_spans, tags_to_token_spans
from nkworkers.loaders.text.segment import Token, segment

Tags = list[str]


@dataclass(frozen=True)
class Sentence:
    """One sentence of one document: its tokens with character offsets."""

    doc_id: str
    tokens: tuple[Token, ...]

    @property
    def words(self) -> list[str]:
        return [t.text for t in self.tokens]

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end


@dataclass(frozen=True)
class Labelled:
    """Sentences with one IOB2 tag sequence per layer (one layer for entities)."""

    sentences: list[Sentence]
    tags: dict[str, list[Tags]]  # layer name -> one tag sequence per sentence
    names: dict[str, list[str]]  # layer name -> its tag inventory (the ClassLabel names)


def row_sentence(row: dict) -> Sentence:
    tokens = tuple(
        Token(s, e, w)
        for w, s, e in zip(row["tokens"], row["char_starts"], row["char_ends"], strict=True)
    )
    return Sentence(row["doc_id"], tokens)


def labelled(rows: datasets.Dataset, columns: dict[str, str]) -> Labelled:
    """Sentences of a sentence config with tags decoded; columns maps layer -> tag column."""
    names = {layer: rows.features[column].feature.names for layer, column in columns.items()}
    sentences, tags = [], {layer: [] for layer in columns}  # type: ignore[var-annotated]
    for row in rows:
        if not row["tokens"]:
            continue
        sentences.append(row_sentence(row))
        for layer, column in columns.items():
            tags[layer].append([names[layer][i] for i in row[column]])
    return Labelled(sentences, tags, names)


def document_sentences(doc_id: str, text: str) -> list[Sentence]:
    return [Sentence(doc_id, s.tokens) for s in segment(text)]


def char_spans(sentence: Sentence, tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) character spans, end exclusive."""
    return [(s.start, s.end, s.label) for s in tags_to_spans(sentence.tokens, tags)]


def chunk_f1(
    gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], *, overlap: bool = False
) -> float:
    """Micro F1 of labelled chunks (exact, or any token overlap with the same label)."""
    tp_p = tp_g = n_p = n_g = 0
    for g_tags, p_tags in zip(gold, pred, strict=True):
        g, p = tags_to_token_spans(g_tags), tags_to_token_spans(p_tags)
        n_g, n_p = n_g + len(g), n_p + len(p)
        if overlap:
            tp_p += sum(any(_touch(a, b) for b in g) for a in p)
            tp_g += sum(any(_touch(a, b) for b in p) for a in g)
        else:
            same = len(set(g) & set(p))
            tp_p, tp_g = tp_p + same, tp_g + same
    precision = tp_p / n_p if n_p else 0.0
    recall = tp_g / n_g if n_g else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _touch(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]
