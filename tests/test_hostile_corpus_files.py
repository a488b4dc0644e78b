"""Corpus files that are not what they seem: validate and build refuse them in one line.

Found by attacking the real CLI on copies of the corpus (issue 10): a folder, a
FIFO or a symlink in place of an article's file was skipped in silence (the
build dropped a gold article and said the corpus was valid), a symlink let
``validate`` quote the file it points at, a lone ``\\ud800`` escape passed
validate and crashed the build's parquet writer, a doc_id could be a
``javascript:`` URL (the viewer links every page by its doc_id), and a
README.md that is missing, a folder, not UTF-8 or without its YAML block
ended ``build`` in a traceback.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from nkworkers.loaders.cli import app
from nkworkers.loaders.corpus import MAX_FILE_BYTES
from nkworkers.loaders.files.jsonio import DEFAULT_MAX_LINE_BYTES
from tests.conftest import snapshot

runner = CliRunner()
DOC = "000_7cbc0fd9fa29aa12"  # in train: gold that the build must not drop


def _refused(result: Result, file: str, says: str) -> str:
    """The problem line naming ``file``; asserts exit 1, no traceback, a fix."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [x for x in result.output.splitlines() if x.strip().startswith(file)]
    assert lines, result.output
    assert says in lines[0] and ". Fix: " in lines[0], lines[0]
    return lines[0]


def _raw(root: Path) -> Path:
    return root / "raw" / f"{DOC}.txt"


def _annotation(root: Path) -> Path:
    return root / "annotations" / f"{DOC}.json"


def _as_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _as_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _as_broken_link(path: Path) -> None:
    path.unlink()
    path.symlink_to(path.parent / "nowhere")


def _as_link_to_copy(path: Path) -> None:
    """Same bytes, but read through a link to a file outside the corpus."""
    outside = path.parent.parent.parent / f"outside-{path.name}"
    path.rename(outside)
    path.symlink_to(outside)


@pytest.mark.parametrize(
    ("which", "replace", "says"),
    [
        (_raw, _as_folder, "is a folder, not a plain file"),
        (_annotation, _as_folder, "is a folder, not a plain file"),
        (_raw, _as_fifo, "is a device, FIFO or socket, not a plain file"),
        (_annotation, _as_broken_link, "is a symbolic link, not a plain file"),
        (_raw, _as_link_to_copy, "is a symbolic link, not a plain file"),
    ],
    ids=["raw-folder", "annotation-folder", "raw-fifo", "annotation-broken-link", "raw-link"],
)
def test_article_file_that_is_not_a_plain_file_is_refused_not_skipped(
    corpus: Path,
    which: Callable[[Path], Path],
    replace: Callable[[Path], None],
    says: str,
) -> None:
    path = which(corpus)
    replace(path)
    name = path.relative_to(corpus).as_posix()
    _refused(runner.invoke(app, ["validate", "--root", str(corpus)]), name, says)
    before = snapshot(corpus / "data")
    _refused(runner.invoke(app, ["build", "--root", str(corpus)]), name, says)
    assert snapshot(corpus / "data") == before


