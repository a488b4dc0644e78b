"""Entity scoring speed: `evaluate`'s entity path against nervaluate 1.2.1 on identical spans.

Synthetic scale: the entity spans of the annotated articles (data/documents)
replicated ``scale`` times under new doc ids, with seeded perturbed
predictions (about 10 % of gold spans dropped, 10 % with a boundary shifted,
10 % relabelled, and 5 % spurious spans added). Both scorers get the same
spans in the same order (sorted by start, end, label, as the scorer sorts
them); nervaluate's ends are converted to its inclusive convention outside
the timed section. Ours is `evaluate`'s entity path from the Span lists the
scorer hands it: the tally for the four schemes overall and per type, then the
precision/recall/F1 computation (bootstrap off). nervaluate's is
``Evaluator(...).evaluate()`` on its dict records, loader included.
``ours_with_spans_s`` adds the building of our Span objects from the same
records, the step nervaluate's loader does on its side. The figures must be
identical: every count, precision, recall and F1, overall and per type.

Runs alternate between the two, and each runs as timeit runs code: after a
full collection, with the cyclic garbage collector off (otherwise a collection
that happens to fall in one side's run, and scans the whole corpus in memory,
decides the ratio).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from nkworkers.baselines.evaluation import entities
from nkworkers.baselines.evaluation.metrics import compute
from nkworkers.baselines.evaluation.tally import Tally
from nkworkers.baselines.evaluation.units import Sentences, Unit, Units
from nkworkers.benchmarks.timing import summary
from nkworkers.loaders.labels import EntityType, names
from nkworkers.loaders.text.spans import Span

DOCUMENTS = Path(__file__).resolve().parent.parent / "data" / "documents"
SCALES = (1, 100, 10_000)
NERVALUATE_SCHEME = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
FIELDS = ("correct", "incorrect", "partial", "missed", "spurious", "possible", "actual")
FIGURES = ("precision", "recall", "f1")
DROP, SHIFT, RELABEL, SPURIOUS = 0.10, 0.10, 0.10, 0.05

Record = tuple[int, int, str]  # start, end (exclusive), label
Docs = list[list[Record]]


@dataclass(frozen=True)
class Article:
    doc_id: str
    length: int  # characters of text
    spans: tuple[tuple[int, int, str], ...]  # (start, end exclusive, label)


@dataclass(frozen=True)
class Corpus:
    doc_ids: list[str]
    gold: Docs
    pred: Docs

    @property
    def spans(self) -> int:
        return sum(map(len, self.gold)) + sum(map(len, self.pred))


def read_articles(documents: Path = DOCUMENTS) -> list[Article]:
    articles = []
    for path in sorted(documents.glob("*.parquet")):
        table = pq.read_table(path, columns=["doc_id", "text", "entities"]).to_pylist()
        for row in table:
            spans = tuple((e["start"], e["end"], e["label"]) for e in row["entities"])
            articles.append(Article(row["doc_id"], len(row["text"]), spans))
    if not articles:
        raise FileNotFoundError(f"no documents parquet files under {documents}; run build")
    return sorted(articles, key=lambda a: a.doc_id)


def _perturb(article: Article, rng: np.random.Generator, labels: list[str]) -> list[Record]:
    """Seeded noisy predictions for one copy of an article."""
    out = []
    draws = rng.random(len(article.spans))
    for (start, end, label), u in zip(article.spans, draws, strict=True):
        if u < DROP:
            continue
        if u < DROP + SHIFT:
            delta = int(rng.integers(1, 4)) * (1 if rng.random() < 0.5 else -1)
            if rng.random() < 0.5:
                start = min(max(0, start + delta), end - 1)
            else:
                end = max(min(article.length, end + delta), start + 1)
        elif u < DROP + SHIFT + RELABEL:
            label = labels[(labels.index(label) + int(rng.integers(1, len(labels)))) % len(labels)]
        out.append((start, end, label))
    for _ in range(int(rng.binomial(len(article.spans), SPURIOUS))):
        start = int(rng.integers(0, article.length - 1))
        end = min(article.length, start + int(rng.integers(1, 25)))
        out.append((start, end, labels[int(rng.integers(len(labels)))]))
    return out


def _ordered(records: list[Record]) -> list[Record]:
    return sorted(records)  # (start, end, label): the scorer's visit order


def synthesize(articles: Sequence[Article], scale: int, seed: int = 0) -> Corpus:
    """scale copies of every article under new ids, each with its own perturbed predictions."""
    rng = np.random.default_rng(seed)
    labels = names(EntityType)
    doc_ids, gold, pred = [], [], []
    for k in range(scale):
        for article in articles:
            doc_ids.append(article.doc_id if k == 0 else f"{article.doc_id}_r{k}")
            gold.append(_ordered(list(article.spans)))
            pred.append(_ordered(_perturb(article, rng, labels)))
    return Corpus(doc_ids, gold, pred)


def to_spans(docs: Docs) -> list[list[Span]]:
    return [[Span(start, end, label) for start, end, label in doc] for doc in docs]


def score_ours(gold_spans: list[list[Span]], pred_spans: list[list[Span]]) -> dict[str, Any]:
    """The entities part of `evaluate`'s report, bootstrap off (scorer.score's entity path)."""
    units = Units(Unit.DOCUMENTS, Sentences(("",) * len(gold_spans)))
    tally = Tally(units.count)
    entities.tally_entities(tally, units, gold_spans, pred_spans)
    report: dict[str, Any] = {}
    for path, block in tally.blocks.items():
        totals = {key: np.asarray(counts.sum()) for key, counts in block.counts.items()}
        node = report
        for key in path[1:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = {
            name: float(value) if value.dtype.kind == "f" else int(value)
            for name, value in compute(block.kind, totals).items()
        }
    return report


def inclusive(docs: Docs) -> list[list[dict[str, Any]]]:
    """nervaluate's input: the same spans as dict records with an inclusive end."""
    return [
        [{"label": label, "start": start, "end": end - 1} for start, end, label in d] for d in docs
    ]


