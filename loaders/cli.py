"""The ``nkworkers`` command line: parse arguments, call one function, render."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer
import typer.core
from rich import box
from rich.console import Console
from rich.table import Table

from nkworkers.loaders.corpus import CorpusError
from nkworkers.loaders.validate import unannotated, validate_corpus, waiting_note

app = typer.Typer(
    help="nkworkers: annotated corpus of North Korean workers in Russia.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


def _no_placeholder_on_flags() -> None:
    """Stop rich help from printing ``<bool>`` after flags (``--check <bool>``).

    typer 0.29 shows a value type for every option in its rich panels, though a
    flag takes no value; its plain help already leaves flags bare
    (TyperOption.get_help_record). Patched once, for every command and plugin.
    """
    option = typer.core.TyperOption
    shown = option.display_type_rich
    if getattr(shown, "skips_flags", False):
        return

    def display_type_rich(self: typer.core.TyperOption, ctx: typer.Context) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich.skips_flags = True  # type: ignore[attr-defined]
    setattr(option, "display_type_rich", display_type_rich)  # noqa: B010


_no_placeholder_on_flags()


def _print_version(show: bool) -> None:
    if show:
        typer.echo(f"nkworkers {version('nkworkers')}")
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    pass


Root = Annotated[Path, typer.Option("--root", help="corpus checkout (default: current directory)")]


def _fail(exc: CorpusError) -> None:
    for problem in exc.problems:
        typer.echo(str(problem), err=True)
    err.print(f"[red]{len(exc.problems)} problem(s); nothing was written.[/red]")
    raise typer.Exit(1)


@app.command()
def validate(root: Root = Path(".")) -> None:
    """Check raw/, the manifest, annotations/ and splits; print every problem."""
    problems = validate_corpus(root)
    for problem in problems:
        typer.echo(str(problem), err=True)
    if note := waiting_note(unannotated(root)):
        typer.echo(note)
    if problems:
        err.print(f"[red]{len(problems)} problem(s)[/red]")
        raise typer.Exit(1)
    console.print("[green]corpus is valid[/green]")


@app.command()
def build(
    root: Root = Path("."),
    check: Annotated[
        bool, typer.Option("--check", help="exit 1 if data/ or README YAML differ from a build")
    ] = False,
) -> None:
    """Write data/<config>/<split>.parquet and the README's generated YAML."""
    from nkworkers.loaders import schema
    from nkworkers.loaders.dataset import build as builder

    try:
        if check:
            diffs = builder.check(root) + schema.check(root)
            if note := waiting_note(unannotated(root)):
                typer.echo(note)
            for diff in diffs:
                err.print(diff, markup=False)
            if diffs:
                err.print("[red]run `nkworkers build` and commit the result[/red]")
                raise typer.Exit(1)
            console.print("[green]data/ and README.md are up to date[/green]")
            return
        result = builder.build(root)  # writes annotations/schema.json too
    except CorpusError as exc:
        _fail(exc)
        return
    for line in result.recovered:
        err.print(line, markup=False)
    for config, counts in result.counts.items():
        console.print(f"{config}: " + ", ".join(f"{s} {n}" for s, n in counts.items()))
    console.print(f"fingerprint {result.fingerprint[:16]}")


@app.command()
def stats(
    root: Root = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Counts per layer, label and split, and what IOB2 tagging did to spans."""
    from nkworkers.loaders.dataset.stats import corpus_stats

    try:
        result = corpus_stats(root)
    except CorpusError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(result, indent=1, ensure_ascii=False))
        return
    table = Table(
        title="nkworkers: counts per split", box=box.SIMPLE_HEAD, title_justify="left",
        show_edge=False, collapse_padding=True,
    )  # fmt: skip
    table.add_column("layer/label", no_wrap=True)
    splits = [*result["splits"], "total"]
    for split in splits:
        table.add_column(split, justify="right", no_wrap=True)
    for key, row in result["counts"].items():
        table.add_row(key, *(str(row[s]) for s in splits))
    console.print(table)
    tagging = Table(
        title="IOB2 tagging of character spans", box=box.SIMPLE_HEAD, title_justify="left",
        show_edge=False, collapse_padding=True,
    )  # fmt: skip
    for column in ("layer", *_TAG_COLUMNS):
        tagging.add_column(column, justify="left" if column == "layer" else "right", no_wrap=True)
    for layer, rep in result["tagging"].items():
        tagging.add_row(layer, *(str(rep[k]) for k in _TAG_COLUMNS))
    console.print(tagging)
    for layer, rep in result["tagging"].items():
        if note := reconcile(layer, rep):
            console.print(note, markup=False, highlight=False)
    if note := waiting_note(result["unannotated"]):
        typer.echo(note)


_TAG_COLUMNS = ("spans", "crossing", "pieces", "tagged", "nested", "lost", "misaligned")


def reconcile(layer: str, rep: dict[str, int]) -> str | None:
    """How a layer's span count becomes its tagged count, from the figures; None if equal.

    A span crossing a sentence boundary is one piece per sentence it touches;
    every piece is tagged, nested (inside a span of the same layer: one tag
    sequence cannot hold both, so it is only in the configs' ``spans``) or
    lost (no token of its own).
    """
    if rep["spans"] == rep["tagged"] and not rep["misaligned"]:
        return None
    text = f"{layer}: {rep['spans']} spans"
    if extra := rep["pieces"] - rep["spans"]:
        text += (
            f" + {extra} ({rep['crossing']} spans cross a sentence boundary and are tagged "
            f"in each sentence they touch) = {rep['pieces']} pieces"
        )
    parts = [f"{rep['tagged']} tagged"]
    if rep["nested"]:
        parts.append(f"{rep['nested']} nested in a span of the same layer (kept only in `spans`)")
    if rep["lost"]:
        parts.append(f"{rep['lost']} lost (no token of their own)")
    text += " = " + " + ".join(parts)
    if rep["pieces"] != rep["tagged"] + rep["nested"] + rep["lost"]:
        text += " (these do not add up: please report it)"
    if rep["misaligned"]:
        text += f"; {rep['misaligned']} of them widened to token edges (misaligned)"
    return text


def _register_subcommands() -> None:
    """Commands whose modules live in their own packages; baselines' through entry points."""
    from nkworkers.loaders import articles_cli
    from nkworkers.loaders.cli_plugins import register_plugins
    from nkworkers.loaders.exports import cli as exports_cli
    from nkworkers.loaders.labelstudio.cli import ls_app
    from nkworkers.loaders.render import cli as render_cli
    from nkworkers.loaders.report import cli as report_cli

    app.add_typer(ls_app, name="ls", help="Label Studio bridge: config, push, pull.")
    articles_cli.register(app)
    exports_cli.register(app)
    render_cli.register(app)
    report_cli.register(app)
    register_plugins(app)


_register_subcommands()

if __name__ == "__main__":
    app()
