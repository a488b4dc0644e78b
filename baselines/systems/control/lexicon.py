"""``control-lexicon``: keywords per category learned from the train spans.

Candidates are the stemmed content unigrams and bigrams inside the train
spans of a category. A candidate is kept for that category when it occurs in
at least ``min_support`` of its spans and, among the train sentences holding
it, at least ``min_precision`` carry the category. The two cut-offs are chosen
on validation micro F1. A match labels the clause it falls in (clauses:
control_common.clauses), which is the predicted span.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import datasets
import numpy as np
from pydantic import Field
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from nkworkers.baselines.systems.base import CorpusData, Row, Task
from nkworkers.baselines.systems.common.storage import write_json
from nkworkers.baselines.systems.control.common import (
    CATEGORIES,
    DocSentence,
    Sentences,
    clauses,
    document_sentences,
    micro_f1,
    prediction_rows,
    span_texts,
)
from nkworkers.baselines.systems.safe.schema import State, Unique, one_of, read_state

Gram = tuple[str, ...]
SUPPORT_GRID: tuple[int, ...] = (1, 2)
PRECISION_GRID: tuple[float, ...] = (0.5, 0.3, 0.7, 0.9)  # first = kept on ties
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def _stem(word: str) -> str:
    """A crude suffix stripper: enough to match 'restricted' with 'restricts'."""
    word = word.lower().replace("’", "'").removesuffix("'s")
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) of the words of text."""
    return [(_stem(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def grams(stems: list[str]) -> Iterator[tuple[Gram, int, int]]:
    """Content unigrams and bigrams with their token index range [i, j)."""
    for i, stem in enumerate(stems):
        if stem not in ENGLISH_STOP_WORDS and len(stem) > 2:
            yield (stem,), i, i + 1
        if i + 1 < len(stems) and not {stem, stems[i + 1]} <= ENGLISH_STOP_WORDS:
            yield (stem, stems[i + 1]), i, i + 2


def _gram_set(text: str) -> set[Gram]:
    return {g for g, _, _ in grams([s for s, _, _ in tokens(text)])}


class KeywordLexicon:
    name = "control-lexicon"
    task: Task = "control_measures"

    def __init__(self) -> None:
        self.lexicon: dict[Gram, set[str]] = {}

    @staticmethod
    def learn(
        rows: datasets.Dataset, min_support: int, min_precision: float
    ) -> dict[Gram, set[str]]:
        support: dict[str, Counter[Gram]] = defaultdict(Counter)
        for text, labels in span_texts(rows):
            for label in labels:
                support[label].update(_gram_set(text))
        sentences = Sentences.from_config(rows)
        holding: dict[Gram, list[int]] = defaultdict(list)
        for i, text in enumerate(sentences.texts):
            for gram in _gram_set(text):
                holding[gram].append(i)
        lexicon: dict[Gram, set[str]] = defaultdict(set)
        for label, counts in support.items():
            j = CATEGORIES.index(label)
            for gram, n in counts.items():
                precision = sentences.labels[holding[gram], j].mean() if holding[gram] else 0
                if n >= min_support and precision >= min_precision:
                    lexicon[gram].add(label)
        return dict(lexicon)

    def spans(self, sentence: DocSentence) -> list[tuple[int, int, list[str]]]:
        """(start, end, labels) per clause of sentence holding a keyword."""
        words = tokens(sentence.text)
        parts = clauses(sentence.text)
        found: dict[tuple[int, int], set[str]] = defaultdict(set)
        for gram, i, _ in grams([w for w, _, _ in words]):
            labels = self.lexicon.get(gram)
            if not labels:
                continue
            at = words[i][1]
            clause = next(((s, e) for s, e in parts if s <= at < e), (0, len(sentence.text)))
            found[clause] |= labels
        return [
            (sentence.start + s, sentence.start + e, [c for c in CATEGORIES if c in labels])
            for (s, e), labels in sorted(found.items())
        ]

    def _sentence_matrix(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(CATEGORIES)), dtype=bool)
        for i, text in enumerate(texts):
            for _, _, labels in self.spans(DocSentence("", 0, len(text), text)):
                out[i, [CATEGORIES.index(c) for c in labels]] = True
        return out

    def fit(self, data: CorpusData, *, seed: int = 0, device: str = "cpu") -> None:
        train = data.train["control_measures"]
        val = Sentences.from_config(data.validation["control_measures"])
        best: tuple[float, dict[Gram, set[str]]] | None = None
        for support, precision in itertools.product(SUPPORT_GRID, PRECISION_GRID):
            self.lexicon = self.learn(train, support, precision)
            f1 = micro_f1(val.labels.astype(bool), self._sentence_matrix(val.texts))
            if best is None or f1 > best[0] + 1e-12:
                best = (f1, self.lexicon)
        assert best is not None
        self.lexicon = best[1]

    def predict(self, documents: list[Row]) -> list[Row]:
        spans = [
            (sentence, start, end, labels)
            for sentence in document_sentences(documents)
            for start, end, labels in self.spans(sentence)
        ]
        return prediction_rows(documents, spans)

    def save(self, directory: Path) -> dict[str, Any]:
        pairs = [[list(gram), sorted(labels)] for gram, labels in self.lexicon.items()]
        write_json(directory, "lexicon.json", {"lexicon": pairs})
        return {"keywords": len(pairs)}

    def load(self, directory: Path) -> None:
        pairs = read_state(directory, "lexicon.json", LexiconState).lexicon
        self.lexicon = {tuple(gram): set(labels) for gram, labels in pairs}


Category = Annotated[str, one_of(*CATEGORIES)]
Stem = Annotated[str, Field(min_length=1, max_length=100)]


class LexiconState(State):
    """lexicon.json: [[unigram or bigram], [categories]] pairs, as save writes them."""

    lexicon: list[
        tuple[
            Annotated[list[Stem], Field(min_length=1, max_length=2)],
            Annotated[list[Category], Field(min_length=1), Unique],
        ]
    ]
