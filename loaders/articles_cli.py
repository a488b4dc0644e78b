"""``nkworkers add-article``: mounted on the main app by ``register``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nkworkers.loaders.articles import DEFAULT_EVIDENCE, DEFAULT_RIGHTS, add_article, next_steps
from nkworkers.loaders.corpus import CorpusError
from nkworkers.loaders.labels import PublishedConfidence


def add_article_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="article text, UTF-8")],
    outlet: Annotated[str, typer.Option("--outlet", help="e.g. 'Daily NK (English)'")],
    published: Annotated[str, typer.Option("--published", help="YYYY-MM-DD or YYYY-MM")],
    url: Annotated[str | None, typer.Option("--url", help="http(s) address of the article")] = None,
    headline: Annotated[str | None, typer.Option("--headline")] = None,
    credits: Annotated[str | None, typer.Option("--credits")] = None,
    published_confidence: Annotated[
        PublishedConfidence, typer.Option("--published-confidence")
    ] = PublishedConfidence.MEDIUM,
    published_evidence: Annotated[
        str, typer.Option("--published-evidence", help="how the date was established")
    ] = DEFAULT_EVIDENCE,
    rights: Annotated[
        str | None, typer.Option("--rights", help=f"reuse terms; default: {DEFAULT_RIGHTS!r}")
    ] = None,
    root: Annotated[
        Path, typer.Option("--root", help="corpus checkout (default: current directory)")
    ] = Path("."),
) -> None:
    """Add a raw text, its manifest line and an empty annotation (kept out of the splits)."""
    try:
        entry = add_article(
            root=root,
            file=file,
            outlet=outlet,
            published=published,
            url=url,
            headline=headline,
            credits=credits,
            published_confidence=published_confidence.value,
            published_evidence=published_evidence,
            rights=rights,
        )
    except CorpusError as exc:
        typer.echo(f"add-article: refused: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"added {entry.doc_id}: raw/{entry.doc_id}.txt, manifest line, empty annotation")
    typer.echo("next steps:")
    for number, step in enumerate(next_steps(entry.doc_id), start=1):
        typer.echo(f"  {number}. {step}")


def register(app: typer.Typer) -> None:
    app.command("add-article")(add_article_command)
