"""Scoring a predictions file against the gold corpus; see scorer.score for the report shape.

The scorer (spaCy, and through it torch) loads on first use, so that modules of
this package, such as the command registrations, stay cheap to import.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nkworkers.baselines.evaluation.reader import PredictionError
    from nkworkers.baselines.evaluation.scorer import evaluate_files, evaluate_rows, score

__all__ = ["PredictionError", "evaluate_files", "evaluate_rows", "score"]
_HOMES = {
    "PredictionError": "nkworkers.baselines.evaluation.reader",
    "evaluate_files": "nkworkers.baselines.evaluation.scorer",
    "evaluate_rows": "nkworkers.baselines.evaluation.scorer",
    "score": "nkworkers.baselines.evaluation.scorer",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
