"""add-article refuses text and options that are not plain UTF-8, writing nothing.

Found by attacking the CLI (issue 10): a UTF-16 file saved without a BOM
decodes as "UTF-8" (a NUL after every letter) and was added; a UTF-8 BOM was
added as the text's first character (offsets then differ between tools that
drop it); and an option byte that is not UTF-8 (the shell passes it as a lone
surrogate) ended in a UnicodeEncodeError traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nkworkers.loaders.articles import add_article
from nkworkers.loaders.cli import app
from nkworkers.loaders.corpus import CorpusError
from nkworkers.loaders.files.swap import locked
from tests.conftest import snapshot

runner = CliRunner()
TEXT = "Workers in Russia were told to stay in groups of ten.\n"


def _add(corpus: Path, text_file: Path, *options: str) -> tuple[int, str]:
    args = ["add-article", str(text_file), "--root", str(corpus)]
    result = runner.invoke(app, [*args, "--outlet", "X", "--published", "2024-01-02", *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (TEXT.encode("utf-16-le"), "control character '\\x00'"),
        (b"\xef\xbb\xbf" + TEXT.encode(), "starts with a byte-order mark"),
        (TEXT.encode() + b"\x1b[31m", "control character '\\x1b'"),
    ],
    ids=["utf16-without-bom", "utf8-bom", "escape-sequence"],
)
def test_add_article_refuses_text_that_is_not_plain_utf8(
    corpus: Path, tmp_path: Path, data: bytes, says: str
) -> None:
    source = tmp_path / "article.txt"
    source.write_bytes(data)
    before = snapshot(corpus)
    code, output = _add(corpus, source)
    assert code == 1, output
    assert says in output and ". Fix: " in output, output
    assert snapshot(corpus) == before


def test_add_article_names_an_option_that_is_not_utf8(corpus: Path, tmp_path: Path) -> None:
    source = tmp_path / "article.txt"
    source.write_text(TEXT, encoding="utf-8")
    before = snapshot(corpus)
    # What Python makes of the byte 0xff in argv: the lone surrogate U+DCFF.
    code, output = _add(corpus, source, "--headline", "Bad \udcff byte")
    assert code == 1, output
    assert "--headline" in output and "not valid Unicode" in output, output
    assert "Traceback" not in output
    assert snapshot(corpus) == before


def test_add_article_takes_a_plain_text_with_crlf_and_tabs(corpus: Path, tmp_path: Path) -> None:
    """The refusals above stop at control characters: CR, LF and tab are text."""
    source = tmp_path / "article.txt"
    source.write_bytes(b"Workers\tin Russia.\r\nA second line \xe2\x80\xa8 here.\r\n")
    code, output = _add(corpus, source)
    assert code == 0, output
    result = runner.invoke(app, ["validate", "--root", str(corpus)])
    assert result.exit_code == 0, result.output


def test_add_article_refuses_while_another_command_writes_the_corpus(
    corpus: Path, tmp_path: Path
) -> None:
    """Two add-articles at once both read the manifest; the second write dropped the
    first one's line (its raw file stayed). add-article now takes the checkout's lock."""
    source = tmp_path / "article.txt"
    source.write_text(TEXT, encoding="utf-8")
    before = snapshot(corpus)
    with locked(corpus):  # what a running build, pull or add-article holds
        code, output = _add(corpus, source)
    assert code == 1, output
    assert "another nkworkers command is writing this corpus" in output, output
    assert snapshot(corpus) == before


def _add_at_barrier(barrier: Any, root: str, text_file: str) -> None:
    barrier.wait()
    with contextlib.suppress(CorpusError):  # the lock's refusal: the other one is adding
        add_article(root=Path(root), file=Path(text_file), outlet="X", published="2024-01-02")


def test_two_add_articles_at_once_leave_every_raw_file_with_its_manifest_line(
    corpus: Path, tmp_path: Path
) -> None:
    context = multiprocessing.get_context("fork")
    for trial in range(3):
        files = []
        for i in range(2):
            path = tmp_path / f"race-{trial}-{i}.txt"
            path.write_text(f"{TEXT}Race {trial} {i}.\n", encoding="utf-8")
            files.append(str(path))
        barrier = context.Barrier(2)
        procs = [
            context.Process(target=_add_at_barrier, args=(barrier, str(corpus), f)) for f in files
        ]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        manifest = (corpus / "raw" / "manifest.jsonl").read_text(encoding="utf-8")
        raw_ids = {p.stem for p in (corpus / "raw").glob("*.txt")}
        assert raw_ids == {json.loads(line)["doc_id"] for line in manifest.splitlines()}
    result = runner.invoke(app, ["validate", "--root", str(corpus)])
    assert result.exit_code == 0, result.output


def test_add_article_killed_between_its_renames_is_finished_by_running_it_again(
    corpus: Path, tmp_path: Path
) -> None:
    """A kill after the raw text's rename left it without a manifest line; running the
    command again (validate's advice) added a second copy under the next number."""
    source = tmp_path / "article.txt"
    source.write_text(TEXT, encoding="utf-8")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    leftover = corpus / "raw" / f"005_{digest[:16]}.txt"
    leftover.write_bytes(source.read_bytes())  # what the kill left: raw text, nothing else
    code, output = _add(corpus, source)
    assert code == 0, output
    assert f"added 005_{digest[:16]}" in output
    copies = [p for p in (corpus / "raw").glob("*.txt") if p.read_bytes() == source.read_bytes()]
    assert copies == [leftover]
    result = runner.invoke(app, ["validate", "--root", str(corpus)])
    assert result.exit_code == 0, result.output
