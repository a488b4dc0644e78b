"""attribution-textacy: textacy's direct quotations as zero-shot records (needs the extra)."""

from __future__ import annotations

import json

import pytest

from nkworkers.baselines.systems.attribution.textacy_quotes import QUOTES, TextacyQuotations
from nkworkers.loaders.corpus import read_corpus
from nkworkers.loaders.predictions import PredictionRow, check_offsets
from tests.conftest import ROOT

pytest.importorskip("textacy", reason="attribution-textacy needs the reference extra")


def test_the_committed_predictions_are_what_textacy_gives_now() -> None:
    corpus = read_corpus(ROOT)
    texts = {d: raw.decode("utf-8") for d, raw in corpus.raw_bytes.items()}
    path = ROOT / "results" / "predictions" / "cv" / "attribution-textacy.jsonl"
    committed = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    fresh = TextacyQuotations().predict([{"doc_id": r["doc_id"], "text": texts[r["doc_id"]]}
                                         for r in committed])  # fmt: skip
    assert fresh == committed
    for row in fresh:
        parsed = PredictionRow.model_validate(row)
        assert check_offsets(parsed, texts[row["doc_id"]]) is None
        spans = {s["id"]: s for s in row["attribution_spans"]}
        for record in row["attributions"]:
            assert record["quote_type"] == "direct" and record["source_kind"] is None
            (content,) = (spans[i] for i in record["content"])
            quoted = texts[row["doc_id"]][content["start"] : content["end"]]
            assert {quoted[0], quoted[-1]} <= QUOTES, quoted  # textacy pairs marks in order


def test_a_paragraph_with_an_odd_number_of_quotation_marks_gives_no_record() -> None:
    text = (
        "“The workers are watched all the time,” a source said.\n"
        "“The workers’ boss is strict,” the official told reporters.\n"
    )
    (row,) = TextacyQuotations().predict([{"doc_id": "x", "text": text}])
    sources = [s for s in row["attribution_spans"] if s["role"] == "SOURCE"]
    assert len(row["attributions"]) == 1
    assert text[sources[0]["start"] : sources[0]["end"]] == "source"
