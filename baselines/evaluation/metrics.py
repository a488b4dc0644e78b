"""Figures from summed counts, vectorised so one call scores every bootstrap replicate.

Every function takes counts as arrays of any (matching) shape, a scalar for
the point estimate or one value per replicate, and returns arrays of that
shape. A zero denominator gives 0.0, nervaluate's convention.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from nkworkers.baselines.evaluation.tally import Kind

# The figures that get a confidence interval; everything else is a count.
FIGURES: tuple[str, ...] = ("precision", "recall", "f1", "accuracy")


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den > 0)
    return out


def f1(precision: np.ndarray, recall: np.ndarray) -> np.ndarray:
    return ratio(2 * precision * recall, precision + recall)


def semeval(c: Mapping[str, np.ndarray], *, partial_credit: bool) -> dict[str, np.ndarray]:
    """nervaluate 1.2.1's EvaluationResult.compute_metrics."""
    actual = c["correct"] + c["incorrect"] + c["partial"] + c["spurious"]
    possible = c["correct"] + c["incorrect"] + c["partial"] + c["missed"]
    hits = c["correct"] + 0.5 * c["partial"] if partial_credit else c["correct"]
    precision, recall = ratio(hits, actual), ratio(hits, possible)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1(precision, recall),
        **{key: np.asarray(value) for key, value in c.items()},
        "possible": np.asarray(possible),
        "actual": np.asarray(actual),
    }


def prf(c: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    precision = ratio(c["tp"], c["tp"] + c["fp"])
    recall = ratio(c["tp"], c["tp"] + c["fn"])
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1(precision, recall),
        **{key: np.asarray(c[key]) for key in ("tp", "fp", "fn")},
    }


def accuracy(c: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {
        "accuracy": ratio(c["correct"], c["total"]),
        "correct": np.asarray(c["correct"]),
        "total": np.asarray(c["total"]),
    }


def macro(c: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Unweighted mean over the labels with any gold or predicted item in the sample."""
    labels = sorted({key.split(":", 1)[1] for key in c})
    if not labels:
        zero = np.zeros(())
        return {"precision": zero, "recall": zero, "f1": zero, "labels": zero}
    per_label = [prf({k: c[f"{k}:{label}"] for k in ("tp", "fp", "fn")}) for label in labels]
    present = np.stack([c[f"tp:{x}"] + c[f"fp:{x}"] + c[f"fn:{x}"] > 0 for x in labels])
    n_present = present.sum(axis=0)
    out = {
        name: ratio((np.stack([p[name] for p in per_label]) * present).sum(axis=0), n_present)
        for name in ("precision", "recall", "f1")
    }
    out["labels"] = np.asarray(n_present)
    return out


def defined(kind: Kind, counts: Mapping[str, np.ndarray]) -> np.ndarray:
    """Where the figures of a block mean something: it holds a gold or a predicted item.

    A sample (or bootstrap resample) with neither has nothing to score; its
    figures are left out of intervals rather than counted as 0.
    """
    if kind is Kind.MACRO:
        return np.asarray(macro(counts)["labels"] > 0)
    if kind is Kind.ACCURACY:
        return np.asarray(counts["total"] > 0)
    return np.asarray(sum(np.asarray(value) for value in counts.values()) > 0)


def compute(kind: Kind, counts: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    if kind is Kind.SEMEVAL:
        return semeval(counts, partial_credit=False)
    if kind is Kind.SEMEVAL_PARTIAL:
        return semeval(counts, partial_credit=True)
    if kind is Kind.PRF:
        return prf(counts)
    if kind is Kind.ACCURACY:
        return accuracy(counts)
    return macro(counts)
