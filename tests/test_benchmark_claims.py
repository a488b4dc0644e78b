"""The claims rows' pipeline: files combined layer by layer, systems chosen by the board."""

from __future__ import annotations

from typing import Any

import pytest

from nkworkers.baselines.benchmark.combine import best_systems, combine


def _row(system: str, task: str, split: str, metric: str, value: float) -> dict[str, Any]:
    return {"system": system, "task": task, "split": split, "metric": metric, "value": value}


def _board(control_new: float) -> dict[str, Any]:
    record, sentence = "attribution.records.f1", "control_measures.sentences.micro.f1"
    return {
        "rows": [
            _row("attribution-deps", "attribution", "cv-mean", record, 0.8),
            _row("attribution-crf", "attribution", "cv-mean", record, 0.4),
            _row("attribution-crf", "attribution", "test", record, 0.99),  # a test figure
            _row("control-twostage", "control_measures", "cv-mean", sentence, 0.47),
            _row("control-new", "control_measures", "cv-mean", sentence, control_new),
            _row("control-new", "control_measures", "cv-mean", "other.metric", 0.99),
        ]
    }


def test_the_best_systems_are_read_off_the_board_by_their_lodo_mean() -> None:
    assert best_systems(_board(0.3)) == ("attribution-deps", "control-twostage")
    assert best_systems(_board(0.6)) == ("attribution-deps", "control-new")


def test_without_cv_the_validation_figure_chooses_and_a_missing_task_gives_none() -> None:
    rows = _board(0.6)["rows"]
    board = {"rows": [{**r, "split": "validation"} for r in rows if r["split"] == "cv-mean"]}
    assert best_systems(board) == ("attribution-deps", "control-new")
    only_attribution = {"rows": [r for r in board["rows"] if r["task"] == "attribution"]}
    assert best_systems(only_attribution) is None


def test_combine_takes_attribution_from_one_file_and_control_from_the_other() -> None:
    attribution = [
        {"doc_id": "b", "attribution_spans": [{"id": "s"}], "attributions": [], "entities": [1]},
        {"doc_id": "a"},
    ]
    measure = {"start": 0, "end": 2, "labels": ["COERCION"], "id": "a-C1", "text": "xy"}
    control = [
        {"doc_id": "a", "control_measures": [measure]},
        {"doc_id": "b", "attribution_spans": [{"id": "other"}], "control_measures": []},
    ]
    assert combine(attribution, control) == [
        {"doc_id": "b", "attribution_spans": [{"id": "s"}], "attributions": [],
         "control_measures": []},
        {"doc_id": "a", "attribution_spans": [], "attributions": [],
         "control_measures": [{"start": 0, "end": 2, "labels": ["COERCION"]}]},
    ]  # fmt: skip
    with pytest.raises(ValueError, match="different articles"):
        combine(attribution, control[:1])
