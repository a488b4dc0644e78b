"""Entity scores: SemEval-2013 truth tables, and nervaluate 1.2.1 as an oracle."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nervaluate import Evaluator

from nkworkers.baselines.evaluation import evaluate_rows
from nkworkers.baselines.evaluation.entities import SCHEMES, evaluate, tally_entities
from nkworkers.baselines.evaluation.tally import Tally
from nkworkers.baselines.evaluation.units import Sentences, Unit, Units
from nkworkers.loaders.labels import EntityType, names
from nkworkers.loaders.text.spans import Span

TEXT = "x" * 400
NERVALUATE_SCHEME = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
COUNTS = ("correct", "incorrect", "partial", "missed", "spurious", "possible", "actual")

# (gold, pred, expected outcome per scheme); the classic table of Batista's
# "Named-Entity evaluation metrics based on entity-level" post.
CASES = {
    "correct": ([Span(0, 5, "PERSON")], [Span(0, 5, "PERSON")],
                {"strict": "correct", "exact": "correct", "partial": "correct", "type": "correct"}),
    "wrong type": ([Span(0, 5, "ORG")], [Span(0, 5, "PERSON")],
                   {"strict": "incorrect", "exact": "correct", "partial": "correct",
                    "type": "incorrect"}),
    "wrong boundary": ([Span(0, 10, "PERSON")], [Span(0, 5, "PERSON")],
                       {"strict": "incorrect", "exact": "incorrect", "partial": "partial",
                        "type": "correct"}),
    "wrong both": ([Span(0, 10, "ORG")], [Span(0, 5, "PERSON")],
                   {"strict": "incorrect", "exact": "incorrect", "partial": "partial",
                    "type": "incorrect"}),
    "missed": ([Span(0, 5, "ORG")], [], {s: "missed" for s in SCHEMES}),
    "spurious": ([], [Span(0, 5, "ORG")], {s: "spurious" for s in SCHEMES}),
    "touching is not overlapping": ([Span(0, 5, "ORG")], [Span(5, 9, "ORG")],
                                    {s: "missed+spurious" for s in SCHEMES}),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_truth_table(case: str, scheme: str) -> None:
    gold, pred, expected = CASES[case]
    outcome = evaluate(scheme, gold, pred)
    got = [*outcome.predicted, *(["missed"] * len(outcome.missed))]
    assert "+".join(sorted(got)) == expected[scheme]


def _row(doc_id: str, spans: list[Span]) -> dict[str, Any]:
    ents = [{"start": s.start, "end": s.end, "label": s.label} for s in spans]
    return {"doc_id": doc_id, "text": TEXT, "entities": ents}


def test_partial_credit_figures() -> None:
    gold = [_row("d", [Span(0, 10, "PERSON"), Span(20, 30, "ORG")])]
    pred = [_row("d", [Span(0, 5, "PERSON"), Span(20, 30, "ORG"), Span(40, 45, "GPE")])]
    report = evaluate_rows(gold, pred, bootstrap=0)["entities"]
    assert report["partial"]["precision"] == pytest.approx(1.5 / 3)
    assert report["partial"]["recall"] == pytest.approx(1.5 / 2)
    assert report["strict"]["precision"] == pytest.approx(1 / 3)
    assert report["per_type"]["PERSON"]["strict"]["incorrect"] == 1
    assert report["per_type"]["GPE"]["exact"]["spurious"] == 1
    assert set(report["per_type"]) == {"PERSON", "ORG", "GPE"}


def _nervaluate_doc(spans: list[Span]) -> list[dict[str, Any]]:
    # nervaluate's end is inclusive (its overlap adds 1); ours is exclusive.
    ordered = sorted(spans, key=lambda s: (s.start, s.end, s.label))
    return [{"label": s.label, "start": s.start, "end": s.end - 1} for s in ordered]


def _spans(max_length: int) -> st.SearchStrategy[list[Span]]:
    span = st.builds(
        lambda start, length, label: Span(start, start + length, label),
        st.integers(0, 60),
        st.integers(1, max_length),
        st.sampled_from(["PERSON", "ORG", "GPE"]),
    )
    return st.lists(span, max_size=8)


docs = st.lists(st.tuples(_spans(12), _spans(12)), min_size=1, max_size=3)
long_docs = st.lists(st.tuples(_spans(300), _spans(12)), min_size=1, max_size=2)


def _check_against_nervaluate(pairs: list[tuple[list[Span], list[Span]]]) -> None:
    gold = [_row(f"d{i}", g) for i, (g, _) in enumerate(pairs)]
    pred = [_row(f"d{i}", p) for i, (_, p) in enumerate(pairs)]
    ours = evaluate_rows(gold, pred, bootstrap=0)["entities"]
    oracle = Evaluator(
        [_nervaluate_doc(g) for g, _ in pairs],
        [_nervaluate_doc(p) for _, p in pairs],
        tags=names(EntityType),
        loader="dict",  # what loader="default" infers for dicts; it cannot infer from []
    ).evaluate()
    for scheme, theirs in NERVALUATE_SCHEME.items():
        expected = oracle["overall"][theirs]
        for key in (*COUNTS, "precision", "recall", "f1"):
            assert ours[scheme][key] == pytest.approx(getattr(expected, key)), (scheme, key)
    assert set(ours.get("per_type", {})) == set(oracle["entities"])
    for label, by_scheme in oracle["entities"].items():
        for scheme, theirs in NERVALUATE_SCHEME.items():
            expected = by_scheme[theirs]
            for key in (*COUNTS, "f1"):
                got = ours["per_type"][label][scheme][key]
                assert got == pytest.approx(getattr(expected, key)), (label, scheme, key)


@settings(max_examples=300, deadline=None)
@given(docs)
def test_equals_nervaluate(pairs: list[tuple[list[Span], list[Span]]]) -> None:
    _check_against_nervaluate(pairs)


@settings(max_examples=100, deadline=None)
@given(long_docs)
def test_equals_nervaluate_below_one_percent_overlap(
    pairs: list[tuple[list[Span], list[Span]]],
) -> None:
    """Long gold spans: nervaluate ignores overlaps under 1 % of the gold span; so do we."""
    _check_against_nervaluate(pairs)


many_docs = st.lists(st.tuples(_spans(12), _spans(12)), min_size=10, max_size=14)


@settings(max_examples=60, deadline=None)
@given(many_docs)
def test_equals_nervaluate_across_many_documents(
    pairs: list[tuple[list[Span], list[Span]]],
) -> None:
    """The corpus-wide candidate search never pairs spans of different documents."""
    _check_against_nervaluate(pairs)


def test_same_offsets_in_another_document_do_not_match() -> None:
    gold = [_row("a", [Span(0, 5, "ORG")]), _row("b", [])]
    pred = [_row("a", []), _row("b", [Span(0, 5, "ORG")])]
    report = evaluate_rows(gold, pred, bootstrap=0)["entities"]
    assert (report["strict"]["missed"], report["strict"]["spurious"]) == (1, 1)
    assert report["strict"]["correct"] == 0


def test_shared_candidate_goes_to_the_first_prediction_in_visit_order() -> None:
    """Two predictions want one gold span: the earlier (by start) consumes it."""
    gold = [Span(10, 20, "ORG")]
    pred = [Span(12, 20, "ORG"), Span(10, 20, "ORG")]  # visited as (10, 20), then (12, 20)
    outcome = evaluate("strict", gold, pred)
    assert outcome.predicted == ("spurious", "correct")
    assert outcome.missed == ()


def test_per_unit_counts_land_in_the_sentence_a_span_starts_in() -> None:
    text = "Kim went to Moscow. Putin met him there."
    units = Units(Unit.SENTENCES, Sentences((text,)))
    assert units.count == 2
    tally = Tally(units.count)
    gold = [[Span(0, 3, "PERSON"), Span(20, 25, "PERSON")]]
    pred = [[Span(0, 3, "PERSON"), Span(12, 18, "GPE")]]
    tally_entities(tally, units, gold, pred)
    counts = tally.blocks[("entities", "strict")].counts
    assert counts["correct"].tolist() == [1, 0]
    assert counts["spurious"].tolist() == [1, 0]
    assert counts["missed"].tolist() == [0, 1]
    per_type = tally.blocks[("entities", "per_type", "GPE", "strict")].counts
    assert per_type["spurious"].tolist() == [1, 0]
