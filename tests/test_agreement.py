"""nkworkers agreement: chance-corrected measures and the committed second annotation."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from baselines.evaluation.agreement import cohen_kappa, compare, corpus_agreement
from loaders.cli import app
from loaders.corpus import read_corpus
from tests.conftest import ROOT


@given(st.lists(st.tuples(st.sampled_from("OABC"), st.sampled_from("OABC")), min_size=2))
def test_cohen_kappa_matches_sklearn(pairs) -> None:
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    expected = cohen_kappa_score(a, b)
    if len(set(a) | set(b)) > 1 and expected == expected:  # sklearn gives nan when undefined
        assert abs(cohen_kappa(a, b) - expected) < 1e-9


def test_an_annotation_agrees_perfectly_with_itself() -> None:
    loaded = read_corpus(ROOT)
    texts = {d: raw.decode("utf-8") for d, raw in loaded.raw_bytes.items()}
    result = compare(texts, loaded.annotations, loaded.annotations)
    assert result["entities"]["strict_f1"] == 1.0
    assert result["entities"]["token_kappa"] == 1.0
    assert result["attribution"]["records_f1"] == 1.0
    assert result["control_measures"]["sentence_kappa_pooled"] == 1.0


def test_second_annotation_covers_every_annotated_article() -> None:
    result = corpus_agreement(ROOT)
    pair = result["annotator_a vs annotator_b"]
    assert len(pair["documents"]) == 5
    for figure in (pair["entities"]["strict_f1"], pair["attribution"]["records_f1"]):
        assert 0.0 <= figure <= 1.0


def test_agreement_cli_prints_json() -> None:
    result = CliRunner().invoke(app, ["agreement", "--root", str(ROOT), "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == {
        "annotator_a vs annotator_b",
        "gold vs annotator_a",
        "gold vs annotator_b",
    }
