"""``python -m benchmarks report``: seconds and peak RSS of ``nkworkers report`` on tagged archives.

The rows are the tag benchmark's synthetic archive (nkworkers.benchmarks.tag:
corpus sentences with words swapped), its first BASE articles tagged once by
the fast systems (entities-crf, attribution-tokenlr, control-lexicon, trained
with seed 0) with an ``outlet`` and a ``published`` column carried through,
then replicated under new doc_ids to each scale: parquet as ``tag`` writes
it (its writer for the base rows, row groups of 1,024), and JSONL up to
JSONL_MAX rows. Each row carries its ``claims`` (Claim dumps with texts and
sentences): written by ``tag`` where it writes them, else derived here from
the row's layers and the article text by nkworkers.loaders.claims, as ``tag``
does.

Each measurement is a fresh ``python -m nkworkers.loaders.cli report`` (wall
seconds from start to exit, imports included; peak RSS: the child's own
VmHWM, nkworkers.benchmarks.timing), beside the anchor in the same run: a
fresh process reading the same file whole with pyarrow
(``pyarrow.parquet.read_table``, ``pyarrow.json.read_json``). The report's
claim total is checked against the claims written.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from nkworkers.benchmarks import tag
from nkworkers.benchmarks.timing import run_module

BASE = 1_000  # articles tagged; the rest are copies
SCALES = (10_000, 100_000)
JSONL_MAX = 10_000  # JSONL beyond this takes minutes (every line parsed strictly)
OUTLETS = ("Daily NK", "RFA", "NK News", "Yonhap", "Reuters", "Meduza", "KBS", "VOA")
ROW_GROUP = 1_024  # rows per parquet row group, as tag's writer (PART_ROWS)
GOALS = (
    "100,000 tagged rows (parquet) within 30 s on 2 cores; peak RSS at 100,000 rows within "
    "1.2x of that at 10,000"
)
CLI = "nkworkers.loaders.cli"


def carried(i: int) -> dict[str, str]:
    """Columns an archive carries through tag: an outlet, and a date over about ten years."""
    day = date(2015, 1, 1) + timedelta(days=(i * 37) % 3650)
    return {"outlet": OUTLETS[i % len(OUTLETS)], "published": day.isoformat()}


def tagged_base(work: Path) -> tuple[Path, str]:
    """BASE articles tagged by the fast systems, each row with its claims; and who wrote them."""
    from nkworkers.baselines.tagging.local import run_local
    from nkworkers.loaders.claims import derive_claims

    models = tag._train(set(tag.DEFAULT_FAST.values()), work / "models")
    archive, tagged, base = work / "archive.jsonl", work / "tagged.jsonl", work / "base.jsonl"
    tag.write_archive(archive, BASE)
    lines = archive.read_text(encoding="utf-8").splitlines()
    rows = [{**json.loads(line), **carried(i)} for i, line in enumerate(lines)]
    archive.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run_local(models=list(models.values()), input_path=archive, out=tagged, show_progress=False)
    texts = {r["doc_id"]: r["text"] for r in rows}
    writer = "written by tag"
    with base.open("w", encoding="utf-8") as out:
        for line in tagged.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if "claims" not in row:  # tag before it wrote claims
                writer = "derived by this benchmark from the tagged layers, as tag does"
                claims = derive_claims(row, text=texts[row["doc_id"]])
                row["claims"] = [c.model_dump(mode="json") for c in claims]
            out.write(json.dumps(row) + "\n")
    return base, writer


def write_scales(base: Path, scales: Sequence[int], work: Path) -> dict[tuple[int, str], Path]:
    """(rows, format) -> the base rows replicated to ``rows`` under new doc_ids."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from nkworkers.baselines.tagging.merge import write_parquet

    write_parquet(work / "base.parquet", [base])  # tag's own writer: its schema
    table = pq.read_table(work / "base.parquet")
    lines = base.read_text(encoding="utf-8").splitlines()
    files = {}
    for n in scales:
        path = files[(n, "parquet")] = work / f"tagged-{n}.parquet"
        with pq.ParquetWriter(path, table.schema) as writer:
            for first in range(0, n, len(table)):
                part = table.slice(0, min(len(table), n - first))
                ids = pa.array([f"rep-{first + i:06d}" for i in range(len(part))])
                writer.write_table(part.set_column(0, "doc_id", ids), row_group_size=ROW_GROUP)
        if n <= JSONL_MAX:
            path = files[(n, "jsonl")] = work / f"tagged-{n}.jsonl"
            with path.open("w", encoding="utf-8") as out:
                for i in range(n):  # the row's own doc_id comes first in each line
                    line = lines[i % len(lines)]
                    assert line.startswith('{"doc_id": '), line[:40]
                    out.write(f'{{"doc_id": "rep-{i:06d}"' + line[line.index(",") :] + "\n")
    return files


def _report_claims(out: Path) -> int:
    with (out / "tables" / "claims_by_voice.csv").open(encoding="utf-8") as handle:
        return sum(int(row["claims"]) for row in csv.DictReader(handle))


