"""``agreement`` and ``adjudicate``, mounted by ``register`` (entry point ``nkworkers.commands``).

Cheap to import: the computation (spaCy, scoring) loads when a command runs.
A folder argument is ``gold``, a path, or the name of a folder under
annotations/agreement/ (``annotator_a``, or an annotator's folder written by
``nkworkers ls pull --annotators``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

Root = Annotated[Path, typer.Option("--root", help="corpus checkout (default: current directory)")]
FolderA = Annotated[str | None, typer.Option("--a", help="first annotation folder (A)")]
FolderB = Annotated[str | None, typer.Option("--b", help="second annotation folder (B)")]


def _fail(problems: list[Any]) -> None:
    for problem in problems:
        typer.echo(str(problem), err=True)
    raise typer.Exit(1)


def agreement_command(
    root: Root = Path("."),
    a: FolderA = None,
    b: FolderB = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
) -> None:
    """Inter-annotator agreement per layer: --a DIR vs --b DIR, or by default the
    committed annotator A vs B and gold vs each."""
    from nkworkers.baselines.agreement.figures import (
        AgreementError,
        corpus_agreement,
        folder_agreement,
    )
    from nkworkers.baselines.agreement.report import agreement_tables

    if (a is None) != (b is None):
        typer.echo("agreement: give both --a and --b, or neither", err=True)
        raise typer.Exit(2)
    try:
        result = folder_agreement(root, a, b) if a and b else corpus_agreement(root)
    except AgreementError as exc:
        _fail(exc.problems)
        return
    if as_json:
        typer.echo(json.dumps(result, indent=1))
        return
    console = Console()
    for table in agreement_tables(result):
        console.print(table)


def outputs(out: Path) -> dict[str, Path]:
    """Format -> file: by the suffix of ``out`` (.md or .json), else both beside it."""
    if out.suffix.lower() == ".md":
        return {"md": out}
    if out.suffix.lower() == ".json":
        return {"json": out}
    return {"md": out.with_name(out.name + ".md"), "json": out.with_name(out.name + ".json")}


def adjudicate_command(
    a: Annotated[str, typer.Option("--a", help="first annotation folder (A)")],
    b: Annotated[str, typer.Option("--b", help="second annotation folder (B)")],
    out: Annotated[Path, typer.Option("--out", help="FILE.md, FILE.json, or FILE (writes both)")],
    root: Root = Path("."),
) -> None:
    """List every disagreement between two annotation folders (layer, doc, offsets,
    text, each side's label) with the agreement figures, for an adjudicator."""
    from nkworkers.baselines.agreement.adjudicate import adjudication
    from nkworkers.baselines.agreement.figures import AgreementError, compare, folder_sets
    from nkworkers.baselines.agreement.report import adjudication_markdown
    from nkworkers.loaders.files.atomic import dumps_json, write_many

    try:
        texts, x, y = folder_sets(root, a, b)
    except AgreementError as exc:
        _fail(exc.problems)
        return
    figures = {f"{a} vs {b}": compare(texts, x, y)}
    result = adjudication(texts, x, y, names=(a, b), agreement=figures)
    render = {"md": adjudication_markdown, "json": dumps_json}
    files = {path: render[kind](result).encode("utf-8") for kind, path in outputs(out).items()}
    write_many(files)
    total = len(result["disagreements"])
    typer.echo(f"{total} disagreement(s) on {len(result['documents'])} article(s):")
    for layer, n in result["counts"].items():
        typer.echo(f"  {layer}: {n}")
    typer.echo("wrote " + ", ".join(str(p) for p in files))


def register(app: typer.Typer) -> None:
    """Mount ``agreement`` and ``adjudicate`` on the ``nkworkers`` app."""
    app.command("agreement")(agreement_command)
    app.command("adjudicate")(adjudicate_command)
