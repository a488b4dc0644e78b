"""The typer-free core: gold rows + prediction rows -> the nested report dict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nkworkers.baselines.evaluation import attribution, claims, control, entities, ranking
from nkworkers.baselines.evaluation.bootstrap import CONFIDENCE, intervals
from nkworkers.baselines.evaluation.metrics import compute
from nkworkers.baselines.evaluation.reader import (
    Accepted,
    PredictionError,
    Scope,
    describe_ignored,
    read_file,
    validate_rows,
)
from nkworkers.baselines.evaluation.tally import Tally
from nkworkers.baselines.evaluation.units import Sentences, Unit, Units
from nkworkers.loaders.predictions import (
    DEFAULT_MAX_LINE_BYTES,
    DEFAULT_MAX_SPANS,
    LAYERS,
    PredictionRow,
)
from nkworkers.loaders.text.spans import Span


def gold_texts(gold_rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for i, row in enumerate(gold_rows):
        doc_id, text = row.get("doc_id"), row.get("text")
        if not isinstance(doc_id, str) or not isinstance(text, str):
            raise PredictionError(
                f"gold row {i}: needs a string doc_id and text. Fix: rebuild data/ "
                "(nkworkers build)"
            )
        if doc_id in texts:
            raise PredictionError(
                f"gold row {i}: duplicate doc_id {doc_id!r}. Fix: rebuild data/ (nkworkers build)"
            )
        texts[doc_id] = text
    if not texts:
        raise PredictionError(
            "no gold documents to evaluate against. Fix: choose a split with articles "
            "(--split), or add articles to it in annotations/splits.json and rebuild"
        )
    return texts


def _insert(report: dict[str, Any], path: tuple[str, ...], leaf: dict[str, Any]) -> None:
    node = report
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node.setdefault(path[-1], {}).update(leaf)


def _entity_spans(row: PredictionRow) -> list[Span]:
    return [Span(e.start, e.end, e.label.value) for e in row.entities or []]


def score(
    gold_rows: Sequence[Mapping[str, Any]],
    predictions: Sequence[PredictionRow],
    *,
    bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Score validated predictions against gold rows (documents-config shape)."""
    texts = gold_texts(gold_rows)
    gold = validate_rows(((None, r) for r in gold_rows), scope=Scope(texts), source="gold").rows
    by_id = {p.doc_id: p for p in predictions}
    layers = [x for x in LAYERS if any(x in p.present_layers() for p in predictions)]
    if "claims" not in layers and {"attributions", "control_measures"} <= set(layers):
        layers.append("claims")  # derived from the two layers (nkworkers.loaders.claims)
    pred = [by_id.get(g.doc_id, PredictionRow(doc_id=g.doc_id)) for g in gold]

    sentences = Sentences(tuple(texts.values()))
    units = Units.choose(list(texts.values()), sentences)
    if bootstrap <= 0:  # no resampling: the unit is irrelevant, skip segmentation
        units = Units(Unit.DOCUMENTS, sentences)
    tally = Tally(units.count)
    if "entities" in layers:
        entities.tally_entities(
            tally, units, [_entity_spans(g) for g in gold], [_entity_spans(p) for p in pred]
        )
    if "attribution_spans" in layers:
        attribution.tally_spans(tally, units, gold, pred)
    if "attributions" in layers:
        attribution.tally_records(tally, units, gold, pred)
    if "control_measures" in layers:
        control.tally_spans(tally, units, gold, pred)
        control.tally_sentences(tally, units, sentences, gold, pred)
    if "claims" in layers:
        claims.tally_claims(tally, units, gold, pred)

    report: dict[str, Any] = {
        "documents": {
            "gold": len(gold),
            "predicted": sum(g.doc_id in by_id for g in gold),
            "missing": [g.doc_id for g in gold if g.doc_id not in by_id],
        },
        "layers": layers,
        "bootstrap": {
            "unit": units.unit.value,
            "n": max(bootstrap, 0),
            "seed": seed,
            "confidence": CONFIDENCE,
        },
    }
    cis = intervals(tally, bootstrap, seed)
    for path, block in tally.blocks.items():
        totals = {key: np.asarray(counts.sum()) for key, counts in block.counts.items()}
        leaf: dict[str, Any] = {}
        for name, value in compute(block.kind, totals).items():
            leaf[name] = float(value) if value.dtype.kind == "f" else int(value)
            if name in cis.get(path, {}):
                ci = cis[path][name]
                leaf[f"{name}_ci"] = [ci.low, ci.high]
                leaf["replicates"] = ci.replicates
        _insert(report, path, leaf)
    if "control_measures" in layers and ranking.has_scores(pred):
        ap = ranking.ranking_report(sentences, gold, pred)
        _insert(report, ("control_measures", "average_precision"), ap)
    return report


def evaluate_rows(
    gold_rows: Sequence[Mapping[str, Any]],
    prediction_rows: Sequence[Mapping[str, Any]],
    *,
    bootstrap: int = 1000,
    seed: int = 0,
    source: str = "predictions",
) -> dict[str, Any]:
    """score() on prediction dicts (checked as a predictions file would be; line = index + 1)."""
    scope = Scope(gold_texts(gold_rows))
    accepted = validate_rows(enumerate(prediction_rows, start=1), scope=scope, source=source)
    return score(gold_rows, accepted.rows, bootstrap=bootstrap, seed=seed)


def evaluate_files(
    gold_rows: Sequence[Mapping[str, Any]],
    predictions_path: str | Path,
    *,
    bootstrap: int = 1000,
    seed: int = 0,
    outside: frozenset[str] = frozenset(),
    unannotated: frozenset[str] = frozenset(),
    split: str | None = None,
    allow_empty: bool = False,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    max_spans: int = DEFAULT_MAX_SPANS,
) -> dict[str, Any]:
    """Score a predictions JSONL file against gold rows; raises PredictionError on bad input.

    Rows for doc_ids in ``outside`` (annotated, other splits) or ``unannotated``
    are ignored and listed under report["documents"]["ignored"]; any other
    doc_id that is not a gold row is an error, and so is a file that predicts
    no article of the gold unless ``allow_empty``.
    """
    scope = Scope(gold_texts(gold_rows), outside, unannotated, split)
    accepted = read_file(Path(predictions_path), scope, max_line_bytes=max_line_bytes,
                         max_spans=max_spans)  # fmt: skip
    if not accepted.rows and not allow_empty:
        raise PredictionError(_nothing_predicted(Path(predictions_path), accepted, split))
    report = score(gold_rows, accepted.rows, bootstrap=bootstrap, seed=seed)
    report["documents"]["ignored"] = _ignored(accepted)
    return report


def _ignored(accepted: Accepted) -> dict[str, list[str]]:
    return {reason.value: sorted(ids) for reason, ids in sorted(accepted.ignored.items())}


def _nothing_predicted(path: Path, accepted: Accepted, split: str | None) -> str:
    counts = {reason.value: len(ids) for reason, ids in accepted.ignored.items()}
    why = describe_ignored(counts, split) or "the file holds no predictions row"
    where = f"the {split} split" if split else "the gold"
    return (
        f"{path}: no article of {where} was predicted ({why}). Fix: check that the system "
        "wrote its output for these articles, or pass --allow-empty to score it as empty"
    )
