"""build: deterministic, atomic, reproduces annotations/, and --check catches drift."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nkworkers.loaders.cli import app
from nkworkers.loaders.corpus import CorpusError, read_corpus
from nkworkers.loaders.dataset import build as builder
from nkworkers.loaders.labels import indicators_of
from tests.conftest import ROOT, snapshot

runner = CliRunner()


def test_two_builds_are_byte_identical(corpus: Path) -> None:
    builder.build(corpus)
    first = snapshot(corpus / "data"), (corpus / "README.md").read_bytes()
    builder.build(corpus)
    assert (snapshot(corpus / "data"), (corpus / "README.md").read_bytes()) == first


def test_committed_data_is_what_the_build_produces() -> None:
    assert builder.check(ROOT) == []


def test_check_fails_when_annotations_change(corpus: Path) -> None:
    path = next((corpus / "annotations").glob("00*.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["entities"] = data["entities"][1:]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["build", "--check", "--root", str(corpus)])
    assert result.exit_code == 1
    assert "differs from a fresh build" in result.stderr


def test_documents_config_reproduces_annotations_exactly() -> None:
    loaded = read_corpus(ROOT)
    rows = {
        row["doc_id"]: row
        for split in builder.SPLITS
        for row in pq.read_table(ROOT / "data" / "documents" / f"{split}.parquet").to_pylist()
    }
    assert loaded.splits is not None
    assert set(rows) == set(loaded.splits.split_of())
    for doc_id, row in rows.items():
        ann = loaded.annotations[doc_id].model_dump(mode="json")
        for layer in ("zones", "entities", "attribution_spans", "attributions"):
            assert row[layer] == ann[layer], (doc_id, layer)
        # control spans add their derived ILO indicators and are otherwise the annotation
        for span, stored in zip(row["control_measures"], ann["control_measures"], strict=True):
            assert span.pop("ilo_indicators") == indicators_of(stored["labels"])
            assert span == stored, (doc_id, span["id"])
        assert row["text"] == loaded.raw_bytes[doc_id].decode("utf-8")
        assert row["sha256"] == ann["text_sha256"]


def test_failed_build_leaves_previous_data_intact(corpus: Path, monkeypatch) -> None:
    before = snapshot(corpus / "data"), (corpus / "README.md").read_bytes()
    calls = {"n": 0}
    original = builder._Writers.write

    def fail_midway(self, config, split, rows):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        return original(self, config, split, rows)

    monkeypatch.setattr(builder._Writers, "write", fail_midway)
    with pytest.raises(OSError):
        builder.build(corpus)
    assert (snapshot(corpus / "data"), (corpus / "README.md").read_bytes()) == before
    assert not list(corpus.glob(".data-*"))


def test_annotated_article_left_out_of_the_splits_is_refused(corpus: Path) -> None:
    """It used to vanish from data/ while validate said the corpus was valid."""
    splits = json.loads((corpus / "annotations" / "splits.json").read_text(encoding="utf-8"))
    dropped = splits["train"].pop()
    (corpus / "annotations" / "splits.json").write_text(json.dumps(splits), encoding="utf-8")
    before = snapshot(corpus / "data")
    with pytest.raises(CorpusError, match=f"{dropped}: an annotated article is in no split"):
        builder.build(corpus)
    assert snapshot(corpus / "data") == before


def test_parallel_build_writes_the_same_bytes_as_serial(tmp_path: Path, monkeypatch) -> None:
    from nkworkers.benchmarks.synthetic import make_corpus

    root = tmp_path / "x40"
    make_corpus(ROOT, root, 40)  # 200 articles: the pool is used
    monkeypatch.setattr(builder, "_WORKERS", 2)
    parallel = builder.build(root)
    monkeypatch.setattr(builder, "_PARALLEL_FROM", 10**9)
    serial = builder.build(root)
    assert parallel.fingerprint == serial.fingerprint
    assert parallel.counts["documents"]["train"] == 120
