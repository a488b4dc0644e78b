"""The committed leaderboard is what its committed predictions score, figure by figure.

results/leaderboard.json is copied from a real `nkworkers benchmark --cv` run;
these tests re-score the committed prediction files with the evaluator alone
(test, validation, every fold file, the pooled CV file) against the committed
data/, so a figure typed by hand, a stale file or a gold change without a
rerun fails here. The claims rows score combined files (one system's
attribution, another's control measures, nkworkers.baselines.benchmark.combine):
they are re-scored the same way, and each combined file must be the
combination of the committed files it comes from.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nkworkers.baselines.benchmark import combine
from nkworkers.baselines.benchmark.runner import Settings, lookup
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
    for split in ("test", "cv-mean"):
        systems = {s for s, rows in _rows(split).items() if rows[0]["task"] != "claims"}
        assert systems == set(CATALOG)


def test_the_claims_rows_are_the_best_pipeline_and_its_gold_control_ablation() -> None:
    best = combine.best_systems(BOARD)
    assert best is not None
    attribution, control = best
    claims = {r["system"] for r in BOARD["rows"] if r["task"] == "claims"}
    assert claims == {f"{attribution}+{control}", f"{attribution}+gold-control"}
    for system in claims:
        splits = {r["split"] for r in BOARD["rows"] if r["system"] == system}
        assert splits == {"test", "validation", "cv-pooled", "cv-mean"}


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_every_committed_combined_file_combines_the_committed_files() -> None:
    best = combine.best_systems(BOARD)
    assert best is not None
    attribution, control = best
    gold = {g["doc_id"]: g for g in load_gold(ROOT, "all")}
    predictions = RESULTS / "predictions"
    folders = [predictions, predictions / "validation", predictions / "cv",
               *sorted((RESULTS / "cv").glob("fold-*"))]  # fmt: skip
    for folder in folders:
        rows = _read(folder / f"{attribution}.jsonl")
        with_gold = [gold[r["doc_id"]] for r in rows]
        assert _read(folder / f"{attribution}+{control}.jsonl") == combine.combine(
            rows, _read(folder / f"{control}.jsonl")
        ), folder
        assert _read(folder / f"{attribution}+gold-control.jsonl") == combine.combine(
            rows, with_gold
        ), folder


def test_the_runner_recomputes_the_committed_claims_rows(tmp_path: Path) -> None:
    best = combine.best_systems(BOARD)
    assert best is not None
    for name in best:
        for path in RESULTS.glob(f"**/{name}.jsonl"):
            target = tmp_path / path.relative_to(RESULTS)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    settings = Settings(root=ROOT, out=tmp_path, seed=BOARD["seed"], bootstrap=BOARD["bootstrap"])
    board = combine.with_claims(settings, BOARD)
    assert [r for r in board["rows"] if r["task"] == "claims"] == [
        r for r in BOARD["rows"] if r["task"] == "claims"
    ]


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
