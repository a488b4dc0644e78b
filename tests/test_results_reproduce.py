"""The committed leaderboard is what its committed predictions score, figure by figure.

results/leaderboard.json is copied from a real `nkworkers benchmark --cv` run;
these tests re-score the committed prediction files with the evaluator alone
(test, validation, every fold file, the pooled CV file) against the committed
data/, so a figure typed by hand, a stale file or a gold change without a
rerun fails here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nkworkers.baselines.benchmark.runner import lookup
from nkworkers.baselines.evaluation import evaluate_files, evaluate_rows
from nkworkers.baselines.evaluation.cli import load_gold

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results"
BOARD: dict[str, Any] = json.loads((RESULTS / "leaderboard.json").read_text(encoding="utf-8"))


def _rows(split: str) -> dict[str, list[dict[str, Any]]]:
    by_system: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in BOARD["rows"]:
        if row["split"] == split:
            by_system[row["system"]].append(row)
    return by_system


def _prediction_file(system: str, split: str) -> Path:
    folder = RESULTS / "predictions"
    return {
        "test": folder / f"{system}.jsonl",
        "validation": folder / "validation" / f"{system}.jsonl",
        "cv-pooled": folder / "cv" / f"{system}.jsonl",
    }[split]


def test_the_committed_leaderboard_is_a_cross_validated_run_of_every_system() -> None:
    from nkworkers.baselines.systems.catalog import CATALOG

    assert BOARD["mode"] == "cv"
    assert set(_rows("test")) == set(CATALOG)
    assert set(_rows("cv-mean")) == set(CATALOG)


@pytest.mark.parametrize("split", ["test", "validation", "cv-pooled"])
def test_every_split_figure_is_reproduced_by_rescoring_its_committed_file(split: str) -> None:
    gold = load_gold(ROOT, "all")
    for system, rows in sorted(_rows(split).items()):
        path = _prediction_file(system, split)
        predicted = {json.loads(line)["doc_id"] for line in path.read_text("utf-8").splitlines()}
        wanted = predicted if split == "cv-pooled" else set(_split_ids(split))
        report = evaluate_files(
            [g for g in gold if g["doc_id"] in wanted],
            path,
            bootstrap=BOARD["bootstrap"],
            seed=BOARD["seed"],
        )
        for row in rows:
            found = lookup(report, row["metric"])
            assert found is not None, (system, split, row["metric"])
            assert found[0] == pytest.approx(row["value"], abs=1e-12), (system, row["metric"])
            if row["ci_low"] is not None:
                assert found[1] == pytest.approx([row["ci_low"], row["ci_high"]], abs=1e-12)


def _split_ids(split: str) -> list[str]:
    return [g["doc_id"] for g in load_gold(ROOT, split)]


def test_every_cv_mean_is_the_mean_of_its_committed_fold_files() -> None:
    gold = {g["doc_id"]: g for g in load_gold(ROOT, "all")}
    for system, rows in sorted(_rows("cv-mean").items()):
        reports = []
        for path in sorted((RESULTS / "cv").glob(f"fold-*/{system}.jsonl")):
            predicted = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
            reports.append(
                evaluate_rows([gold[r["doc_id"]] for r in predicted], predicted, bootstrap=0)
            )
        assert reports, system
        for row in rows:
            values = [v[0] for v in (lookup(r, row["metric"]) for r in reports) if v is not None]
            assert row["folds"] == pytest.approx(values, abs=1e-12), (system, row["metric"])
            assert row["value"] == pytest.approx(float(np.mean(values)), abs=1e-12)
            assert row["std"] == pytest.approx(float(np.std(values)), abs=1e-12)


def test_the_leaderboard_md_is_rendered_from_the_committed_json() -> None:
    from nkworkers.baselines.benchmark.report import markdown

    committed = (RESULTS / "LEADERBOARD.md").read_text(encoding="utf-8")
    assert committed == markdown(BOARD, root="..")


def test_the_reproduce_line_run_as_written_from_results_gives_the_committed_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The line lacked --root: run from results/ (or anywhere but the checkout) it failed."""
    import re
    import shlex

    from typer.testing import CliRunner

    from nkworkers.loaders.cli import app

    text = (RESULTS / "LEADERBOARD.md").read_text(encoding="utf-8")
    found = re.search(r"Reproduce any test figure, from this folder: `([^`]+)`", text)
    assert found is not None
    row = next(r for r in BOARD["rows"] if r["split"] == "test" and r["ci_low"] is not None)
    command = shlex.split(found.group(1).replace("<system>", row["system"]))
    assert command[0] == "nkworkers" and "--root" in command
    monkeypatch.chdir(RESULTS)
    result = CliRunner().invoke(app, [*command[1:], "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    value, ci = lookup(report, row["metric"]) or (None, None)
    assert value == pytest.approx(row["value"], abs=1e-12)
    assert ci == pytest.approx([row["ci_low"], row["ci_high"]], abs=1e-12)
