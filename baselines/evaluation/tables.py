"""The terminal rendering of a report: one table per layer, read in one screen.

Each layer has its own function in ``LAYER_TABLES`` (a new layer's drops in
there; a layer without one gets every row). A row shows P, R and F1, F1's
interval, and the counts the figures come from: tp / fp / fn, SemEval's
cor / inc / par / mis / spu for the entity schemes, correct / total for an
accuracy. Labels are spelled as the Enums spell them, in a column that never
wraps (``PHYSICAL_AND_SEXUAL_VIOLENCE`` wrapped into "PHYSICAL AND SEXUAL /
VIOLENCE"): :func:`width` gives the console width the tables need.

The default view folds sections whose rows are identical (the entity types
under strict, exact, partial and type often are) into one, with a note
naming what it stands for, and leaves out the control layer's per-category
span rows and per-indicator rows; ``full=True`` shows every row of the
report, section by section. ``--json`` and ``--markdown`` hold every figure
and interval whatever the view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from nkworkers.baselines.evaluation.reader import describe_ignored
from nkworkers.baselines.evaluation.report import Row, rows

TITLES = {"entities": "entities (SemEval-2013 schemes)", "attribution": "attribution",
          "control_measures": "control measures",
          "claims": "claims: who reports which measure"}  # fmt: skip
GROUPS = ("per_type", "per_category", "per_indicator")
PRF = ("precision", "recall", "f1")
# (count keys, their headers, what they mean), the first whose keys a table's rows hold
COUNTS: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (("correct", "incorrect", "partial", "missed", "spurious"),
     ("cor", "inc", "par", "mis", "spu"),
     "cor correct, inc incorrect, par partial, mis missed, spu spurious under each scheme; "
     "gold = cor+inc+par+mis, predicted = cor+inc+par+spu"),
    (("tp", "fp", "fn"), ("tp", "fp", "fn"), "gold = tp+fn, predicted = tp+fp"),
    (("correct", "total"), ("correct", "total"), "accuracy = correct / total matched records"),
)  # fmt: skip


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
    # Section headings are the report's keys in words; row names are kept as
    # spelled (labels as their Enums spell them).
    if len(rest) == 1:
        return Line(layer, None, rest[0], row)
    head, tail = rest[0], rest[1:]
    if head in GROUPS:  # per_type.PERSON.strict -> section "per type: strict", row PERSON
        label, scheme = tail[0], tail[1:]
        return Line(layer, ": ".join([_words(head), *scheme]), label, row)
    if len(tail) > 1 and tail[0] in GROUPS:  # spans.per_category.X.exact -> "spans: exact"
        return Line(layer, ": ".join([_words(head), *tail[2:]]), tail[1], row)
    if len(tail) == 2:  # spans.micro.exact -> section "spans: exact", row micro
        return Line(layer, f"{_words(head)}: {tail[1]}", tail[0], row)
    return Line(layer, _words(head), " ".join(tail), row)


def lines(report: dict[str, Any]) -> list[Line]:
    """Every row of the report, headline rows of a layer first, then section by section."""
    found = [_line(row.path[0], list(row.path[1:]), row) for row in rows(report)]
    order: dict[tuple[str, str | None], int] = {}
    for line in found:
        key = (line.layer, line.section)
        order.setdefault(key, len(order) if line.section else -1)
    layers = list(dict.fromkeys(line.layer for line in found))
    return sorted(found, key=lambda x: (layers.index(x.layer), order[(x.layer, x.section)]))


def fold_identical(group: list[Line]) -> tuple[list[Line], list[str]]:
    """Sections whose rows are identical (names, figures, counts) shown once, and a note each.

    The kept section is "per type: all" when it stands for every section of
    its prefix, else it keeps the first one's name; the note names the
    sections it stands for. (A heading sits in the name column, so it stays
    short: "per type: strict = exact = partial" would widen every table.)
    """
    sections: dict[str, list[Line]] = {}
    for line in group:
        if line.section is not None:
            sections.setdefault(line.section, []).append(line)
    same: dict[tuple[Any, ...], list[str]] = {}
    for section, members in sections.items():
        key = tuple((x.name, repr(x.row.figures), repr(x.row.values)) for x in members)
        same.setdefault(key, []).append(section)
    renamed: dict[str, str] = {}
    notes: list[str] = []
    for names in (n for n in same.values() if len(n) > 1):
        prefix = _prefix(names[0])
        every = [s for s in sections if _prefix(s) == prefix]
        renamed[names[0]] = f"{prefix}: all" if prefix and names == every else names[0]
        notes.append(
            f"{renamed[names[0]]} stands for {_listed(names)} (identical rows here; "
            "--full shows each)"
        )
    dropped = {n for names in same.values() for n in names[1:]}
    kept = [
        Line(x.layer, renamed.get(x.section, x.section), x.name, x.row) if x.section else x
        for x in group
        if x.section not in dropped
    ]
    return kept, notes


def _listed(sections: list[str]) -> str:
    """ "strict, exact and type" of per-type sections; whole names when prefixes differ."""
    prefix = _prefix(sections[0])
    same = prefix and all(_prefix(s) == prefix for s in sections)
    names = [s.rsplit(": ", 1)[1] for s in sections] if same else sections
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def _prefix(section: str) -> str:
    """ "per type" of "per type: strict"; "" for a section without a colon."""
    return section.rsplit(": ", 1)[0] if ": " in section else ""


def _value(row: Row, figure: str) -> str:
    return f"{row.figures[figure][0]:.3f}" if figure in row.figures else ""


def _interval(row: Row, figure: str, replicates: int) -> str:
    ci = row.figures.get(figure, (0.0, None))[1]
    if ci is None:
        return ""
    short = "*" if row.values.get("replicates", replicates) < replicates else " "
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]{short}"


def _counts_of(group: list[Line]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    held = {key for line in group for key in line.row.values}
    return next((c for c in COUNTS if set(c[0]) <= held), ((), (), ""))


def table(
    title: str, group: list[Line], replicates: int, notes: list[str], figures: tuple[str, ...]
) -> Table:
    """One rich table of ``group``: figures, the last one's interval, the counts; notes below."""
    keys, headers, legend = _counts_of(group)
    caption = Text("\n".join([legend, *notes])) if legend or notes else None
    out = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, title_justify="left",
                caption_justify="left", pad_edge=False, collapse_padding=True,
                show_edge=False)  # fmt: skip
    out.add_column("", no_wrap=True)
    for figure in figures:
        out.add_column({"precision": "P", "recall": "R", "f1": "F1"}.get(figure, "acc"),
                       justify="right", no_wrap=True)  # fmt: skip
    out.add_column("95% CI" if len(figures) == 1 else "F1 95% CI", no_wrap=True)
    for header in headers:
        out.add_column(header, justify="right", no_wrap=True)
    section: str | None = None
    for line in group:
        if line.section != section:
            section = line.section
            out.add_section()
            out.add_row(Text(section or "", style="bold"))
        name = Text(("  " if section else "") + line.name)
        values = [_value(line.row, f) for f in figures]
        counts = [str(line.row.values.get(k, "")) for k in keys]
        out.add_row(name, *values, _interval(line.row, figures[-1], replicates), *counts)
    return out


