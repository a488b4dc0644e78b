"""End-to-end scores on synthetic gold over the real raw/ texts; bootstrap; rendering; CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from nkworkers.baselines.evaluation import evaluate_files, evaluate_rows
from nkworkers.baselines.evaluation.bootstrap import resample_weights
from nkworkers.baselines.evaluation.cli import register
from nkworkers.baselines.evaluation.report import markdown, rows
from nkworkers.baselines.evaluation.tables import lines
from nkworkers.loaders.predictions import LAYERS
from tests.test_evaluation_data import gold_rows


def _leaves(node: dict[str, Any], name: str) -> list[float]:
    out = [node[name]] if name in node else []
    for value in node.values():
        if isinstance(value, dict):
            out += _leaves(value, name)
    return out


@pytest.fixture(scope="module")
def gold() -> list[dict[str, Any]]:
    return gold_rows()


def test_gold_scores_one(gold: list[dict[str, Any]]) -> None:
    report = evaluate_rows(gold, gold, bootstrap=50)
    assert report["layers"] == list(LAYERS)
    for layer in ("entities", "attribution", "control_measures"):
        figures = _leaves(report[layer], "f1") + _leaves(report[layer], "accuracy")
        assert figures and all(f == 1.0 for f in figures), layer
    assert report["entities"]["strict"]["f1_ci"] == [1.0, 1.0]


def test_empty_predictions_score_zero(gold: list[dict[str, Any]]) -> None:
    empty = [{"doc_id": r["doc_id"], **{layer: [] for layer in LAYERS}} for r in gold]
    report = evaluate_rows(gold, empty, bootstrap=50)
    for layer in ("entities", "attribution", "control_measures"):
        assert all(f == 0.0 for f in _leaves(report[layer], "f1")), layer
    assert report["entities"]["strict"]["missed"] == sum(len(r["entities"]) for r in gold)


def test_absent_layer_is_not_scored_and_missing_docs_count_as_empty(
    gold: list[dict[str, Any]],
) -> None:
    preds = [{"doc_id": gold[0]["doc_id"], "entities": gold[0]["entities"]}]
    report = evaluate_rows(gold, preds, bootstrap=0)
    assert report["layers"] == ["entities"]
    assert "attribution" not in report and "control_measures" not in report
    assert report["documents"]["missing"] == [r["doc_id"] for r in gold[1:]]
    assert report["entities"]["strict"]["precision"] == 1.0
    assert report["entities"]["strict"]["recall"] < 1.0


def _noisy(gold: list[dict[str, Any]]) -> list[dict[str, Any]]:
    preds = copy.deepcopy(gold)
    for row in preds:
        for entity in row["entities"][::3]:
            entity["end"] -= 1
        row["control_measures"] = row["control_measures"][::2]
        row["attributions"] = row["attributions"][1:]
    return preds


def test_bootstrap_is_deterministic_and_brackets_the_estimate(gold: list[dict[str, Any]]) -> None:
    preds = _noisy(gold)
    first = evaluate_rows(gold, preds, bootstrap=200, seed=3)
    assert first == evaluate_rows(gold, preds, bootstrap=200, seed=3)
    other = evaluate_rows(gold, preds, bootstrap=200, seed=4)
    assert other["entities"]["strict"]["f1_ci"] != first["entities"]["strict"]["f1_ci"]
    assert first["bootstrap"] == {"unit": "sentences", "n": 200, "seed": 3, "confidence": 0.95}
    strict = first["entities"]["strict"]
    assert strict["f1_ci"][0] < strict["f1"] < strict["f1_ci"][1]
    records = first["attribution"]["records"]
    assert records["recall_ci"][0] <= records["recall"] <= records["recall_ci"][1]


def test_ten_documents_resample_documents(gold: list[dict[str, Any]]) -> None:
    many = [
        {**copy.deepcopy(row), "doc_id": f"{row['doc_id']}-{k}"} for k in range(2) for row in gold
    ]
    assert len(many) >= 10
    report = evaluate_rows(many, _noisy(many), bootstrap=100)
    assert report["bootstrap"]["unit"] == "documents"


def test_resample_weights_draw_every_unit_count_once_per_row() -> None:
    weights = resample_weights(7, 50, seed=0)
    assert weights.shape == (50, 7)
    assert np.all(weights.sum(axis=1) == 7)
    assert np.array_equal(weights, resample_weights(7, 50, seed=0))


def test_rendering(gold: list[dict[str, Any]]) -> None:
    report = evaluate_rows(gold, _noisy(gold), bootstrap=20)
    names = [row.name for row in rows(report)]
    assert "entities.strict" in names and "control_measures.sentences.macro" in names
    text = markdown(report)
    assert text.startswith("| figure |") and "| entities.strict |" in text
    assert len(lines(report)) == len(names)


def _write_jsonl(path: Path, rows_: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows_), encoding="utf-8")
    return path


def test_evaluate_files_accepts_documents_rows(gold: list[dict[str, Any]], tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "p.jsonl", gold)
    report = evaluate_files(gold, path, bootstrap=10)
    assert report["entities"]["strict"]["f1"] == 1.0


def test_cli(gold: list[dict[str, Any]], tmp_path: Path) -> None:
    documents = tmp_path / "data" / "documents"
    documents.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(gold[:3]), documents / "test.parquet")
    pq.write_table(pa.Table.from_pylist(gold[3:]), documents / "train.parquet")
    pq.write_table(pa.Table.from_pylist(gold[:0], schema=pa.Table.from_pylist(gold).schema),
                   documents / "validation.parquet")  # fmt: skip
    preds = _write_jsonl(tmp_path / "p.jsonl", gold[:3])
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    args = ["evaluate", "--predictions", str(preds), "--root", str(tmp_path), "--bootstrap", "20"]
    result = CliRunner().invoke(app, [*args, "--json", str(out_json), "--markdown", str(out_md)])
    assert result.exit_code == 0, result.output
    report = json.loads(out_json.read_text())
    assert report["split"] == "test" and report["documents"]["gold"] == 3
    assert "| entities.strict |" in out_md.read_text()

    all_preds = _write_jsonl(tmp_path / "all.jsonl", gold)
    result = CliRunner().invoke(app, [*args[:2], str(all_preds), *args[3:], "--split", "all"])
    assert result.exit_code == 0, result.output

    result = CliRunner().invoke(app, [*args[:2], str(all_preds), *args[3:]])
    assert result.exit_code == 0, result.output
    assert f"ignored {len(gold) - 3} articles outside test" in result.output

    stranger = _write_jsonl(tmp_path / "x.jsonl", [{**gold[0], "doc_id": "nope"}])
    result = CliRunner().invoke(app, [*args[:2], str(stranger), *args[3:]])
    assert result.exit_code == 1 and "not an article of the corpus" in result.output


def test_real_documents_split_scores_one_against_itself(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    if not (root / "data" / "documents" / "test.parquet").is_file():
        pytest.skip("data/ not built")
    from nkworkers.baselines.evaluation.cli import load_gold

    gold = load_gold(root, "all")
    report = evaluate_files(gold, _write_jsonl(tmp_path / "p.jsonl", gold), bootstrap=20)
    assert report["documents"]["missing"] == []
    for layer in ("entities", "attribution", "control_measures"):
        assert all(f == 1.0 for f in _leaves(report.get(layer, {}), "f1")), layer
