"""The ``agreement`` command, mounted by ``register`` (entry point ``nkworkers.commands``).

Cheap to import: the computation (spaCy, scoring) loads when the command runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def agreement_command(
    root: Annotated[
        Path, typer.Option("--root", help="corpus checkout (default: current directory)")
    ] = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
) -> None:
    """Inter-annotator agreement per layer (annotator A vs B, and gold vs each)."""
    from baselines.evaluation.agreement import AgreementError, corpus_agreement
    from baselines.evaluation.agreement_report import agreement_tables

    try:
        result = corpus_agreement(root)
    except AgreementError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result, indent=1))
        return
    console = Console()
    for table in agreement_tables(result):
        console.print(table)


def register(app: typer.Typer) -> None:
    """Mount ``agreement`` on the ``nkworkers`` app."""
    app.command("agreement")(agreement_command)
