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
from nkworkers.baselines.evaluation.tables import lines, render_tables, summary, width
from nkworkers.baselines.evaluation.tally import Kind, Tally
from nkworkers.loaders.labels import IloIndicator
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


def _render(report: dict[str, Any], width: int, *, full: bool = False) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    for table in render_tables(report, full=full):
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
    shown = [x for x in lines(report) if "per_indicator" not in x.row.path]
    for line in shown:
        if "spans" not in line.row.path:
            assert line.name in words, line.name
    labels = {p for row in rows(report) for p in row.path}
    assert {"ABUSIVE_WORKING_AND_LIVING_CONDITIONS", "WORK_OF_ART"} <= labels


def test_labels_are_spelled_as_their_enums_and_never_wrap_in_the_full_view() -> None:
    """ "PHYSICAL AND SEXUAL / VIOLENCE" wrapped over two lines; the Enum value is one word."""
    gold = gold_rows()
    report = evaluate_rows(gold, _noisy(gold), bootstrap=0)
    tables = render_tables(report, full=True)
    text = _render(report, width(tables), full=True)
    assert "…" not in text
    words = text.split()
    indicators = report["control_measures"]["ilo_indicators"]["per_indicator"]
    assert "PHYSICAL_AND_SEXUAL_VIOLENCE" in indicators
    assert all(IloIndicator(name) in words for name in indicators)  # as the Enum spells it
    assert "PHYSICAL AND SEXUAL" not in text
    assert all(line.name in words for line in lines(report))


def test_every_report_row_is_in_exactly_one_table_of_the_full_view() -> None:
    gold = gold_rows()
    report = evaluate_rows(gold, _noisy(gold), bootstrap=0)
    tables = render_tables(report, full=True)
    shown = sum(t.row_count for t in tables)
    sections = {(x.layer, x.section) for x in lines(report) if x.section}
    assert shown == len(list(rows(report))) + len(sections)


def test_identical_per_type_tables_fold_into_one_with_a_note_naming_the_schemes() -> None:
    """Four per-type tables (strict, exact, partial, type) that were identical filled 70 lines."""
    gold = load_gold(ROOT, "test")
    report = evaluate_rows(gold, gold, bootstrap=0)
    schemes = ("strict", "exact", "partial", "type")
    per_type = list(report["entities"]["per_type"].values())
    assert all(by[s] == by["strict"] for by in per_type for s in schemes)  # identical here
    text = _render(report, 80)
    headings = [line.strip() for line in text.splitlines() if line.strip().startswith("per type")]
    assert headings[0] == "per type: all"
    assert "per type: all stands for strict, exact, partial and type" in " ".join(text.split())
    full = _render(report, 200, full=True)
    assert all(f"per type: {s}" in full for s in schemes)
    assert len(full.splitlines()) - len(text.splitlines()) >= 3 * len(per_type)


def test_per_type_tables_that_differ_show_strict_and_name_the_others() -> None:
    """spaCy's untuned pipeline on the test article: strict = exact, partial and type differ."""
    gold = load_gold(ROOT, "test")
    path = ROOT / "results" / "predictions" / "entities-spacy-sm.jsonl"
    predicted = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    report = evaluate_rows(gold, predicted, bootstrap=0)
    per_type = report["entities"]["per_type"].values()
    assert all(by["exact"] == by["strict"] for by in per_type)
    assert any(by["partial"] != by["strict"] for by in per_type)
    assert any(by["type"] != by["strict"] for by in per_type)
    text = _render(report, 80)
    flat = " ".join(text.split())
    assert "per type: strict stands for strict and exact" in flat
    assert "per type under partial and type: --full" in flat
    assert "per type: partial" not in flat.replace("per type under partial", "")


def _row_words(text: str, name: str) -> list[str]:
    found = [line.split() for line in text.splitlines() if line.split()[:1] == [name]]
    assert found, name
    return found[0]


def test_counts_beside_each_figure_explain_a_zero_row() -> None:
    """`COERCION ... 0.000 [0.000, 0.000] 0` could not be explained without the JSON (fp 12)."""
    gold = load_gold(ROOT, "test")
    path = ROOT / "results" / "predictions" / "control-tfidf-lr.jsonl"
    predicted = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    report = evaluate_rows(gold, predicted, bootstrap=20)
    coercion = report["control_measures"]["sentences"]["per_category"]["COERCION"]
    assert coercion["f1"] == 0.0 and coercion["fp"] > 0  # a zero row with something to explain
    text = _render(report, 80)
    words = _row_words(text, "COERCION")
    assert words[-3:] == [str(coercion[k]) for k in ("tp", "fp", "fn")]
    assert "gold = tp+fn, predicted = tp+fp" in text
    entity_report = evaluate_rows(gold, _noisy(gold), bootstrap=0)
    strict = entity_report["entities"]["strict"]
    counts = ("correct", "incorrect", "partial", "missed", "spurious")
    assert _row_words(_render(entity_report, 80), "strict")[-5:] == [str(strict[k]) for k in counts]


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
    # --full: every row, the console widened to the widest table rather than a name cut
    reports = [tmp_path / "default.json", tmp_path / "full.json"]
    full = CliRunner().invoke(
        app, [*args, "--split", "all", "--full", "--json", str(reports[1])], env={"COLUMNS": "80"}
    )
    assert full.exit_code == 0, full.output
    assert "…" not in full.output and "ABUSIVE_WORKING_AND_LIVING_CONDITIONS" in full.output
    short = CliRunner().invoke(app, [*args, "--split", "all", "--json", str(reports[0])])
    assert len(short.output.splitlines()) < len(full.output.splitlines())
    assert reports[0].read_text() == reports[1].read_text()  # the JSON keeps every figure
