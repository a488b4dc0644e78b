"""The command line finds the baselines' commands through entry points (issue 12, point 15).

Loaders never import baselines; pyproject.toml declares the baselines'
``register`` functions in the ``nkworkers.commands`` group, and a command whose
optional extra is missing says which extra to install instead of breaking the CLI.
"""

from __future__ import annotations

import ast
import tomllib
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nkworkers.loaders import cli_plugins
from tests.conftest import ROOT

GROUP = cli_plugins.GROUP


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, nested ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            found.append((node.lineno, node.args[0].value))  # type: ignore[attr-defined]
    return found


def _is_dynamic_import(call: ast.Call) -> bool:
    """import_module("x") or __import__("x") with a literal name."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return (
        name in {"import_module", "__import__"}
        and bool(call.args)
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    )


def test_loaders_never_import_baselines() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted((ROOT / "loaders").rglob("*.py"))
        for line, module in _imported_modules(path)
        if module.split(".")[0] == "baselines"
    ]
    assert offenders == []


def test_the_import_scan_sees_nested_imports(tmp_path: Path) -> None:
    # the scan above must not pass by looking only at module-level imports
    source = tmp_path / "x.py"
    source.write_text(
        "def f():\n    from nkworkers.baselines.evaluation import cli\n"
        "importlib.import_module('nkworkers.baselines.benchmark.cli')\n",
        encoding="utf-8",
    )
    assert _imported_modules(source) == [
        (2, "nkworkers.baselines.evaluation"),
        (3, "nkworkers.baselines.benchmark.cli"),
    ]


def _declared() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return dict(project["entry-points"][GROUP])


def test_installed_entry_points_match_pyproject() -> None:
    # a stale install (pip install -e . not rerun) would silently drop commands
    installed = {e.name: e.value for e in entry_points(group=GROUP)}
    assert installed == _declared(), "rerun: pip install -e '.[dev,baselines,labelstudio,scale]'"


def test_every_declared_entry_point_mounts_its_commands() -> None:
    from nkworkers.loaders.cli import app

    names = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
    for entry in entry_points(group=GROUP):
        probe = typer.Typer()
        entry.load()(probe)
        mounted = {c.name for c in probe.registered_commands}
        assert entry.name in mounted
        assert mounted <= names


def test_baselines_entry_points_name_the_baselines_extra() -> None:
    for entry in entry_points(group=GROUP):
        assert cli_plugins.extra_for(entry) == "baselines"


def _fake_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    (tmp_path / "nkw_fake_plugin.py").write_text(body, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    fake = EntryPoint(name="fake", value="nkw_fake_plugin:register", group=GROUP)
    monkeypatch.setattr(cli_plugins, "entry_points", lambda group: [fake])


def test_missing_extra_leaves_a_command_that_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_plugin(tmp_path, monkeypatch, "import nkw_not_installed_lib\n")
    app = typer.Typer()

    @app.command()
    def core() -> None:
        typer.echo("core ran")

    assert cli_plugins.register_plugins(app) == ["fake"]
    assert CliRunner().invoke(app, ["core"]).output == "core ran\n"
    result = CliRunner().invoke(app, ["fake", "--out", "x", "--anything"])
    assert result.exit_code == 1
    assert "nkw_not_installed_lib" in result.output
    assert "not installed" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_broken_import_of_our_own_code_is_not_taken_for_a_missing_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_plugin(tmp_path, monkeypatch, "import nkworkers.baselines.no_such_module\n")
    with pytest.raises(ImportError):
        cli_plugins.register_plugins(typer.Typer())
