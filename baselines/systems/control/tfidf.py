"""``control-tfidf-lr``: TF-IDF n-grams with one-vs-rest logistic regression per sentence.

One balanced binary logistic regression per category seen in train (a
category with no train sentence cannot be learned and is never predicted).
The regularisation strength and one probability threshold shared by all
categories are chosen on validation micro F1. Spans are whole sentences.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import model_validator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nkworkers.baselines.systems.base import CorpusData, Row, Task
from nkworkers.baselines.systems.common.storage import (
    LogRegState,
    TfidfState,
    logreg_restore,
    logreg_state,
    tfidf_restore,
    tfidf_state,
    write_arrays,
    write_json,
)
from nkworkers.baselines.systems.control.common import (
    CATEGORIES,
    Sentences,
    choose_threshold,
    document_sentences,
    micro_f1,
    sentence_rows,
)
from nkworkers.baselines.systems.safe.schema import (
    Probability,
    State,
    check_arrays,
    one_of,
    read_arrays,
    read_state,
)

C_GRID: tuple[float, ...] = (0.1, 1.0, 10.0)


class TfidfLogReg:
    name = "control-tfidf-lr"
    task: Task = "control_measures"

    def __init__(self, c_grid: tuple[float, ...] = C_GRID) -> None:
        self.c_grid = c_grid
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
        self.models: dict[int, LogisticRegression] = {}
        self.threshold = 0.5

    def _fit_models(self, x: Any, train: Sentences, c: float, seed: int) -> None:
        self.models = {}
        for j in np.flatnonzero(train.seen()):
            y = train.labels[:, j]
            if y.min() == y.max():  # every train sentence carries it: nothing to separate
                continue
            model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
            self.models[int(j)] = model.fit(x, y)

    def scores(self, texts: list[str]) -> np.ndarray:
        x = self.vectorizer.transform(texts)
        out = np.zeros((len(texts), len(CATEGORIES)), dtype=float)
        for j, model in self.models.items():
            out[:, j] = model.predict_proba(x)[:, 1]
        return out

    def fit(self, data: CorpusData, *, seed: int = 0, device: str = "cpu") -> None:
        train = Sentences.from_config(data.train["control_measures"])
        val = Sentences.from_config(data.validation["control_measures"])
        x = self.vectorizer.fit_transform(train.texts)
        best: tuple[float, float, float] | None = None  # (f1, c, threshold)
        for c in self.c_grid:
            self._fit_models(x, train, c, seed)
            val_scores = self.scores(val.texts)
            threshold = choose_threshold(val_scores, val.labels, default=0.5)
            f1 = micro_f1(val.labels.astype(bool), val_scores >= threshold)
            if best is None or f1 > best[0] + 1e-12:
                best = (f1, c, threshold)
        assert best is not None
        _, c, self.threshold = best
        self._fit_models(x, train, c, seed)

    def predict(self, documents: list[Row]) -> list[Row]:
        sentences = document_sentences(documents)
        scores = self.scores([s.text for s in sentences])
        return sentence_rows(documents, sentences, scores >= self.threshold)

    def save(self, directory: Path) -> dict[str, Any]:
        arrays, vectorizer = tfidf_state(self.vectorizer, "tfidf")
        models = {}
        for j, model in self.models.items():
            got, models[CATEGORIES[j]] = logreg_state(model, CATEGORIES[j])
            arrays.update(got)
        write_arrays(directory, "tfidf-lr.safetensors", arrays)
        state = {"vectorizer": vectorizer, "models": models, "threshold": self.threshold}
        write_json(directory, "tfidf-lr.json", state)
        return {
            "threshold": self.threshold,
            "C": next(iter(models.values()), {}).get("params", {}).get("C"),
        }

    def load(self, directory: Path) -> None:
        state = read_state(directory, "tfidf-lr.json", TfidfLrState)
        arrays = read_arrays(directory, "tfidf-lr.safetensors")
        terms = len(state.vectorizer.vocabulary)
        spec = state.vectorizer.spec("tfidf")
        for category, model in state.models.items():
            spec.update(model.spec(category, terms))
        check_arrays(directory / "tfidf-lr.safetensors", arrays, spec)
        self.vectorizer = tfidf_restore(arrays, state.vectorizer, "tfidf")
        self.models = {
            CATEGORIES.index(c): logreg_restore(arrays, meta, c) for c, meta in state.models.items()
        }
        self.threshold = state.threshold


class BinaryLogReg(LogRegState):
    @model_validator(mode="after")
    def _binary(self) -> BinaryLogReg:
        if self.classes.values != [0, 1]:
            raise ValueError("a category's model has the classes [0, 1]")
        return self


class TfidfLrState(State):
    """tfidf-lr.json: the vectoriser, one binary model per category seen in train, the threshold."""

    vectorizer: TfidfState
    models: dict[Annotated[str, one_of(*CATEGORIES)], BinaryLogReg]
    threshold: Probability
