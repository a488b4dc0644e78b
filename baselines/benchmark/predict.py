"""``predict``: train one system on train and write predictions for any article.

Articles are read from raw/ and the manifest (nkworkers.loaders.corpus.read_corpus), so
unannotated articles, added with ``nkworkers add-article`` and kept out of
the splits, can be predicted too (e.g. as Label Studio pre-annotations).
``predict_outside`` does the same with a model trained elsewhere (any spaCy
pipeline, any local transformers token classifier; see baselines/systems/entities/outside.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from nkworkers.baselines.benchmark.runner import sealed, write_jsonl
from nkworkers.baselines.benchmark.stages import QUIET, Stages
from nkworkers.baselines.systems.base import CorpusData, Row, System
from nkworkers.baselines.systems.catalog import unknown_system
from nkworkers.baselines.systems.entities.outside import (
    Tagged,
    load_spacy,
    load_token_classifier,
    read_label_map,
    tag_with_spacy,
    tag_with_transformer,
)
from nkworkers.loaders.corpus import CorpusError, read_corpus, refuse_writing_into_corpus
from nkworkers.loaders.predictions import PredictionRow


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


def refuse_corpus_target(root: Path, out: Path) -> None:
    """PredictError when ``out`` lies in raw/, annotations/, data/ or is README.md
    (``--out raw/manifest.jsonl`` replaced the manifest with predictions)."""
    try:
        refuse_writing_into_corpus(root, out, [out])
    except CorpusError as exc:
        raise PredictError(str(exc.problems[0])) from None


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
    stages: Stages = QUIET,
) -> list[Row]:
    """Fit systems[name] on the committed train split and write one row per article to out.

    ``stages`` says when loading, training and predicting start and end, and
    which predicted articles the system trained on (their figures are in-sample).
    """
    refuse_corpus_target(root, out)
    if (problem := unknown_system(name, systems)) is not None:
        raise PredictError(problem)
    documents = articles(root, doc_ids)
    with stages.stage(f"loading the corpus from {root}", "corpus loaded"):
        data = CorpusData.load(root, cache_dir)
    train_ids = sorted(data.train["documents"]["doc_id"])
    system = systems[name]()
    with stages.stage(
        f"training {name} on the train split ({len(train_ids)} articles; choices on validation)",
        f"trained {name}",
    ):
        system.fit(sealed(data), seed=seed, device=device)
    if seen := [d["doc_id"] for d in documents if d["doc_id"] in train_ids]:
        stages.say(
            f"in-sample: {len(seen)} of the {len(documents)} articles predicted are train "
            f"articles ({', '.join(seen)}); figures on them measure fit, not generalisation"
        )
    with stages.stage(f"predicting {len(documents)} articles", f"predicted {len(documents)}"):
        rows = system.predict(documents)
    for row in rows:  # fail here, not in the reader of the file
        PredictionRow.model_validate(row)
    write_jsonl(out, rows)
    return rows


def predict_outside(
    *,
    spacy_model: str | None = None,
    hf_model: Path | None = None,
    label_map: Path | None = None,
    out: Path,
    root: Path,
    doc_ids: Sequence[str] | None = None,
) -> Tagged:
    """Tag articles with an outside model (one of spacy_model / hf_model) and write its rows.

    Raises PredictError for a bad request and OutsideModelError for a model,
    label map or model output that cannot be used; nothing is written then.
    """
    if (spacy_model is None) == (hf_model is None):
        raise PredictError("give exactly one of --system, --spacy-model and --hf-model")
    refuse_corpus_target(root, out)
    mapping = read_label_map(label_map) if label_map else {}
    documents = articles(root, doc_ids)
    if spacy_model is not None:
        tagged = tag_with_spacy(load_spacy(spacy_model), documents, mapping)
    else:
        assert hf_model is not None
        tagged = tag_with_transformer(load_token_classifier(hf_model), documents, mapping)
    for row in tagged.rows:
        PredictionRow.model_validate(row)
    write_jsonl(out, tagged.rows)
    return tagged
