"""evaluate on a copy of the real corpus: bad predictions end in one clear line (issue 10),
and predict-style files covering other articles are scored on the split (issues 11, 12)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from nkworkers.baselines.evaluation.cli import load_gold, register
from nkworkers.loaders.articles import add_article


def _app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    return app


def _evaluate(corpus: Path, predictions: Path, *extra: str) -> Result:
    args = ["evaluate", "--predictions", str(predictions), "--root", str(corpus)]
    return CliRunner().invoke(_app(), [*args, "--bootstrap", "0", *extra])


def _write(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _one_clear_line(result: Result, path: Path, line: int) -> str:
    """The single error line of a refused file; asserts exit 1 and no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    shown = [x for x in result.output.splitlines() if x.strip()]
    assert len(shown) == 1, result.output
    message = shown[0]
    assert message.startswith(f"error: {path}, line {line}"), message
    fix = message.partition(". Fix: ")[2]
    assert fix.strip(), f"no fix in {message!r}"
    assert "Traceback" not in result.output
    return message


@pytest.fixture
def test_gold(corpus: Path) -> list[dict[str, Any]]:
    return load_gold(corpus, "test")


def _good_line(gold: list[dict[str, Any]]) -> str:
    return json.dumps({"doc_id": gold[0]["doc_id"], "entities": gold[0]["entities"]})


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (b'{"doc_id": "x\xff"}', "not UTF-8"),
        (b'{"doc_id": "a", "entities": [{"start": ' + b"9" * 5000 + b"}]}", "5000 digits"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
        (b'{"doc_id": "a", "entities": [{"start": NaN}]}', "NaN is not JSON"),
        (b'{"doc_id": "a", "entities": [', "not valid JSON"),
        (b"\xef\xbb\xbf{}", "starts with a UTF-8 byte-order mark"),
        (b'"just a string"', "expected a JSON object"),
    ],
    ids=["non-utf8", "huge-int", "deep-nesting", "nan", "truncated", "bom", "not-object"],
)
def test_malformed_predictions_end_in_one_line_with_file_and_line(
    corpus: Path, tmp_path: Path, test_gold: list[dict[str, Any]], bad: bytes, expected: str
) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(_good_line(test_gold).encode() + b"\n" + bad + b"\n")
    message = _one_clear_line(_evaluate(corpus, path), path, 2)
    assert expected in message


def test_predictions_with_a_duplicate_key_are_refused(
    corpus: Path, tmp_path: Path, test_gold: list[dict[str, Any]]
) -> None:
    doc = test_gold[0]["doc_id"]
    entity = '{"start": 0, "end": 3, "label": "PERSON", "label": "ORG"}'
    line = f'{{"doc_id": "{doc}", "entities": [{entity}]}}'
    path = tmp_path / "p.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    assert "duplicate key 'label'" in _one_clear_line(_evaluate(corpus, path), path, 1)


@pytest.mark.parametrize("offset", ["0", 0.0, True, False, 1.5, None])
def test_offsets_must_be_json_integers(
    corpus: Path, tmp_path: Path, test_gold: list[dict[str, Any]], offset: Any
) -> None:
    row = {
        "doc_id": test_gold[0]["doc_id"],
        "entities": [{"start": offset, "end": 5, "label": "ORG"}],
    }
    path = _write(tmp_path / "p.jsonl", [row])
    message = _one_clear_line(_evaluate(corpus, path), path, 1)
    assert "entities.0.start" in message


def test_a_line_over_the_limit_is_refused_and_the_limit_can_be_raised(
    corpus: Path, tmp_path: Path, test_gold: list[dict[str, Any]]
) -> None:
    path = _write(tmp_path / "p.jsonl", test_gold)
    size = path.stat().st_size
    message = _one_clear_line(_evaluate(corpus, path, "--max-line-bytes", "1000"), path, 1)
    assert "longer than 1,000 bytes" in message and "--max-line-bytes" in message
    assert _evaluate(corpus, path, "--max-line-bytes", str(size)).exit_code == 0


def test_a_layer_over_the_span_limit_is_refused_and_the_limit_can_be_raised(
    corpus: Path, tmp_path: Path, test_gold: list[dict[str, Any]]
) -> None:
    path = _write(tmp_path / "p.jsonl", test_gold)
    entities = len(test_gold[0]["entities"])
    message = _one_clear_line(_evaluate(corpus, path, "--max-spans", "5"), path, 1)
    assert f"entities holds {entities} items (at most 5" in message and "--max-spans" in message
    assert _evaluate(corpus, path, "--max-spans", str(10 * entities)).exit_code == 0


