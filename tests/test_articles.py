"""nkworkers add-article: raw text, manifest line, empty annotation; out of the splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nkworkers.loaders import articles_cli
from nkworkers.loaders.articles import add_article
from nkworkers.loaders.corpus import CorpusError, read_corpus, sha256
from nkworkers.loaders.labelstudio.sync import push_tasks
from nkworkers.loaders.validate import validate_corpus
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


def _cli() -> typer.Typer:
    app = typer.Typer()
    articles_cli.register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps typer in multi-command mode
        pass

    return app


def test_default_rights_say_unknown_not_checked(corpus: Path, tmp_path: Path) -> None:
    source = tmp_path / "new.txt"
    source.write_text(TEXT, encoding="utf-8")
    entry = add_article(root=corpus, file=source, outlet="Daily NK (English)", published="2024-05")
    assert entry.rights == "unknown, not checked"
    last = (corpus / "raw/manifest.jsonl").read_text(encoding="utf-8").splitlines()[-1]
    assert json.loads(last)["rights"] == "unknown, not checked"


@pytest.mark.parametrize("published", ["May 2024", "2024/05/01", "2024-02-30", "2024-5"])
def test_bad_published_names_the_option_and_the_accepted_forms(
    corpus: Path, tmp_path: Path, published: str
) -> None:
    source = tmp_path / "new.txt"
    source.write_text(TEXT, encoding="utf-8")
    manifest = (corpus / "raw/manifest.jsonl").read_bytes()
    args = ["add-article", str(source), "--outlet", "RFA", "--published", published]
    result = CliRunner().invoke(_cli(), [*args, "--root", str(corpus)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"--published: {published!r}" in result.stderr
    assert "YYYY-MM-DD or YYYY-MM" in result.stderr
    assert "manifest" not in result.stderr and "^\\d" not in result.stderr
    assert (corpus / "raw/manifest.jsonl").read_bytes() == manifest


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "data:text/html,x", "file:///etc/passwd", "x.org"]
)
def test_add_article_accepts_only_http_urls(corpus: Path, tmp_path: Path, url: str) -> None:
    source = tmp_path / "new.txt"
    source.write_text(TEXT, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"--url.*http") as caught:
        add_article(root=corpus, file=source, outlet="X", published="2024-05", url=url)
    assert all(p.fix for p in caught.value.problems)
    assert not list((corpus / "raw").glob("*_" + sha256(TEXT.encode())[:16] + ".txt"))


def test_add_article_prints_the_next_steps(corpus: Path, tmp_path: Path) -> None:
    source = tmp_path / "new.txt"
    source.write_text(TEXT, encoding="utf-8")
    args = ["add-article", str(source), "--outlet", "RFA", "--published", "2024-05-01"]
    result = CliRunner().invoke(_cli(), [*args, "--root", str(corpus)])
    assert result.exit_code == 0, result.output
    doc_id = read_corpus(corpus).manifest.keys() - set(
        json.loads((corpus / "annotations/splits.json").read_text())["train"]
    )
    for step in ("ls push", "--predictions", "ls pull", "splits.json", "nkworkers build"):
        assert step in result.stdout, step
    assert any(d in result.stdout for d in doc_id)


def test_unannotated_article_is_listed_by_validate_check_and_stats(
    tmp_path: Path,
) -> None:
    from nkworkers.loaders.cli import app
    from nkworkers.loaders.dataset import build as builder
    from tests.conftest import copy_corpus

    root = copy_corpus(tmp_path / "real")
    builder.build(root)
    source = tmp_path / "new.txt"
    source.write_text(TEXT, encoding="utf-8")
    entry = add_article(root=root, file=source, outlet="RFA", published="2024-05")
    runner = CliRunner()
    for args in (["validate"], ["build", "--check"], ["stats"], ["stats", "--json"]):
        result = runner.invoke(app, [*args, "--root", str(root)])
        assert result.exit_code == 0, (args, result.output)
        assert entry.doc_id in result.stdout, args
    assert "not annotated yet" in runner.invoke(app, ["validate", "--root", str(root)]).stdout


def test_add_article_to_a_missing_root_says_so(tmp_path: Path) -> None:
    source = tmp_path / "new.txt"
    source.write_text(TEXT, encoding="utf-8")
    with pytest.raises(CorpusError, match="the corpus root does not exist"):
        add_article(root=tmp_path / "nowhere", file=source, outlet="X", published="2024-05")


def test_add_article_writes_all_three_files_or_none(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure at the manifest used to leave a raw text that validate then refused."""
    import os

    source = tmp_path / "new.txt"
    source.write_text(TEXT, encoding="utf-8")
    before = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    real_replace = os.replace
    failed = []

    def replace(src, dst):
        if str(dst).endswith("manifest.jsonl") and not failed:  # the restore may replace
            failed.append(dst)
            raise OSError(28, "No space left on device (simulated)")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        add_article(root=corpus, file=source, outlet="X", published="2024-05")
    after = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    assert after == before
