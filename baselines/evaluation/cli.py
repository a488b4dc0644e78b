"""The ``evaluate`` command: a thin typer layer over scorer.evaluate_files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pyarrow.parquet as pq
import typer
from rich.console import Console

from baselines.evaluation.reader import PredictionError
from baselines.evaluation.report import markdown, rich_table
from loaders.labels import Split

ALL = "all"
SPLIT_CHOICES = [*(s.value for s in Split), ALL]


def load_gold(root: Path, split: str) -> list[dict[str, Any]]:
    """Rows of data/documents/<split>.parquet under a checkout; "all" reads every split."""
    names = [s.value for s in Split] if split == ALL else [split]
    rows: list[dict[str, Any]] = []
    for name in names:
        path = root / "data" / "documents" / f"{name}.parquet"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no gold file (build data/ first, or pass --root)")
        rows += pq.read_table(path).to_pylist()
    return rows


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
    ) -> None:
        """Score a predictions file against the gold split, with bootstrap intervals."""
        # spaCy, and through it torch: loaded to score, not to print --help
        from baselines.evaluation.scorer import evaluate_files

        if split not in SPLIT_CHOICES:
            raise typer.BadParameter(
                f"{split!r}; choose one of {SPLIT_CHOICES}", param_hint="--split"
            )
        try:
            gold = load_gold(root, split)
            report = evaluate_files(gold, predictions, bootstrap=bootstrap, seed=seed)
        except (PredictionError, FileNotFoundError) as e:
            Console(stderr=True).print(f"[red]error:[/red] {e}", highlight=False)
            raise typer.Exit(1) from None
        report["split"] = split
        Console().print(rich_table(report))
        if json_out:
            json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        if markdown_out:
            markdown_out.write_text(markdown(report), encoding="utf-8")
