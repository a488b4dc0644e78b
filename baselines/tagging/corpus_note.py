"""Which corpus a model was trained on, against the checkout it is used in: one warning line.

model.json carries the fingerprint of the corpus data/ that ``train`` read
(loaders.dataset.build's, as in the README card). A model is compared with
the checkout it is used in, the current folder, as ``train`` and ``predict``
default ``--root .``. A different fingerprint never stops a run: the model
still tags any text; only its validation figures in model.json were measured
on another version of the corpus, so one warning line names both
fingerprints (no flag silences it: it is one line per folder and run).
Outside a checkout there is nothing to compare, and a note says so, once.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nkworkers.loaders.files.swap import tree_fingerprint


@functools.cache
def _checkout_fingerprint(root: Path) -> str | None:
    """data/'s fingerprint when root is a corpus checkout (README.md and data/*.parquet)."""
    data = root / "data"
    if not (root / "README.md").is_file() or not any(data.glob("*/*.parquet")):
        return None
    return tree_fingerprint(data)


_said: set[str] = set()


def note(message: str) -> None:
    """A warning line on stderr, once per process (a run loads each folder once; Ray actors too)."""
    if message not in _said:
        _said.add(message)
        print(f"warning: {message}", file=sys.stderr)


def corpus_warning(folder: Path, meta: Mapping[str, Any], root: Path) -> str | None:
    """Why a model's validation figures may not describe root's corpus, or None.

    The rule: a model is compared with the checkout it is used in (the
    current folder, as ``train`` and ``predict`` default ``--root .``). A
    different fingerprint never stops a run: the model still tags any text;
    only its figures in model.json were measured on another version of the
    corpus. Outside a checkout there is nothing to compare, and the note says so.
    """
    here = _checkout_fingerprint(root.resolve())
    if here is None:
        return (
            f"{root.resolve()} is not a corpus checkout (no data/*/*.parquet): the corpus "
            "fingerprints in model.json are not compared"
        )
    theirs = meta.get("data_fingerprint")
    if theirs == here:
        return None
    return (
        f"{folder}: trained on corpus data {theirs}, but {root.resolve() / 'data'} is {here}; "
        "its validation figures in model.json are of that corpus (train again here to compare)"
    )
