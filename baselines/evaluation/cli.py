"""The ``evaluate`` command: a thin typer layer over scorer.evaluate_files.

``register(app)`` is the entry point the command line discovers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from nkworkers.baselines.evaluation.reader import PredictionError
from nkworkers.loaders.corpus import CorpusError, read_index, refuse_writing_into_corpus
from nkworkers.loaders.files.jsonio import clip
from nkworkers.loaders.labels import Split
from nkworkers.loaders.predictions import DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_SPANS

ALL = "all"
SPLIT_CHOICES = [*(s.value for s in Split), ALL]


def _read_parquet(path: Path, columns: list[str] | None = None) -> Any:
    """The table at ``path``; a damaged file is a PredictionError, not a traceback."""
    import pyarrow as pa  # not at import: registering `evaluate` stays cheap
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path, columns=columns)
    except (OSError, pa.ArrowException) as exc:
        raise PredictionError(
            f"{path}: not a readable parquet file ({clip(str(exc))}). "
            "Fix: run `nkworkers build` to rewrite data/"
        ) from None


def load_gold(root: Path, split: str) -> list[dict[str, Any]]:
    """Rows of data/documents/<split>.parquet under a checkout; "all" reads every split."""
    names = [s.value for s in Split] if split == ALL else [split]
    rows: list[dict[str, Any]] = []
    for name in names:
        path = root / "data" / "documents" / f"{name}.parquet"
        if not path.is_file():
            raise FileNotFoundError(
                f"{path}: no gold file. Fix: run `nkworkers build`, or pass --root of a checkout"
            )
        rows += _read_parquet(path).to_pylist()
    return rows


@dataclass(frozen=True)
class GoldScope:
    """The gold rows of a split, and the other articles the checkout knows."""

    gold: list[dict[str, Any]]
    outside: frozenset[str]  # articles of the other splits
    unannotated: frozenset[str]  # articles in raw/ or the manifest but in no split


def load_scope(root: Path, split: str) -> GoldScope:
    """Gold of ``split`` and the doc_ids whose rows are ignored rather than refused.

    Membership comes from data/ (what the splits hold once built) and the
    manifest: an article in no split is one waiting for annotation
    (``add-article`` writes it with an empty annotation file).
    """
    gold = load_gold(root, split)
    scored = {row["doc_id"] for row in gold}
    in_splits = set(scored)
    for name in (s.value for s in Split):
        path = root / "data" / "documents" / f"{name}.parquet"
        in_splits |= set(_read_parquet(path, ["doc_id"]).column("doc_id").to_pylist())
    index = read_index(root)  # problems here are validate's business, not evaluate's
    known = set(index.manifest) | index.raw_ids
    return GoldScope(
        gold,
        outside=frozenset(in_splits - scored),
        unannotated=frozenset(known - in_splits),
    )


def output_problem(
    out: Path, option: str, predictions: Path, other: Path | None, root: Path
) -> str | None:
    """Why ``out`` cannot take the report (checked before scoring), or None.

    A report written over the predictions file would destroy the input it
    scores, one in raw/, annotations/, data/ or README.md the corpus; two
    reports on one path would keep only the last.
    """
    try:
        refuse_writing_into_corpus(root, out, [out])
    except CorpusError as exc:
        return str(exc.problems[0])
    if out.is_dir():
        return f"{out}: is a folder. Fix: give {option} a file path, e.g. {out / 'report'}"
    if not out.parent.is_dir():
        return f"{out}: folder {out.parent} does not exist. Fix: create it, or write elsewhere"
    if out.resolve() == predictions.resolve():
        return (
            f"{out}: is the predictions file; the report would overwrite it. "
            f"Fix: give {option} another path"
        )
    if other is not None and out.resolve() == other.resolve():
        return f"{out}: given to both --json and --markdown. Fix: give each its own path"
    return None


def write_report(out: Path, text: str) -> None:
    """Write all or nothing (nkworkers.loaders.files.atomic); a failed write is one line, exit 1."""
    from nkworkers.loaders.files.atomic import write_text

    try:
        write_text(out, text)
    except OSError as exc:
        _fail(
            f"{out}: the report could not be written ({exc.strerror}). "
            "Fix: free space, or write it elsewhere"
        )


def _fail(message: str) -> None:
    # One line whatever the terminal width: no rich wrapping of the message.
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    def evaluate(
        predictions: Annotated[Path, typer.Option(help="predictions JSONL file")],
        split: Annotated[str, typer.Option(help="|".join(SPLIT_CHOICES))] = "test",
        json_out: Annotated[Path | None, typer.Option("--json", help="write the report")] = None,
        markdown_out: Annotated[
            Path | None, typer.Option("--markdown", help="write a Markdown table")
        ] = None,
        bootstrap: Annotated[int, typer.Option(min=0, help="bootstrap replicates")] = 1000,
        seed: Annotated[int, typer.Option(help="bootstrap seed")] = 0,
        root: Annotated[Path, typer.Option(help="checkout holding data/")] = Path("."),
        allow_empty: Annotated[
            bool, typer.Option("--allow-empty", help="score even if no article was predicted")
        ] = False,
        max_line_bytes: Annotated[
            int, typer.Option(min=1, help="longest predictions line read, in bytes")
        ] = DEFAULT_MAX_LINE_BYTES,
        max_spans: Annotated[
            int, typer.Option(min=1, help="most items one layer of one row may hold")
        ] = DEFAULT_MAX_SPANS,
        full: Annotated[
            bool,
            typer.Option(
                "--full", help="every row of the report (default: one screen; --json has all)"
            ),
        ] = False,
    ) -> None:
        """Score a predictions file against the gold split, with bootstrap intervals.

        Rows for annotated articles of other splits and for unannotated
        articles are ignored and counted; unknown doc_ids are an error.
        """
        # spaCy (and through it torch) and numpy: loaded to score, not to print --help
        from nkworkers.baselines.evaluation.report import markdown
        from nkworkers.baselines.evaluation.scorer import evaluate_files
        from nkworkers.baselines.evaluation.tables import render_tables, summary, width

        if split not in SPLIT_CHOICES:
            raise typer.BadParameter(
                f"{split!r}; choose one of {SPLIT_CHOICES}", param_hint="--split"
            )
        for out, option, other in (
            (json_out, "--json", markdown_out),
            (markdown_out, "--markdown", None),
        ):
            if out is not None and (
                problem := output_problem(out, option, predictions, other, root)
            ):
                _fail(problem)
        try:
            scope = load_scope(root, split)
            report = evaluate_files(
                scope.gold,
                predictions,
                bootstrap=bootstrap,
                seed=seed,
                outside=scope.outside,
                unannotated=scope.unannotated,
                split=split,
                allow_empty=allow_empty,
                max_line_bytes=max_line_bytes,
                max_spans=max_spans,
            )
        except (PredictionError, FileNotFoundError) as e:
            _fail(str(e))
            return
        report["split"] = split
        tables = render_tables(report, full=full)
        console = Console()
        # labels never wrap or get cut ("…"): a table wider than the console widens it
        console.width = max(console.width, width(tables))
        for table in tables:
            console.print(table)
            console.print()
        console.print(summary(report), markup=False, highlight=False)
        if json_out:
            write_report(json_out, json.dumps(report, indent=2) + "\n")
        if markdown_out:
            write_report(markdown_out, markdown(report))
