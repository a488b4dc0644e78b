"""Claims: the one carrying rule, on the gold and on predictions rows."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from nkworkers.loaders.claims import _records as records_of
from nkworkers.loaders.claims import chain_of, derive_claims
from nkworkers.loaders.corpus import read_corpus
from nkworkers.loaders.labels import Voice
from tests.conftest import ROOT


def _gold() -> list[tuple[dict, str]]:
    corpus = read_corpus(ROOT)
    return [
        (corpus.annotations[doc_id].model_dump(mode="json"), raw.decode("utf-8"))
        for doc_id, raw in sorted(corpus.raw_bytes.items())
        if doc_id in corpus.annotations
    ]


def test_gold_gives_94_claims_in_the_voices_counted_by_hand() -> None:
    claims = [c for row, text in _gold() for c in derive_claims(row, text=text)]
    assert len(claims) == 94
    assert Counter(c.voice for c in claims) == {
        Voice.SOURCE: 57,
        Voice.UNNAMED_SOURCE: 11,
        Voice.REPORTER: 26,
    }
    for claim in claims:
        assert claim.text is not None and claim.sentence is not None
        assert claim.sentence.start <= claim.start < claim.sentence.end
        if claim.record is not None and claim.record.source is not None:
            assert claim.record.source.text and claim.voice is Voice.SOURCE


def test_chain_rule_gives_the_annotated_parent_of_every_gold_record() -> None:
    nested = 0
    for row, _ in _gold():
        records = records_of(row)
        for record, annotated in zip(records, row["attributions"], strict=True):
            chain = chain_of(records, record)
            assert (chain[0].id if chain else None) == annotated["parent"], record.id
            nested += bool(chain)
    assert nested == 13


def test_a_predictions_row_without_ids_gives_claims_by_the_same_rule() -> None:
    text = "A source said workers must hand over their passports. Phones are banned."
    row = {
        "doc_id": "x",
        "attribution_spans": [
            {"id": "s", "start": 0, "end": 8, "role": "SOURCE"},
            {"id": "c", "start": 9, "end": 13, "role": "CUE"},
            {"id": "t", "start": 14, "end": 53, "role": "CONTENT"},
        ],
        "attributions": [{"source": "s", "cue": "c", "content": ["t"]}],
        "control_measures": [
            {"start": 22, "end": 53, "labels": ["DOCUMENT_CONFISCATION"]},
            {"start": 55, "end": 72, "labels": ["COMMUNICATION_RESTRICTION", "SURVEILLANCE"]},
        ],
    }
    claims = derive_claims(row, text=text)
    assert [(c.category.value, c.voice.value) for c in claims] == [
        ("DOCUMENT_CONFISCATION", "source"),
        ("SURVEILLANCE", "reporter"),
        ("COMMUNICATION_RESTRICTION", "reporter"),
    ]
    assert claims[0].record is not None and claims[0].record.record_id == "x-R1"
    assert claims[0].record.source is not None and claims[0].record.source.text == "A source"


def test_records_that_carry_each_other_do_not_loop() -> None:
    row = {
        "doc_id": "x",
        "attribution_spans": [
            {"id": "c1", "start": 0, "end": 2, "role": "CUE"},
            {"id": "t1", "start": 0, "end": 10, "role": "CONTENT"},
            {"id": "c2", "start": 3, "end": 5, "role": "CUE"},
            {"id": "t2", "start": 0, "end": 10, "role": "CONTENT"},
        ],
        "attributions": [{"cue": "c1", "content": ["t1"]}, {"cue": "c2", "content": ["t2"]}],
        "control_measures": [{"start": 6, "end": 9, "labels": ["COERCION"]}],
    }
    (claim,) = derive_claims(row)
    assert claim.voice is Voice.UNNAMED_SOURCE and len(claim.chain) == 1


_span = st.tuples(st.integers(0, 60), st.integers(1, 20)).map(lambda t: (t[0], t[0] + t[1]))


@given(
    controls=st.lists(_span, max_size=4),
    contents=st.lists(st.tuples(_span, _span), max_size=4),
)
def test_any_row_gives_one_claim_per_label_and_never_fails(
    controls: list[tuple[int, int]], contents: list[tuple[tuple[int, int], tuple[int, int]]]
) -> None:
    spans, records = [], []
    for i, (cue, content) in enumerate(contents):
        spans += [
            {"id": f"c{i}", "start": cue[0], "end": cue[1], "role": "CUE"},
            {"id": f"t{i}", "start": content[0], "end": content[1], "role": "CONTENT"},
        ]
        records.append({"cue": f"c{i}", "content": [f"t{i}"]})
    row = {
        "doc_id": "x",
        "attribution_spans": spans,
        "attributions": records,
        "control_measures": [
            {"start": s, "end": e, "labels": ["COERCION", "SURVEILLANCE"]} for s, e in controls
        ],
    }
    claims = derive_claims(row)
    assert len(claims) == 2 * len(controls)
    for claim in claims:
        assert (claim.record is None) == (claim.voice is Voice.REPORTER)
        assert all(
            outer.record_id != claim.record.record_id for outer in claim.chain if claim.record
        )
