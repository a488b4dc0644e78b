"""``render --predictions``: a page per predictions row and an index of them (pure).

A row of a corpus article is compared with its gold (nkworkers.loaders.render.compare);
a row of another article is drawn from its own ``text`` with predictions
only, its headline, outlet, published and url taken from the row where it
carries them; a row with neither is listed on the index as not drawn.
Corpus articles keep their page name (``<doc_id>.html``, the name the gold
site and the report link to); other rows, whose doc_ids are anyone's
strings, are ``row-<n>.html``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from nkworkers.loaders.claims import Claim, derive_claims
from nkworkers.loaders.model import Document
from nkworkers.loaders.predictions import PredictionRow
from nkworkers.loaders.render import assets
from nkworkers.loaders.render.claims import claims_section
from nkworkers.loaders.render.compare import (
    compare,
    outcome_legend,
    outcome_table,
    predicted_records,
    row_marks,
)
from nkworkers.loaders.render.page import (
    LAYERS,
    RECORDS_HEAD,
    _records,
    frame,
    headline_of,
    highlight,
    legend,
    record_rows,
    toggles,
    url_html,
)

DETAILS = """<aside id="details"><h2>Details</h2>
<div id="details-body">Hover over a highlighted span.</div></aside>"""


@dataclass(frozen=True)
class Row:
    """One predictions row: where it was read, the parsed layers and the whole record."""

    where: str
    parsed: PredictionRow
    raw: Mapping[str, Any]


def predicted_claims(row: Row, text: str) -> tuple[list[Claim], str]:
    """The row's claims and where they come from: its claims list, or derived from its layers."""
    if row.parsed.claims is not None:
        return list(row.parsed.claims), "read from the row's claims list"
    if row.parsed.attributions is not None and row.parsed.control_measures is not None:
        claims = derive_claims(row.parsed, text=text)
        return claims, "derived from the row's attribution and control layers"
    return [], "none: the row has no claims list and not both attribution and control layers"


def _field(row: Row, doc: Document | None, key: str) -> str | None:
    if doc is not None:
        return getattr(doc.meta, key)
    value = row.raw.get(key)
    return None if value is None else str(value)


def prediction_page(row: Row, text: str, doc: Document | None, crumb: str) -> str:
    """One row's page: beside its gold when ``doc`` is given, else alone."""
    records = predicted_records(row.parsed, text)
    predicted = row_marks(row.parsed, records)
    claims, origin = predicted_claims(row, text)
    sections = [
        f"""<section><h2>Predicted attribution records ({len(records)})</h2>
<table class="records"><thead>{RECORDS_HEAD}</thead>
<tbody>{record_rows(records)}</tbody></table></section>""",
        claims_section("Predicted claims", claims, note=f"Claims {origin}."),
    ]
    if doc is None:
        items = predicted
        body = f'<article id="text">{highlight(text, predicted)}</article>'
        controls = legend()
    else:
        compared = compare(doc, row.parsed, predicted)
        items = compared.gold + compared.predicted
        gold_records = _records(doc)
        records = gold_records + records
        body = (
            '<div id="text" class="compare"><article class="side" data-side="gold"><h2>Gold</h2>'
            f"{highlight(text, compared.gold)}</article>"
            '<article class="side" data-side="predicted"><h2>Predicted</h2>'
            f"{highlight(text, compared.predicted)}</article></div>"
        )
        controls = legend() + outcome_legend()
        sections = [
            f"<section><h2>Found, missed and false alarms</h2>{outcome_table(compared.counts)}"
            '<p class="meta">Entities: same offsets and type; attribution spans: overlapping, '
            "same role; control spans: overlapping, same category (as evaluate scores them).</p>"
            "</section>",
            *sections,
            claims_section("Gold claims", derive_claims(doc.annotation, text=doc.text)),
        ]
    counts = {layer: sum(m.layer == layer for m in items) for layer in LAYERS}
    headline = doc.meta.headline if doc else _field(row, None, "headline")
    return frame(
        title=headline_of(headline, text),
        body={"data-doc-id": row.parsed.doc_id, "data-ann-count": str(len(items)),
              **({"class": "wide"} if doc else {})},
        crumbs=escape(crumb),
        nav="",
        meta=f"{escape(_field(row, doc, 'outlet') or '(no outlet)')} · published "
        f"{escape(_field(row, doc, 'published') or '(unknown)')} "
        f"{url_html(_field(row, doc, 'url'))}",
        controls=toggles(counts) + controls,
        main=f"<main>{body}\n{DETAILS}</main>",
        sections="\n".join(sections),
        records=records,
    )  # fmt: skip


def predictions_site(
    docs: Sequence[Document], split_of: Mapping[str, str], rows: Iterable[Row]
) -> dict[str, bytes]:
    """Every page of the predictions site and its index (pure)."""
    by_id = {d.doc_id: d for d in docs}
    files: dict[str, bytes] = {}
    listed: list[str] = []
    for n, row in enumerate(rows, start=1):
        doc = by_id.get(row.parsed.doc_id)
        text = doc.text if doc is not None else row.raw.get("text")
        if not isinstance(text, str):
            listed.append(
                f"<tr><td>{escape(row.parsed.doc_id)}</td><td>not drawn: not a corpus article, "
                "and the row has no text</td><td></td></tr>"
            )
            continue
        name = f"{doc.doc_id}.html" if doc is not None else f"row-{n:06d}.html"
        crumb = (
            f"{split_of[doc.doc_id]} · {doc.doc_id}"
            if doc
            else f"not in the corpus · {row.parsed.doc_id}"
        )
        html = prediction_page(row, text, doc, crumb)
        files[name] = html.encode("utf-8")
        headline = doc.meta.headline if doc else _field(row, None, "headline")
        kind = "beside the gold" if doc else "predictions only"
        listed.append(
            f'<tr><td><a href="{name}">{escape(headline_of(headline, text))}</a></td>'
            f"<td>{kind}</td><td>{escape(row.parsed.doc_id)}</td></tr>"
        )
    files["index.html"] = _index(listed).encode("utf-8")
    return files


def _index(rows: list[str]) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nkworkers predictions</title><style>{assets.css()}</style></head>
<body>
<header><h1>Predictions</h1>
<p class="meta">{len(rows)} row(s). Corpus articles are drawn beside their gold, each span
marked found, missed or false alarm; other articles with their predictions only.</p></header>
<section><table><thead><tr><th>headline</th><th>drawn</th><th>doc_id</th></tr></thead><tbody>
{chr(10).join(rows)}
</tbody></table></section>
<script>document.body.setAttribute("data-ready", "true");</script>
</body></html>
"""
