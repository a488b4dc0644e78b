"""``control-minilm``: the bundled MiniLM fine-tuned for multi-label sentence classification.

The calibration reference: a plain supervised classifier, one sigmoid output
per category, binary cross-entropy with positive class weights (negatives /
positives per category, capped) so that rare categories are not drowned.
The number of epochs and one probability threshold are chosen on validation
micro F1 (the weights after the best epoch are kept). Categories absent from
train get no positive signal and are in effect never predicted. Spans are
whole sentences.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from nkworkers.baselines.systems.base import CorpusData, Row, Task
from nkworkers.baselines.systems.common.storage import write_json
from nkworkers.baselines.systems.control.common import (
    CATEGORIES,
    Sentences,
    choose_threshold,
    document_sentences,
    encoder_path,
    micro_f1,
    sentence_rows,
)
from nkworkers.baselines.systems.safe import hf_folder
from nkworkers.baselines.systems.safe.paths import FolderError
from nkworkers.baselines.systems.safe.schema import FIX, Probability, State, read_state

MAX_POS_WEIGHT = 20.0


class MiniLMMultiLabel:
    name = "control-minilm"
    task: Task = "control_measures"

    def __init__(self, epochs: int = 6, batch_size: int = 8, lr: float = 5e-5) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.model: Any = None
        self.tokenizer: Any = None
        self.device = "cpu"
        self.threshold = 0.5

    def scores(self, texts: list[str]) -> np.ndarray:
        import torch

        self.model.eval()
        out = []
        with torch.no_grad():
            for i in range(0, len(texts), 32):
                batch = self.tokenizer(
                    texts[i : i + 32], padding=True, truncation=True, max_length=128,
                    return_tensors="pt",
                ).to(self.device)  # fmt: skip
                out.append(torch.sigmoid(self.model(**batch).logits).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, len(CATEGORIES)))

    def _epoch(self, train: Sentences, optimiser: Any, loss_fn: Any, rng: Any) -> None:
        import torch

        self.model.train()
        order = rng.permutation(len(train.texts))
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            batch = self.tokenizer(
                [train.texts[j] for j in idx], padding=True, truncation=True, max_length=128,
                return_tensors="pt",
            ).to(self.device)  # fmt: skip
            target = torch.tensor(train.labels[idx], dtype=torch.float32, device=self.device)
            loss = loss_fn(self.model(**batch).logits, target)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()

    def fit(self, data: CorpusData, *, seed: int = 0, device: str = "cpu") -> None:
        import torch
        from transformers import AutoModelForSequenceClassification

        torch.manual_seed(seed)
        self.device = device
        self.tokenizer = hf_folder.tokenizer(encoder_path())
        with hf_folder.quiet():  # the new head is meant to start at random here
            self.model = AutoModelForSequenceClassification.from_pretrained(
                encoder_path(), num_labels=len(CATEGORIES),
                problem_type="multi_label_classification", **hf_folder.FLAGS,
            ).to(device)  # fmt: skip
        train = Sentences.from_config(data.train["control_measures"])
        val = Sentences.from_config(data.validation["control_measures"])
        positives = train.labels.sum(axis=0)
        negatives = len(train.texts) - positives
        weight = np.minimum(negatives / np.maximum(positives, 1), MAX_POS_WEIGHT)
        loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(weight, dtype=torch.float32))
        loss_fn = loss_fn.to(device)
        optimiser = torch.optim.AdamW(self.model.parameters(), lr=self.lr)
        rng = np.random.default_rng(seed)
        best: tuple[float, float, Any] | None = None  # (f1, threshold, weights)
        for _ in range(self.epochs):
            self._epoch(train, optimiser, loss_fn, rng)
            val_scores = self.scores(val.texts)
            threshold = choose_threshold(val_scores, val.labels, default=0.5)
            f1 = micro_f1(val.labels.astype(bool), val_scores >= threshold)
            if best is None or f1 > best[0] + 1e-12:
                best = (f1, threshold, copy.deepcopy(self.model.state_dict()))
        assert best is not None
        _, self.threshold, weights = best
        self.model.load_state_dict(weights)

    def predict(self, documents: list[Row]) -> list[Row]:
        sentences = document_sentences(documents)
        scores = self.scores([s.text for s in sentences])
        return sentence_rows(documents, sentences, scores >= self.threshold)

    def save(self, directory: Path) -> dict[str, Any]:
        """model/ (config.json, model.safetensors, tokenizer files) and minilm.json."""
        self.model.save_pretrained(directory / "model", safe_serialization=True)
        self.tokenizer.save_pretrained(directory / "model")
        write_json(directory, "minilm.json", {"threshold": self.threshold})
        return {"threshold": self.threshold, "epochs": self.epochs, "lr": self.lr}

    def load(self, directory: Path) -> None:
        """minilm.json, then model/ checked (safe.hf_folder): one sigmoid output per category."""
        from transformers import AutoModelForSequenceClassification

        self.threshold = read_state(directory, "minilm.json", MiniLMState).threshold
        folder = directory / "model"
        config = hf_folder.check(folder, FIX, model_types={"bert"})
        if config.get("problem_type") != "multi_label_classification" or len(
            config.get("id2label") or {}
        ) != len(CATEGORIES):
            raise FolderError(
                f"{folder / 'config.json'}: not a multi-label classifier of the "
                f"{len(CATEGORIES)} control categories; {FIX}"
            )
        self.tokenizer = hf_folder.tokenizer(folder, FIX)
        self.model = hf_folder.model(AutoModelForSequenceClassification, folder, FIX)
        self.model.to(self.device)


class MiniLMState(State):
    """minilm.json: the probability threshold chosen on validation."""

    threshold: Probability
