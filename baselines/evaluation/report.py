"""Rendering a report dict: a rich table for the terminal, a Markdown table for files.

Both walk the same rows (rows()); the JSON rendering is the dict itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rich.table import Table

from baselines.evaluation.metrics import FIGURES

COUNTS: tuple[str, ...] = ("tp", "fp", "fn", "correct", "incorrect", "partial", "missed",
                           "spurious", "total")  # fmt: skip


@dataclass(frozen=True)
class Row:
    name: str  # dotted path, e.g. entities.strict
    figures: dict[str, tuple[float, list[float] | None]]  # figure -> (value, [lo, hi])
    counts: str


def rows(report: dict[str, Any]) -> Iterator[Row]:
    """Every leaf of the report that carries a figure, in report order."""

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> Iterator[Row]:
        figures = {
            name: (float(node[name]), node.get(f"{name}_ci")) for name in FIGURES if name in node
        }
        if figures:
            counts = " ".join(f"{k}={node[k]}" for k in COUNTS if k in node)
            yield Row(".".join(path), figures, counts)
        for key, value in node.items():
            if isinstance(value, dict) and key not in ("documents", "bootstrap"):
                yield from walk(value, (*path, key))

    yield from walk(report, ())


def _cell(value: float, ci: list[float] | None) -> str:
    return f"{value:.3f}" if ci is None else f"{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"


def _cells(row: Row) -> list[str]:
    return [_cell(*row.figures[f]) if f in row.figures else "" for f in FIGURES]


def caption(report: dict[str, Any]) -> str:
    docs, boot = report["documents"], report["bootstrap"]
    text = f"{docs['predicted']}/{docs['gold']} documents predicted"
    if boot["n"]:
        text += (
            f"; {boot['confidence']:.0%} bootstrap intervals over {boot['unit']} "
            f"(n={boot['n']}, seed={boot['seed']})"
        )
    return text


def rich_table(report: dict[str, Any]) -> Table:
    table = Table(title="nkworkers evaluation", caption=caption(report))
    table.add_column("figure", style="bold")
    for name in FIGURES:
        table.add_column(name, justify="right")
    table.add_column("counts", style="dim")
    for row in rows(report):
        table.add_row(row.name, *_cells(row), row.counts)
    return table


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| figure | " + " | ".join(FIGURES) + " | counts |",
        "|---|" + "---:|" * len(FIGURES) + "---|",
    ]
    for row in rows(report):
        lines.append(f"| {row.name} | " + " | ".join(_cells(row)) + f" | {row.counts} |")
    return "\n".join(lines) + f"\n\n{caption(report)}.\n"
