"""The report as files: ``index.html``, ``tables/<name>.csv`` and the HTML of each table (pure).

Every text of the input (outlets, sources, cues, sentences, doc_ids, URLs)
is data: escaped for HTML (``html.escape``), URLs linked only when they are
http(s) (nkworkers.loaders.render.safe.link_url), and nothing of it reaches
a script; the page has one script, which marks ``data-ready``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping, Sequence
from html import escape
from typing import Any

from nkworkers.loaders.render import assets
from nkworkers.loaders.render.page import Mark, highlight
from nkworkers.loaders.render.safe import link_url
from nkworkers.loaders.report.tables import Table
from nkworkers.loaders.report.tally import Tally

CSS = """
.report td.n { text-align: right; }
.report section > table { display: block; overflow-x: auto; }
.report .note { color: #555; font-size: .85rem; }
.examples blockquote { margin: .4rem 0 .2rem; padding: .4rem .8rem; background: #fff;
  border-left: 3px solid #d97706; font-family: Georgia, "DejaVu Serif", serif; line-height: 1.9; }
.examples .meta { margin-bottom: .8rem; }
nav.toc a { margin-right: .8rem; white-space: nowrap; }
"""


def csv_bytes(table: Table) -> bytes:
    """The table as CSV (RFC 4180, UTF-8, a header row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    writer.writerows(table.rows)
    return buffer.getvalue().encode("utf-8")


def _table_html(table: Table, chart: bool) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.header)
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="n">{cell:,}</td>' if isinstance(cell, int) else f"<td>{escape(cell)}</td>"
            for cell in row
        )
        + "</tr>"
        for row in table.rows
    )
    figure = (
        f'<figure><img src="charts/{table.name}.png" alt="{escape(table.title)}"></figure>'
        if chart
        else ""
    )
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return f"""<section id="{table.name}"><h2>{escape(table.title)}</h2>{note}
<div class="charts">{figure}</div>
<p class="note"><a href="tables/{table.name}.csv">{table.name}.csv</a> · {len(table.rows)} rows</p>
<table><thead><tr>{head}</tr></thead><tbody>
{body}
</tbody></table></section>"""


def _sentence(example: Mapping[str, Any], n: int) -> str:
    """The sentence as HTML, its measure and (when inside it) its source marked."""
    text: str = example["sentence_text"]
    base: int = example["sentence_start"] or 0
    items = [
        Mark(f"ex{n}-m", "control_measures", example["start"] - base,
             min(example["end"] - base, len(text)), example["category"], "measure", "cm")
    ]  # fmt: skip
    s, e = example["source_start"], example["source_end"]
    inside = s is not None and e is not None and base <= s and e - base <= len(text)
    if inside:
        items.append(Mark(f"ex{n}-s", "attribution", s - base, e - base, "SOURCE", "source",
                          "att att-SOURCE"))  # fmt: skip
    return highlight(text, [m for m in items if 0 <= m.start < m.end])


def _examples_html(tally: Tally, viewer: Collection[str]) -> str:
    parts, n = [], 0
    for category, sample in tally.examples.items():
        items = sample.items()
        if not items:
            continue
        parts.append(f"<h3>{escape(category)}</h3>")
        for example in items:
            n += 1
            sentence = _sentence(example, n)
            who = {"reporter": "the reporter", "unnamed_source": "an unnamed source"}.get(
                example["voice"], f"source: {example['source_text'] or '(text unknown)'}"
            )
            attrs = " · ".join(
                x for x in (example["source_kind"], example["anonymity"]) if x and x[0] != "("
            )
            who += f" ({attrs})" if attrs else ""
            doc_id, href = example["doc_id"], link_url(example["url"])
            if doc_id in viewer:
                link = f'<a href="viewer/{escape(doc_id)}.html">{escape(doc_id)} in the viewer</a>'
            elif href:
                link = f'<a href="{escape(href)}" rel="noreferrer">{escape(doc_id)}</a>'
            else:
                link = escape(doc_id)
            parts.append(
                f"<blockquote>{sentence}</blockquote>"
                f'<p class="meta">{escape(who)} · '
                f"{escape(example['outlet'] or '(no outlet)')} · "
                f"{escape(example['published'] or '(no date)')} · {link}</p>"
            )
    if not parts:
        return "<p>No claim with a known sentence: the rows carry no claims with texts.</p>"
    return "\n".join(parts)


def report_html(
    *, tally: Tally, tables: Sequence[Table], charts: Collection[str], source: str,
    viewer: Collection[str], notes: Sequence[str] = (),
) -> str:  # fmt: skip
    """The page: a summary, every table (chart, HTML, CSV link) and the example claims."""
    shown = [t for t in tables if t.name != "examples"]
    toc = " ".join(f'<a href="#{t.name}">{escape(t.title)}</a>' for t in shown)
    origins = tally.origins
    summary = [
        f"{tally.rows:,} row(s) read from {source}; {tally.claims:,} claim(s).",
        f"Claims read from the rows' claims lists: {origins['listed']:,} row(s); derived from "
        f"their attribution and control layers: {origins['derived']:,}; neither (no claims "
        f"list, not both layers): {origins['without']:,}.",
        f"{tally.with_sentence:,} claim(s) with their sentence known.",
        *notes,
    ]
    sections = "\n".join(_table_html(t, f"{t.name}.png" in charts) for t in shown)
    examples = next((t for t in tables if t.name == "examples"), None)
    csv_link = '<a href="tables/examples.csv">examples.csv</a>' if examples else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nkworkers claims report</title><style>{assets.css()}{CSS}</style></head>
<body class="report wide">
<header><h1>Claims: who reports which control measure</h1>
{"".join(f'<p class="meta">{escape(line)}</p>' for line in summary)}
<nav class="toc">{toc} <a href="#examples">Example claims</a></nav></header>
{sections}
<section id="examples" class="examples"><h2>Example claims</h2>
<p class="note">A uniform sample of the claims whose sentence is known, per category: the
measure underlined, the source in blue where it is in the sentence. {csv_link}</p>
{_examples_html(tally, viewer)}
</section>
<script>document.body.setAttribute("data-ready", "true");</script>
</body></html>
"""
