"""The static site: pure HTML checks, and every page in real headless Chromium.

The Chromium tests need Debian's chromium (.ci/install-chromium.sh installs
it) and are skipped, with that reason, only when /usr/bin/chromium is absent.
Set NKWORKERS_SCREENSHOTS=<dir> to keep the screenshots for a look.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nkworkers.loaders.labels import EntityType, QuoteType, Role, SourceAnonymity, SourceKind
from nkworkers.loaders.model import Attribution, AttributionSpan, Document, Entity
from nkworkers.loaders.render import assets, render_site
from nkworkers.loaders.render.page import LAYERS, Mark, _records, highlight, marks
from nkworkers.loaders.render.page import page as render_page
from nkworkers.loaders.render.safe import link_url
from nkworkers.loaders.text.locate import find
from nkworkers.loaders.validate import load_valid

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
# Chromium's log line for any console message or uncaught exception of the page
CONSOLE = re.compile(r":CONSOLE[:(]|Uncaught")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is absent: run .ci/install-chromium.sh (Debian's chromium)",
)


@cache
def documents() -> tuple[Document, ...]:
    return tuple(load_valid(ROOT)[0])


def expected_ids(doc: Document) -> set[str]:
    """Every annotation id, and the zones' (``<doc_id>-Z<n>``: zones are drawn as a layer)."""
    ann = doc.annotation
    return (
        {f"{doc.doc_id}-Z{i}" for i in range(1, len(ann.zones) + 1)}
        | {e.id for e in ann.entities}
        | {s.id for s in ann.attribution_spans}
        | {c.id for c in ann.control_measures}
    )


