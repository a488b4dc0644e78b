"""One article as HTML: its text with every annotation highlighted (pure).

Zones are drawn as a layer too (a badge where each begins), so a reader sees
which text is headline, byline or boilerplate. Annotations overlap freely
(an entity inside a content span inside a control measure), and HTML
elements must nest, so the text is
cut at every annotation boundary and each annotation is drawn as one or more
``<span class="ann">`` fragments. Every fragment carries ``data-ann-id``; the
first fragment of an annotation also carries ``data-ann-first``, so counting
``data-ann-first`` counts annotations (and their ids are the annotation ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from itertools import pairwise
from typing import Any

from nkworkers.loaders.claims import derive_claims
from nkworkers.loaders.labels import ControlCategory, EntityType, Role, Zone, names
from nkworkers.loaders.model import Document
from nkworkers.loaders.render import assets
from nkworkers.loaders.render.claims import claims_section
from nkworkers.loaders.render.safe import embed_json, link_url

LAYERS = ("zones", "entities", "attribution", "control_measures")
LAYER_TITLES = {
    "zones": "Zones",
    "entities": "Entities",
    "attribution": "Attribution",
    "control_measures": "Control measures",
}


@dataclass(frozen=True)
class Mark:
    id: str
    layer: str
    start: int
    end: int  # exclusive
    label: str
    title: str
    classes: str
    records: tuple[str, ...] = ()


#: Longest headline taken from the text's first line when the manifest has none.
FIRST_LINE_CHARS = 120


def headline_of(headline: str | None, text: str) -> str:
    """The headline; where none was found, the text's first non-blank line (cut)."""
    if headline:
        return headline
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= FIRST_LINE_CHARS else line[: FIRST_LINE_CHARS - 1] + "…"


def zone_marks(doc: Document) -> list[Mark]:
    """The article's zones, ids ``<doc_id>-Z<n>`` in text order (zones have no ids of their own)."""
    return [
        Mark(f"{doc.doc_id}-Z{i}", "zones", z.start, z.end, z.label.value,
             f"zone {z.label.value}", f"zone zone-{z.label.value}")
        for i, z in enumerate(doc.annotation.zones, start=1)
    ]  # fmt: skip


def marks(doc: Document) -> list[Mark]:
    """Every annotation of the article that has a span, and its zones, as things to highlight."""
    ann = doc.annotation
    records_of: dict[str, list[str]] = {}
    for r in ann.attributions:
        for span_id in (r.source, r.cue, *r.content):
            if span_id is not None:
                records_of.setdefault(span_id, []).append(r.id)
    out = zone_marks(doc)
    out += [
        Mark(
            e.id,
            "entities",
            e.start,
            e.end,
            e.label.value,
            f"{e.label.value} · {e.id}",
            f"ent ent-{e.label.value}",
        )
        for e in ann.entities
    ]
    out += [
        Mark(
            s.id,
            "attribution",
            s.start,
            s.end,
            s.role.value,
            f"{s.role.value} · {s.id} · records: {', '.join(records_of.get(s.id, [])) or 'none'}",
            f"att att-{s.role.value}",
            tuple(records_of.get(s.id, [])),
        )
        for s in ann.attribution_spans
    ]
    out += [
        Mark(
            c.id,
            "control_measures",
            c.start,
            c.end,
            " + ".join(lab.value for lab in c.labels),
            f"{' + '.join(lab.value for lab in c.labels)} · {c.id}",
            "cm",
        )
        for c in ann.control_measures
    ]
    return [m for m in out if m.end > m.start]


def _open_tag(mark: Mark, first: bool) -> str:
    attrs = [
        f'class="ann {mark.classes}"',
        f'data-ann-id="{escape(mark.id)}"',
        f'data-layer="{mark.layer}"',
        f'data-label="{escape(mark.label)}"',
        f'title="{escape(mark.title)}"',
    ]
    if mark.records:
        attrs.append(f'data-rec="{escape(" ".join(mark.records))}"')
    if first:
        attrs.append("data-ann-first")
    return f"<span {' '.join(attrs)}>"


def highlight(text: str, items: list[Mark]) -> str:
    """The text as HTML with each mark drawn as properly nested fragments."""
    bounds = sorted({0, len(text), *(m.start for m in items), *(m.end for m in items)})
    order = sorted(items, key=lambda m: (m.start, -m.end, LAYERS.index(m.layer), m.id))
    rank = {id(m): i for i, m in enumerate(order)}
    starting: dict[int, list[Mark]] = {}
    for m in order:
        starting.setdefault(m.start, []).append(m)
    out: list[str] = []
    stack: list[Mark] = []
    opened: set[str] = set()
    active: list[Mark] = []
    for a, b in pairwise(bounds):
        # Bounds hold every start and end, so a mark covers whole segments: keep the
        # ones not ended, add the ones starting here. Rescanning every mark for every
        # segment was quadratic (8,000 entities: 3 s; a long article: minutes).
        active = sorted(
            [m for m in (*active, *starting.get(a, ())) if m.end > a], key=lambda m: rank[id(m)]
        )
        keep = 0
        while keep < len(stack) and keep < len(active) and stack[keep] is active[keep]:
            keep += 1
        out += ["</span>"] * (len(stack) - keep)
        stack = stack[:keep]
        for m in active[keep:]:
            out.append(_open_tag(m, m.id not in opened))
            opened.add(m.id)
            stack.append(m)
        out.append(escape(text[a:b]))
    out += ["</span>"] * len(stack)
    return "".join(out)


