"""nkworkers add-article: raw text, manifest line, empty annotation; out of the splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from loaders import articles_cli
from loaders.articles import add_article
from loaders.corpus import CorpusError, read_corpus, sha256
from loaders.labelstudio.sync import push_tasks
from loaders.validate import validate_corpus
from tests.test_labelstudio_support import make_corpus

TEXT = "Workers 😀 in Khabarovsk were told to hand over their passports.\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    make_corpus(tmp_path / "c")
    return tmp_path / "c"


def test_add_article_writes_text_manifest_and_empty_annotation(
    corpus: Path, tmp_path: Path
) -> None:
    source = tmp_path / "new.txt"
    source.write_bytes(TEXT.encode("utf-8"))
    splits_before = (corpus / "annotations/splits.json").read_bytes()
    before = read_corpus(corpus)
    entry = add_article(root=corpus, file=source, outlet="Daily NK (English)", published="2024-05")
    digest = sha256(TEXT.encode("utf-8"))
    assert entry.doc_id == f"{len(before.manifest):03d}_{digest[:16]}"
    assert (corpus / "raw" / f"{entry.doc_id}.txt").read_bytes() == TEXT.encode("utf-8")
    lines = (corpus / "raw/manifest.jsonl").read_text().splitlines()
    assert (
        json.loads(lines[-1])["doc_id"] == entry.doc_id and len(lines) == len(before.manifest) + 1
    )
    annotation = json.loads((corpus / "annotations" / f"{entry.doc_id}.json").read_text())
    assert annotation["text_sha256"] == digest and annotation["entities"] == []
    assert (corpus / "annotations/splits.json").read_bytes() == splits_before
    assert validate_corpus(corpus) == []
    task = next(t for t in push_tasks(read_corpus(corpus)) if t["data"]["doc_id"] == entry.doc_id)
    assert task["data"]["text"] == TEXT and "annotations" not in task


def test_the_same_text_twice_is_refused(corpus: Path, tmp_path: Path) -> None:
    source = tmp_path / "dup.txt"
    source.write_bytes((corpus / "raw" / "000_7cbc0fd9fa29aa12.txt").read_bytes())
    with pytest.raises(CorpusError, match="already in the corpus"):
        add_article(root=corpus, file=source, outlet="X", published="2024-05")


def test_cli_registers_add_article(corpus: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    articles_cli.register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps typer in multi-command mode
        pass

    source = tmp_path / "new.txt"
    source.write_text(TEXT)
    args = ["add-article", str(source), "--outlet", "RFA", "--published", "2024-05-01"]
    ok = CliRunner().invoke(app, [*args, "--url", "https://example.org/a", "--root", str(corpus)])
    assert ok.exit_code == 0, ok.output
    source.write_text(TEXT + "Another article.\n")
    bad = CliRunner().invoke(app, [*args[:-1], "May 2024", "--root", str(corpus)])
    assert bad.exit_code == 1 and "published" in bad.output
