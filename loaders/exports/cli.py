"""``nkworkers export`` and ``nkworkers croissant``: mounted on the main app by :func:`register`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nkworkers.loaders.corpus import CorpusError, missing_root
from nkworkers.loaders.exports import FORMATS, export


def export_command(
    fmt: Annotated[str, typer.Option("--format", help=f"one of: {', '.join(FORMATS)}")],
    out: Annotated[Path, typer.Option("--out", help="folder to write into (created)")],
    root: Annotated[
        Path, typer.Option("--root", help="corpus checkout (default: current directory)")
    ] = Path("."),
    comments: Annotated[
        bool,
        typer.Option(
            "--comments",
            help="conll only: add # doc_id/sent_id/text lines and token offsets "
            "(spaCy and seqeval read the default, plain files)",
        ),
    ] = False,
) -> None:
    """Export the validated corpus as brat standoff, CoNLL-2003-style IOB2, or JSONL."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {list(FORMATS)}", param_hint="--format")
    if comments and fmt != "conll":
        raise typer.BadParameter(
            "--comments applies to --format conll only", param_hint="--comments"
        )
    options = {"comments": True} if comments else {}
    try:
        paths = export(root=root, fmt=fmt, out=out, **options)
    except (CorpusError, ValueError) as exc:
        typer.echo(f"export: refused: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {len(paths)} {fmt} file(s) under {out}")


def croissant_command(
    root: Annotated[
        Path, typer.Option("--root", help="corpus checkout (default: current directory)")
    ] = Path("."),
    check: Annotated[
        bool, typer.Option("--check", help="exit 1 if croissant.json differs from a fresh one")
    ] = False,
) -> None:
    """Write croissant.json (Croissant 1.1 metadata of data/*.parquet), validated."""
    from nkworkers.loaders.dataset import croissant

    if (problem := missing_root(root)) is not None:  # not "croissant.json is missing"
        typer.echo(f"croissant: {problem}", err=True)
        raise typer.Exit(1)
    if check:
        diffs = croissant.check(root)
        for diff in diffs:
            typer.echo(diff, err=True)
        if diffs:
            typer.echo("run `nkworkers croissant` and commit croissant.json", err=True)
            raise typer.Exit(1)
        typer.echo("croissant.json is up to date")
        return
    try:
        path = croissant.write(root)
    except FileNotFoundError as exc:
        typer.echo(f"croissant: {exc}", err=True)
        raise typer.Exit(1) from None
    errors = croissant.validate(path)
    for error in errors:
        typer.echo(error, err=True)
    if errors:
        raise typer.Exit(1)
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)
    app.command("croissant")(croissant_command)