def layer_tables(
    layer: str, group: list[Line], replicates: int, *, full: bool, notes: tuple[str, ...] = ()
) -> list[Table]:
    """Any layer: a P/R/F1 table and an accuracy table, identical sections folded unless full."""
    folds: list[str] = []
    if not full:
        group, folds = fold_identical(group)
    title = TITLES.get(layer, _words(layer))
    prf = [x for x in group if "f1" in x.row.figures]
    accuracy = [x for x in group if "accuracy" in x.row.figures]
    tables = []
    if prf:
        tables.append(table(title, prf, replicates, [*folds, *notes], PRF))
    if accuracy:
        title = f"{title}: accuracy over matched records"
        tables.append(table(title, accuracy, replicates, [], ("accuracy",)))
    return tables


def entities_tables(group: list[Line], replicates: int, *, full: bool) -> list[Table]:
    """The four SemEval schemes, then per type under strict (and the schemes identical to it).

    Per type under the other schemes: --full.
    """
    if full:
        return layer_tables("entities", group, replicates, full=True)
    folded, folds = fold_identical(group)
    strict = next((x.section for x in folded if x.row.path[-1:] == ("strict",) and x.section), None)
    shown = [x for x in folded if x.section in (None, strict)]
    hidden = sorted({x.section for x in folded if x.section not in (None, strict)})
    notes = [n for n in folds if strict and n.startswith(f"{strict} stands")]
    if hidden:
        notes.append(f"per type under {_listed(hidden)}: --full")
    return layer_tables("entities", shown, replicates, full=True, notes=tuple(notes))


def attribution_tables(group: list[Line], replicates: int, *, full: bool) -> list[Table]:
    """Span roles (exact, overlap), records, and the attributes of matched records."""
    return layer_tables("attribution", group, replicates, full=full)


def _detail(line: Line) -> bool:
    """A per-category span row or a per-indicator row: --full only."""
    path = line.row.path
    return "per_indicator" in path or ("spans" in path and "per_category" in path)


def control_tables(group: list[Line], replicates: int, *, full: bool) -> list[Table]:
    """Span and sentence micro figures, sentences per category, ILO indicators micro and macro."""
    if full:
        return layer_tables("control_measures", group, replicates, full=True)
    shown = [x for x in group if not _detail(x)]
    hidden = len(shown) < len(group)
    notes = ("per-category span rows and per-indicator rows: --full",) if hidden else ()
    return layer_tables("control_measures", shown, replicates, full=False, notes=notes)


LayerTables = Callable[..., list[Table]]
LAYER_TABLES: dict[str, LayerTables] = {
    "entities": entities_tables,
    "attribution": attribution_tables,
    "control_measures": control_tables,
}


def render_tables(report: dict[str, Any], *, full: bool = False) -> list[Table]:
    """The tables of every layer, in report order; ``full``: every row, nothing folded."""
    replicates = report["bootstrap"]["n"]
    by_layer: dict[str, list[Line]] = {}
    for line in lines(report):
        by_layer.setdefault(line.layer, []).append(line)
    tables: list[Table] = []
    for layer, group in by_layer.items():
        make = LAYER_TABLES.get(layer)
        if make is None:
            tables += layer_tables(layer, group, replicates, full=full)
        else:
            tables += make(group, replicates, full=full)
    return tables


def width(tables: list[Table]) -> int:
    """Columns the widest table takes unwrapped and uncut (give the console at least this)."""
    console = Console(width=1000)
    options = console.options.update_width(1000)
    return max((Measurement.get(console, options, t).maximum for t in tables), default=0)


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
