"""Rendering a report dict: the rows every rendering walks, and the Markdown table.

The terminal tables (tables.py) walk the same rows(); the JSON rendering is
the dict itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from nkworkers.baselines.evaluation.metrics import FIGURES

COUNTS: tuple[str, ...] = ("tp", "fp", "fn", "correct", "incorrect", "partial", "missed",
                           "spurious", "total")  # fmt: skip


@dataclass(frozen=True)
class Row:
    name: str  # dotted path, e.g. entities.strict
    figures: dict[str, tuple[float, list[float] | None]]  # figure -> (value, [lo, hi])
    counts: str
    path: tuple[str, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)  # the leaf's counts and figures


def rows(report: dict[str, Any]) -> Iterator[Row]:
    """Every leaf of the report that carries a figure, in report order."""

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> Iterator[Row]:
        figures = {
            name: (float(node[name]), node.get(f"{name}_ci")) for name in FIGURES if name in node
        }
        if figures:
            counts = " ".join(f"{k}={node[k]}" for k in COUNTS if k in node)
            leaf = {k: v for k, v in node.items() if not isinstance(v, dict)}
            yield Row(".".join(path), figures, counts, path, leaf)
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


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| figure | " + " | ".join(FIGURES) + " | counts |",
        "|---|" + "---:|" * len(FIGURES) + "---|",
    ]
    for row in rows(report):
        lines.append(f"| {row.name} | " + " | ".join(_cells(row)) + f" | {row.counts} |")
    return "\n".join(lines) + f"\n\n{caption(report)}.\n"
