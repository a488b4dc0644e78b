"""The control-measure baselines train and predict on the real corpus (small settings).

Every system fits with the test split sealed (any read raises) and, for the
deterministic ones, with the test split poisoned: predictions must not move.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from nkworkers.baselines.benchmark.runner import bare, sealed
from nkworkers.baselines.evaluation import evaluate_rows
from nkworkers.baselines.systems.base import CorpusData, System
from nkworkers.baselines.systems.control.cascade import Cascade
from nkworkers.baselines.systems.control.common import CATEGORIES, choose_threshold, clauses
from nkworkers.baselines.systems.control.lexicon import KeywordLexicon
from nkworkers.baselines.systems.control.minilm import MiniLMMultiLabel
from nkworkers.baselines.systems.control.registry import SYSTEMS as CONTROL
from nkworkers.baselines.systems.control.setfit import SetFitOneVsRest
from nkworkers.baselines.systems.control.similarity import DescriptionSimilarity
from nkworkers.baselines.systems.control.tfidf import TfidfLogReg
from nkworkers.baselines.systems.control.twostage import TwoStage
from nkworkers.loaders.labels import ControlCategory
from nkworkers.loaders.predictions import PredictionRow

SMALL: dict[str, Callable[[], System]] = {
    "control-lexicon": KeywordLexicon,
    "control-tfidf-lr": lambda: TfidfLogReg(c_grid=(1.0,)),
    "control-setfit": lambda: SetFitOneVsRest(num_iterations=1, batch_size=32),
    "control-similarity": DescriptionSimilarity,
    "control-minilm": lambda: MiniLMMultiLabel(epochs=1),
    "control-twostage": TwoStage,
    "control-cascade": Cascade,
}


def poisoned(data: CorpusData) -> CorpusData:
    """The test split replaced by train rows whose categories are all flipped."""

    def flip(row: dict) -> dict:
        row["labels"] = [c for c in range(len(CATEGORIES)) if c not in row["labels"]]
        for span in row["spans"]:
            span["labels"] = [(label + 1) % len(CATEGORIES) for label in span["labels"]]
        return row

    test = dict(data.train)
    test["control_measures"] = data.train["control_measures"].map(flip)
    return dataclasses.replace(data, test=test)


def test_registry_lists_every_control_system() -> None:
    from nkworkers.baselines.systems.registry import SYSTEMS

    assert set(CONTROL) == set(SMALL)
    for name in CONTROL:
        assert SYSTEMS[name] is CONTROL[name]
        assert CONTROL[name]().name == name
        assert CONTROL[name]().task == "control_measures"


@pytest.mark.parametrize("name", list(SMALL))
def test_trains_predicts_and_scores_on_the_real_corpus(name: str, data: CorpusData) -> None:
    system = SMALL[name]()
    system.fit(sealed(data), seed=0)  # reading the test split while fitting raises
    documents = [*data.validation["documents"], *data.test["documents"]]
    rows = system.predict(bare(documents))
    assert [r["doc_id"] for r in rows] == [d["doc_id"] for d in documents]
    for row, doc in zip(rows, documents, strict=True):
        assert set(row) <= {"doc_id", "control_measures", "control_scores"}
        parsed = PredictionRow.model_validate(row)
        for measure in parsed.control_measures or []:
            assert (
                doc["text"][measure.start : measure.end].strip()
                == (doc["text"][measure.start : measure.end])
            )
    report = evaluate_rows(documents, rows, bootstrap=0)
    assert 0.0 <= report["control_measures"]["sentences"]["micro"]["f1"] <= 1.0


@pytest.mark.parametrize(
    "name",
    ["control-lexicon", "control-tfidf-lr", "control-similarity", "control-twostage",
     "control-cascade"],
)  # fmt: skip
def test_poisoned_test_split_changes_nothing(name: str, data: CorpusData) -> None:
    documents = bare(data.validation["documents"])
    clean, dirty = SMALL[name](), SMALL[name]()
    clean.fit(data, seed=0)
    dirty.fit(poisoned(data), seed=0)
    assert clean.predict(documents) == dirty.predict(documents)


def test_predicts_unannotated_text_without_measures() -> None:
    system = KeywordLexicon()
    system.lexicon = {("passport",): {"DOCUMENT_CONFISCATION"}}
    text = "Headline\n\nManagers took the passports, the source said. Nothing else.\n"
    [row] = system.predict([{"doc_id": "x", "text": text}])
    [measure] = row["control_measures"]
    assert text[measure["start"] : measure["end"]] == "Managers took the passports"
    assert measure["labels"] == ["DOCUMENT_CONFISCATION"]


def test_clauses_are_trimmed_half_open_offsets() -> None:
    text = "Workers, he said, cannot leave — “ever”; (they are watched)."
    parts = clauses(text, start=10)
    pieces = [text[s - 10 : e - 10] for s, e in parts]
    assert pieces == ["Workers", "he said", "cannot leave", "ever", "they are watched"]


def test_threshold_keeps_default_when_validation_has_no_signal() -> None:
    scores = np.array([[0.9, 0.1], [0.2, 0.8]])
    assert choose_threshold(scores, np.zeros((2, 2)), default=0.5) == 0.5
    assert choose_threshold(scores, np.array([[1, 0], [0, 1]]), default=0.5) == 0.5
    assert choose_threshold(scores, np.array([[1, 1], [0, 1]]), default=0.5) <= 0.1


def test_categories_follow_the_enum() -> None:
    assert list(CATEGORIES) == [c.value for c in ControlCategory]


def test_descriptions_cover_every_category() -> None:
    from nkworkers.baselines.systems.control.descriptions import DESCRIPTIONS

    assert set(DESCRIPTIONS) == set(ControlCategory)
    assert all(DESCRIPTIONS[c] for c in ControlCategory)
