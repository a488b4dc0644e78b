"""Truth tables for span matching, attribution records and control-measure sentences."""

from __future__ import annotations

from typing import Any

import pytest

from nkworkers.baselines.evaluation import evaluate_rows
from nkworkers.loaders.text.spans import Span, match_exact, match_overlap

TEXT = "Kim said the workers were watched.\nThe guards took passports. Nobody left.\n"


def test_exact_and_overlap_matching() -> None:
    gold = [Span(0, 10, "A"), Span(20, 30, "A"), Span(40, 50, "B")]
    pred = [Span(0, 10, "A"), Span(25, 35, "A"), Span(45, 48, "A"), Span(50, 60, "B")]
    exact = match_exact(gold, pred)
    assert exact.pairs == ((0, 0),) and exact.missed == (1, 2) and exact.spurious == (1, 2, 3)
    overlap = match_overlap(gold, pred)
    # (45, 48) is A, gold (40, 50) is B: no match; (50, 60) only touches (40, 50).
    assert overlap.pairs == ((0, 0), (1, 1)) and overlap.missed == (2,)
    assert overlap.spurious == (2, 3)


def test_overlap_matching_is_one_to_one_and_prefers_larger_overlap() -> None:
    gold = [Span(0, 10, "A")]
    pred = [Span(8, 12, "A"), Span(2, 9, "A")]
    m = match_overlap(gold, pred)
    assert m.pairs == ((0, 1),) and m.spurious == (0,)


def _attr_row(
    spans: list[tuple[str, int, int, str]], records: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "doc_id": "d",
        "text": TEXT,
        "attribution_spans": [
            {"id": i, "start": s, "end": e, "role": role} for i, s, e, role in spans
        ],
        "attributions": records,
    }


GOLD_SPANS = [("s", 0, 3, "SOURCE"), ("c", 4, 8, "CUE"), ("t", 9, 33, "CONTENT")]
GOLD_RECORD = {"source": "s", "cue": "c", "content": ["t"], "source_anonymity": "named",
               "source_kind": "defector", "quote_type": "indirect"}  # fmt: skip


@pytest.mark.parametrize(
    ("pred_spans", "record", "matched"),
    [
        (GOLD_SPANS, GOLD_RECORD, True),
        # every span only overlapping
        ([("s", 0, 2, "SOURCE"), ("c", 5, 8, "CUE"), ("t", 13, 20, "CONTENT")], GOLD_RECORD, True),
        # source missing where gold has one
        (GOLD_SPANS, {**GOLD_RECORD, "source": None}, False),
        # cue elsewhere
        (
            [("s", 0, 3, "SOURCE"), ("c", 9, 12, "CUE"), ("t", 13, 33, "CONTENT")],
            GOLD_RECORD,
            False,
        ),
        # content not overlapping
        ([*GOLD_SPANS[:2], ("t", 35, 60, "CONTENT")], GOLD_RECORD, False),
        # no cue at all
        (GOLD_SPANS, {**GOLD_RECORD, "cue": None}, False),
    ],
)
def test_record_matching(pred_spans: list, record: dict, matched: bool) -> None:
    gold = [_attr_row(GOLD_SPANS, [GOLD_RECORD])]
    pred = [_attr_row(pred_spans, [record])]
    records = evaluate_rows(gold, pred, bootstrap=0)["attribution"]["records"]
    assert (records["tp"], records["fp"], records["fn"]) == ((1, 0, 0) if matched else (0, 1, 1))


def test_agentless_records_match_and_attributes_are_scored_on_matches() -> None:
    spans = GOLD_SPANS[1:]
    gold_record = {**GOLD_RECORD, "source": None, "source_anonymity": "not_applicable"}
    pred_record = {**gold_record, "quote_type": "direct", "source_kind": None}
    report = evaluate_rows(
        [_attr_row(spans, [gold_record])], [_attr_row(spans, [pred_record])], bootstrap=0
    )["attribution"]
    assert report["records"]["f1"] == 1.0
    assert report["attributes"]["source_anonymity"]["accuracy"] == 1.0
    assert report["attributes"]["quote_type"]["accuracy"] == 0.0
    assert report["attributes"]["source_kind"]["accuracy"] == 0.0  # null is wrong
    assert report["cue"]["exact"]["f1"] == 1.0 and report["source"]["exact"]["tp"] == 0


def _cm_row(measures: list[tuple[int, int, list[str]]]) -> dict[str, Any]:
    return {
        "doc_id": "d",
        "text": TEXT,
        "control_measures": [{"start": s, "end": e, "labels": labels} for s, e, labels in measures],
    }


def test_control_measures_spans_count_once_per_label() -> None:
    gold = [_cm_row([(9, 33, ["SURVEILLANCE", "COERCION"]), (35, 61, ["DOCUMENT_CONFISCATION"])])]
    pred = [_cm_row([(9, 33, ["SURVEILLANCE"]), (39, 50, ["DOCUMENT_CONFISCATION"])])]
    spans = evaluate_rows(gold, pred, bootstrap=0)["control_measures"]["spans"]
    assert (spans["micro"]["exact"]["tp"], spans["micro"]["exact"]["fn"]) == (1, 2)
    assert spans["micro"]["overlap"]["tp"] == 2 and spans["micro"]["overlap"]["fn"] == 1
    assert spans["per_category"]["COERCION"]["overlap"]["recall"] == 0.0
    assert spans["per_category"]["DOCUMENT_CONFISCATION"]["overlap"]["f1"] == 1.0


def test_control_measures_sentences() -> None:
    # Sentences: [0, 34) "Kim said ...", [35, 61) "The guards ...", [62, 74) "Nobody left."
    gold = [_cm_row([(9, 33, ["SURVEILLANCE"]), (35, 61, ["DOCUMENT_CONFISCATION"])])]
    pred = [_cm_row([(0, 3, ["SURVEILLANCE"]), (40, 70, ["MOVEMENT_RESTRICTION"])])]
    sentences = evaluate_rows(gold, pred, bootstrap=0)["control_measures"]["sentences"]
    # tp: (s0, SURV); fp: (s1, MOVE), (s2, MOVE); fn: (s1, DOC)
    assert (sentences["micro"]["tp"], sentences["micro"]["fp"], sentences["micro"]["fn"]) == (
        1,
        2,
        1,
    )
    assert sentences["per_category"]["SURVEILLANCE"]["f1"] == 1.0
    assert sentences["macro"]["f1"] == pytest.approx(1 / 3)  # SURV 1, DOC 0, MOVE 0
    assert sentences["macro"]["labels"] == 3
