"""``control-setfit``: SetFit one-vs-rest on the bundled MiniLM encoder, few-shot.

The encoder is tuned contrastively on pairs of train sentences (sentences
sharing a category attract), then one logistic-regression head per category
is fit on its embeddings. The category descriptions written from the
guidelines (control_descriptions) join the training sentences as labelled
examples, so every category gets a head, even one absent from train.
Few-shot: at most ``shots`` sentences per category (and as many without any)
are drawn, seeded, from train, which keeps the contrastive phase to a few
dozen steps on a CPU. One probability threshold for all categories is chosen
on validation micro F1. Spans are whole sentences.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field, model_validator

from nkworkers.baselines.systems.base import CorpusData, Row, Task
from nkworkers.baselines.systems.common.storage import (
    LogRegState,
    logreg_restore,
    logreg_state,
    write_arrays,
    write_json,
)
from nkworkers.baselines.systems.control.common import (
    CATEGORIES,
    Sentences,
    choose_threshold,
    document_sentences,
    encoder_path,
    sentence_rows,
)
from nkworkers.baselines.systems.control.descriptions import DESCRIPTIONS
from nkworkers.baselines.systems.safe import hf_folder
from nkworkers.baselines.systems.safe.schema import (
    FIX,
    Probability,
    State,
    check_arrays,
    one_of,
    read_arrays,
    read_state,
)
from nkworkers.loaders.labels import ControlCategory

MAX_SEQ_LENGTH = 128


def few_shot(train: Sentences, columns: list[int], shots: int, seed: int) -> list[int]:
    """Sorted indices: up to shots sentences per category in columns, and shots with none."""
    rng = np.random.default_rng(seed)
    picked: set[int] = set()
    pools = [np.flatnonzero(train.labels[:, j]) for j in columns]
    pools.append(np.flatnonzero(train.labels.sum(axis=1) == 0))
    for pool in pools:
        picked.update(int(i) for i in rng.permutation(pool)[:shots])
    return sorted(picked)


def described() -> Sentences:
    """The category descriptions as labelled sentences (one category each)."""
    texts, rows = [], []
    for j, category in enumerate(CATEGORIES):
        for text in DESCRIPTIONS[ControlCategory(category)]:
            texts.append(text)
            rows.append(np.eye(len(CATEGORIES), dtype=np.int8)[j])
    return Sentences(texts, np.asarray(rows))


class SetFitOneVsRest:
    name = "control-setfit"
    task: Task = "control_measures"

    def __init__(
        self, num_iterations: int = 2, num_epochs: int = 1, batch_size: int = 16, shots: int = 4
    ) -> None:
        self.num_iterations = num_iterations
        self.shots = shots
        self.num_epochs = num_epochs
        self.batch_size = batch_size
        self.model: Any = None
        self.columns: list[int] = []  # category index of each head
        self.threshold = 0.5

    def scores(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(CATEGORIES)))
        if self.columns and texts:
            proba = np.asarray(self.model.predict_proba(texts, as_numpy=True))
            out[:, self.columns] = proba.reshape(len(texts), len(self.columns))
        return out

    def _train(self, train: Sentences, seed: int, device: str) -> None:
        from datasets import Dataset
        from setfit import SetFitModel, Trainer, TrainingArguments

        with hf_folder.quiet():
            self.model = SetFitModel.from_pretrained(
                encoder_path(), multi_target_strategy="one-vs-rest", device=device,
                **hf_folder.FLAGS,
            )  # fmt: skip
        self.model.model_body.max_seq_length = MAX_SEQ_LENGTH
        picked = few_shot(train, self.columns, self.shots, seed)
        extra = described()
        labels = np.vstack([train.labels[picked], extra.labels])[:, self.columns]
        texts = [train.texts[i] for i in picked] + extra.texts
        dataset = Dataset.from_dict({"text": texts, "label": labels.tolist()})
        with tempfile.TemporaryDirectory(prefix="setfit-") as out:
            args = TrainingArguments(
                output_dir=out,
                batch_size=self.batch_size,
                num_epochs=self.num_epochs,
                num_iterations=self.num_iterations,
                seed=seed,
                report_to="none",
                save_strategy="no",
                logging_strategy="no",
                show_progress_bar=False,
            )
            Trainer(model=self.model, args=args, train_dataset=dataset).train()

    def fit(self, data: CorpusData, *, seed: int = 0, device: str = "cpu") -> None:
        train = Sentences.from_config(data.train["control_measures"])
        self.columns = list(range(len(CATEGORIES)))
        self._train(train, seed, device)
        val = Sentences.from_config(data.validation["control_measures"])
        self.threshold = choose_threshold(self.scores(val.texts), val.labels, default=0.5)

    def predict(self, documents: list[Row]) -> list[Row]:
        sentences = document_sentences(documents)
        scores = self.scores([s.text for s in sentences])
        return sentence_rows(documents, sentences, scores >= self.threshold)

    def save(self, directory: Path) -> dict[str, Any]:
        """body/ (sentence-transformers, safetensors) and the heads' arrays.

        Not SetFitModel.save_pretrained: it writes the scikit-learn head with
        joblib, a pickle.
        """
        self.model.model_body.save(
            str(directory / "body"), safe_serialization=True, create_model_card=False
        )
        arrays: dict[str, np.ndarray] = {}
        heads = []
        for j, estimator in zip(self.columns, self.model.model_head.estimators_, strict=True):
            got, meta = logreg_state(estimator, CATEGORIES[j])
            arrays.update(got)
            heads.append({"category": CATEGORIES[j], **meta})
        write_arrays(directory, "heads.safetensors", arrays)
        state = {
            "heads": heads,
            "threshold": self.threshold,
            "normalize_embeddings": bool(self.model.normalize_embeddings),
        }
        write_json(directory, "setfit.json", state)
        return {"threshold": self.threshold, "shots": self.shots, "iterations": self.num_iterations}

    def load(self, directory: Path) -> None:
        from sentence_transformers import SentenceTransformer
        from setfit import SetFitModel
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.preprocessing import LabelBinarizer

        state = read_state(directory, "setfit.json", SetFitState)
        body = directory / "body"
        hidden = hf_folder.check_sentence_transformer(body, FIX)
        arrays = read_arrays(directory, "heads.safetensors")
        spec = {}
        for h in state.heads:
            spec.update(h.spec(h.category, hidden, "float32"))
        check_arrays(directory / "heads.safetensors", arrays, spec)
        with hf_folder.quiet():
            body_model = SentenceTransformer(str(body), device="cpu", **hf_folder.FLAGS)
        heads = state.heads
        head = OneVsRestClassifier(LogisticRegression())
        head.estimators_ = [logreg_restore(arrays, h, h.category) for h in heads]
        # The multi-label binarizer fit() would have made: one column per head.
        head.label_binarizer_ = LabelBinarizer(sparse_output=True).fit(
            np.eye(max(len(heads), 2), dtype=int)[:, : len(heads)]
        )
        self.columns = [CATEGORIES.index(h.category) for h in heads]
        self.threshold = state.threshold
        self.model = SetFitModel(
            model_body=body_model,
            model_head=head,
            multi_target_strategy="one-vs-rest",
            normalize_embeddings=state.normalize_embeddings,
        )


class SetFitHead(LogRegState):
    category: Annotated[str, one_of(*CATEGORIES)]


class SetFitState(State):
    """setfit.json: one binary head per category (in column order), the threshold."""

    heads: Annotated[list[SetFitHead], Field(min_length=1, max_length=len(CATEGORIES))]
    threshold: Probability
    normalize_embeddings: bool

    @model_validator(mode="after")
    def _one_per_category(self) -> SetFitState:
        if len({h.category for h in self.heads}) != len(self.heads):
            raise ValueError("two heads for one category")
        return self
