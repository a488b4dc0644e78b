"""Help and version of the command line (issue 12, points 4, 6 and 7).

Every ``--help`` is printed by a real fresh process or by typer's runner over
the real app, and read as a user would read it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from typing import Any

import typer
from typer.testing import CliRunner

from nkworkers.loaders.cli import app
from tests.conftest import ROOT

HEAVY = ("torch", "transformers", "datasets", "matplotlib", "sklearn", "setfit", "spacy")
WIDE = {"COLUMNS": "200", "TERMINAL_WIDTH": "200"}  # no wrapping inside an option's row


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(argv prefix, command) of the app and of every command and subcommand under it.

    typer 0.29 vendors click (typer._click), so groups are recognised by shape.
    """
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_the_walk_reaches_commands_of_every_origin() -> None:
    # core, loaders' own modules, entry points, and the `ls` group's subcommands
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"validate", "export", "render", "evaluate", "agreement", "ls push"} <= names


def test_help_imports_no_heavy_library() -> None:
    # one fresh process prints every help, then reports what it imported
    argvs = [[*path, "--help"] for path, _ in COMMANDS]
    code = (
        "import sys\nfrom nkworkers.loaders.cli import app\n"
        f"for argv in {argvs!r}:\n"
        "    try:\n        app(argv)\n    except SystemExit as e:\n"
        "        assert not e.code, (argv, e.code)\n"
        f"print(__import__('json').dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_boolean_flags_show_no_value_placeholder() -> None:
    flags_seen = 0
    for path, command in COMMANDS:
        result = CliRunner().invoke(app, [*path, "--help"], env=WIDE)
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.output, path
        for param in command.get_params(typer.Context(command)):
            if not getattr(param, "is_flag", False):
                continue
            flags_seen += 1
            long_name = max(param.opts, key=len)
            row = next(line for line in result.output.splitlines() if f" {long_name} " in line)
            after = row.split(long_name, 1)[1]
            assert "<" not in after.split("  ")[0] + after.strip()[:1], (path, row)
    assert flags_seen > len(COMMANDS)  # --help of each, plus --check, --json, --dry-run...


def test_value_options_keep_their_placeholder() -> None:
    # the flag fix must not blank the type of options that do take a value
    result = CliRunner().invoke(app, ["export", "--help"], env=WIDE)
    assert "<text>" in result.output or "<str>" in result.output
    assert "<path>" in result.output or "<directory>" in result.output


def test_version_prints_the_version_declared_in_pyproject() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"nkworkers {declared['project']['version']}\n"


def test_version_exits_before_any_command_runs() -> None:
    result = CliRunner().invoke(app, ["--version", "validate", "--root", "/nonexistent"])
    assert result.exit_code == 0
    assert result.output.startswith("nkworkers ")


def test_readme_command_table_lists_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = {
        line.split("`")[1].split()[1]
        for line in readme.splitlines()
        if line.startswith("| `nkworkers ")
    }
    top = {path[0] for path, _ in COMMANDS if len(path) == 1}
    assert top - listed == set()
