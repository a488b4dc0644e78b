"""The systems' one-line catalog: the helps and ``nkworkers systems`` list every registry system."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from nkworkers.baselines.benchmark import cli as benchmark_cli
from nkworkers.baselines.evaluation.cli import load_gold
from nkworkers.baselines.systems.catalog import CATALOG, costs
from nkworkers.baselines.systems.registry import SYSTEMS
from tests.conftest import ROOT


def app() -> typer.Typer:
    main = typer.Typer()
    benchmark_cli.register(main)
    return main


def test_catalog_names_every_registry_system_with_its_task_and_kind() -> None:
    assert set(CATALOG) == set(SYSTEMS)
    for name, make in SYSTEMS.items():
        system = make()
        assert CATALOG[name].task == system.task, name
        assert CATALOG[name].zero_shot == getattr(system, "zero_shot", False), name


def test_systems_command_lists_name_task_and_training_one_line_each() -> None:
    result = CliRunner().invoke(app(), ["systems", "--root", str(ROOT)])
    assert result.exit_code == 0, result.output
    header, *lines = result.output.split("\n\n")[0].splitlines()
    assert header.split() == ["system", "task", "training", "fit", "s", "articles/s", "summary"]
    assert sorted(line.split()[0] for line in lines) == sorted(SYSTEMS)
    # In columns under the header: words start where their header does, numbers end where
    # theirs ends (right-aligned).
    at = {c: header.index(c) for c in ("task", "training", "fit s", "articles/s", "summary")}
    known = costs(ROOT)
    for line in lines:
        entry = CATALOG[line.split()[0]]
        fit_s, rate = known[line.split()[0]]
        assert line[at["task"] :].split()[0] == entry.task
        assert line[at["training"] :].split()[0] == ("zero-shot" if entry.zero_shot else "trained")
        assert line[: at["fit s"] + len("fit s")].endswith(f" {fit_s:.1f}")
        assert line[: at["articles/s"] + len("articles/s")].endswith(f" {rate:.1f}")
        assert line[at["summary"] :] == entry.summary


def test_systems_command_says_where_its_cost_figures_come_from() -> None:
    """`systems` had no header and no hint of what a system costs to fit and run."""
    result = CliRunner().invoke(app(), ["systems", "--root", str(ROOT)])
    assert "results/leaderboard.json" in result.output and "fit s" in result.output


def test_cost_hints_are_the_committed_leaderboard_timings_of_every_system() -> None:
    """The figures are read from results/leaderboard.json's standard-run timings, not
    measured at run time (nor copied into code, where a re-run left them stale)."""
    board = json.loads((ROOT / "results" / "leaderboard.json").read_text(encoding="utf-8"))
    n_predicted = len(load_gold(ROOT, "validation")) + len(load_gold(ROOT, "test"))
    timings = {t["system"]: t for t in board["timings"] if t["mode"] == "standard"}
    known = costs(ROOT)
    assert set(known) == set(timings) == set(CATALOG)
    for name, (fit_s, rate) in known.items():
        assert fit_s == timings[name]["fit_s"], name
        assert rate == n_predicted / timings[name]["predict_s"], name


def test_systems_outside_a_checkout_shows_dashes_for_the_cost(tmp_path: Path) -> None:
    result = CliRunner().invoke(app(), ["systems", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    _, *lines = result.output.split("\n\n")[0].splitlines()
    assert lines and all(line.split()[3:5] == ["-", "-"] for line in lines)


def test_predict_and_benchmark_helps_list_every_system() -> None:
    for command in ("predict", "benchmark"):
        result = CliRunner().invoke(app(), [command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        for name, entry in CATALOG.items():
            assert f"{name} ({entry.task})" in result.output, (command, name)
