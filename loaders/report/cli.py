"""``nkworkers report``: mounted on the main app by :func:`register` (imports nothing heavy)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nkworkers.loaders.corpus import CorpusError


def report_command(
    input: Annotated[
        Path | None,
        typer.Option("--input", help="a tagged or predictions file (JSONL or parquet)"),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="folder for the report")] = Path("report"),
    gold: Annotated[
        bool, typer.Option("--gold", help="report on the gold corpus instead of --input")
    ] = False,
    root: Annotated[
        Path, typer.Option("--root", help="corpus checkout (default: current directory)")
    ] = Path("."),
) -> None:
    """Claims per category, ILO indicator, source, outlet and time: a page with charts and CSVs."""
    from nkworkers.loaders.files.rows import RowsError
    from nkworkers.loaders.report import write_report

    if gold == (input is not None):
        typer.echo("report: give --input FILE or --gold (one of the two)", err=True)
        raise typer.Exit(1)
    try:
        paths = write_report(root=root, source=input, gold=gold, out=out)
    except CorpusError as exc:
        for problem in exc.problems:
            typer.echo(f"report: refused: {problem}", err=True)
        raise typer.Exit(1) from None
    except RowsError as exc:
        typer.echo(f"report: refused: {exc}", err=True)
        raise typer.Exit(1) from None
    except ModuleNotFoundError as exc:
        if exc.name != "matplotlib":
            raise
        typer.echo("report: the charts need matplotlib: pip install -e '.[baselines]'", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {len(paths)} file(s); open {out / 'index.html'}")


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
