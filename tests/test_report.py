"""``nkworkers report``: counts against a hand-made file and the gold, bounds, bad input.

The page itself in headless Chromium: tests/test_report_page.py.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nkworkers.baselines.tagging.merge import write_parquet
from nkworkers.loaders.claims import derive_claims
from nkworkers.loaders.cli import app
from nkworkers.loaders.report import report_files
from nkworkers.loaders.report.bounded import BottomK, TopCounter
from nkworkers.loaders.report.published import NONE, UNPARSEABLE, period
from nkworkers.loaders.report.stream import batches
from nkworkers.loaders.report.tally import OTHER_OUTLETS, Tally
from nkworkers.loaders.validate import load_valid
from tests import report_rows
from tests.conftest import ROOT

EXPECTED = report_rows.EXPECTED


def table(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[f"tables/{name}.csv"].decode("utf-8"))))


def column(rows: list[dict[str, str]], key: str, *values: str) -> dict[str, Any]:
    """{row key: the value, or a tuple of the values} of the rows with a non-zero first value."""
    out = {}
    for row in rows:
        got = tuple(int(row[v]) for v in values)
        if got[0]:
            out[row[key]] = got if len(got) > 1 else got[0]
    return out


def _jsonl(tmp: Path) -> Path:
    return report_rows.write_jsonl(tmp / "tagged.jsonl")


def _parquet_of_tag(tmp: Path) -> Path:
    """The file `tag --out x.parquet` writes: its writer, fed the JSONL rows."""
    out = tmp / "tagged.parquet"
    write_parquet(out, [_jsonl(tmp)])
    return out


def _parquet_json_text(tmp: Path) -> Path:
    """Every list column stored as JSON text (as the writer does when rows disagree on a type)."""
    out = tmp / "json-text.parquet"
    keys = dict.fromkeys(k for row in report_rows.rows() for k in row)
    rows = [
        {k: json.dumps(row[k]) if isinstance(row.get(k), list) else row.get(k) for k in keys}
        for row in report_rows.rows()
    ]
    pq.write_table(pa.Table.from_pylist(rows), out)
    return out


FORMATS = {"jsonl": _jsonl, "parquet": _parquet_of_tag, "parquet, JSON text": _parquet_json_text}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_report_of_a_hand_made_tagged_file_gives_the_counts_made_by_hand(
    fmt: str, tmp_path: Path
) -> None:
    source = FORMATS[fmt](tmp_path)
    if fmt == "parquet":  # the fast path: a typed claims column
        assert pa.types.is_list(pq.read_schema(source).field("claims").type)
    files = report_files(root=tmp_path, source=source, gold=False)  # no corpus at tmp_path
    voices = column(table(files, "claims_by_voice"), "voice", "claims")
    assert voices == EXPECTED["voice"] and sum(voices.values()) == EXPECTED["claims"]
    got = column(table(files, "claims_by_category"), "category", "claims", "articles")
    assert got == EXPECTED["category"]
    got = column(table(files, "claims_by_ilo_indicator"), "ILO indicator", "claims", "articles")
    assert got == EXPECTED["indicator"]
    for dim in ("source_kind", "anonymity"):
        assert (
            column(table(files, f"claims_by_{dim}"), dim.replace("_", " "), "claims")
            == (EXPECTED[dim])
        )
    for dim in ("month", "year", "outlet"):
        got = column(table(files, f"claims_by_{dim}"), dim, "articles", "claims")
        assert got == EXPECTED[dim], dim
    skipped = {r["published"].split(" (")[0]: (int(r["rows"]), int(r["claims"]))
               for r in table(files, "published_skipped")}  # fmt: skip
    assert list(skipped.values()) == list(EXPECTED["skipped"].values())
    assert column(table(files, "top_sources"), "source", "claims") == EXPECTED["sources"]
    assert column(table(files, "top_cues"), "cue", "claims") == EXPECTED["cues"]
    page = files["index.html"].decode("utf-8")
    assert (
        f"claims lists: {EXPECTED['listed']} row(s); derived from their attribution and control "
        f"layers: {EXPECTED['derived']}; neither (no claims list, not both layers): "
        f"{EXPECTED['without']}" in page
    )
    assert "'yesterday'" in html.unescape(page)  # the unparseable value is named
    examples = table(files, "examples")
    per_category = {c: n for c, (n, _) in EXPECTED["category"].items()}
    assert Counter(r["category"] for r in examples) == per_category  # all fewer than 3 a category


def test_report_gold_gives_the_94_gold_claims_in_their_voices() -> None:
    files = report_files(root=ROOT, source=None, gold=True)
    assert column(table(files, "claims_by_voice"), "voice", "claims") == {
        "source": 57, "unnamed_source": 11, "reporter": 26,
    }  # fmt: skip
    docs, _, _ = load_valid(ROOT)
    claims = [c for d in docs for c in derive_claims(d.annotation, text=d.text)]
    assert len(claims) == 94
    by_category = column(table(files, "claims_by_category"), "category", "claims")
    assert by_category == Counter(c.category.value for c in claims)
    # every example links to its article's viewer page, which the report writes
    page = files["index.html"].decode("utf-8")
    links = {a.split('"')[0] for a in page.split('href="viewer/')[1:]}
    assert links and all(f"viewer/{link}" in files for link in links)
    examples = Counter(r["category"] for r in table(files, "examples"))
    assert examples == {c: min(3, n) for c, n in by_category.items()}  # 3 a category, at most


def test_a_corpus_article_in_a_tagged_file_links_to_its_page_beside_the_gold(
    tmp_path: Path,
) -> None:
    docs, _, _ = load_valid(ROOT)
    doc = docs[0]
    row = {"doc_id": doc.doc_id, **{k: v for k, v in doc.annotation.model_dump(mode="json").items()
                                      if k in ("attribution_spans", "attributions",
                                               "control_measures")}}  # fmt: skip
    source = tmp_path / "gold-as-tagged.jsonl"
    source.write_text(json.dumps(row) + "\n", encoding="utf-8")
    files = report_files(root=ROOT, source=source, gold=False)
    assert set(files) >= {f"viewer/{doc.doc_id}.html", "viewer/index.html"}
    assert f'href="viewer/{doc.doc_id}.html"' in files["index.html"].decode("utf-8")
    viewer = files[f"viewer/{doc.doc_id}.html"].decode("utf-8")
    assert 'class="compare"' in viewer  # gold against itself: nothing missed, no false alarm
    assert not re.search(r'class="ann [^"]*(missed|false-alarm)', viewer)
    assert re.search(r'class="ann [^"]*found', viewer)


def _refused(tmp_path: Path, content: str, suffix: str = ".jsonl") -> str:
    source = tmp_path / f"bad{suffix}"
    source.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "--input", str(source), "--out", str(out),
                                      "--root", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 1 and not out.exists(), result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    return result.output


def test_a_claim_with_an_unknown_category_is_refused_naming_its_line(tmp_path: Path) -> None:
    rows = report_rows.rows()[:2]
    rows[1]["claims"][0]["category"] = "PASSPORTS"
    message = _refused(tmp_path, "".join(json.dumps(r) + "\n" for r in rows))
    assert "line 2" in message and "'PASSPORTS'" in message and "category" in message


def test_a_line_that_is_not_json_is_refused_naming_its_line(tmp_path: Path) -> None:
    message = _refused(tmp_path, json.dumps(report_rows.rows()[0]) + "\n{not json\n")
    assert "bad.jsonl, line 2" in message and "not valid JSON" in message


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    assert ".jsonl or .parquet" in _refused(tmp_path, "doc_id,text\n", suffix=".csv")


def test_input_and_gold_are_exclusive(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "--input FILE or --gold" in result.output


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2023-05-03", (2023, 5)), ("2023-05", (2023, 5)), ("2023", (2023, None)),
     ("2023-05-03T10:00:00Z", (2023, 5)), ("2023-05-03 00:00:00", (2023, 5)),
     ('"2023-05"', (2023, 5)), (None, NONE), ("  ", NONE), ("2023-13", UNPARSEABLE),
     ("2023-02-30", UNPARSEABLE), ("yesterday", UNPARSEABLE), ('"x', UNPARSEABLE)],
)  # fmt: skip
def test_published_values_give_a_year_and_a_month_or_why_not(
    value: str | None, expected: Any
) -> None:
    assert period(value) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcdefghij"), st.integers(1, 5)), max_size=200),
       st.integers(1, 4))  # fmt: skip
def test_top_counter_is_within_its_error_of_the_true_counts(
    stream: list[tuple[str, int]], capacity: int
) -> None:
    counter, true = TopCounter(capacity), Counter[str]()
    for i in range(0, len(stream), 7):  # batches, as the report feeds it
        counter.update(stream[i : i + 7])
        for key, n in stream[i : i + 7]:
            true[key] += n
        assert len(counter.counts) <= 2 * capacity
    for key, n in true.items():
        assert counter.counts.get(key, 0) <= n <= counter.counts.get(key, 0) + counter.error
    if counter.exact:
        assert counter.counts == {k: n for k, n in true.items() if n}


def test_bottom_k_keeps_k_items_whatever_the_stream_and_the_same_ones_each_time() -> None:
    def sample(seed: int) -> list[int]:
        import numpy as np

        keys = np.random.default_rng(seed).random(10_000)
        kept = BottomK(3)
        for i, key in enumerate(keys):
            if key < kept.threshold:
                kept.offer(float(key), i)
        assert sorted(kept.items()) == sorted(np.argsort(keys)[:3].tolist())
        return kept.items()

    assert sample(0) == sample(0) and len(sample(1)) == 3


def test_chart_labels_with_dollars_are_drawn_as_text_not_mathematics() -> None:
    """Regression: a source "a $\\frac{$ b" made matplotlib raise while drawing top_sources."""
    from nkworkers.loaders.report.charts import charts
    from nkworkers.loaders.report.tables import Chart, Table

    labels = ["p $\\frac{$ q", "$\\undefinedmacro$", "x" * 300, "x" * 301]
    rows: list[list[str | int]] = [[x, 1] for x in labels]
    tables = [Table("t", "T", ["source", "claims"], rows, chart=Chart(("claims",)))]
    assert charts(tables)["t.png"][:8] == b"\x89PNG\r\n\x1a\n"


def test_the_tally_stays_bounded_whatever_the_distinct_outlets_and_sources(tmp_path: Path) -> None:
    """Memory flat in the rows: outlets cap at OUTLETS, texts at 2 x the TopCounter capacity."""
    base = report_rows.rows()[0]
    source = tmp_path / "many.jsonl"
    with source.open("w", encoding="utf-8") as handle:
        for i in range(3000):
            row = json.loads(json.dumps(base))
            row.update(doc_id=f"x{i}", outlet=f"outlet {i}")
            row["claims"][0]["record"]["source"]["text"] = f"source {i}"
            handle.write(json.dumps(row) + "\n")
    tally = Tally(sources=TopCounter(50))
    for batch in batches(source, texts={}, batch_rows=100):
        tally.add(batch)
    assert tally.rows == 3000 and len(tally.sources.counts) <= 100 and not tally.sources.exact
    assert len(tally.outlets) == 1000 and tally.articles["outlet"][OTHER_OUTLETS] == 2000
    assert sum(len(s.items()) for s in tally.examples.values()) <= 30
