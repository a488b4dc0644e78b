"""Where a report or file is written: never over its input, a device or a link.

Found by attacking the CLI (issue 10): ``evaluate --json`` given the
predictions file overwrote it with the report; a folder, a missing folder
or a full disk as ``--json`` / ``--markdown`` ended in a traceback, and the
report was not written atomically; a damaged gold parquet file ended in a
traceback. ``nkworkers.loaders.files.atomic.write_bytes`` renamed its temporary file over
the target, so a symlink (``/dev/stdout`` is one) or a device node (run as
root: ``/dev/null`` itself) was replaced by a regular file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from nkworkers.baselines.evaluation.cli import load_gold, register
from nkworkers.baselines.tagging.output import Output
from nkworkers.loaders.cli import app as main_app
from nkworkers.loaders.files.atomic import write_text
from tests.conftest import snapshot


def _app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    return app


def _evaluate(corpus: Path, predictions: Path, *extra: str) -> Result:
    args = ["evaluate", "--predictions", str(predictions), "--root", str(corpus)]
    return CliRunner().invoke(_app(), [*args, "--bootstrap", "0", *extra])


def _one_line(result: Result, starts: str, says: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    shown = [x for x in result.output.splitlines() if x.strip()]
    assert len(shown) == 1, result.output
    assert shown[0].startswith(f"error: {starts}") and says in shown[0], shown[0]
    assert ". Fix: " in shown[0]


@pytest.fixture
def predictions(corpus: Path, tmp_path: Path) -> Path:
    gold = load_gold(corpus, "test")
    path = tmp_path / "preds.jsonl"
    rows = [{"doc_id": g["doc_id"], "entities": g["entities"]} for g in gold]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_evaluate_refuses_to_write_its_report_over_the_predictions_file(
    corpus: Path, predictions: Path
) -> None:
    before = predictions.read_bytes()
    for option in ("--json", "--markdown"):
        result = _evaluate(corpus, predictions, option, str(predictions))
        _one_line(result, str(predictions), "is the predictions file")
    assert predictions.read_bytes() == before


def test_evaluate_refuses_one_path_for_both_reports(corpus: Path, predictions: Path) -> None:
    out = predictions.parent / "report.out"
    result = _evaluate(corpus, predictions, "--json", str(out), "--markdown", str(out))
    _one_line(result, str(out), "given to both --json and --markdown")
    assert not out.exists()


@pytest.mark.parametrize(
    ("target", "says"),
    [("folder", "is a folder"), ("missing/report.json", "does not exist")],
)
def test_evaluate_names_an_unwritable_report_path_before_scoring(
    corpus: Path, predictions: Path, target: str, says: str
) -> None:
    (predictions.parent / "folder").mkdir()
    out = predictions.parent / target
    _one_line(_evaluate(corpus, predictions, "--json", str(out)), str(out), says)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_evaluate_reports_a_full_disk_in_one_line(corpus: Path, predictions: Path) -> None:
    """The scores are printed first; the failed write is the one error line after them."""
    result = _evaluate(corpus, predictions, "--json", "/dev/full")
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    errors = [x for x in result.output.splitlines() if x.startswith("error:")]
    assert errors == [result.output.strip().splitlines()[-1]], result.output
    assert errors[0].startswith("error: /dev/full: the report could not be written (No space")


def test_evaluate_writes_the_report_whole(corpus: Path, predictions: Path) -> None:
    out = predictions.parent / "report.json"
    result = _evaluate(corpus, predictions, "--json", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["documents"]["predicted"] >= 1
    assert [p.name for p in out.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_evaluate_names_a_damaged_gold_parquet_file(corpus: Path, predictions: Path) -> None:
    gold = corpus / "data" / "documents" / "test.parquet"
    gold.write_bytes(b"not parquet at all")
    _one_line(_evaluate(corpus, predictions), str(gold), "not a readable parquet file")


def test_atomic_write_goes_through_a_symlink_to_a_device(tmp_path: Path) -> None:
    """``--out /dev/stdout`` or a link to /dev/null: the link and the device stay."""
    link = tmp_path / "out.json"
    link.symlink_to(os.devnull)
    write_text(link, "{}\n")
    assert link.is_symlink() and os.readlink(link) == os.devnull
    assert Path(os.devnull).is_char_device()


def test_atomic_write_keeps_a_symlinked_file_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_text(link, "new\n")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new\n"


@pytest.mark.parametrize(
    ("command", "folder"),
    [
        (["export", "--format", "brat"], "raw"),
        (["export", "--format", "jsonl"], "annotations"),
        (["export", "--format", "brat"], "data/brat"),
        (["render"], "annotations"),
    ],
)
def test_export_and_render_refuse_to_write_into_the_corpus_they_read(
    corpus: Path, command: list[str], folder: str
) -> None:
    """``export --out raw`` rewrote the raw texts with brat's line ends; now refused."""
    before = snapshot(corpus)
    args = [*command, "--root", str(corpus), "--out", str(corpus / folder)]
    result = CliRunner().invoke(main_app, args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "inside the corpus it reads" in result.output and "Fix: " in result.output
    assert snapshot(corpus) == before


def test_evaluate_refuses_to_write_its_report_over_a_corpus_file(
    corpus: Path, predictions: Path
) -> None:
    before = snapshot(corpus)
    for target in ("README.md", "raw/manifest.jsonl"):
        out = corpus / target
        _one_line(_evaluate(corpus, predictions, "--json", str(out)), str(out), "inside the corpus")
    assert snapshot(corpus) == before


def test_predict_refuses_to_write_over_the_manifest(corpus: Path) -> None:
    """``predict --out raw/manifest.jsonl`` replaced the manifest with predictions rows."""
    before = snapshot(corpus)
    out = corpus / "raw" / "manifest.jsonl"
    args = ["predict", "--system", "control-lexicon", "--root", str(corpus), "--out", str(out)]
    result = CliRunner().invoke(main_app, args)
    assert result.exit_code == 1, result.output
    assert "inside the corpus it reads" in result.output, result.output
    assert snapshot(corpus) == before


@pytest.mark.parametrize("check", [[], ["--check"]])
def test_croissant_on_a_missing_root_says_the_root_is_missing(
    tmp_path: Path, check: list[str]
) -> None:
    """It said "croissant.json is missing" or "run `nkworkers build` first"."""
    missing = tmp_path / "nowhere"
    result = CliRunner().invoke(main_app, ["croissant", "--root", str(missing), *check])
    assert result.exit_code == 1, result.output
    assert "the corpus root does not exist" in result.output, result.output
    assert not missing.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["predict", "--system", "control-lexicon", "--docs", "[/x]"],
        ["tag", "--model", "[/x]", "--input", "."],  # an input that exists: the model is refused
    ],
    ids=["predict-doc-id", "tag-model-path"],
)
def test_error_lines_print_brackets_as_text_not_rich_markup(
    corpus: Path, tmp_path: Path, args: list[str]
) -> None:
    """A doc_id or path holding "[/x]" raised rich's MarkupError (a traceback)."""
    out = ["--out", str(tmp_path / "out.jsonl")]
    root = ["--root", str(corpus)] if args[0] == "predict" else []
    result = CliRunner().invoke(main_app, [*args, *out, *root])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "[/x]" in result.output, result.output


def test_tag_output_goes_through_a_symlinked_out_instead_of_replacing_it(tmp_path: Path) -> None:
    """``tag --resume --out /dev/stdout`` renamed its merged file over the link."""
    real = tmp_path / "real.jsonl"
    real.write_text("", encoding="utf-8")
    link = tmp_path / "out.jsonl"
    link.symlink_to(real)
    (tmp_path / "out.models.json").write_text('{"models": []}', encoding="utf-8")
    output = Output(link, resume=True)
    with output.running([]):
        output.write_part([{"doc_id": "a", "entities": []}])
        assert output.finish() == 1
    assert link.is_symlink()
    assert json.loads(real.read_text(encoding="utf-8")) == {"doc_id": "a", "entities": []}
