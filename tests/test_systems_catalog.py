"""The systems' one-line catalog: the helps and ``nkworkers systems`` list every registry system."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from nkworkers.baselines.benchmark import cli as benchmark_cli
from nkworkers.baselines.systems.catalog import CATALOG
from nkworkers.baselines.systems.registry import SYSTEMS


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
    result = CliRunner().invoke(app(), ["systems"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sorted(line.split()[0] for line in lines) == sorted(SYSTEMS)
    for line in lines:
        name, task, kind = line.split()[:3]
        assert task == CATALOG[name].task
        assert kind == ("zero-shot" if CATALOG[name].zero_shot else "trained")
    # In columns: every line's task, kind and summary start where the others' do.
    for word in (1, 2, 3):
        starts = {
            line.index(line.split()[word], len(" ".join(line.split()[:word]))) for line in lines
        }
        assert len(starts) == 1, word


def test_predict_and_benchmark_helps_list_every_system() -> None:
    for command in ("predict", "benchmark"):
        result = CliRunner().invoke(app(), [command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        for name, entry in CATALOG.items():
            assert f"{name} ({entry.task})" in result.output, (command, name)
