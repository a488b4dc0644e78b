"""Intervals a reader can trust (a perfect system gets [1, 1]) and tables that fit 80 columns."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from nkworkers.baselines.evaluation import evaluate_rows
from nkworkers.baselines.evaluation.bootstrap import intervals, resample_weights
from nkworkers.baselines.evaluation.cli import load_gold
from nkworkers.baselines.evaluation.report import rows
from nkworkers.baselines.evaluation.tables import lines, render_tables, summary
from nkworkers.baselines.evaluation.tally import Kind, Tally
from tests.conftest import ROOT
from tests.test_evaluation_data import gold_rows


def _every_figure(report: dict[str, Any]) -> list[tuple[str, str, float, list[float] | None]]:
    return [
        (row.name, name, value, ci)
        for row in rows(report)
        for name, (value, ci) in row.figures.items()
    ]


@pytest.mark.parametrize("source", ["test split of the corpus", "synthetic gold of every label"])
def test_perfect_system_gets_one_with_interval_one_on_every_figure(source: str) -> None:
    gold = load_gold(ROOT, "test") if source.startswith("test") else gold_rows()
    report = evaluate_rows(gold, gold, bootstrap=300, seed=1)
    figures = _every_figure(report)
    assert len(figures) > 50
    wrong = [f for f in figures if f[2] != 1.0 or f[3] != [1.0, 1.0]]
    assert wrong == [], wrong[:5]
    # the undefined-resample rule was exercised: some rows rest on fewer replicates
    replicates = [row.values["replicates"] for row in rows(report)]
    assert all(0 < n <= 300 for n in replicates) and min(replicates) < 300


def test_resample_without_gold_or_prediction_is_left_out_of_the_interval() -> None:
    tally = Tally(n_units=3)
    tally.add(("x",), Kind.PRF, "tp", 0)  # units 1 and 2 hold nothing of this block
    ci = intervals(tally, replicates=200, seed=5)[("x",)]["f1"]
    drawn = resample_weights(3, 200, seed=5)[:, 0] > 0
    assert (ci.low, ci.high) == (1.0, 1.0)
    assert ci.replicates == int(drawn.sum()) < 200


def test_interval_of_a_block_never_seen_in_any_resample_is_absent() -> None:
    tally = Tally(n_units=2)
    tally.block(("empty",), Kind.PRF)
    assert intervals(tally, replicates=50, seed=0) == {}


def _noisy(gold: list[dict[str, Any]]) -> list[dict[str, Any]]:
    preds = copy.deepcopy(gold)
    for row in preds:
        for entity in row["entities"][::3]:
            entity["end"] -= 1
        row["control_measures"] = row["control_measures"][::2]
        row["attributions"] = row["attributions"][1:]
    return preds


def _render(report: dict[str, Any], width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    for table in render_tables(report):
        console.print(table)
    console.print(summary(report))
    return console.export_text()


def test_terminal_tables_fit_80_columns_and_no_row_name_is_cut() -> None:
    gold = gold_rows()  # every entity type, control category and ILO indicator
    report = evaluate_rows(gold, _noisy(gold), bootstrap=50)
    text = _render(report, 80)
    too_long = [line for line in text.splitlines() if len(line.rstrip()) > 80]
    assert too_long == []
    assert "…" not in text
    words = text.split()
    for line in lines(report):
        assert all(word in words for word in line.name.split()), line.name
    labels = {p for row in rows(report) for p in row.path}
    assert {"ABUSIVE_WORKING_AND_LIVING_CONDITIONS", "WORK_OF_ART"} <= labels


def test_every_report_row_is_in_exactly_one_table() -> None:
    gold = gold_rows()
    report = evaluate_rows(gold, _noisy(gold), bootstrap=0)
    tables = render_tables(report)
    shown = sum(t.row_count for t in tables)
    sections = {(x.layer, x.section) for x in lines(report) if x.section}
    assert shown == len(list(rows(report))) + len(sections)


def test_cli_table_on_the_corpus_fits_80_columns(corpus: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nkworkers.loaders.cli import app

    gold = load_gold(corpus, "test")
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in gold), encoding="utf-8")
    args = ["evaluate", "--predictions", str(path), "--root", str(corpus), "--bootstrap", "100"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert max(len(line.rstrip()) for line in result.output.splitlines()) <= 80
    assert "…" not in result.output and "entities" in result.output