@pytest.mark.parametrize("where", ["label", "doc_id", "span id"])
def test_problem_messages_cut_long_values(
    corpus: Path, tmp_path: Path, test_gold: list[dict[str, Any]], where: str
) -> None:
    huge = "X" * 1_000_000
    doc = test_gold[0]["doc_id"]
    rows = {
        "label": {"doc_id": doc, "entities": [{"start": 0, "end": 3, "label": huge}]},
        "doc_id": {"doc_id": huge, "entities": []},
        "span id": {
            "doc_id": doc,
            "attribution_spans": [{"id": "c", "start": 0, "end": 3, "role": "CUE"}],
            "attributions": [{"cue": huge}],
        },
    }
    path = _write(tmp_path / "p.jsonl", [rows[where]])
    message = _one_clear_line(_evaluate(corpus, path), path, 1)
    assert len(message) < 2000 and "more characters" in message


@pytest.mark.parametrize("content", ["", "\n\n  \n"], ids=["empty", "blank-lines"])
def test_empty_predictions_file_says_no_article_was_predicted(
    corpus: Path, tmp_path: Path, content: str
) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(content, encoding="utf-8")
    result = _evaluate(corpus, path)
    assert result.exit_code == 1
    assert "no article of the test split was predicted" in result.output
    assert "--allow-empty" in result.output
    allowed = _evaluate(corpus, path, "--allow-empty")
    assert allowed.exit_code == 0, allowed.output
    assert "0/" in allowed.output


def test_rows_only_for_other_splits_are_no_prediction_of_this_one(
    corpus: Path, tmp_path: Path
) -> None:
    train = load_gold(corpus, "train")
    path = _write(tmp_path / "p.jsonl", train)
    result = _evaluate(corpus, path)
    assert result.exit_code == 1
    assert f"ignored {len(train)} articles outside test" in result.output


def test_missing_predictions_file_is_one_line(corpus: Path, tmp_path: Path) -> None:
    result = _evaluate(corpus, tmp_path / "nope.jsonl")
    assert result.exit_code == 1 and "no such predictions file" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_predict_output_is_scored_on_the_gold_of_the_split(corpus: Path, tmp_path: Path) -> None:
    """A file covering every article, one of them unannotated, scores the test split as is."""
    text = tmp_path / "new.txt"
    text.write_text("Workers in Vladivostok said their wages were withheld.\n", encoding="utf-8")
    entry = add_article(root=corpus, file=text, outlet="Test outlet", published="2024-01")
    everything = load_gold(corpus, "all")
    rows = [*everything, {"doc_id": entry.doc_id, "entities": []}]
    json_out = tmp_path / "r.json"
    path = _write(tmp_path / "p.jsonl", rows)
    result = _evaluate(corpus, path, "--json", str(json_out))
    assert result.exit_code == 0, result.output
    test_ids = {r["doc_id"] for r in load_gold(corpus, "test")}
    others = sorted(r["doc_id"] for r in everything if r["doc_id"] not in test_ids)
    report = json.loads(json_out.read_text())
    assert report["documents"]["ignored"] == {
        "outside_split": others,
        "unannotated": [entry.doc_id],
    }
    assert report["documents"]["predicted"] == len(test_ids)
    assert report["entities"]["strict"]["f1"] == 1.0
    assert f"ignored {len(others)} articles outside test, 1 unannotated" in result.output


def test_unknown_doc_id_stays_an_error(
    corpus: Path, tmp_path: Path, test_gold: list[dict[str, Any]]
) -> None:
    path = _write(tmp_path / "p.jsonl", [*test_gold, {"doc_id": "999_not_here", "entities": []}])
    message = _one_clear_line(_evaluate(corpus, path), path, len(test_gold) + 1)
    assert "doc_id '999_not_here': doc_id is not an article of the corpus" in message


def test_a_checkout_without_data_is_one_line_with_a_fix(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.jsonl", [{"doc_id": "a"}])
    result = _evaluate(tmp_path, path)
    assert result.exit_code == 1
    [line] = [x for x in result.output.splitlines() if x.strip()]
    assert "no gold file. Fix: run `nkworkers build`" in line
