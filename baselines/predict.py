"""``predict``: train one system on train and write predictions for any article.

Articles are read from raw/ and the manifest (loaders.corpus.read_corpus), so
unannotated articles, added with ``nkworkers add-article`` and kept out of
the splits, can be predicted too (e.g. as Label Studio pre-annotations).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from baselines.benchmark import sealed, write_jsonl
from baselines.systems.base import CorpusData, Row, System
from loaders.corpus import read_corpus
from loaders.predictions import PredictionRow


class PredictError(ValueError):
    """A request that names an unknown system or article."""


def articles(root: Path, doc_ids: Sequence[str] | None = None) -> list[Row]:
    """Bare {doc_id, text} of manifest articles with a raw text; all of them by default."""
    loaded = read_corpus(root)
    available = sorted(d for d in loaded.manifest if d in loaded.raw_bytes)
    wanted = list(doc_ids) if doc_ids else available
    unknown = [d for d in wanted if d not in available]
    if unknown:
        raise PredictError(
            f"{', '.join(unknown)}: not in {root / 'raw/manifest.jsonl'} with a raw text; "
            f"known articles: {', '.join(available) or 'none'}"
        )
    return [{"doc_id": d, "text": loaded.raw_bytes[d].decode("utf-8")} for d in wanted]


def predict(
    *,
    name: str,
    systems: dict[str, Callable[[], System]],
    out: Path,
    root: Path,
    doc_ids: Sequence[str] | None = None,
    seed: int = 0,
    device: str = "cpu",
    cache_dir: Path | None = None,
) -> list[Row]:
    """Fit systems[name] on the committed train split and write one row per article to out."""
    if name not in systems:
        raise PredictError(f"unknown system {name!r}; choose one of {', '.join(sorted(systems))}")
    documents = articles(root, doc_ids)
    system = systems[name]()
    system.fit(sealed(CorpusData.load(root, cache_dir)), seed=seed, device=device)
    rows = system.predict(documents)
    for row in rows:  # fail here, not in the reader of the file
        PredictionRow.model_validate(row)
    write_jsonl(out, rows)
    return rows
