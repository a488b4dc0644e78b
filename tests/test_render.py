"""The static site: pure HTML checks, and every page in real headless Chromium.

The Chromium tests need Debian's chromium (.ci/install-chromium.sh installs
it) and are skipped, with that reason, only when /usr/bin/chromium is absent.
Set NKWORKERS_SCREENSHOTS=<dir> to keep the screenshots for a look.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.build import load_valid
from loaders.model import Document
from loaders.render import render_site
from loaders.render.page import LAYERS, Mark, highlight, marks

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
    ann = doc.annotation
    return (
        {e.id for e in ann.entities}
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
