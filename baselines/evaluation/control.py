"""Control-measure scores: labelled spans, and sentence-level multi-label categories.

Spans: a span with several labels counts once per label; exact and overlap
matching (nkworkers.loaders.text.spans) pair spans of the same label only, so
the micro figures are the per-category matchings summed.

Sentences: a sentence (nkworkers.loaders.text.segment on the gold text) carries a category
when a span with that label overlaps it, in gold and in predictions alike.
Micro figures count (sentence, category) pairs; macro figures average the
per-category figures over the categories with any gold or predicted sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nkworkers.baselines.evaluation.tally import Kind, Tally
from nkworkers.baselines.evaluation.units import Sentences, Units
from nkworkers.loaders.labels import ControlCategory, IloIndicator, indicators_of
from nkworkers.loaders.predictions import PredictionRow
from nkworkers.loaders.text.spans import Span, match_exact, match_overlap


def labelled_spans(row: PredictionRow) -> list[Span]:
    return [
        Span(m.start, m.end, label.value)
        for m in row.control_measures or []
        for label in dict.fromkeys(m.labels)  # a label repeated on one span counts once
    ]


def sentence_labels(spans: Sequence[Span], sentence: tuple[int, int]) -> set[str]:
    start, end = sentence
    return {s.label for s in spans if max(s.start, start) < min(s.end, end)}


def present_categories(gold: Sequence[PredictionRow], pred: Sequence[PredictionRow]) -> list[str]:
    """The categories found in gold or predictions, in declaration order."""
    present = {s.label for row in (*gold, *pred) for s in labelled_spans(row)}
    return [c.value for c in ControlCategory if c.value in present]


def tally_spans(
    tally: Tally, units: Units, gold: Sequence[PredictionRow], pred: Sequence[PredictionRow]
) -> None:
    spans = [(labelled_spans(g), labelled_spans(p)) for g, p in zip(gold, pred, strict=True)]
    categories = present_categories(gold, pred)
    for name, matcher in (("exact", match_exact), ("overlap", match_overlap)):
        tally.block(("control_measures", "spans", "micro", name), Kind.PRF)
        for category in categories:
            tally.block(("control_measures", "spans", "per_category", category, name), Kind.PRF)
        for doc, (g, p) in enumerate(spans):
            m = matcher(g, p)
            outcomes = [("tp", g[i]) for i, _ in m.pairs]
            outcomes += [("fp", p[j]) for j in m.spurious]
            outcomes += [("fn", g[i]) for i in m.missed]
            for key, span in outcomes:
                unit = units.of(doc, span.start)
                tally.add(("control_measures", "spans", "micro", name), Kind.PRF, key, unit)
                path = ("control_measures", "spans", "per_category", span.label, name)
                tally.add(path, Kind.PRF, key, unit)


def tally_sentences(
    tally: Tally,
    units: Units,
    sentences: Sentences,
    gold: Sequence[PredictionRow],
    pred: Sequence[PredictionRow],
) -> None:
    _tally_sentence_labels(
        tally, units, sentences, gold, pred,
        root=("control_measures", "sentences"), per="per_category",
        inventory=[c.value for c in ControlCategory],
        present=list(present_categories(gold, pred)), labels_of=set,
    )  # fmt: skip
    tally_indicators(tally, units, sentences, gold, pred)


def tally_indicators(
    tally: Tally,
    units: Units,
    sentences: Sentences,
    gold: Sequence[PredictionRow],
    pred: Sequence[PredictionRow],
) -> None:
    """Sentence-level ILO indicators, for systems trained on indicator labels.

    A sentence carries the indicators (nkworkers.loaders.labels.ILO_INDICATORS) of the
    categories it carries, in gold and predictions alike; micro counts
    (sentence, indicator) pairs, macro averages over indicators present.
    """
    _tally_sentence_labels(
        tally, units, sentences, gold, pred,
        root=("control_measures", "ilo_indicators"), per="per_indicator",
        inventory=[m.value for m in IloIndicator],
        present=list(indicators_of(present_categories(gold, pred))),
        labels_of=lambda categories: set(indicators_of(categories)),
    )  # fmt: skip


def _tally_sentence_labels(
    tally: Tally,
    units: Units,
    sentences: Sentences,
    gold: Sequence[PredictionRow],
    pred: Sequence[PredictionRow],
    *,
    root: tuple[str, ...],
    per: str,
    inventory: Sequence[str],
    present: Sequence[str],
    labels_of: Callable[[set[str]], set[str]],
) -> None:
    """Micro, macro and per-label counts of (sentence, label) pairs under ``root``.

    ``labels_of`` maps a sentence's categories to the labels scored (the
    categories themselves, or their ILO indicators); macro averages over
    ``inventory``, per-label blocks are opened for ``present`` labels.
    """
    micro, macro = (*root, "micro"), (*root, "macro")
    tally.block(micro, Kind.PRF)
    tally.block(macro, Kind.MACRO)
    for label in present:
        tally.block((*root, per, label), Kind.PRF)
    for label in inventory:
        for key in ("tp", "fp", "fn"):
            tally.add(macro, Kind.MACRO, f"{key}:{label}", 0, 0)
    for doc, (g_row, p_row) in enumerate(zip(gold, pred, strict=True)):
        g_spans, p_spans = labelled_spans(g_row), labelled_spans(p_row)
        for sentence in sentences.spans[doc]:
            unit = units.of(doc, sentence[0])
            truth = labels_of(sentence_labels(g_spans, sentence))
            guess = labels_of(sentence_labels(p_spans, sentence))
            for key, found in (("tp", truth & guess), ("fp", guess - truth), ("fn", truth - guess)):
                for label in found:
                    tally.add(micro, Kind.PRF, key, unit)
                    tally.add(macro, Kind.MACRO, f"{key}:{label}", unit)
                    tally.add((*root, per, label), Kind.PRF, key, unit)
