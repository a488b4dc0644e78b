"""Average precision of control-measure scores: (sentence, category) pairs ranked by a system.

A system may score what it predicts: ``score`` on a predicted control
measure, and ``control_scores`` rows giving every category's score for a
sentence (loaders/predictions.py). A pair's score is the highest score of a
category among the row's scored items overlapping the sentence; a pair no
item scores ranks last, tied at 0. Truth is the scorer's sentence label (a
gold span with the category overlaps the sentence), so the pairs are the
same as the sentence-level F1's.

Average precision is scikit-learn's (``average_precision_score``): the sum
over distinct score thresholds of the recall gained times the precision
there, per category (over sentences) and micro (over all pairs of the ten
categories). A category without a gold sentence has no AP. Rows with no
score at all give no AP block (the F1 figures of such systems are
unchanged). No bootstrap interval: a rank statistic over a few dozen
positives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nkworkers.baselines.evaluation.control import labelled_spans, sentence_labels
from nkworkers.baselines.evaluation.units import Sentences
from nkworkers.loaders.labels import ControlCategory
from nkworkers.loaders.predictions import PredictionRow

CATEGORIES = [c.value for c in ControlCategory]


def average_precision(truth: np.ndarray, scores: np.ndarray) -> float:
    """scikit-learn's average precision of 0/1 ``truth`` ranked by ``scores`` (1-d, same length).

    Raises ValueError when truth has no positive.
    """
    positives = int(truth.sum())
    if positives == 0:
        raise ValueError("average precision needs at least one positive")
    order = np.argsort(-scores, kind="mergesort")
    ranked_scores, ranked_truth = scores[order], truth[order]
    # the last index of each run of equal scores is a threshold
    cuts = np.flatnonzero(np.r_[np.diff(ranked_scores) != 0, True])
    tp = np.cumsum(ranked_truth)[cuts]
    precision = tp / (cuts + 1)
    recall = tp / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def _scored_items(row: PredictionRow) -> list[tuple[int, int, dict[str, float]]]:
    items = [
        (m.start, m.end, {label.value: float(m.score) for label in m.labels})
        for m in row.control_measures or []
        if m.score is not None
    ]
    items += [
        (s.start, s.end, {c.value: float(v) for c, v in s.scores.items()})
        for s in row.control_scores or []
    ]
    return items


def has_scores(predictions: Sequence[PredictionRow]) -> bool:
    return any(_scored_items(p) for p in predictions)


def pair_matrices(
    sentences: Sentences, gold: Sequence[PredictionRow], pred: Sequence[PredictionRow]
) -> tuple[np.ndarray, np.ndarray]:
    """(truth, scores), each (sentences of all documents, categories)."""
    truth, scores = [], []
    for doc, (g_row, p_row) in enumerate(zip(gold, pred, strict=True)):
        g_spans, items = labelled_spans(g_row), _scored_items(p_row)
        for start, end in sentences.spans[doc]:
            labels = sentence_labels(g_spans, (start, end))
            truth.append([c in labels for c in CATEGORIES])
            row = np.zeros(len(CATEGORIES))
            for a, b, by_category in items:
                if max(a, start) < min(b, end):
                    for c, v in by_category.items():
                        j = CATEGORIES.index(c)
                        row[j] = max(row[j], v)
            scores.append(row)
    width = len(CATEGORIES)
    return np.asarray(truth, dtype=bool).reshape(-1, width), np.asarray(scores).reshape(-1, width)


def ranking_report(
    sentences: Sentences, gold: Sequence[PredictionRow], pred: Sequence[PredictionRow]
) -> dict[str, Any]:
    """{"micro": {"ap", "positives"}, "per_category": {CAT: {"ap", "positives"}}}."""
    truth, scores = pair_matrices(sentences, gold, pred)
    report: dict[str, Any] = {"per_category": {}}
    if truth.any():
        report["micro"] = {
            "ap": average_precision(truth.ravel(), scores.ravel()),
            "positives": int(truth.sum()),
        }
    for j, category in enumerate(CATEGORIES):
        if truth[:, j].any():
            report["per_category"][category] = {
                "ap": average_precision(truth[:, j], scores[:, j]),
                "positives": int(truth[:, j].sum()),
            }
    return report
