"""The one predictions model and reader (nkworkers.loaders.predictions), as evaluate, tag and
ls push --predictions use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nkworkers.baselines.evaluation.cli import load_gold
from nkworkers.loaders.corpus import CorpusError
from nkworkers.loaders.labelstudio import predictions as ls_predictions
from nkworkers.loaders.predictions import PredictionRow, parse_row, read_predictions
from tests.conftest import ROOT


@pytest.mark.parametrize("offset", ["0", 0.0, True, False])
def test_offsets_are_strict_integers(offset: object) -> None:
    problem = parse_row({"doc_id": "d", "entities": [{"start": offset, "end": 4, "label": "ORG"}]})
    assert isinstance(problem, tuple)
    message, fix = problem
    assert message.startswith("entities.0.start") and "JSON integers" in fix


def test_ls_push_reads_tag_output_with_carried_columns(tmp_path: Path) -> None:
    """A row with extra columns (text, source, model) goes to Label Studio as is."""
    gold = load_gold(ROOT, "test")[0]
    row = {
        "doc_id": gold["doc_id"],
        "text": gold["text"],
        "source": "archive-2024",
        "entities": [{k: e[k] for k in ("start", "end", "label")} for e in gold["entities"]],
        "control_measures": [
            {k: c[k] for k in ("start", "end", "labels")} for c in gold["control_measures"]
        ],
    }
    path = tmp_path / "tagged.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    results = ls_predictions.read_predictions(path, {gold["doc_id"]: gold["text"]})
    regions = [r for r in results[gold["doc_id"]] if r["type"] == "labels"]
    assert len(regions) == len(gold["entities"]) + len(gold["control_measures"])
    [read] = list(read_predictions(path))
    assert read.row is not None and read.row.present_layers() == {"entities", "control_measures"}


def test_ls_push_refuses_a_record_without_attributes_naming_the_line(tmp_path: Path) -> None:
    gold = load_gold(ROOT, "test")[0]
    cue = next(s for s in gold["attribution_spans"] if s["role"] == "CUE")
    row = {
        "doc_id": gold["doc_id"],
        "attribution_spans": [{"id": "c", "start": cue["start"], "end": cue["end"], "role": "CUE"}],
        "attributions": [{"cue": "c"}],
    }
    path = tmp_path / "p.jsonl"
    path.write_text("\n" + json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as error:
        ls_predictions.read_predictions(path, {gold["doc_id"]: gold["text"]})
    assert all(p.file == "p.jsonl:2" for p in error.value.problems)
    assert "source_anonymity" in str(error.value)


def test_a_folder_given_as_predictions_is_one_problem(tmp_path: Path) -> None:
    [read] = list(read_predictions(tmp_path))
    assert read.problem is not None and read.problem.line is None
    assert "cannot read the file" in str(read.problem)


def test_documents_rows_are_valid_predictions() -> None:
    for row in load_gold(ROOT, "all"):
        parsed = parse_row(row)
        assert isinstance(parsed, PredictionRow), parsed
        assert parsed.present_layers() == {
            "entities",
            "attribution_spans",
            "attributions",
            "control_measures",
            "claims",
        }
