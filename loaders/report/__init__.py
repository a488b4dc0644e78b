"""``nkworkers report``: who reports which control measure, over a tagged archive or the gold.

The input streams through in batches (nkworkers.loaders.report.stream: JSONL
line by line, parquet by record batch, reading only the columns it needs),
into a :class:`~nkworkers.loaders.report.tally.Tally` of counters and
bounded samples, so memory stays flat in the number of rows. Then the
tables (tables.py), a PNG chart for most (charts.py, matplotlib Agg), a CSV
per table and one static page (page.py) are written under OUT, all files or
none (nkworkers.loaders.files.atomic.write_many).

Example claims of corpus articles link to viewer pages written beside the
report (``OUT/viewer/``): for ``--gold``, the corpus site of ``render``; for a
tagged file, those corpus articles' rows beside their gold (``render
--predictions``), read in a second pass over the input only when the input
holds corpus articles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nkworkers.loaders.corpus import refuse_writing_into_corpus
from nkworkers.loaders.files.atomic import write_many


def _corpus(root: Path, *, required: bool) -> tuple[list[Any], dict[str, str]]:
    """The valid corpus at root; none when root holds no corpus and one is not required."""
    from nkworkers.loaders.validate import load_valid

    if not required and not (root / "raw" / "manifest.jsonl").is_file():
        return [], {}
    docs, split_of, _ = load_valid(root)
    return docs, split_of


def _viewer(
    root: Path, docs: list[Any], split_of: dict[str, str], *, gold: bool, source: Path | None,
    seen: set[str],
) -> dict[str, bytes]:  # fmt: skip
    """The viewer pages the examples link to (see the module doc)."""
    from nkworkers.loaders.render import read_rows, site
    from nkworkers.loaders.render.predictions import predictions_site

    if gold:
        from nkworkers.loaders.dataset.stats import corpus_stats

        return site(docs, split_of, corpus_stats(root))
    if not seen or source is None:
        return {}
    return predictions_site(docs, split_of, read_rows(source, only=seen))


def report_files(*, root: Path, source: Path | None, gold: bool) -> dict[str, bytes]:
    """Every file of the report, by path relative to OUT.

    Raises CorpusError (the corpus at root is not valid; with ``gold``, or absent),
    RowsError (a row of ``source`` cannot be read; it names the file and row).
    """
    from nkworkers.loaders.report.charts import charts
    from nkworkers.loaders.report.page import csv_bytes, report_html
    from nkworkers.loaders.report.stream import batches, gold_batches
    from nkworkers.loaders.report.tables import tables
    from nkworkers.loaders.report.tally import Tally

    docs, split_of = _corpus(root, required=gold)
    texts = {d.doc_id: d.text for d in docs}
    tally = Tally(watch=frozenset(texts))
    assert gold or source is not None
    stream = gold_batches(docs) if gold else batches(source, texts=texts)  # type: ignore[arg-type]
    for batch in stream:
        tally.add(batch)
    all_tables = tables(tally)
    pngs = charts(all_tables)
    viewer = _viewer(root, docs, split_of, gold=gold, source=source, seen=tally.doc_ids)
    shown = "the gold corpus" if gold else str(source)
    notes = [f"Corpus at {root}: {len(docs)} article(s)."] if docs else []
    files = {f"viewer/{name}": data for name, data in viewer.items()}
    files.update({f"charts/{name}": png for name, png in pngs.items()})
    files.update({f"tables/{t.name}.csv": csv_bytes(t) for t in all_tables})
    linked = set(texts) if gold else tally.doc_ids
    html = report_html(tally=tally, tables=all_tables, charts=set(pngs), source=shown,
                       viewer=linked, notes=notes)  # fmt: skip
    files["index.html"] = html.encode("utf-8")
    return files


def write_report(*, root: Path, source: Path | None, gold: bool, out: Path) -> list[Path]:
    """Write the report under out (all files or none); return the paths written."""
    files = report_files(root=root, source=source, gold=gold)
    data = {out / rel: content for rel, content in sorted(files.items())}
    refuse_writing_into_corpus(root, out, data)
    write_many(data)
    return list(data)
