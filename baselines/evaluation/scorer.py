"""The typer-free core: gold rows + prediction rows -> the nested report dict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from baselines.evaluation import attribution, control, entities
from baselines.evaluation.bootstrap import CONFIDENCE, intervals
from baselines.evaluation.metrics import compute
from baselines.evaluation.reader import PredictionError, read_predictions, validate_rows
from baselines.evaluation.spans import Span
from baselines.evaluation.tally import Tally
from baselines.evaluation.units import Sentences, Unit, Units
from baselines.predictions import LAYERS, PredictionRow


def gold_texts(gold_rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for i, row in enumerate(gold_rows):
        doc_id, text = row.get("doc_id"), row.get("text")
        if not isinstance(doc_id, str) or not isinstance(text, str):
            raise PredictionError(f"gold row {i}: needs a string doc_id and text")
        if doc_id in texts:
            raise PredictionError(f"gold row {i}: duplicate doc_id {doc_id!r}")
        texts[doc_id] = text
    if not texts:
        raise PredictionError("no gold documents to evaluate against")
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
    gold = validate_rows(((None, r) for r in gold_rows), texts=texts, source="gold")
    by_id = {p.doc_id: p for p in predictions}
    layers = [x for x in LAYERS if any(x in p.present_layers() for p in predictions)]
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
        _insert(report, path, leaf)
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
    texts = gold_texts(gold_rows)
    rows = enumerate(prediction_rows, start=1)
    predictions = validate_rows(rows, texts=texts, source=source)
    return score(gold_rows, predictions, bootstrap=bootstrap, seed=seed)


def evaluate_files(
    gold_rows: Sequence[Mapping[str, Any]],
    predictions_path: str | Path,
    *,
    bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Score a predictions JSONL file against gold rows; raises PredictionError on bad input."""
    predictions = read_predictions(Path(predictions_path), gold_texts(gold_rows))
    return score(gold_rows, predictions, bootstrap=bootstrap, seed=seed)