def test_validate_never_quotes_a_file_outside_the_corpus_through_a_symlink(
    corpus: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:SECRET-HASH:19000:0:99999:7:::\n" * 200, encoding="utf-8")
    _raw(corpus).unlink()
    _raw(corpus).symlink_to(secret)
    result = runner.invoke(app, ["validate", "--root", str(corpus)])
    _refused(result, f"raw/{DOC}.txt", "is a symbolic link")
    assert "SECRET" not in result.output


def test_oversized_article_file_is_refused_without_reading_it(corpus: Path) -> None:
    with _raw(corpus).open("r+b") as handle:  # sparse: costs no disk and is never read
        handle.truncate(MAX_FILE_BYTES + 1)
    result = runner.invoke(app, ["validate", "--root", str(corpus)])
    _refused(result, f"raw/{DOC}.txt", f"file of {MAX_FILE_BYTES + 1:,} bytes")


def _escape_in_manifest(root: Path) -> tuple[str, str]:
    path = root / "raw" / "manifest.jsonl"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"outlet": "', '"outlet": "\\ud800', 1), encoding="utf-8")
    return "raw/manifest.jsonl:1", "'outlet'"


def _escape_in_entity_id(root: Path) -> tuple[str, str]:
    path = _annotation(root)
    text = path.read_text(encoding="utf-8")
    first = json.loads(text)["entities"][0]["id"]
    path.write_text(text.replace(f'"{first}"', f'"{first}\\udfff"', 1), encoding="utf-8")
    return f"annotations/{DOC}.json", "'entities.0.id'"


@pytest.mark.parametrize("inject", [_escape_in_manifest, _escape_in_entity_id])
def test_lone_surrogate_escape_is_refused_before_the_build_writes(
    corpus: Path, inject: Callable[[Path], tuple[str, str]]
) -> None:
    file, where = inject(corpus)
    line = _refused(runner.invoke(app, ["validate", "--root", str(corpus)]), file, "lone surrogate")
    assert where in line
    before = snapshot(corpus / "data")
    _refused(runner.invoke(app, ["build", "--root", str(corpus)]), file, "lone surrogate")
    assert snapshot(corpus / "data") == before


def test_doc_id_that_is_not_a_safe_file_name_is_refused(corpus: Path) -> None:
    """A doc_id names raw/<id>.txt and the viewer's <id>.html link: no URL scheme in it."""
    hostile = "javascript:alert(1)"
    for path in (corpus / "raw" / "manifest.jsonl", corpus / "annotations" / "splits.json"):
        path.write_text(path.read_text(encoding="utf-8").replace(DOC, hostile), encoding="utf-8")
    annotation = _annotation(corpus).read_text(encoding="utf-8").replace(DOC, hostile)
    _annotation(corpus).unlink()
    (corpus / "annotations" / f"{hostile}.json").write_text(annotation, encoding="utf-8")
    _raw(corpus).rename(corpus / "raw" / f"{hostile}.txt")
    result = runner.invoke(app, ["validate", "--root", str(corpus)])
    _refused(result, "raw/manifest.jsonl:1", "doc_id must be 1 to 64 letters, digits")
    site = corpus.parent / "site"
    result = runner.invoke(app, ["render", "--root", str(corpus), "--out", str(site)])
    assert result.exit_code == 1, result.output
    assert not site.exists() or not list(site.rglob("*.html"))


def _readme_missing(root: Path) -> None:
    (root / "README.md").unlink()


def _readme_folder(root: Path) -> None:
    _as_folder(root / "README.md")


def _readme_not_utf8(root: Path) -> None:
    with (root / "README.md").open("ab") as handle:
        handle.write(b"\xff")


def _readme_without_front_matter(root: Path) -> None:
    text = (root / "README.md").read_text(encoding="utf-8")
    (root / "README.md").write_text(text.split("\n---\n", 1)[1], encoding="utf-8")


def _readme_bad_yaml(root: Path) -> None:
    text = (root / "README.md").read_text(encoding="utf-8")
    (root / "README.md").write_text(text.replace("---\n", "---\nbad: [open\n", 1), "utf-8")


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (_readme_missing, "cannot be read: No such file"),
        (_readme_folder, "cannot be read: Is a directory"),
        (_readme_not_utf8, "cannot be read: not UTF-8"),
        (_readme_without_front_matter, "must start with a YAML front matter block"),
        (_readme_bad_yaml, "front matter is not valid YAML at line"),
    ],
    ids=["missing", "folder", "not-utf8", "no-front-matter", "bad-yaml"],
)
def test_build_refuses_a_damaged_readme_in_one_line_and_writes_nothing(
    corpus: Path, damage: Callable[[Path], None], says: str
) -> None:
    damage(corpus)
    before = snapshot(corpus / "data")
    for command in (["build"], ["build", "--check"]):
        result = runner.invoke(app, [*command, "--root", str(corpus)])
        _refused(result, "README.md", says)
    assert snapshot(corpus / "data") == before
    assert not [p.name for p in corpus.iterdir() if p.name.startswith(".data")]


@pytest.mark.parametrize(
    ("second", "says"),
    [("train", "article is listed 2 times in train"), ("test", "in more than one split")],
)
def test_splits_naming_an_article_twice_say_where(corpus: Path, second: str, says: str) -> None:
    path = corpus / "annotations" / "splits.json"
    splits = json.loads(path.read_text(encoding="utf-8"))
    splits[second].append(DOC)
    path.write_text(json.dumps(splits), encoding="utf-8")
    result = runner.invoke(app, ["validate", "--root", str(corpus)])
    _refused(result, "annotations/splits.json", says)


def test_bom_in_a_json_file_is_named_as_a_bom(corpus: Path) -> None:
    """json's own message said "decode using utf-8-sig": advice for our code, not the user."""
    path = _annotation(corpus)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = runner.invoke(app, ["validate", "--root", str(corpus)])
    line = _refused(result, f"annotations/{DOC}.json", "starts with a UTF-8 byte-order mark")
    assert "utf-8-sig" not in line


def test_annotation_of_another_schema_version_is_refused(corpus: Path) -> None:
    path = _annotation(corpus)
    text = path.read_text(encoding="utf-8")
    assert '"schema_version": 1' in text
    path.write_text(text.replace('"schema_version": 1', '"schema_version": 2', 1), "utf-8")
    result = runner.invoke(app, ["validate", "--root", str(corpus)])
    _refused(result, f"annotations/{DOC}.json", "schema_version 2; this nkworkers reads 1")


def test_overlong_manifest_line_gives_a_fix_that_validate_can_follow(corpus: Path) -> None:
    """The fix said "raise the limit with --max-line-bytes": validate has no such option."""
    path = corpus / "raw" / "manifest.jsonl"
    with path.open("ab") as handle:
        handle.write(b'{"doc_id": "' + b"x" * (DEFAULT_MAX_LINE_BYTES + 1) + b'"}\n')
    result = runner.invoke(app, ["validate", "--root", str(corpus)])
    line = _refused(result, "raw/manifest.jsonl:6", "line longer than")
    assert "--max-line-bytes" not in line
