"""``render --predictions``: gold beside predictions, each span found, missed or false alarm.

The oracle of the marks is ``evaluate`` on the same predictions: the viewer's
found / missed / false-alarm counts per layer equal its strict entity
counts and its overlap counts of attribution and control spans.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from nkworkers.baselines.evaluation import evaluate_rows
from nkworkers.baselines.tagging.merge import write_parquet
from nkworkers.loaders.claims import derive_claims
from nkworkers.loaders.cli import app
from nkworkers.loaders.predictions import PredictionRow, parse_row
from nkworkers.loaders.render import render_predictions
from nkworkers.loaders.render.compare import FALSE_ALARM, FOUND, MISSED, compare, row_marks
from nkworkers.loaders.render.compare import predicted_records as records_of
from nkworkers.loaders.render.page import headline_of
from tests.conftest import ROOT
from tests.test_render import (
    XHTML,
    _html5,
    _text,
    chromium,
    console_errors,
    documents,
    needs_chromium,
    parse,
)

SYSTEMS = ("entities-crf", "attribution-deps", "control-twostage")
PWN = "document.body.setAttribute('data-pwned','1')"


@cache
def cv_rows() -> tuple[dict[str, Any], ...]:
    """The committed leave-one-document-out predictions of three systems, one row per article."""
    rows: dict[str, dict[str, Any]] = {}
    for fold in sorted((ROOT / "results" / "cv").glob("fold-*")):
        for system in SYSTEMS:
            for line in (fold / f"{system}.jsonl").read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                rows.setdefault(row["doc_id"], {}).update(row)
    return tuple(rows[d.doc_id] for d in documents())


def parsed(raw: dict[str, Any]) -> PredictionRow:
    row = parse_row(raw)
    assert isinstance(row, PredictionRow), row
    return row


def _write(path: Path, rows: Any) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("predictions")
    out = base / "site"
    render_predictions(root=ROOT, predictions=_write(base / "cv.jsonl", cv_rows()), out=out)
    return out


def test_found_missed_and_false_alarms_are_the_counts_of_evaluate() -> None:
    totals: dict[str, Counter[str]] = {}
    for doc, raw in zip(documents(), cv_rows(), strict=True):
        row = parsed(raw)
        compared = compare(doc, row, row_marks(row, records_of(row, doc.text)))
        for layer, counts in compared.counts.items():
            totals.setdefault(layer, Counter()).update(counts)
    gold = [{"doc_id": d.doc_id, "text": d.text, **d.annotation.model_dump(mode="json")}
            for d in documents()]  # fmt: skip
    report = evaluate_rows(gold, list(cv_rows()), bootstrap=0)
    strict = report["entities"]["strict"]
    assert totals["entities"] == {FOUND: strict["correct"], MISSED: strict["possible"] -
                                  strict["correct"], FALSE_ALARM: strict["actual"] -
                                  strict["correct"]}  # fmt: skip
    roles = [report["attribution"][r]["overlap"] for r in ("source", "cue", "content")]
    assert totals["attribution"] == {FOUND: sum(r["tp"] for r in roles),
                                     MISSED: sum(r["fn"] for r in roles),
                                     FALSE_ALARM: sum(r["fp"] for r in roles)}  # fmt: skip
    spans = report["control_measures"]["spans"]["micro"]["overlap"]
    assert totals["control_measures"] == {FOUND: spans["tp"], MISSED: spans["fn"],
                                          FALSE_ALARM: spans["fp"]}  # fmt: skip
    assert all(c[MISSED] and c[FALSE_ALARM] for c in totals.values())  # a test that can fail


def test_each_corpus_article_is_drawn_beside_its_gold(site: Path) -> None:
    assert {p.name for p in site.glob("*.html")} == {
        "index.html",
        *(f"{d.doc_id}.html" for d in documents()),
    }
    for doc in documents():
        tree = _html5((site / f"{doc.doc_id}.html").read_text(encoding="utf-8"))
        sides = [a for a in tree.iter(f"{XHTML}article") if a.get("class") == "side"]
        assert [a.get("data-side") for a in sides] == ["gold", "predicted"]
        for side, title in zip(sides, ("Gold", "Predicted"), strict=True):
            assert _text(side) == title + doc.text  # the whole text on each side
        zones = [s for s in sides[0].iter(f"{XHTML}span") if "zone" in s.get("class", "").split()]
        assert [z.get("data-label") for z in zones] == [z.label.value for z in doc.annotation.zones]


def test_claims_are_listed_source_to_measure(site: Path) -> None:
    for doc, raw in zip(documents(), cv_rows(), strict=True):
        html = (site / f"{doc.doc_id}.html").read_text(encoding="utf-8")
        predicted = derive_claims(parsed(raw), text=doc.text)
        gold = derive_claims(doc.annotation, text=doc.text)
        assert (
            f"Predicted claims ({len(predicted)})" in html and f"Gold claims ({len(gold)})" in html
        )
        assert html.count('<td class="arrow">→</td>') == len(predicted) + len(gold)


def test_a_missing_headline_is_the_first_line_of_the_text_not_the_doc_id(site: Path) -> None:
    doc = next(d for d in documents() if d.meta.headline is None)
    first = next(line.strip() for line in doc.text.splitlines() if line.strip())
    shown = headline_of(None, doc.text)
    assert shown.rstrip("…") == first[: len(shown.rstrip("…"))] and doc.doc_id not in shown
    tree = _html5((site / f"{doc.doc_id}.html").read_text(encoding="utf-8"))
    assert _text(next(tree.iter(f"{XHTML}h1"))) == shown
    assert f">{shown}</a>" in (site / "index.html").read_text(encoding="utf-8")


def test_rows_outside_the_corpus_are_drawn_alone_and_rows_without_text_listed(
    tmp_path: Path,
) -> None:
    text = f"</script><script>{PWN}</script> said \u2028 <!--<script> x"
    start = text.index("said")
    rows = [
        {"doc_id": 'z"><img src=x onerror=alert(1)>', "text": text, "headline": "<b>Head</b>",
         "url": "javascript:alert(1)", "outlet": "<i>O</i>",
         "entities": [{"start": 0, "end": start - 1, "label": "ORG"}]},
        {"doc_id": "no-text", "entities": []},
    ]  # fmt: skip
    out = tmp_path / "site"
    render_predictions(root=ROOT, predictions=_write(tmp_path / "p.jsonl", rows), out=out)
    assert {p.name for p in out.glob("*.html")} == {"index.html", "row-000001.html"}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "no-text" in index and "not drawn" in index
    tree = _html5((out / "row-000001.html").read_text(encoding="utf-8"))
    (article,) = [a for a in tree.iter(f"{XHTML}article") if a.get("id") == "text"]
    assert _text(article) == text
    assert _text(next(tree.iter(f"{XHTML}h1"))) == "<b>Head</b>"
    assert "javascript:alert(1)" not in [a.get("href") for a in tree.iter(f"{XHTML}a")]
    assert [s.get("type") for s in tree.iter(f"{XHTML}script")] == ["application/json", None]
    assert not [e for e in tree.iter() if e.get("data-pwned") is not None or e.get("onerror")]


def test_parquet_from_tag_draws_the_same_pages(site: Path, tmp_path: Path) -> None:
    source = tmp_path / "cv.parquet"
    write_parquet(source, [_write(tmp_path / "cv.jsonl", cv_rows())])
    out = tmp_path / "site"
    render_predictions(root=ROOT, predictions=source, out=out)
    for page in site.glob("*.html"):
        assert (out / page.name).read_bytes() == page.read_bytes(), page.name


def test_offsets_past_the_text_are_refused_in_one_line(tmp_path: Path) -> None:
    doc = documents()[0]
    row = {"doc_id": doc.doc_id, "entities": [{"start": 0, "end": len(doc.text) + 5,
                                               "label": "ORG"}]}  # fmt: skip
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["render", "--predictions",
                                      str(_write(tmp_path / "p.jsonl", [row])),
                                      "--out", str(out), "--root", str(ROOT)])  # fmt: skip
    assert result.exit_code == 1 and not out.exists()
    assert re.fullmatch(r"render: refused: .*p\.jsonl, line 1: entities\[0\].*ends past the text"
                        r".*Fix: .*\n", result.output)  # fmt: skip


@needs_chromium
def test_compare_pages_load_and_hover_links_a_predicted_record(site: Path, tmp_path: Path) -> None:
    doc = documents()[0]
    record = records_of(parsed(cv_rows()[0]), doc.text)[0]
    url = (site / f"{doc.doc_id}.html").as_uri() + "#hover=" + quote(record["cue"], safe="")
    result = chromium(url, "--dump-dom", tmp=tmp_path)
    assert console_errors(result.stderr) == [], result.stderr[-2000:]
    dom = parse(result.stdout)
    assert dom.body.get("data-ready") == "true"
    linked = [record["cue"], *record["content"], *([record["source"]] if record["source"] else [])]
    for span_id in linked:
        assert re.search(rf'class="[^"]*\blinked\b[^"]*" data-ann-id="{span_id}"', result.stdout)
    for page in sorted(site.glob("*.html"))[1:]:
        result = chromium(page.as_uri(), "--dump-dom", tmp=tmp_path)
        assert console_errors(result.stderr) == [] and 'data-ready="true"' in result.stdout
