"""Sentence embeddings of the bundled MiniLM encoder, cached by text for the process.

The control-measure systems embed the same sentences, clauses and
descriptions in every fold of a cross-validation run and at every setting of
a validation grid; each distinct text is encoded once. Vectors are unit
length (384 floats). The encoder loads on first use, from the local folder of
:func:`~baselines.systems.control_common.encoder_path` (never downloaded).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from baselines.systems.control_common import encoder_path

DIM = 384
BATCH = 32
_CACHE: dict[str, np.ndarray] = {}


@lru_cache(maxsize=1)
def encoder() -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(encoder_path(), device="cpu")


def embed(texts: list[str]) -> np.ndarray:
    """(len(texts), 384) unit vectors, one row per text (repeats allowed)."""
    missing = [t for t in dict.fromkeys(texts) if t not in _CACHE]
    if missing:
        vectors = encoder().encode(
            missing, batch_size=BATCH, normalize_embeddings=True, show_progress_bar=False
        )
        for text, vector in zip(missing, np.asarray(vectors), strict=True):
            _CACHE[text] = vector
    if not texts:
        return np.zeros((0, DIM))
    return np.stack([_CACHE[t] for t in texts])
