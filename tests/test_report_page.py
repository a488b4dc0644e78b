"""The report page in headless Chromium and in the HTML5 parsing algorithm (html5lib).

No console message, every chart loads (naturalWidth > 0, read by a probe
script the test adds to a copy of the page), and hostile text of a tagged
file (``</script>``, ``<img onerror>``, ``<!--``, U+2028, ``javascript:``
URLs, ``$`` that matplotlib would read as mathematics) stays text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nkworkers.loaders.report import write_report
from tests import report_rows
from tests.conftest import ROOT
from tests.test_render import XHTML, _html5, chromium, console_errors, needs_chromium, parse

PWN = "document.body.setAttribute('data-pwned','1')"
HOSTILE = {
    "outlet": f"</script><script>{PWN}</script>",
    "published": "<!--<script>",
    "source": f'<img src=x onerror="{PWN}"> $\\frac{{$',  # matplotlib reads $..$ as maths
    "cue": "said\u2028\u2029",
    "url": "javascript:alert(1)",
    "doc_id": 'x"><script>alert(1)</script>',
}
# Added to a copy of the page: counts the images once the page has loaded.
PROBE = """<script>window.addEventListener("load", function () {
  var all = Array.prototype.slice.call(document.images);
  var ok = all.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  document.body.setAttribute("data-images", String(all.length));
  document.body.setAttribute("data-images-loaded", String(ok.length));
});</script></body>"""


def hostile_rows() -> list[dict[str, Any]]:
    sentence = f"{HOSTILE['source']} {HOSTILE['cue']} passports are kept."
    row = report_rows.rows()[0]
    row.update(doc_id=HOSTILE["doc_id"], outlet=HOSTILE["outlet"],
               published=HOSTILE["published"], url=HOSTILE["url"])  # fmt: skip
    claim = row["claims"][0]
    claim["sentence"]["text"], claim["sentence"]["end"] = sentence, len(sentence)
    record = claim["record"]
    record["source"] = {"start": 0, "end": len(HOSTILE["source"]), "text": HOSTILE["source"]}
    record["cue"]["text"] = HOSTILE["cue"]
    at = sentence.index("passports are kept")
    claim.update(start=at, end=at + len("passports are kept"))
    safe = report_rows.rows()[1]
    safe["url"] = 'https://example.org/?q="><script>'
    return [row, safe]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("reports")
    source = base / "hostile.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in hostile_rows()), encoding="utf-8")
    out = {"gold": base / "gold", "hostile": base / "hostile"}
    write_report(root=ROOT, source=None, gold=True, out=out["gold"])
    write_report(root=base, source=source, gold=False, out=out["hostile"])
    return out


def test_hostile_text_cannot_change_how_the_report_parses(reports: dict[str, Path]) -> None:
    html = (reports["hostile"] / "index.html").read_text(encoding="utf-8")
    tree = _html5(html)
    scripts = list(tree.iter(f"{XHTML}script"))
    assert [s.text for s in scripts] == ['document.body.setAttribute("data-ready", "true");']
    for element in tree.iter():
        assert not [a for a in element.attrib if a.lower().startswith("on")], element.attrib
        assert element.get("data-pwned") is None
    assert all(i.get("src", "").startswith("charts/") for i in tree.iter(f"{XHTML}img"))
    hrefs = [a.get("href") for a in tree.iter(f"{XHTML}a")]
    assert "javascript:alert(1)" not in hrefs
    assert 'https://example.org/?q="><script>' in hrefs  # an http(s) URL is a link, quoted
    text = "".join(tree.itertext())
    for key in ("outlet", "published", "source", "doc_id"):
        assert HOSTILE[key] in text, key  # shown as the text it is
    csv = (reports["hostile"] / "tables" / "claims_by_outlet.csv").read_text(encoding="utf-8")
    assert HOSTILE["outlet"] in csv


def _probe(page: Path, tmp: Path) -> tuple[dict[str, str], list[str]]:
    """(the body's attributes after load, console lines) of page, with PROBE added to a copy."""
    copy = page.with_name(f"probe-{page.name}")
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE), encoding="utf-8")
    try:
        result = chromium(copy.as_uri(), "--virtual-time-budget=5000", "--dump-dom", tmp=tmp)
    finally:
        copy.unlink()
    assert result.returncode == 0, result.stderr[-2000:]
    return parse(result.stdout).body, console_errors(result.stderr)


@needs_chromium
def test_image_probe_sees_a_missing_chart(reports: dict[str, Path], tmp_path: Path) -> None:
    page = reports["gold"] / "broken.html"
    page.write_text('<html><body><img src="charts/none.png"></body></html>', encoding="utf-8")
    body, _ = _probe(page, tmp_path)
    assert body["data-images"] == "1" and body["data-images-loaded"] == "0"


@needs_chromium
@pytest.mark.parametrize("which", ["gold", "hostile"])
def test_report_page_loads_every_chart_without_console_message(
    reports: dict[str, Path], which: str, tmp_path: Path
) -> None:
    body, console = _probe(reports[which] / "index.html", tmp_path)
    assert console == []
    assert body.get("data-ready") == "true" and "data-pwned" not in body
    charts = list((reports[which] / "charts").glob("*.png"))
    assert int(body["data-images"]) == len(charts) > 0
    assert body["data-images-loaded"] == body["data-images"]


@needs_chromium
def test_report_links_to_viewer_pages_that_load(reports: dict[str, Path], tmp_path: Path) -> None:
    pages = sorted((reports["gold"] / "viewer").glob("*.html"))
    assert len(pages) == 6  # five articles and the index
    html = (reports["gold"] / "index.html").read_text(encoding="utf-8")
    for page in pages[:2]:
        assert f'href="viewer/{page.name}"' in html or page.name == "index.html"
        result = chromium(page.as_uri(), "--dump-dom", tmp=tmp_path)
        assert console_errors(result.stderr) == [] and parse(result.stdout).body["data-ready"]
