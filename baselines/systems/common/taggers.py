"""Sequence taggers over :class:`Labelled` sentences: a CRF and a token logistic regression.

A tagger learns one IOB2 tag sequence per layer (one layer for entities, one
per role for attribution, since roles overlap). Hyper-parameters are chosen
by the caller's ``score`` on the validation sentences only; the winning model
is the one trained on train with those settings.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Protocol

import numpy as np
import sklearn_crfsuite
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from nkworkers.baselines.systems.common.features import Features, base_features
from nkworkers.baselines.systems.common.sequences import Labelled, Sentence, Tags
from nkworkers.baselines.systems.common.storage import (
    DictVectorizerState,
    LogRegState,
    crf_restore,
    crf_save,
    dict_vectorizer_restore,
    dict_vectorizer_state,
    logreg_restore,
    logreg_state,
    write_arrays,
    write_json,
)
from nkworkers.baselines.systems.safe.schema import (
    LayerName,
    Selected,
    State,
    Unique,
    check_arrays,
    one_of,
    read_arrays,
    read_state,
)

LayerTags = dict[str, list[Tags]]
FeatureFn = Callable[[Sentence], list[Features]]
Score = Callable[[LayerTags, LayerTags], float]  # (gold, predicted) -> higher is better


class Tagger(Protocol):
    selected: dict[str, Any]

    def fit(
        self, train: Labelled, validation: Labelled, score: Score, *, seed: int, device: str
    ) -> None: ...

    def predict(self, sentences: list[Sentence]) -> LayerTags: ...

    def save(self, directory: Path) -> dict[str, Any]:
        """Write the fitted state into directory (safe formats); return its settings."""
        ...

    def load(self, directory: Path) -> None:
        """Restore what save wrote (into a fresh, unfitted tagger); FolderError if it cannot be."""
        ...

    def tag_names(self) -> dict[str, set[str]]:
        """The tags each layer can predict (what load restored), for the system to check."""
        ...


def _select(
    grid: list[dict[str, Any]],
    train_one: Callable[[dict[str, Any]], Any],
    evaluate: Callable[[Any], float],
) -> tuple[Any, dict[str, Any]]:
    """Train one model per setting; keep the best on validation (first wins ties)."""
    best: tuple[float, Any, dict[str, Any]] | None = None
    for setting in grid:
        model = train_one(setting)
        value = evaluate(model)
        if best is None or value > best[0]:
            best = (value, model, {**setting, "validation_score": value})
    assert best is not None
    return best[1], best[2]


class CrfTagger:
    """One linear-chain CRF (L-BFGS, elastic net) per layer; c1/c2 from a small grid."""

    C1 = (0.0, 0.1)
    C2 = (0.01, 0.1)

    def __init__(self, features: FeatureFn = base_features, *, max_iterations: int = 100) -> None:
        self.features = features
        self.max_iterations = max_iterations
        self.models: dict[str, sklearn_crfsuite.CRF] = {}
        self.selected: dict[str, Any] = {}

    def fit(
        self, train: Labelled, validation: Labelled, score: Score, *, seed: int, device: str
    ) -> None:
        x_train = [self.features(s) for s in train.sentences]
        x_val = [self.features(s) for s in validation.sentences]
        grid = [{"c1": c1, "c2": c2} for c1, c2 in itertools.product(self.C1, self.C2)]

        def train_one(setting: dict[str, Any]) -> dict[str, sklearn_crfsuite.CRF]:
            models = {}
            for layer, y in train.tags.items():
                crf = sklearn_crfsuite.CRF(
                    algorithm="lbfgs",
                    max_iterations=self.max_iterations,
                    all_possible_transitions=True,
                    **setting,
                )
                crf.fit(x_train, y)
                models[layer] = crf
            return models

        def evaluate(models: dict[str, sklearn_crfsuite.CRF]) -> float:
            return score(validation.tags, {k: list(m.predict(x_val)) for k, m in models.items()})

        self.models, self.selected = _select(grid, train_one, evaluate)

    def predict(self, sentences: list[Sentence]) -> LayerTags:
        x = [self.features(s) for s in sentences]
        return {layer: list(model.predict(x)) for layer, model in self.models.items()}

    def save(self, directory: Path) -> dict[str, Any]:
        for layer, model in self.models.items():
            crf_save(model, directory / f"crf-{layer}.crfsuite")
        write_json(directory, "crf.json", {"layers": list(self.models), "selected": self.selected})
        return {"selected": self.selected, "max_iterations": self.max_iterations}

    def load(self, directory: Path) -> None:
        state = read_state(directory, "crf.json", CrfState)
        self.models = {
            layer: crf_restore(directory / f"crf-{layer}.crfsuite") for layer in state.layers
        }
        self.selected = dict(state.selected)

    def tag_names(self) -> dict[str, set[str]]:
        return {layer: set(model.classes_) for layer, model in self.models.items()}


class CrfState(State):
    """crf.json: the layers (each names its file crf-<layer>.crfsuite) and the chosen c1/c2."""

    layers: Annotated[list[LayerName], Unique]
    selected: Selected


class TokenLRTagger:
    """Each token classified alone (multinomial logistic regression on hand-made features).

    Chosen on validation: C, class weights (none or balanced, for the sparse
    B-/I- tags), and the decoding: each token's most probable tag, or the most
    probable valid IOB2 sequence (Viterbi over the token probabilities with
    I-X allowed only after B-X or I-X; no transition weights are learned).
    """

    C = (0.1, 1.0, 10.0)
    CLASS_WEIGHTS = (None, "balanced")
    DECODINGS = ("argmax", "iob")

    def __init__(self, features: FeatureFn = base_features) -> None:
        self.features = features
        self.vectorizer = DictVectorizer()
        self.models: dict[str, LogisticRegression] = {}
        self.decoding = "argmax"
        self.selected: dict[str, Any] = {}

    def fit(
        self, train: Labelled, validation: Labelled, score: Score, *, seed: int, device: str
    ) -> None:
        x_train = self.vectorizer.fit_transform(_flat_features(train.sentences, self.features))
        x_val = self.vectorizer.transform(_flat_features(validation.sentences, self.features))
        trained: dict[tuple[float, str | None], dict[str, LogisticRegression]] = {}

        def train_one(setting: dict[str, Any]) -> tuple[dict[str, LogisticRegression], str]:
            key = (setting["C"], setting["class_weight"])
            if key not in trained:
                trained[key] = {}
                for layer, y in train.tags.items():
                    model = LogisticRegression(
                        C=key[0], class_weight=key[1], max_iter=2000, random_state=seed
                    )
                    # One BLAS thread: on a small sparse problem more threads only
                    # spin (tens of times slower on a busy machine).
                    with threadpool_limits(1):
                        trained[key][layer] = model.fit(x_train, [t for tags in y for t in tags])
            return trained[key], setting["decoding"]

        def evaluate(chosen: tuple[dict[str, LogisticRegression], str]) -> float:
            models, decoding = chosen
            predicted = {
                k: _decode(m, x_val, validation.sentences, decoding) for k, m in models.items()
            }
            return score(validation.tags, predicted)

        grid = [
            {"C": c, "class_weight": w, "decoding": d}
            for c, w, d in itertools.product(self.C, self.CLASS_WEIGHTS, self.DECODINGS)
        ]
        (self.models, self.decoding), self.selected = _select(grid, train_one, evaluate)

    def predict(self, sentences: list[Sentence]) -> LayerTags:
        if not sentences:
            return {layer: [] for layer in self.models}
        x = self.vectorizer.transform(_flat_features(sentences, self.features))
        return {
            layer: _decode(model, x, sentences, self.decoding)
            for layer, model in self.models.items()
        }

    def save(self, directory: Path) -> dict[str, Any]:
        arrays: dict[str, np.ndarray] = {}
        layers: dict[str, Any] = {}
        for layer, model in self.models.items():
            got, layers[layer] = logreg_state(model, layer)
            arrays.update(got)
        write_arrays(directory, "tokenlr.safetensors", arrays)
        state = {
            "vectorizer": dict_vectorizer_state(self.vectorizer),
            "layers": layers,
            "decoding": self.decoding,
            "selected": self.selected,
        }
        write_json(directory, "tokenlr.json", state)
        return {"selected": self.selected, "features": len(self.vectorizer.feature_names_)}

    def load(self, directory: Path) -> None:
        state = read_state(directory, "tokenlr.json", TokenLRState)
        arrays = read_arrays(directory, "tokenlr.safetensors")
        features = len(state.vectorizer.feature_names)
        spec = {
            k: v for layer, m in state.layers.items() for k, v in m.spec(layer, features).items()
        }
        check_arrays(directory / "tokenlr.safetensors", arrays, spec)
        self.vectorizer = dict_vectorizer_restore(state.vectorizer)
        self.models = {
            layer: logreg_restore(arrays, meta, layer) for layer, meta in state.layers.items()
        }
        self.decoding = state.decoding
        self.selected = dict(state.selected)

    def tag_names(self) -> dict[str, set[str]]:
        return {layer: {str(c) for c in model.classes_} for layer, model in self.models.items()}


class TokenLRState(State):
    """tokenlr.json: the feature names, one logistic regression per layer, the decoding."""

    vectorizer: DictVectorizerState
    layers: dict[LayerName, LogRegState]
    decoding: Annotated[str, one_of(*TokenLRTagger.DECODINGS)]
    selected: Selected


def _decode(model: LogisticRegression, x: Any, sentences: list[Sentence], how: str) -> list[Tags]:
    if how == "argmax":
        return _unflatten(list(model.predict(x)), sentences)
    names = [str(c) for c in model.classes_]
    logp = np.log(np.clip(model.predict_proba(x), 1e-12, None))
    allowed = np.array([[_follows(a, b) for b in names] for a in ["O", *names]])
    out, i = [], 0
    for s in sentences:
        out.append(iob_viterbi(logp[i : i + len(s.tokens)], names, allowed))
        i += len(s.tokens)
    return out


def _follows(previous: str, tag: str) -> bool:
    """Whether IOB2 allows ``tag`` right after ``previous`` ("O" at a sentence start)."""
    return not tag.startswith("I-") or (previous[2:] == tag[2:] and previous[:2] in ("B-", "I-"))


def iob_viterbi(logp: np.ndarray, names: list[str], allowed: np.ndarray) -> Tags:
    """Most probable tag sequence under per-token log-probabilities and IOB2 validity.

    ``allowed`` is (1 + K) x K: row 0 is the sentence start, row 1 + j the tag j.
    """
    if len(logp) == 0:
        return []
    forbid = np.where(allowed, 0.0, -np.inf)
    best = logp[0] + forbid[0]
    back = []
    for t in range(1, len(logp)):
        total = best[:, None] + forbid[1:]
        back.append(total.argmax(0))
        best = total.max(0) + logp[t]
    path = [int(best.argmax())]
    for pointers in reversed(back):
        path.append(int(pointers[path[-1]]))
    return [names[j] for j in reversed(path)]


def _flat_features(sentences: list[Sentence], features: FeatureFn) -> list[dict[str, Any]]:
    return [f for s in sentences for f in features(s)]


def _unflatten(flat: list[str], sentences: list[Sentence]) -> list[Tags]:
    out, i = [], 0
    for s in sentences:
        out.append([str(t) for t in flat[i : i + len(s.tokens)]])
        i += len(s.tokens)
    return out
