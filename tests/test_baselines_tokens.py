"""Token-level baselines (entities, attribution) train and predict on the real corpus.

Each system is fitted on the committed splits with the test rows poisoned
(any read raises), so the test split is provably never used in ``fit``; its
predictions on the test articles must validate against the predictions
model and score with the evaluator. The transformer runs a few steps only
(``NKWORKERS_FAST=1``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nkworkers.baselines.evaluation.scorer import evaluate_rows
from nkworkers.baselines.systems.attribution.linking import quote_type
from nkworkers.baselines.systems.base import CorpusData
from nkworkers.baselines.systems.common.features import (
    REPORTING,
    attribution_features,
    inside_quotes,
    shape,
    stem,
)
from nkworkers.baselines.systems.common.sequences import Sentence
from nkworkers.baselines.systems.common.taggers import _follows, iob_viterbi
from nkworkers.baselines.systems.registry import SYSTEMS
from nkworkers.loaders.predictions import PredictionRow
from nkworkers.loaders.text.segment import Token
from tests.conftest import ROOT

TOKEN_SYSTEMS = sorted(n for n in SYSTEMS if n.startswith(("entities-", "attribution-")))
LAYERS = {"entities": ("entities",), "attribution": ("attribution_spans", "attributions")}


class Poisoned(dict):
    """A split that fails loudly when anything reads it."""

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("fit read the test split")

    __getitem__ = get = items = values = keys = __iter__ = __len__ = __contains__ = _fail


def test_every_token_task_has_its_systems() -> None:
    for task in ("entities", "attribution"):
        names = {n.split("-", 1)[1] for n in TOKEN_SYSTEMS if n.startswith(task)}
        assert {"crf", "tokenlr", "minilm"} <= names
    assert "entities-gazetteer" in SYSTEMS and "attribution-rules" in SYSTEMS


@pytest.mark.slow
@pytest.mark.parametrize("name", TOKEN_SYSTEMS)
def test_system_fits_without_test_and_predictions_score(
    name: str, data: CorpusData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NKWORKERS_FAST", "1")
    system = SYSTEMS[name]()
    assert system.name == name
    poisoned = CorpusData(train=data.train, validation=data.validation, test=Poisoned())
    system.fit(poisoned, seed=0, device="cpu")

    gold = list(data.test["documents"])
    rows = system.predict([{"doc_id": g["doc_id"], "text": g["text"]} for g in gold])
    assert [r["doc_id"] for r in rows] == [g["doc_id"] for g in gold]
    for row in rows:
        parsed = PredictionRow.model_validate(row)
        assert parsed.present_layers() == set(LAYERS[system.task])
    report = evaluate_rows(gold, rows, bootstrap=0)
    assert system.task in report
    if system.task == "entities":
        assert 0.0 <= report["entities"]["strict"]["f1"] <= 1.0
    else:
        assert 0.0 <= report["attribution"]["cue"]["overlap"]["f1"] <= 1.0
        assert "records" in report["attribution"]


def test_predict_handles_an_unannotated_document(data: CorpusData) -> None:
    system = SYSTEMS["entities-gazetteer"]()
    system.fit(CorpusData(data.train, data.validation, Poisoned()))
    rows = system.predict([{"doc_id": "new", "text": "\n  \n"}, {"doc_id": "x", "text": "Hi."}])
    assert rows == [
        {"doc_id": "new", "entities": []},
        {"doc_id": "x", "entities": rows[1]["entities"]},
    ]


def test_shape_and_quotes() -> None:
    assert shape("Kim") == "Xx" and shape("2019") == "d" and shape("U.S.") == "X.X."
    words = ["He", "said", "“", "go", "home", "”", "."]
    assert inside_quotes(words) == [False, False, True, True, True, True, False]
    assert quote_type(["“Go home,”"]) == "direct"
    assert quote_type(["workers will become “lax.”"]) == "mixed"
    assert quote_type(["the workers’ passports were taken"]) == "indirect"


def test_stem_generalises_reporting_verbs() -> None:
    assert stem("says") == stem("said") == stem("saying") == stem("Say")
    assert stem("told") == stem("tells") == stem("telling")
    assert stem("reportedly") == stem("reported") == stem("reports")
    assert stem("suggested") == stem("suggests") and stem("stresses") == stem("stressed")
    assert stem("believes") == stem("believing") == stem("believe")
    assert stem("reply") != stem("rep") and stem("not") not in REPORTING
    assert {stem("said"), stem("warned"), stem("according")} <= REPORTING


def test_attribution_features_see_quotes_and_cues() -> None:
    words = ["“", "Go", "home", ",", "”", "he", "said", "."]
    tokens, at = [], 0
    for w in words:
        tokens.append(Token(at, at + len(w), w))
        at += len(w) + 1
    feats = attribution_features(Sentence("d", tuple(tokens)))
    assert [f["quote_parity"] for f in feats] == ["0", "1", "1", "1", "1", "0", "0", "0"]
    assert feats[6]["+0:report"] == 1.0 and feats[5]["report_right"] == "1"
    assert feats[1]["in_quote"] == 1.0 and feats[6]["in_quote"] == 0.0
    assert feats[5]["quote_left"] == "1" and feats[6]["+1:lower"] == "."


def test_iob_viterbi_gives_valid_sequences() -> None:
    names = ["B-X", "I-X", "I-Y", "O"]
    allowed = np.array([[_follows(a, b) for b in names] for a in ["O", *names]])
    # argmax would say I-X, I-X, O: an I- without its B-
    probs = np.array([[0.3, 0.5, 0.0, 0.2], [0.1, 0.8, 0.05, 0.05], [0.1, 0.1, 0.1, 0.7]])
    assert iob_viterbi(np.log(probs + 1e-9), names, allowed) == ["B-X", "I-X", "O"]
    assert iob_viterbi(np.zeros((0, 4)), names, allowed) == []
    assert not _follows("B-X", "I-Y") and not _follows("O", "I-X") and _follows("I-X", "B-Y")


def test_registry_names_match_systems() -> None:
    for name in TOKEN_SYSTEMS:
        system = SYSTEMS[name]()
        assert system.name == name and system.task == name.split("-")[0]


def test_root_has_data() -> None:
    assert (Path(ROOT) / "data" / "entities").is_dir()