def score_nervaluate(
    gold: list[list[dict[str, Any]]], pred: list[list[dict[str, Any]]]
) -> dict[str, Any]:
    """nervaluate's results (inclusive-end input), in our report's shape."""
    from nervaluate import Evaluator  # an optional dependency (the baselines extra)

    results = Evaluator(gold, pred, tags=names(EntityType), loader="dict").evaluate()

    def leaf(result: Any) -> dict[str, Any]:
        return {key: getattr(result, key) for key in (*FIGURES, *FIELDS)}

    report: dict[str, Any] = {
        ours: leaf(results["overall"][theirs]) for ours, theirs in NERVALUATE_SCHEME.items()
    }
    report["per_type"] = {
        label: {ours: leaf(by[theirs]) for ours, theirs in NERVALUATE_SCHEME.items()}
        for label, by in results["entities"].items()
    }
    return report


def differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Every figure that is not exactly equal, as 'path: ours != theirs'."""
    out = []
    blocks: list[tuple[tuple[str, ...], Any, Any]] = [
        ((scheme,), ours.get(scheme), theirs[scheme]) for scheme in NERVALUATE_SCHEME
    ]
    ours_types, their_types = ours.get("per_type", {}), theirs["per_type"]
    if set(ours_types) != set(their_types):
        out.append(f"per_type labels: {sorted(ours_types)} != {sorted(their_types)}")
    for label in sorted(set(ours_types) & set(their_types)):
        for scheme in NERVALUATE_SCHEME:
            mine = ours_types[label].get(scheme)
            blocks.append((("per_type", label, scheme), mine, their_types[label][scheme]))
    for path, mine, expected in blocks:
        for key in (*FIGURES, *FIELDS):
            got = None if mine is None else mine.get(key)
            if got != expected[key]:
                out.append(f"{'.'.join(path)}.{key}: {got} != {expected[key]}")
    return out


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = fn()
        return time.perf_counter() - start, result
    finally:
        gc.enable()


def measure(articles: Sequence[Article], scale: int, repeat: int, seed: int = 0) -> dict[str, Any]:
    """Time both scorers side by side (interleaved runs) on one synthetic corpus."""
    corpus = synthesize(articles, scale, seed)
    their_gold, their_pred = inclusive(corpus.gold), inclusive(corpus.pred)
    ours_times: list[float] = []
    span_times: list[float] = []
    their_times: list[float] = []
    ours: Any = None
    theirs: Any = None
    for _ in range(repeat):  # alternate, so that load on the shared machine hits both alike
        elapsed, gold_spans = _timed(partial(to_spans, corpus.gold))
        span_times.append(elapsed)
        elapsed, pred_spans = _timed(partial(to_spans, corpus.pred))
        span_times[-1] += elapsed
        elapsed, ours = _timed(partial(score_ours, gold_spans, pred_spans))
        ours_times.append(elapsed)
        del gold_spans, pred_spans
        elapsed, theirs = _timed(partial(score_nervaluate, their_gold, their_pred))
        their_times.append(elapsed)
    diffs = differences(ours, theirs)
    ours_s, their_s = statistics.median(ours_times), statistics.median(their_times)
    return {
        "scale": scale,
        "documents": len(corpus.doc_ids),
        "spans": corpus.spans,
        "ours_s": ours_s,
        "nervaluate_s": their_s,
        "ratio": their_s / ours_s,
        "identical": not diffs,
        "ours_with_spans_s": ours_s + statistics.median(span_times),
        "ratio_with_spans": their_s / (ours_s + statistics.median(span_times)),
        "differences": diffs[:20],
        "ours_runs": summary(ours_times),
        "nervaluate_runs": summary(their_times),
    }


def default_repeat(scale: int) -> int:
    return 7 if scale <= 100 else 3


def run(
    scales: Sequence[int] = SCALES,
    repeat: int | None = None,
    seed: int = 0,
    documents: Path = DOCUMENTS,
) -> dict[str, Any]:
    """Measure every scale; repeat=None picks fewer repeats at large scales."""
    articles = read_articles(documents)
    rows = []
    for scale in scales:
        n = repeat if repeat is not None else default_repeat(scale)
        rows.append(measure(articles, scale, n, seed))
    return {
        "part": "scoring",
        "against": "nervaluate 1.2.1",
        "seed": seed,
        "articles": len(articles),
        "results": rows,
        "identical": all(r["identical"] for r in rows),
    }
