"""The terminal rendering of a report: one rich table per layer, within 80 columns.

Row names are short: the path under the layer with the ``per_type`` /
``per_category`` / ``per_indicator`` levels dropped and labels written with
spaces (so a long label wraps at a word, never ends in "…"), grouped in
sections (``per type``, ``spans``, ``sentences``, ...). A row shows P, R and
F1 with F1's interval and the gold count; figures that are accuracies
(attribute values of matched records) get a table of their own. Every
interval is in ``--json`` and ``--markdown``; the terminal shows F1's only.
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import wrap
from typing import Any

from rich import box
from rich.table import Table

from nkworkers.baselines.evaluation.reader import describe_ignored
from nkworkers.baselines.evaluation.report import Row, rows

TITLES = {"entities": "entities (SemEval-2013 schemes)", "attribution": "attribution",
          "control_measures": "control measures"}  # fmt: skip
NAME_WIDTH = 28
GROUPS = ("per_type", "per_category", "per_indicator")


@dataclass(frozen=True)
class Line:
    """One table row: its section (None for the layer's headline rows) and short name."""

    layer: str
    section: str | None
    name: str
    row: Row


def _words(part: str) -> str:
    return part.replace("_", " ")


def _line(layer: str, rest: list[str], row: Row) -> Line:
    if len(rest) == 1:
        return Line(layer, None, _words(rest[0]), row)
    head, tail = rest[0], rest[1:]
    if head in GROUPS:  # per_type.PERSON.strict -> section "per type: strict", row PERSON
        label, scheme = tail[0], tail[1:]
        section = ": ".join([_words(head), *scheme])
        return Line(layer, section, _words(label), row)
    if len(tail) > 1 and tail[0] in GROUPS:  # spans.per_category.X.exact -> "spans: exact"
        section = ": ".join([_words(head), *tail[2:]])
        return Line(layer, section, _words(tail[1]), row)
    if len(tail) == 2:  # spans.micro.exact -> section "spans: exact", row micro
        return Line(layer, f"{_words(head)}: {tail[1]}", _words(tail[0]), row)
    return Line(layer, _words(head), " ".join(_words(p) for p in tail), row)


def lines(report: dict[str, Any]) -> list[Line]:
    """Every row of the report, headline rows of a layer first, then section by section."""
    found = [_line(row.path[0], list(row.path[1:]), row) for row in rows(report)]
    order: dict[tuple[str, str | None], int] = {}
    for line in found:
        key = (line.layer, line.section)
        order.setdefault(key, len(order) if line.section else -1)
    layers = list(dict.fromkeys(line.layer for line in found))
    return sorted(found, key=lambda x: (layers.index(x.layer), order[(x.layer, x.section)]))


def _gold(row: Row) -> str:
    counts = row.values
    for key in ("possible", "total"):
        if key in counts:
            return str(counts[key])
    if "tp" in counts and "fn" in counts:
        return str(counts["tp"] + counts["fn"])
    return ""


def _value(row: Row, figure: str) -> str:
    return f"{row.figures[figure][0]:.3f}" if figure in row.figures else ""


def _interval(row: Row, figure: str, replicates: int) -> str:
    ci = row.figures.get(figure, (0.0, None))[1]
    if ci is None:
        return ""
    short = "*" if row.values.get("replicates", replicates) < replicates else " "
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]{short}"


def _table(title: str, figures: tuple[str, ...], headers: tuple[str, ...]) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    table.add_column("", no_wrap=True)
    for header in headers:
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("95% CI" if len(figures) == 1 else "F1 95% CI", no_wrap=True)
    table.add_column("gold" if len(figures) > 1 else "n", justify="right", no_wrap=True)
    return table


def _fill(table: Table, group: list[Line], figures: tuple[str, ...], replicates: int) -> None:
    section: str | None = None
    for line in group:
        if line.section != section:
            section = line.section
            table.add_section()
            table.add_row(f"[bold]{section}[/bold]")
        indent = "  " if section else ""
        name = "\n".join(wrap(line.name, NAME_WIDTH, initial_indent=indent,
                               subsequent_indent=indent + "  "))  # fmt: skip
        cells = [_value(line.row, f) for f in figures]
        ci = _interval(line.row, figures[-1], replicates)
        table.add_row(name, *cells, ci, _gold(line.row))


def render_tables(report: dict[str, Any]) -> list[Table]:
    """One table per layer (and one for its accuracies), in report order."""
    replicates = report["bootstrap"]["n"]
    tables: list[Table] = []
    by_layer: dict[str, list[Line]] = {}
    for line in lines(report):
        by_layer.setdefault(line.layer, []).append(line)
    for layer, group in by_layer.items():
        title = TITLES.get(layer, _words(layer))
        prf = [x for x in group if "f1" in x.row.figures]
        accuracy = [x for x in group if "accuracy" in x.row.figures]
        if prf:
            table = _table(title, ("precision", "recall", "f1"), ("P", "R", "F1"))
            _fill(table, prf, ("precision", "recall", "f1"), replicates)
            tables.append(table)
        if accuracy:
            table = _table(f"{title}: accuracy over matched records", ("accuracy",), ("acc",))
            _fill(table, accuracy, ("accuracy",), replicates)
            tables.append(table)
    return tables


def summary(report: dict[str, Any]) -> str:
    """The line under the tables: documents, ignored rows, bootstrap settings."""
    docs, boot = report["documents"], report["bootstrap"]
    text = f"{docs['predicted']}/{docs['gold']} documents predicted"
    ignored = {k: len(v) for k, v in docs.get("ignored", {}).items() if v}
    if ignored:
        text += f"; {describe_ignored(ignored, report.get('split'))}"
    if boot["n"]:
        text += (
            f"; {boot['confidence']:.0%} bootstrap intervals over {boot['unit']} "
            f"(n={boot['n']}, seed={boot['seed']}); * an interval resting on fewer "
            "replicates (resamples without gold or predicted items of that row are left out)"
        )
    return text


CLAIM_ROWS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("with_source",), "category, span and source"),
    (("without_source",), "category and span"),
    (("source_agreement",), "source right, of found"),
    (("attributes", "source_kind"), "source kind"),
    (("attributes", "source_anonymity"), "source anonymity"),
)


def claims_table(report: dict[str, Any]) -> Table | None:
    """The claims table (baselines/evaluation/claims.py), None in a report without claims.

    P/R/F1 with and without the source condition (``n``: gold claims), then
    the accuracies over matched claims in the last figure column (``n``:
    matched claims scored).
    """
    if not report.get("claims"):
        return None
    replicates = report["bootstrap"]["n"]
    by_path = {row.path[1:]: row for row in rows({"claims": report["claims"]})}
    table = _table("claims: who reports which measure", ("f1",), ("P", "R", "F1 / acc"))
    for path, name in CLAIM_ROWS:
        row = by_path.get(path)
        if row is None:
            continue
        if path == ("source_agreement",):
            table.add_section()
            table.add_row("[bold]accuracy over matched claims[/bold]")
        figure = "f1" if "f1" in row.figures else "accuracy"
        cells = [_value(row, f) for f in ("precision", "recall")] + [_value(row, figure)]
        indent = "  " if figure == "accuracy" else ""
        table.add_row(indent + name, *cells, _interval(row, figure, replicates), _gold(row))
    return table
