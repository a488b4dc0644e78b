"""Control-measure scores: labelled spans, and sentence-level multi-label categories.

Spans: a span with several labels counts once per label; exact and overlap
matching (spans.py) pair spans of the same label only, so the micro figures
are the per-category matchings summed.

Sentences: a sentence (loaders.segment on the gold text) carries a category
when a span with that label overlaps it, in gold and in predictions alike.
Micro figures count (sentence, category) pairs; macro figures average the
per-category figures over the categories with any gold or predicted sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

from baselines.evaluation.spans import Span, match_exact, match_overlap
from baselines.evaluation.tally import Kind, Tally
from baselines.evaluation.units import Sentences, Units
from loaders.labels import ControlCategory, IloIndicator, indicators_of
from loaders.predictions import PredictionRow


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
    micro = ("control_measures", "sentences", "micro")
    macro = ("control_measures", "sentences", "macro")
    tally.block(micro, Kind.PRF)
    tally.block(macro, Kind.MACRO)
    for category in present_categories(gold, pred):
        tally.block(("control_measures", "sentences", "per_category", category), Kind.PRF)
    for category in ControlCategory:
        for key in ("tp", "fp", "fn"):
            tally.add(macro, Kind.MACRO, f"{key}:{category.value}", 0, 0)
    for doc, (g_row, p_row) in enumerate(zip(gold, pred, strict=True)):
        g_spans, p_spans = labelled_spans(g_row), labelled_spans(p_row)
        for sentence in sentences.spans[doc]:
            unit = units.of(doc, sentence[0])
            truth, guess = sentence_labels(g_spans, sentence), sentence_labels(p_spans, sentence)
            for key, labels in (
                ("tp", truth & guess),
                ("fp", guess - truth),
                ("fn", truth - guess),
            ):
                for label in labels:
                    tally.add(micro, Kind.PRF, key, unit)
                    tally.add(macro, Kind.MACRO, f"{key}:{label}", unit)
                    per = ("control_measures", "sentences", "per_category", label)
                    tally.add(per, Kind.PRF, key, unit)
    tally_indicators(tally, units, sentences, gold, pred)


def tally_indicators(
    tally: Tally,
    units: Units,
    sentences: Sentences,
    gold: Sequence[PredictionRow],
    pred: Sequence[PredictionRow],
) -> None:
    """Sentence-level ILO indicators, for systems trained on indicator labels.

    A sentence carries the indicators (loaders.labels.ILO_INDICATORS) of the
    categories it carries, in gold and predictions alike; micro counts
    (sentence, indicator) pairs, macro averages over indicators present.
    """
    root = ("control_measures", "ilo_indicators")
    micro, macro = (*root, "micro"), (*root, "macro")
    tally.block(micro, Kind.PRF)
    tally.block(macro, Kind.MACRO)
    for indicator in indicators_of(present_categories(gold, pred)):
        tally.block((*root, "per_indicator", indicator), Kind.PRF)
    for member in IloIndicator:
        for key in ("tp", "fp", "fn"):
            tally.add(macro, Kind.MACRO, f"{key}:{member.value}", 0, 0)
    for doc, (g_row, p_row) in enumerate(zip(gold, pred, strict=True)):
        g_spans, p_spans = labelled_spans(g_row), labelled_spans(p_row)
        for sentence in sentences.spans[doc]:
            unit = units.of(doc, sentence[0])
            truth = set(indicators_of(sentence_labels(g_spans, sentence)))
            guess = set(indicators_of(sentence_labels(p_spans, sentence)))
            for key, found in (("tp", truth & guess), ("fp", guess - truth), ("fn", truth - guess)):
                for indicator in found:
                    tally.add(micro, Kind.PRF, key, unit)
                    tally.add(macro, Kind.MACRO, f"{key}:{indicator}", unit)
                    tally.add((*root, "per_indicator", indicator), Kind.PRF, key, unit)
