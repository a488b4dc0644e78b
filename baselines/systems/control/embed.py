"""Sentence embeddings of the bundled MiniLM encoder, remembered by text in a bounded memo.

The control-measure systems embed the same sentences, clauses and
descriptions in every fold of a cross-validation run and at every setting of
a validation grid; each distinct text is encoded once (up to the memo's
bound; :mod:`nkworkers.baselines.systems.common.memo`, off while ``nkworkers tag``
runs). Vectors are unit length (384 floats). The encoder loads on first use,
from the local folder of
:func:`~nkworkers.baselines.systems.control.common.encoder_path` (never downloaded).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np

from nkworkers.baselines.systems.common.memo import Memo
from nkworkers.baselines.systems.control.common import encoder_path
from nkworkers.baselines.systems.safe import hf_folder

DIM = 384
BATCH = 32
# sentences, clauses and descriptions of the corpus: a few thousand texts, 1.5 KiB each
_VECTORS: Memo[np.ndarray] = Memo(maxsize=32768)


@lru_cache(maxsize=1)
def encoder() -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(encoder_path(), device="cpu", **hf_folder.FLAGS)


def embed(texts: list[str]) -> np.ndarray:
    """(len(texts), 384) unit vectors, one row per text (repeats allowed)."""
    if not texts:
        return np.zeros((0, DIM))

    def encode(missing: list[str]) -> Iterable[np.ndarray]:
        return np.asarray(
            encoder().encode(
                missing, batch_size=BATCH, normalize_embeddings=True, show_progress_bar=False
            )
        )

    return np.stack(_VECTORS.get_many(texts, encode))
