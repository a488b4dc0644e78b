"""The report's charts: a matplotlib PNG (Agg) per table that has a Chart.

Drawn by nkworkers.loaders.render.charts.bar_chart, as the corpus site's are.
Bar labels are texts of the input (outlets, sources, cues): matplotlib reads
text between two ``$`` as mathematics and raises on what it cannot parse,
so every ``$`` is escaped; long labels are cut.
"""

from __future__ import annotations

from collections.abc import Sequence

from nkworkers.loaders.report.tables import Table


def charts(tables: Sequence[Table]) -> dict[str, bytes]:
    """``<table name>.png`` -> PNG bytes, for each table with a chart and at least one row."""
    from nkworkers.loaders.render.charts import bar_chart

    out = {}
    for table in tables:
        if table.chart is None or not table.rows:
            continue
        rows = table.rows[: table.chart.rows] if table.chart.rows else table.rows
        labels = _unique([_label(str(row[0])) for row in rows])
        series = {
            name: [int(row[table.header.index(name)]) for row in rows]
            for name in table.chart.series
        }
        out[f"{table.name}.png"] = bar_chart(table.title, labels, series)
    return out


LABEL_CHARS = 40


def _label(text: str) -> str:
    """A bar label: one line, at most LABEL_CHARS characters, ``$`` taken literally."""
    text = " ".join(text.split())
    if len(text) > LABEL_CHARS:
        text = text[: LABEL_CHARS - 1] + "…"
    return text.replace("$", r"\$")


def _unique(labels: list[str]) -> list[str]:
    """Labels made distinct (matplotlib draws equal category labels as one bar)."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out
