"""``nkworkers render``: mounted on the main app by :func:`register`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nkworkers.loaders.corpus import CorpusError


def render_command(
    out: Annotated[Path, typer.Option("--out", help="folder for the site (created)")],
    root: Annotated[
        Path, typer.Option("--root", help="corpus checkout (default: current directory)")
    ] = Path("."),
    predictions: Annotated[
        Path | None,
        typer.Option(
            "--predictions",
            help="a predictions or tagged file (JSONL or parquet): corpus articles beside "
            "their gold, spans marked found / missed / false alarm; other rows with a text alone",
        ),
    ] = None,
) -> None:
    """Write a static HTML site: one page per article and an index with charts."""
    from nkworkers.loaders.files.rows import RowsError
    from nkworkers.loaders.render import render_predictions, render_site

    try:
        if predictions is None:
            paths = render_site(root=root, out=out)
        else:
            paths = render_predictions(root=root, predictions=predictions, out=out)
    except (CorpusError, RowsError) as exc:
        typer.echo(f"render: refused: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {len(paths)} file(s); open {out / 'index.html'}")


def register(app: typer.Typer) -> None:
    app.command("render")(render_command)