def _records(doc: Document) -> list[dict[str, Any]]:
    spans = {s.id: s for s in doc.annotation.attribution_spans}

    def text(span_id: str | None) -> str | None:
        return spans[span_id].text if span_id in spans else None

    return [
        {
            **r.model_dump(mode="json"),
            "source_text": text(r.source),
            "cue_text": text(r.cue),
            "content_text": [text(c) for c in r.content],
        }
        for r in doc.annotation.attributions
    ]


def record_rows(records: list[dict[str, Any]]) -> str:
    """Table rows of attribution records (their attributes may be null in a prediction)."""
    rows = []
    for r in records:
        content = " … ".join(t or "" for t in r["content_text"])
        attributes = [r.get(k) or "" for k in ("source_anonymity", "source_kind", "quote_type")]
        cells = [r["id"].rsplit("-", 1)[-1], r["source_text"] or "(none)", r["cue_text"] or "",
                 content, *attributes, (r.get("parent") or "").rsplit("-", 1)[-1]]  # fmt: skip
        tds = "".join(f"<td>{escape(c)}</td>" for c in cells)
        rows.append(f'<tr data-rec-row="{escape(r["id"])}">{tds}</tr>')
    return "\n".join(rows)


def legend() -> str:
    ents = "".join(f'<span class="key ent ent-{x}">{x}</span>' for x in names(EntityType))
    roles = "".join(f'<span class="key att att-{x}">{x}</span>' for x in names(Role))
    zones = "".join(f'<span class="key zone-{x}">{x}</span>' for x in names(Zone))
    return (
        f'<div class="legend" data-legend="zones">{zones}</div>'
        f'<div class="legend" data-legend="entities">{ents}</div>'
        f'<div class="legend" data-legend="attribution">{roles}</div>'
        '<div class="legend" data-legend="control_measures">'
        f'<span class="key cm">control measure ({len(ControlCategory)} categories)</span></div>'
    )


def toggles(counts: dict[str, int]) -> str:
    """A checkbox per layer (with its count) and the labels switch."""
    boxes = "".join(
        f'<label><input type="checkbox" checked data-layer-toggle="{layer}"> '
        f"{LAYER_TITLES[layer]} ({n})</label>"
        for layer, n in counts.items()
    )
    labels = '<label><input type="checkbox" data-label-toggle> labels</label>'
    return f'<div class="toggles">{boxes}\n{labels}</div>'


def url_html(url: str | None) -> str:
    """An http(s) URL as a link; anything else as text (nkworkers.loaders.render.safe)."""
    href = link_url(url)
    return (
        f'<a href="{escape(href)}" rel="noreferrer">{escape(href)}</a>'
        if href
        else escape(url or "")
    )


def nav_html(prev_next: tuple[str | None, str | None]) -> str:
    return " ".join(
        f'<a href="{escape(target)}.html">{label}</a>'
        for target, label in zip(prev_next, ("← previous", "next →"), strict=True)
        if target is not None
    )


def frame(
    *, title: str, body: dict[str, str], crumbs: str, nav: str, meta: str, controls: str,
    main: str, sections: str, records: list[dict[str, Any]],
) -> str:  # fmt: skip
    """A viewer page: header (crumbs, nav, h1 ``title``, meta line, controls), main, sections.

    Everything passed in is HTML already escaped, but ``title`` and ``body``
    values (text). ``records`` travel as JSON for the hover script.
    """
    attrs = " ".join(f'{k}="{escape(v)}"' for k, v in body.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · nkworkers</title>
<style>{assets.css()}</style></head>
<body {attrs}>
<header><a href="index.html">nkworkers</a> · {crumbs}
<span class="nav">{nav}</span>
<h1>{escape(title)}</h1>
<p class="meta">{meta}</p>
{controls}
</header>
{main}
<svg id="links" aria-hidden="true"></svg>
{sections}
<script type="application/json" id="records">{embed_json(records)}</script>
<script>{assets.js()}</script>
</body></html>
"""


RECORDS_HEAD = (
    "<tr><th>id</th><th>source</th><th>cue</th><th>content</th><th>anonymity</th>"
    "<th>kind</th><th>quote</th><th>parent</th></tr>"
)


def page(doc: Document, split: str, prev_next: tuple[str | None, str | None]) -> str:
    """The whole HTML page of one article: its layers, zones, records and claims."""
    meta = doc.meta
    items = marks(doc)
    records = _records(doc)
    claims = derive_claims(doc.annotation, text=doc.text)
    return frame(
        title=headline_of(meta.headline, doc.text),
        body={"data-doc-id": doc.doc_id, "data-ann-count": str(len(items))},
        crumbs=f"{split} · {escape(doc.doc_id)}",
        nav=nav_html(prev_next),
        meta=f"{escape(meta.outlet)} · published {escape(meta.published)} "
        f"({escape(meta.published_confidence.value)} confidence) · "
        f"{escape(meta.credits or '')} {url_html(meta.url)}",
        controls=toggles({layer: sum(m.layer == layer for m in items) for layer in LAYERS})
        + legend(),
        main=f"""<main><article id="text">{highlight(doc.text, items)}</article>
<aside id="details"><h2>Details</h2>
<div id="details-body">Hover over a highlighted span.</div></aside>
</main>""",
        sections=f"""<section><h2>Attribution records ({len(records)})</h2>
<table class="records"><thead>{RECORDS_HEAD}</thead>
<tbody>{record_rows(records)}</tbody></table></section>
{claims_section("Claims", claims)}
<section><p class="rights">{escape(meta.rights)}</p></section>""",
        records=records,
    )