class _Spans(HTMLParser):
    """Annotation fragments of a page: (ann id, is first fragment), text and nesting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fragments: list[tuple[str, bool]] = []
        self.body: dict[str, str] = {}
        self.depth = 0
        self.in_text = False
        self.text: list[str] = []
        self.cover: dict[str, list[tuple[int, int]]] = {}
        self.open: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "body":
            self.body = {k: v or "" for k, v in a.items()}
        if tag == "article" and a.get("id") == "text":
            self.in_text = True
        if self.in_text and tag == "span":
            ann = a.get("data-ann-id")
            if ann is not None:
                self.fragments.append((ann, "data-ann-first" in a))
            self.open.append((ann, len("".join(self.text))))

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.in_text = False
        if self.in_text and tag == "span":
            ann, start = self.open.pop()
            if ann is not None:
                self.cover.setdefault(ann, []).append((start, len("".join(self.text))))

    def handle_data(self, data: str) -> None:
        if self.in_text:
            self.text.append(data)


def parse(html: str) -> _Spans:
    parser = _Spans()
    parser.feed(html)
    parser.close()
    return parser


def parse_text(fragment: str) -> _Spans:
    return parse(f'<article id="text">{fragment}</article>')


def _merged(parts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(parts):
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


# ---------------------------------------------------------------- pure


def test_every_annotation_is_highlighted_once_over_its_exact_characters() -> None:
    for doc in documents():
        items = marks(doc)
        page = parse_text(highlight(doc.text, items))
        assert "".join(page.text) == doc.text
        firsts = [ann for ann, first in page.fragments if first]
        assert len(firsts) == len(items) == len(expected_ids(doc))
        assert set(firsts) == expected_ids(doc)
        for m in items:
            assert _merged(page.cover[m.id]) == [(m.start, m.end)], m.id


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="ab <&\n", min_size=1, max_size=30).flatmap(
        lambda text: st.tuples(
            st.just(text),
            st.lists(
                st.tuples(
                    st.integers(0, len(text)), st.integers(0, len(text)), st.sampled_from(LAYERS)
                ),
                max_size=8,
            ),
        )
    )
)
def test_overlapping_marks_nest_and_cover_exactly(case: tuple[str, list]) -> None:
    text, raw = case
    items = [
        Mark(f"m{i}", layer, min(a, b), max(a, b), "L", "t", "c")
        for i, (a, b, layer) in enumerate(raw)
        if a != b
    ]
    page = parse_text(highlight(text, items))
    assert "".join(page.text) == text
    assert sorted(a for a, first in page.fragments if first) == sorted(m.id for m in items)
    for m in items:
        assert _merged(page.cover[m.id]) == [(m.start, m.end)]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    render_site(root=ROOT, out=out)
    return out


def test_site_has_a_page_per_article_an_index_and_charts(site: Path) -> None:
    names = {p.name for p in site.glob("*.html")}
    assert names == {"index.html", *(f"{d.doc_id}.html" for d in documents())}
    charts = sorted((site / "charts").glob("*.png"))
    assert charts and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in charts)
    index = (site / "index.html").read_text(encoding="utf-8")
    for p in charts:
        assert f'src="charts/{p.name}"' in index
    for doc in documents():
        assert f'href="{doc.doc_id}.html"' in index


def test_nothing_is_fetched_from_the_network(site: Path) -> None:
    for page in site.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<link\b|@import|url\(", html), page.name
        for attr in re.findall(r'\bsrc="([^"]*)"', html):
            assert not re.match(r"[a-z]+:|//", attr), (page.name, attr)
            assert (site / attr).is_file(), (page.name, attr)
        # the only absolute link is the article's own URL, a plain link to click
        for href in re.findall(r'\bhref="([^"]*)"', html):
            if re.match(r"[a-z]+:|//", href):
                assert href.startswith("https://") or href.startswith("http://")
                assert f'href="{href}" rel="noreferrer"' in html


# ---------------------------------------------------------------- Chromium


def chromium(url: str, *extra: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if CONSOLE.search(line)]


@needs_chromium
def test_console_detector_catches_a_broken_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    result = chromium(page.as_uri(), "--dump-dom", tmp=tmp_path)
    assert console_errors(result.stderr), result.stderr[-2000:]


@needs_chromium
def test_every_page_loads_without_console_message(site: Path, tmp_path: Path) -> None:
    for page in sorted(site.glob("*.html")):
        result = chromium(page.as_uri(), "--dump-dom", tmp=tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        assert console_errors(result.stderr) == [], page.name
        dom = parse(result.stdout)
        assert dom.body.get("data-ready") == "true", f"{page.name}: its script did not finish"


@needs_chromium
def test_highlighted_spans_in_the_browser_equal_the_annotation_count(
    site: Path, tmp_path: Path
) -> None:
    for doc in documents():
        page = site / f"{doc.doc_id}.html"
        result = chromium(page.as_uri(), "--dump-dom", tmp=tmp_path)
        dom = parse(result.stdout)
        firsts = [ann for ann, first in dom.fragments if first]
        assert len(firsts) == len(expected_ids(doc)), doc.doc_id
        assert set(firsts) == expected_ids(doc)


@needs_chromium
def test_layers_switch_off_and_hover_draws_the_record_links(site: Path, tmp_path: Path) -> None:
    doc = next(d for d in documents() if d.annotation.attributions)
    record = doc.annotation.attributions[0]
    url = (site / f"{doc.doc_id}.html").as_uri() + f"#hide=entities&hover={record.cue}"
    result = chromium(url, "--dump-dom", tmp=tmp_path)
    assert console_errors(result.stderr) == []
    dom = result.stdout
    assert re.search(r'<body[^>]*class="[^"]*hide-entities', dom)
    linked = {record.cue, *record.content, *([record.source] if record.source else [])}
    for span_id in linked:
        assert re.search(rf'class="[^"]*\blinked\b[^"]*" data-ann-id="{span_id}"', dom), span_id
    paths = re.findall(r'<svg id="links".*?</svg>', dom, flags=re.S)[0].count("<path")
    assert paths == len(linked) - 1  # one link from the cue to each other span


@needs_chromium
def test_a_screenshot_of_every_page(site: Path, tmp_path: Path) -> None:
    keep = os.environ.get("NKWORKERS_SCREENSHOTS")
    for page in sorted(site.glob("*.html")):
        png = tmp_path / f"{page.stem}.png"
        result = chromium(
            page.as_uri(), f"--screenshot={png}", "--window-size=1400,1800", tmp=tmp_path
        )
        assert result.returncode == 0 and png.exists(), result.stderr[-2000:]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
        assert console_errors(result.stderr) == [], page.name
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy2(png, Path(keep) / png.name)


# ---------------------------------------------------------------- hostile text (issue 10: 8, 9)

HOSTILE = (
    "</script><script>document.body.setAttribute('data-pwned','1')</script>",
    "<!--<script>",
    "line\u2028separator\u2029paragraph & </SCRIPT >",
)


def hostile_document() -> Document:
    """A real article with hostile strings appended to its text, spans over them
    (so they reach the embedded JSON), hostile ids and metadata, and a javascript: URL."""
    real = next(d for d in documents() if d.annotation.attributions)
    text = real.text + "\n" + f"{HOSTILE[0]} said {HOSTILE[1]} {HOSTILE[2]}\n"
    prefix = f"{real.doc_id}-"
    ann = real.annotation
    source, cue = find(text, HOSTILE[0], nth=1), find(text, "said", after=len(real.text))
    content = find(text, f"{HOSTILE[1]} {HOSTILE[2]}", nth=1)
    sid = [f'{prefix}S"]{HOSTILE[1]}{i}' for i in range(3)]
    spans = [
        AttributionSpan(id=i, start=a, end=b, text=text[a:b], role=role)
        for i, (a, b), role in zip(
            sid, (source, cue, content), (Role.SOURCE, Role.CUE, Role.CONTENT), strict=True
        )
    ]
    record = Attribution(
        id=f"{prefix}A{HOSTILE[0]}", source=sid[0], cue=sid[1], content=[sid[2]],
        source_anonymity=SourceAnonymity.NAMED, source_kind=SourceKind.OTHER,
        quote_type=QuoteType.DIRECT, source_id=f"{prefix}src{HOSTILE[2]}", parent=None,
    )  # fmt: skip
    entity = Entity(
        id=f"{prefix}E{HOSTILE[2]}", start=content[0], end=content[0] + len(HOSTILE[1]),
        text=HOSTILE[1], label=EntityType.ORG,
    )  # fmt: skip
    annotation = ann.model_copy(
        update={
            "entities": [*ann.entities, entity],
            "attribution_spans": [*ann.attribution_spans, *spans],
            "attributions": [*ann.attributions, record],
        }
    )
    meta = real.meta.model_copy(
        update={"headline": HOSTILE[0], "credits": HOSTILE[1], "url": "java\tscript:alert(1)"}
    )
    return real.model_copy(update={"text": text, "annotation": annotation, "meta": meta})


def test_only_http_urls_become_links() -> None:
    for url in ("javascript:alert(1)", "JavaScript:alert(1)", " javascript:x", "java\tscript:x",
                "\x01javascript:x", "data:text/html,<b>", "//evil.example", "http:/x",
                "vbscript:x", "https://exa mple.org"):  # fmt: skip
        assert link_url(url) is None, url
    for url in ("https://example.org/a?b=<c>&d", "HTTP://EXAMPLE.ORG/"):
        assert link_url(url) == url
    real = documents()[0]
    for url in ("javascript:alert(1)", 'https://example.org/?q="><script>'):
        linked = real.model_copy(update={"meta": real.meta.model_copy(update={"url": url})})
        html = render_page(linked, "train", (None, None))
        hrefs = [a.get("href") for a in _html5(html).iter(f"{XHTML}a")]
        assert all(h.endswith(".html") or h == url for h in hrefs), hrefs
        assert (url in hrefs) == url.startswith("https://")


XHTML = "{http://www.w3.org/1999/xhtml}"  # html5lib's element namespace


def _html5(html: str) -> Any:
    html5lib = pytest.importorskip("html5lib", reason="html5lib (dev extra) parses as browsers do")
    return html5lib.parse(html)


def _text(element: Any) -> str:
    return "".join(element.itertext())


def test_hostile_text_cannot_change_how_the_viewer_page_parses() -> None:
    doc = hostile_document()
    html = render_page(doc, "train", (None, None))
    tree = _html5(html)  # the HTML5 parsing algorithm, as a browser runs it
    scripts = list(tree.iter(f"{XHTML}script"))
    assert [s.get("type") for s in scripts] == ["application/json", None]
    assert scripts[1].text == assets.js()  # the viewer script is intact and alone
    data = scripts[0].text
    assert not re.search("[<>&\u2028\u2029]", data)
    assert json.loads(data) == _records(doc)
    if shutil.which("node"):  # the browser's JSON.parse gives the same values
        done = subprocess.run(
            ["node", "-e", "let s='';process.stdin.on('data',d=>s+=d).on('end',"
             "()=>process.stdout.write(JSON.stringify(JSON.parse(s))))"],
            input=data, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert json.loads(done.stdout) == _records(doc)
    (article,) = [e for e in tree.iter(f"{XHTML}article") if e.get("id") == "text"]
    assert _text(article) == doc.text
    ids = {
        s.get("data-ann-id") for s in article.iter(f"{XHTML}span") if s.get("data-ann-first") == ""
    }
    assert ids == expected_ids(doc)
    assert not [e for e in tree.iter() if e.get("data-pwned") is not None]


@needs_chromium
def test_hostile_page_runs_its_script_and_no_injected_one(tmp_path: Path) -> None:
    doc = hostile_document()
    path = tmp_path / "hostile.html"
    path.write_text(render_page(doc, "train", (None, None)), encoding="utf-8")
    span = next(s.id for s in doc.annotation.attribution_spans if HOSTILE[1] in s.id)
    url = path.as_uri() + "#hover=" + quote(span, safe="")
    result = chromium(url, "--dump-dom", tmp=tmp_path)
    assert console_errors(result.stderr) == [], result.stderr[-2000:]
    dom = parse(result.stdout)
    assert dom.body.get("data-ready") == "true" and "data-pwned" not in dom.body
    assert "".join(dom.text) == doc.text