def measure(path: Path, work: Path, repeat: int) -> dict[str, Any]:
    """The report and the anchor on one file, alternating, ``repeat`` times each; medians."""
    empty, out = work / "no-corpus", work / "report-out"
    empty.mkdir(exist_ok=True)
    runs: dict[str, list[dict[str, float]]] = {"report": [], "anchor": []}
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        runs["report"].append(run_module([CLI, "report", "--input", str(path), "--out", str(out),
                                          "--root", str(empty)]))  # fmt: skip
        runs["anchor"].append(run_module([__name__, "anchor", str(path)]))
    got = {
        f"{who}_{key.replace('wall_', '')}": statistics.median(r[key] for r in results)
        for who, results in runs.items()
        for key in ("wall_s", "cpu_s", "peak_mib")
    }
    return {**got, "runs": repeat, "report_claims": _report_claims(out),
            "file_mib": path.stat().st_size / 2**20}  # fmt: skip


def run(scales: tuple[int, ...] = SCALES, repeat: int = 3) -> dict[str, Any]:
    scales = tuple(sorted(scales))
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        work = Path(tmp)
        base, writer = tagged_base(work)
        per_row = [len(json.loads(line)["claims"]) for line in base.read_text().splitlines()]
        rows = []
        for (n, fmt), path in sorted(write_scales(base, scales, work).items()):
            got = measure(path, work, repeat)
            expected = sum(per_row[i % len(per_row)] for i in range(n))
            ratios = {
                "ratio_s": got["report_s"] / got["anchor_s"],
                "ratio_cpu_s": got["report_cpu_s"] / got["anchor_cpu_s"],
                "ratio_peak": got["report_peak_mib"] / got["anchor_peak_mib"],
            }
            rows.append({"rows": n, "format": fmt, **got, "claims": expected, **ratios})
            path.unlink()
    return {
        "rows": rows, "checks": _checks(rows), "goal": GOALS, "cores": os.cpu_count(),
        "base_articles": BASE, "systems": dict(tag.DEFAULT_FAST), "claims_written_by": writer,
        "anchor": {"parquet": "pyarrow.parquet.read_table", "jsonl": "pyarrow.json.read_json"},
    }  # fmt: skip


def _checks(rows: list[dict[str, Any]]) -> dict[str, Any]:
    parquet = {r["rows"]: r for r in rows if r["format"] == "parquet"}
    low, top = min(parquet), max(parquet)
    return {
        "claims_counted_equal_claims_written": all(r["report_claims"] == r["claims"] for r in rows),
        "largest_parquet_s": parquet[top]["report_s"],
        "largest_parquet_cpu_s": parquet[top]["report_cpu_s"],
        "largest_parquet_within_30_s": parquet[top]["report_s"] <= 30,
        "peak_largest_vs_smallest": parquet[top]["report_peak_mib"]
        / parquet[low]["report_peak_mib"],
    }


def markdown_lines(part: dict[str, Any]) -> list[str]:
    """RESULTS.md lines of this part (nkworkers.benchmarks.report)."""
    lines = [
        f"Rows: the tag archive's first {part['base_articles']:,} articles tagged by "
        + ", ".join(part["systems"].values())
        + f", replicated; claims {part['claims_written_by']}. Report: a fresh `nkworkers report` "
        "process (imports included); anchor: a fresh process reading the same file whole "
        "with pyarrow. Peak RSS: each child's own VmHWM.",
        "",
        "| rows | format | file MiB | claims | report s (CPU s) | anchor s (CPU s) "
        "| ratio s (CPU) | report peak MiB | anchor peak MiB | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in part["rows"]:
        lines.append(
            f"| {r['rows']:,} | {r['format']} | {r['file_mib']:.0f} | {r['claims']:,} "
            f"| {r['report_s']:.1f} ({r['report_cpu_s']:.1f}) "
            f"| {r['anchor_s']:.1f} ({r['anchor_cpu_s']:.1f}) "
            f"| {r['ratio_s']:.1f}x ({r['ratio_cpu_s']:.1f}x) "
            f"| {r['report_peak_mib']:.0f} | {r['anchor_peak_mib']:.0f} | {r['ratio_peak']:.2f}x |"
        )
    c = part["checks"]
    lines += [
        "",
        f"Measured: {c['largest_parquet_s']:.1f} s ({c['largest_parquet_cpu_s']:.1f} CPU s) "
        "at the largest parquet scale "
        f"(within 30 s: {c['largest_parquet_within_30_s']}); peak RSS largest/smallest "
        f"parquet scale {c['peak_largest_vs_smallest']:.2f}x; claims counted equal claims "
        f"written: {c['claims_counted_equal_claims_written']}.",
    ]
    return lines + [f"\nNote: {note}" for note in part.get("notes", [])]


def _anchor(path: Path) -> None:
    """Read the file whole with pyarrow (the anchor's child process)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(path).num_rows
    else:
        import pyarrow.json as pj

        rows = pj.read_json(path).num_rows
    print(rows)


if __name__ == "__main__" and sys.argv[1:2] == ["anchor"]:
    _anchor(Path(sys.argv[2]))
