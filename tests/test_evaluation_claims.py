"""evaluate's claims layer: the gold scores 1.0, a hand-made row scores what we count by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nkworkers.baselines.evaluation import PredictionError, evaluate_rows
from nkworkers.baselines.evaluation.claims import Scored, match_claims
from nkworkers.baselines.evaluation.cli import load_gold
from nkworkers.loaders.cli import app
from nkworkers.loaders.labels import Voice
from nkworkers.loaders.text.spans import Span
from tests.conftest import ROOT

TEXT = (
    "Officials said workers must hand over their passports. "
    "A source said phones are banned. "
    "Wages are withheld every month."
)


def _at(part: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(part, start + 1)
    return start, start + len(part)


def _span(span_id: str, part: str, role: str, occurrence: int = 0) -> dict[str, Any]:
    start, end = _at(part, occurrence)
    return {"id": span_id, "start": start, "end": end, "role": role}


def _measure(part: str, *labels: str) -> dict[str, Any]:
    start, end = _at(part)
    return {"start": start, "end": end, "labels": list(labels)}


def _record(source: str | None, cue: str, content: str, anonymity: str) -> dict[str, Any]:
    return {
        "source": source,
        "cue": cue,
        "content": [content],
        "source_kind": "other",
        "source_anonymity": anonymity,
        "quote_type": "indirect",
    }


GOLD = {
    "doc_id": "x",
    "text": TEXT,
    "attribution_spans": [
        _span("s1", "Officials", "SOURCE"),
        _span("c1", "said", "CUE"),
        _span("t1", "workers must hand over their passports", "CONTENT"),
        _span("s2", "A source", "SOURCE"),
        _span("c2", "said", "CUE", 1),
        _span("t2", "phones are banned", "CONTENT"),
    ],
    "attributions": [
        _record("s1", "c1", "t1", "named"),
        _record("s2", "c2", "t2", "anonymous"),
    ],
    "control_measures": [
        _measure("must hand over their passports", "DOCUMENT_CONFISCATION"),
        _measure("phones are banned", "COMMUNICATION_RESTRICTION", "SURVEILLANCE"),
        _measure("Wages are withheld", "FINANCIAL_EXTRACTION"),
    ],
}


def test_a_hand_made_row_scores_the_matches_counted_by_hand() -> None:
    # The system finds the officials' record (anonymity wrong) but not the source's;
    # passports: right category, span and source; phones: both categories found, in the
    # reporter's voice (the gold has the anonymous source); wages: wrong category.
    predicted = {
        "doc_id": "x",
        "attribution_spans": [
            _span("a", "Officials", "SOURCE"),
            _span("b", "said", "CUE"),
            _span("c", "workers must hand over their", "CONTENT"),
        ],
        "attributions": [_record("a", "b", "c", "anonymous")],
        "control_measures": [
            _measure("must hand over their passports", "DOCUMENT_CONFISCATION"),
            _measure("phones are banned", "COMMUNICATION_RESTRICTION", "SURVEILLANCE"),
            _measure("Wages are withheld every month", "COERCION"),
        ],
    }
    claims = evaluate_rows([GOLD], [predicted], bootstrap=0)["claims"]
    # 4 gold and 4 predicted claims; with the source 1 match, without it 3
    assert {k: claims["with_source"][k] for k in ("tp", "fp", "fn")} == {"tp": 1, "fp": 3, "fn": 3}
    assert {k: claims["without_source"][k] for k in ("tp", "fp", "fn")} == {
        "tp": 3,
        "fp": 1,
        "fn": 1,
    }
    assert claims["with_source"]["f1"] == pytest.approx(0.25)
    assert claims["without_source"]["f1"] == pytest.approx(0.75)
    assert claims["source_agreement"] == {
        "accuracy": pytest.approx(1 / 3),
        "correct": 1,
        "total": 3,
    }
    assert claims["attributes"]["source_kind"]["accuracy"] == 1.0
    assert claims["attributes"]["source_anonymity"]["accuracy"] == 0.0


def test_a_claims_list_is_read_as_it_is_instead_of_derived() -> None:
    start, end = _at("Wages are withheld")
    claim = {
        "doc_id": "x",
        "start": start,
        "end": end,
        "category": "FINANCIAL_EXTRACTION",
        "voice": "reporter",
        "record": None,
    }
    report = evaluate_rows([GOLD], [{"doc_id": "x", "claims": [claim]}], bootstrap=0)
    assert report["layers"] == ["claims"]
    assert {k: report["claims"]["with_source"][k] for k in ("tp", "fp", "fn")} == {
        "tp": 1,
        "fp": 0,
        "fn": 3,
    }


def test_a_claim_whose_voice_does_not_fit_its_record_is_refused() -> None:
    start, end = _at("Wages are withheld")
    claim = {"doc_id": "x", "start": start, "end": end, "category": "COERCION", "voice": "source",
             "record": None}  # fmt: skip
    with pytest.raises(PredictionError, match="does not fit its record"):
        evaluate_rows([GOLD], [{"doc_id": "x", "claims": [claim]}], bootstrap=0)


def test_a_claim_past_the_end_of_the_text_is_refused() -> None:
    claim = {"doc_id": "x", "start": 0, "end": len(TEXT) + 1, "category": "COERCION",
             "voice": "reporter", "record": None}  # fmt: skip
    with pytest.raises(PredictionError, match=r"claims\[0\]: span .* ends past the text"):
        evaluate_rows([GOLD], [{"doc_id": "x", "claims": [claim]}], bootstrap=0)


def _reporter(start: int, end: int) -> Scored:
    return Scored(Span(start, end, "COERCION"), Voice.REPORTER, None, (None, None))


def test_exact_control_spans_are_paired_first() -> None:
    # the prediction overlaps both gold spans by 5 characters and is the second's twin
    assert match_claims([_reporter(0, 20), _reporter(5, 10)], [_reporter(5, 10)]) == [(1, 0)]
    assert match_claims([_reporter(0, 20), _reporter(5, 10)], [_reporter(5, 11)]) == [(0, 0)]


def test_the_gold_scored_as_predictions_gives_claim_f1_1(tmp_path: Path) -> None:
    gold = load_gold(ROOT, "all")
    derived = [{k: v for k, v in row.items() if k != "claims"} for row in gold]
    for rows in (gold, derived):  # the documents' claims column, and claims derived again
        claims = evaluate_rows(gold, rows, bootstrap=100)["claims"]
        for key in ("with_source", "without_source"):
            assert claims[key]["f1"] == 1.0 and claims[key]["f1_ci"] == [1.0, 1.0]
            assert claims[key]["tp"] == 94
        assert claims["source_agreement"]["accuracy"] == 1.0
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in gold), encoding="utf-8")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        app,
        ["evaluate", "--predictions", str(path), "--split", "all", "--root", str(ROOT),
         "--bootstrap", "20", "--json", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "claims: who reports which measure" in result.stdout
    assert json.loads(out.read_text("utf-8"))["claims"]["with_source"]["f1"] == 1.0
