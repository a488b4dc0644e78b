"""``control-twostage``: is a sentence a control measure, then which kind, from few examples.

Five articles hold too few sentences per category to learn ten detectors, but
enough to learn one: whether a sentence states a measure at all.

1. **Detector.** A balanced logistic regression on the MiniLM embedding of
   each train sentence, positive when the sentence holds any control span.
2. **Categoriser.** Each clause of the sentence (control_common.clauses, and
   the whole sentence) is compared with prototypes: every train control span
   (the clause a measure is stated in, not its whole sentence) and every
   description sentence of :mod:`~nkworkers.baselines.systems.control.guidelines`.
   Embeddings are centred on the mean train sentence first: all sentences
   of this corpus are about North Korean workers in Russia, and that shared
   direction drowns the differences between categories. A category's score is
   its best cosine over clauses and prototypes, plus ``alpha`` times the
   number of the sentence's word stems that are distinctive of the category's
   descriptions (a stem in the descriptions of at most two categories).
3. **Decision.** A sentence whose detector probability reaches ``threshold``
   gets its best category and every category within ``delta`` of it. The
   span is the clause that scores highest for the category.

``threshold``, ``delta`` and ``alpha`` are chosen on validation sentence
micro F1; the detector's C is scikit-learn's default. The design itself
(centring, the keyword term, the topic-word cut COMMON_SHARE) was settled
while comparing leave-one-document-out figures, so those figures are
somewhat optimistic.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.linear_model import LogisticRegression

from nkworkers.baselines.systems.base import CorpusData, Row, Task
from nkworkers.baselines.systems.common.storage import write_arrays, write_json
from nkworkers.baselines.systems.control.common import (
    CATEGORIES,
    Sentences,
    clauses,
    document_sentences,
    micro_f1,
    prediction_rows,
    span_texts,
)
from nkworkers.baselines.systems.control.embed import DIM, embed
from nkworkers.baselines.systems.control.guidelines import all_descriptions
from nkworkers.baselines.systems.control.lexicon import tokens
from nkworkers.baselines.systems.safe.paths import FolderError
from nkworkers.baselines.systems.safe.schema import (
    FIX,
    Selected,
    Spec,
    State,
    check_arrays,
    one_of,
    read_arrays,
    read_state,
)
from nkworkers.loaders.labels import ControlCategory

THRESHOLDS: tuple[float, ...] = tuple(float(t) for t in np.round(np.arange(0.2, 0.81, 0.05), 2))
DELTAS: tuple[float, ...] = (0.0, 0.05, 0.1)
ALPHAS: tuple[float, ...] = (0.1, 0.2, 0.5)
COMMON_SHARE = 0.1  # a stem in more train sentences than this is a topic word
MAX_SHARED = 2  # a stem in more categories' descriptions than this is not distinctive


def distinctive_stems(common: frozenset[str] | set[str] = frozenset()) -> list[list[str]]:
    """Per category: the content stems of its descriptions found in <= MAX_SHARED categories'.

    Stems in ``common`` (the topic words of the corpus: "worker", "Korea") are left out.
    """
    per = []
    for category in CATEGORIES:
        texts = all_descriptions(ControlCategory(category))
        per.append({s for t in texts for s, _, _ in tokens(t)} - ENGLISH_STOP_WORDS - common)
    shared = Counter(s for stems in per for s in stems)
    return [sorted(s for s in stems if len(s) > 2 and shared[s] <= MAX_SHARED) for stems in per]


def common_stems(texts: list[str], share: float) -> set[str]:
    """Stems found in more than ``share`` of the texts."""
    counts = Counter(s for t in texts for s in {s for s, _, _ in tokens(t)})
    return {s for s, n in counts.items() if n > share * len(texts)}


def _units(text: str) -> list[tuple[int, int]]:
    return [*(clauses(text) or []), (0, len(text))]


@dataclass
class Prototypes:
    """Labelled prototype vectors and description stems, fit on train rows (also cascade's)."""

    centre: np.ndarray  # (DIM,) the mean train sentence
    vectors: np.ndarray  # (p, DIM) centred unit rows
    labels: np.ndarray  # (p,) category index per row
    stems: list[list[str]]  # distinctive description stems per category

    @classmethod
    def empty(cls) -> Prototypes:
        return cls(np.zeros(DIM), np.zeros((0, DIM)), np.zeros(0, dtype=np.int64), [])

    @classmethod
    def fit(cls, rows: Any, train: Sentences, sentence_vectors: np.ndarray) -> Prototypes:
        """Descriptions of every category and the train spans of ``rows`` (control_measures)."""
        texts, labels = [], []
        for j, category in enumerate(CATEGORIES):
            for text in all_descriptions(ControlCategory(category)):
                texts.append(text)
                labels.append(j)
        for text, names in span_texts(rows):
            for name in names:
                texts.append(text)
                labels.append(CATEGORIES.index(name))
        stems = distinctive_stems(common_stems(train.texts, COMMON_SHARE))
        made = cls(sentence_vectors.mean(axis=0), np.zeros((0, DIM)), np.zeros(0), stems)
        made.vectors = made.centred(embed(texts))
        made.labels = np.asarray(labels, dtype=np.int64)
        return made

    def centred(self, vectors: np.ndarray) -> np.ndarray:
        vectors = vectors - self.centre
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def similarity(self, vectors: np.ndarray) -> np.ndarray:
        """(n, categories): best prototype cosine per vector; -1 where a category has none."""
        sims = self.centred(vectors) @ self.vectors.T
        out = np.full((len(vectors), len(CATEGORIES)), -1.0)
        for j in range(len(CATEGORIES)):
            mask = self.labels == j
            if mask.any():
                out[:, j] = sims[:, mask].max(axis=1)
        return out

    def keywords(self, texts: Sequence[str]) -> np.ndarray:
        """(n, categories): how many of each category's distinctive stems each text holds."""
        out = np.zeros((len(texts), len(CATEGORIES)))
        for i, text in enumerate(texts):
            stems = {s for s, _, _ in tokens(text)}
            out[i] = [len(stems.intersection(found)) for found in self.stems]
        return out


def prototype_arrays(protos: Prototypes) -> dict[str, np.ndarray]:
    """The arrays of a model file (names as twostage.safetensors has always had them)."""
    return {
        "centre": protos.centre,
        "prototypes": protos.vectors,
        "prototype_labels": protos.labels,
    }


FLOAT = "float32|float64"


def prototype_spec(arrays: dict[str, np.ndarray]) -> Spec:
    """Shapes and dtypes of the prototype arrays a state file promises (their count as found)."""
    found = arrays.get("prototypes")
    count = found.shape[0] if found is not None and found.ndim == 2 else -1
    return {
        "centre": ((DIM,), FLOAT),
        "prototypes": ((count, DIM), FLOAT),
        "prototype_labels": ((count,), "int64"),
    }


def checked_prototypes(path: Path, arrays: dict[str, np.ndarray], stems: list[Any]) -> Prototypes:
    """Prototypes from arrays whose spec was checked; FolderError for a label of no category."""
    labels = arrays["prototype_labels"]
    if ((labels < 0) | (labels >= len(CATEGORIES))).any():
        raise FolderError(f"{path}: prototype_labels names no control category; {FIX}")
    return restore_prototypes(arrays, stems)


def restore_prototypes(arrays: dict[str, np.ndarray], stems: list[Any]) -> Prototypes:
    return Prototypes(
        arrays["centre"], arrays["prototypes"], arrays["prototype_labels"],
        [list(map(str, s)) for s in stems],
    )  # fmt: skip


class TwoStage:
    name = "control-twostage"
    task: Task = "control_measures"

    def __init__(self) -> None:
        self.detector = LogisticRegression(class_weight="balanced", max_iter=2000)
        self.protos = Prototypes.empty()
        self.protos.stems = distinctive_stems()
        self.threshold, self.delta, self.alpha = 0.5, 0.0, 0.2
        self.selected: dict[str, Any] = {}

    def _unit_scores(self, vectors: np.ndarray) -> np.ndarray:
        """(units, categories): best prototype cosine per unit; -1 where a category has none."""
        return self.protos.similarity(vectors)

    def _keywords(self, texts: list[str]) -> np.ndarray:
        return self.protos.keywords(texts)

    def analyse(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        """(detector probability (n,), similarity (n, C), per-sentence unit scores)."""
        if not texts:
            return np.zeros(0), np.zeros((0, len(CATEGORIES))), []
        sentences = embed(texts)
        prob = self.detector.predict_proba(sentences)[:, 1]
        spans = [_units(t) for t in texts]
        # A sentence's last unit is the sentence itself: its vector is already here
        # (embedding it again would double the encoder's work when memos are off).
        clause_vectors = embed(
            [t[a:b] for t, parts in zip(texts, spans, strict=True) for a, b in parts[:-1]]
        )
        blocks, first = [], 0
        for i, parts in enumerate(spans):
            blocks += [clause_vectors[first : first + len(parts) - 1], sentences[i : i + 1]]
            first += len(parts) - 1
        unit_scores = self._unit_scores(np.vstack(blocks))
        per, first = [], 0
        for parts in spans:
            per.append(unit_scores[first : first + len(parts)])
            first += len(parts)
        similarity = np.stack([block.max(axis=0) for block in per])
        return prob, similarity, per

    def decide(self, prob: np.ndarray, similarity: np.ndarray, keywords: np.ndarray) -> np.ndarray:
        """(n, C) booleans: detected sentences, their best category and those within delta."""
        score = similarity + self.alpha * keywords
        top = score.max(axis=1, keepdims=True)
        return (score >= top - self.delta) & (prob >= self.threshold)[:, None]

    def scores(self, texts: list[str]) -> np.ndarray:
        """(n, C) ranking scores for average precision: probability, discounted off the top."""
        prob, similarity, _ = self.analyse(texts)
        score = similarity + self.alpha * self._keywords(texts)
        gap = score.max(axis=1, keepdims=True) - score if len(texts) else score
        return prob[:, None] * np.clip(1 - gap / 0.3, 0, 1)

    def fit(self, data: CorpusData, *, seed: int = 0, device: str = "cpu") -> None:
        rows = data.train["control_measures"]
        train = Sentences.from_config(rows)
        vectors = embed(train.texts)
        self.detector = LogisticRegression(
            class_weight="balanced", max_iter=2000, random_state=seed
        ).fit(vectors, (train.labels.sum(axis=1) > 0).astype(int))
        self.protos = Prototypes.fit(rows, train, vectors)
        self._choose(Sentences.from_config(data.validation["control_measures"]))

    def _choose(self, val: Sentences) -> None:
        prob, similarity, _ = self.analyse(val.texts)
        keywords = self._keywords(val.texts)
        best: tuple[float, float, float, float] | None = None
        for alpha, threshold, delta in itertools.product(ALPHAS, THRESHOLDS, DELTAS):
            self.alpha, self.threshold, self.delta = alpha, threshold, delta
            f1 = micro_f1(val.labels.astype(bool), self.decide(prob, similarity, keywords))
            if best is None or f1 > best[0] + 1e-12:
                best = (f1, alpha, threshold, delta)
        assert best is not None
        _, self.alpha, self.threshold, self.delta = best
        self.selected = {
            "alpha": self.alpha,
            "threshold": self.threshold,
            "delta": self.delta,
            "validation_micro_f1": best[0],
        }

    def predict(self, documents: list[Row]) -> list[Row]:
        sentences = document_sentences(documents)
        texts = [s.text for s in sentences]
        prob, similarity, per = self.analyse(texts)
        keywords = self._keywords(texts)
        chosen = self.decide(prob, similarity, keywords) if texts else np.zeros((0, 0), bool)
        spans = []
        for sentence, row, block in zip(sentences, chosen, per, strict=True):
            parts = _units(sentence.text)
            for j in np.flatnonzero(row):
                a, b = parts[int(block[:, j].argmax())]
                spans.append((sentence, sentence.start + a, sentence.start + b, [CATEGORIES[j]]))
        return prediction_rows(documents, spans)

    def save(self, directory: Path) -> dict[str, Any]:
        arrays = {
            "detector_coef": self.detector.coef_,
            "detector_intercept": self.detector.intercept_,
            **prototype_arrays(self.protos),
        }
        write_arrays(directory, "twostage.safetensors", arrays)
        state = {
            "alpha": self.alpha,
            "threshold": self.threshold,
            "delta": self.delta,
            "stems": self.protos.stems,
            "selected": self.selected,
        }
        write_json(directory, "twostage.json", state)
        return dict(self.selected)

    def load(self, directory: Path) -> None:
        state = read_state(directory, "twostage.json", TwoStageState)
        arrays = read_arrays(directory, "twostage.safetensors")
        detector = {"detector_coef": ((1, DIM), FLOAT), "detector_intercept": ((1,), FLOAT)}
        path = directory / "twostage.safetensors"
        check_arrays(path, arrays, {**detector, **prototype_spec(arrays)})
        self.detector.coef_ = arrays["detector_coef"]
        self.detector.intercept_ = arrays["detector_intercept"]
        self.detector.classes_ = np.array([0, 1])
        self.protos = checked_prototypes(path, arrays, state.stems)
        self.alpha, self.threshold, self.delta = state.alpha, state.threshold, state.delta
        self.selected = dict(state.selected)


Stem = Annotated[str, Field(min_length=1, max_length=100)]
#: Each category's distinctive description stems, in ControlCategory order.
Stems = Annotated[list[list[Stem]], Field(min_length=len(CATEGORIES), max_length=len(CATEGORIES))]


class TwoStageState(State):
    """twostage.json: the settings chosen on validation and each category's distinctive stems."""

    alpha: Annotated[float, one_of(*ALPHAS)]
    threshold: Annotated[float, one_of(*THRESHOLDS)]
    delta: Annotated[float, one_of(*DELTAS)]
    stems: Stems
    selected: Selected
