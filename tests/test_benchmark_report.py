"""``python -m benchmarks report``: its replicated files and its RESULTS.md lines."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from nkworkers.benchmarks import claims_report
from nkworkers.benchmarks.__main__ import PARTS
from nkworkers.benchmarks.report import RENDERERS
from nkworkers.benchmarks.timing import run_module
from tests import report_rows


def test_scales_replicate_the_tagged_rows_under_new_doc_ids(tmp_path: Path) -> None:
    base = tmp_path / "base.jsonl"
    rows = [r for r in report_rows.rows() if r.get("claims")]  # rows as tag writes them
    base.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    files = claims_report.write_scales(base, (7,), tmp_path)
    assert set(files) == {(7, "parquet"), (7, "jsonl")}
    lines = files[(7, "jsonl")].read_text(encoding="utf-8").splitlines()
    got = [json.loads(line) for line in lines]
    table = pq.read_table(files[(7, "parquet")])
    assert [r["doc_id"] for r in got] == table.column("doc_id").to_pylist()
    assert [r["doc_id"] for r in got] == [f"rep-{i:06d}" for i in range(7)]
    for i, row in enumerate(got):
        assert row["claims"] == rows[i % len(rows)]["claims"]
        assert row.get("outlet") == rows[i % len(rows)].get("outlet")
    claims = table.column("claims").to_pylist()
    assert [len(c) for c in claims] == [len(r["claims"]) for r in got]


def test_the_part_is_registered_and_its_lines_show_every_row() -> None:
    assert PARTS["report"] is claims_report.run and RENDERERS["report"]
    row = {"rows": 10_000, "format": "parquet", "file_mib": 48.0, "claims": 412_810,
           "report_s": 4.0, "report_cpu_s": 3.0, "anchor_s": 1.0, "anchor_cpu_s": 0.5,
           "ratio_s": 4.0, "ratio_cpu_s": 6.0, "report_peak_mib": 300.0,
           "anchor_peak_mib": 600.0, "ratio_peak": 0.5, "report_claims": 412_810}  # fmt: skip
    part = {
        "rows": [row, {**row, "rows": 100_000}], "base_articles": 1000, "claims_written_by": "tag",
        "systems": dict(claims_report.tag.DEFAULT_FAST),
        "checks": claims_report._checks([row, {**row, "rows": 100_000, "report_s": 40.0}]),
        "notes": ["shared cores"],
    }  # fmt: skip
    text = "\n".join(claims_report.markdown_lines(part))
    assert "| 100,000 | parquet | 48 | 412,810 | 4.0 (3.0) | 1.0 (0.5) | 4.0x (6.0x) |" in text
    assert "40.0 s" in text and "(within 30 s: False)" in text and "Note: shared cores" in text


def test_run_module_gives_wall_cpu_and_the_childs_own_peak() -> None:
    got = run_module(["json.tool", "--help"])
    assert set(got) == {"wall_s", "cpu_s", "peak_mib"}
    assert got["cpu_s"] > 0 and got["wall_s"] > 0 and 1 < got["peak_mib"] < 200
