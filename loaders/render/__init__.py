"""``nkworkers render``: a static, self-contained site to browse the corpus.

``site`` is pure (documents, splits and stats in; ``{relative path: bytes}``
out); ``render_site`` is the IO edge. ``render_predictions`` draws a
predictions or tagged file instead (nkworkers.loaders.render.predictions):
corpus articles beside their gold, each span found, missed or false alarm.
One page per article (``<doc_id>.html``) with the three layers and the zones
highlighted and switchable, details on hover and the
attribution links drawn from cue to source and content; ``index.html`` with
the corpus counts and label-distribution charts (``charts/*.png``). Styles
and scripts are inline and the pages link only to each other and to the
PNGs, so nothing is fetched from the network when the site is viewed (the
article's own URL is a plain link when it is http(s), and text otherwise).
Corpus text stays data on every page: see nkworkers.loaders.render.safe.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from nkworkers.loaders.corpus import refuse_writing_into_corpus
from nkworkers.loaders.files.atomic import write_many
from nkworkers.loaders.labels import Split
from nkworkers.loaders.model import Document
from nkworkers.loaders.render import assets
from nkworkers.loaders.render.page import LAYERS, headline_of, marks, page


def _index(
    docs: Sequence[Document],
    split_of: Mapping[str, str],
    stats: Mapping[str, Any],
    chart_titles: Mapping[str, str],
) -> str:
    splits = [s.value for s in Split]
    head = "".join(f"<th>{s}</th>" for s in [*splits, "total"])
    rows = "\n".join(
        f"<tr><td>{escape(key)}</td>"
        + "".join(f'<td class="n">{row[s]}</td>' for s in [*splits, "total"])
        + "</tr>"
        for key, row in stats["counts"].items()
        if row["total"]
    )
    articles = []
    for doc in docs:
        items = marks(doc)
        per_layer = " · ".join(
            f"{sum(m.layer == layer for m in items)} {layer.replace('_', ' ')}" for layer in LAYERS
        )
        articles.append(
            f'<tr><td><a href="{escape(doc.doc_id)}.html">'
            f"{escape(headline_of(doc.meta.headline, doc.text))}</a></td>"
            f"<td>{escape(doc.meta.outlet)}</td><td>{escape(doc.meta.published)}</td>"
            f"<td>{split_of[doc.doc_id]}</td><td>{per_layer}</td></tr>"
        )
    figures = "\n".join(
        f'<figure><img src="charts/{name}" alt="{escape(title)}"></figure>'
        for name, title in chart_titles.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nkworkers corpus</title><style>{assets.css()}</style></head>
<body>
<header><h1>nkworkers: North Korean workers in Russia, annotated</h1>
<p class="meta">{len(docs)} articles; entities (OntoNotes), PARC-style attribution and
control measures. Article texts: all rights reserved by their publishers.</p></header>
<section><h2>Articles</h2>
<table><thead><tr><th>headline</th><th>outlet</th><th>published</th><th>split</th>
<th>annotations</th></tr></thead><tbody>
{chr(10).join(articles)}
</tbody></table></section>
<section><h2>Label distributions</h2><div class="charts">{figures}</div></section>
<section><h2>Counts per split</h2>
<table class="stats"><thead><tr><th>layer/label</th>{head}</tr></thead><tbody>
{rows}
</tbody></table></section>
<script>document.body.setAttribute("data-ready", "true");</script>
</body></html>
"""


def site(
    docs: Sequence[Document], split_of: Mapping[str, str], stats: Mapping[str, Any]
) -> dict[str, bytes]:
    """Every file of the site (pure)."""
    # matplotlib is an optional dependency (the baselines extra): imported only
    # when a site is rendered, so the rest of the CLI works without it.
    from nkworkers.loaders.render.charts import charts

    pngs = charts(stats)
    files = {f"charts/{name}": png for name, (_, png) in pngs.items()}
    ids = [d.doc_id for d in docs]
    for i, doc in enumerate(docs):
        neighbours = (ids[i - 1] if i > 0 else None, ids[i + 1] if i + 1 < len(ids) else None)
        html = page(doc, split_of[doc.doc_id], neighbours)
        files[f"{doc.doc_id}.html"] = html.encode("utf-8")
    titles = {name: title for name, (title, _) in pngs.items()}
    files["index.html"] = _index(docs, split_of, stats, titles).encode("utf-8")
    return files


def render_site(*, root: Path, out: Path) -> list[Path]:
    """Read and validate the corpus at root; write the site under out."""
    from nkworkers.loaders.dataset.stats import corpus_stats
    from nkworkers.loaders.validate import load_valid

    docs, split_of, _ = load_valid(root)
    files = site(docs, split_of, corpus_stats(root))
    data = {out / rel: content for rel, content in sorted(files.items())}
    refuse_writing_into_corpus(root, out, data)
    write_many(data)  # all pages or none
    return list(data)


def read_rows(predictions: Path, *, only: Collection[str] | None = None) -> list[Any]:
    """Every row of a predictions or tagged file (JSONL or parquet), parsed (``only``: these ids).

    Raises RowsError naming the file and record: unreadable, not the
    predictions format (nkworkers.loaders.predictions), or a doc_id seen twice.
    """
    from nkworkers.loaders.files.rows import RowsError, iter_rows
    from nkworkers.loaders.predictions import parse_row
    from nkworkers.loaders.render.predictions import Row

    rows, seen = [], set()
    for where, raw in iter_rows(predictions):
        if only is not None and raw["doc_id"] not in only:
            continue
        parsed = parse_row(raw)
        if isinstance(parsed, tuple):
            raise RowsError(where, *parsed)
        if parsed.doc_id in seen:
            raise RowsError(where, "doc_id seen twice", "keep one row per article")
        seen.add(parsed.doc_id)
        rows.append(Row(where, parsed, raw))
    return rows


def render_predictions(*, root: Path, predictions: Path, out: Path) -> list[Path]:
    """Draw a predictions file (corpus articles beside their gold); write the pages under out.

    Raises CorpusError (a bad corpus) or RowsError (a row that is not the predictions
    format, or whose offsets run past its text), naming the file and row.
    """
    from nkworkers.loaders.files.rows import RowsError
    from nkworkers.loaders.predictions import check_offsets
    from nkworkers.loaders.render.predictions import predictions_site
    from nkworkers.loaders.validate import load_valid

    docs, split_of, _ = load_valid(root)
    rows = read_rows(predictions)
    texts = {d.doc_id: d.text for d in docs}
    for row in rows:
        text = texts.get(row.parsed.doc_id, row.raw.get("text"))
        if isinstance(text, str) and (problem := check_offsets(row.parsed, text)):
            raise RowsError(row.where, problem, "predict on the article's own text")
    files = predictions_site(docs, split_of, rows)
    data = {out / rel: content for rel, content in sorted(files.items())}
    refuse_writing_into_corpus(root, out, data)
    write_many(data)
    return list(data)
