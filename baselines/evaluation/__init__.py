"""Scoring a predictions file against the gold corpus; see scorer.score for the report shape."""

from baselines.evaluation.reader import PredictionError
from baselines.evaluation.scorer import evaluate_files, evaluate_rows, score

__all__ = ["PredictionError", "evaluate_files", "evaluate_rows", "score"]
