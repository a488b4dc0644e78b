"""Named-entity scores: the four SemEval-2013 schemes, as nervaluate 1.2.1 computes them.

The matching below is nervaluate 1.2.1's (strategies.py) rewritten over
half-open offsets: nervaluate's ``end`` is inclusive, so its overlap of
``(s, e)`` with ``(s2, e2)`` is ``min(e, e2) - max(s, s2) + 1`` characters and
ours is the same number without the ``+ 1``. Its quirks are kept on purpose so
that the figures equal nervaluate's on the same spans: predictions are
visited in list order (the scorer sorts them by start, end, label), a
prediction that overlaps a gold span by less than 1 % of the gold span's
length does not overlap it, and a non-exact overlapping prediction consumes
the first such gold span. The per-type figures score each type's spans alone,
as nervaluate's ``entities`` results do, for the types found in gold or
predictions.

How it stays fast (nervaluate compares every prediction with every gold span,
once per scheme and again per type). A prediction's candidates, the free
gold spans it overlaps enough, decide its outcome; they are found for the
whole corpus at once (gold sorted by start, a running maximum of the ends,
two binary searches). Eight schemes need only five matchings: partial
consumes what exact consumes (an exact-offset candidate, else the first
one), and within one type strict, exact and partial coincide too. Most
predictions form a lone pair with their one candidate that no other
prediction wants; such pairs are free whatever the visit order, so their
outcomes are set in bulk. Only the rest, predictions that share or have
several candidates, walk nervaluate's loop in visit order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

import numpy as np

from nkworkers.baselines.evaluation.tally import KEYS, Kind, Tally
from nkworkers.baselines.evaluation.units import Unit, Units
from nkworkers.loaders.labels import EntityType
from nkworkers.loaders.text.spans import Span

# Our scheme name -> whether it gives half credit for partial matches.
SCHEMES: dict[str, Kind] = {
    "strict": Kind.SEMEVAL,
    "exact": Kind.SEMEVAL,
    "partial": Kind.SEMEVAL_PARTIAL,
    "type": Kind.SEMEVAL_PARTIAL,
}
MIN_OVERLAP_PERCENT = 1.0  # nervaluate's default min_overlap_percentage

OUTCOMES = KEYS[Kind.SEMEVAL]  # the count keys, in the order of the codes below
CORRECT, INCORRECT, PARTIAL, MISSED, SPURIOUS = range(5)

# The five matchings; the per-type ones only pair spans of the same label.
STRICT, EXACT, TYPE, TYPED_EXACT, TYPED_TYPE = range(5)
# Scheme -> (matching, whether its "incorrect" counts as "partial"), overall and per type.
OVERALL = {"strict": (STRICT, False), "exact": (EXACT, False), "partial": (EXACT, True),
           "type": (TYPE, False)}  # fmt: skip
PER_TYPE = {"strict": (TYPED_EXACT, False), "exact": (TYPED_EXACT, False),
            "partial": (TYPED_EXACT, True), "type": (TYPED_TYPE, False)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Outcome:
    predicted: tuple[str, ...]  # per prediction: correct | incorrect | partial | spurious
    missed: tuple[int, ...]  # gold indices left unmatched


@dataclass(frozen=True)
class _Flat:
    """Every document's spans in one set of arrays, sorted by (doc, start, end, label)."""

    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    label: np.ndarray  # index into the sorted label names (so it sorts as the names do)
    order: np.ndarray  # position of each sorted span in the caller's flattened input

    @classmethod
    def of(cls, docs: Sequence[Sequence[Span]], labels: list[str], ids: dict[str, int]) -> _Flat:
        spans = [s for d in docs for s in d]
        n = len(spans)
        doc = np.repeat(np.arange(len(docs), dtype=np.int64), [len(d) for d in docs])
        start = np.fromiter(map(attrgetter("start"), spans), dtype=np.int64, count=n)
        end = np.fromiter(map(attrgetter("end"), spans), dtype=np.int64, count=n)
        label = np.fromiter(map(ids.__getitem__, labels), dtype=np.int64, count=n)
        stride = int(end.max(initial=0)) + 1
        if len(docs) * stride * stride * max(len(ids), 1) < 2**62:
            key = ((doc * stride + start) * stride + end) * max(len(ids), 1) + label
            presorted = bool(np.all(key[1:] >= key[:-1]))  # the scorer's input usually is
            order = np.arange(n) if presorted else np.argsort(key, kind="stable")
        else:
            order = np.lexsort((label, end, start, doc))
        return cls(doc[order], start[order], end[order], label[order], order)


def _flatten(
    gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]]
) -> tuple[_Flat, _Flat, list[str]]:
    """Both sides as arrays, and the label names found in either (sorted)."""
    gold_labels = [s.label for d in gold for s in d]
    pred_labels = [s.label for d in pred for s in d]
    names = sorted({*gold_labels, *pred_labels})
    ids = {label: i for i, label in enumerate(names)}
    return _Flat.of(gold, gold_labels, ids), _Flat.of(pred, pred_labels, ids), names


@dataclass(frozen=True)
class _Matched:
    codes: np.ndarray  # (5 matchings, predictions): an outcome code per prediction
    taken: np.ndarray  # (5 matchings, gold): whether the gold span was consumed


def _candidates(gold: _Flat, pred: _Flat) -> tuple[np.ndarray, np.ndarray]:
    """(prediction, gold) pairs that overlap enough, by prediction then gold index."""
    stride = int(max(gold.end.max(initial=0), pred.end.max(initial=0))) + 1
    reach = np.maximum.accumulate(gold.doc * stride + gold.end)  # furthest end so far
    lo = np.searchsorted(reach, pred.doc * stride + pred.start, side="right")
    hi = np.searchsorted(gold.doc * stride + gold.start, pred.doc * stride + pred.end)
    width = np.maximum(hi - lo, 0)
    p = np.repeat(np.arange(len(width)), width)
    g = np.arange(len(p)) - np.repeat(np.cumsum(width) - width, width) + np.repeat(lo, width)
    shared = np.minimum(pred.end[p], gold.end[g]) - np.maximum(pred.start[p], gold.start[g])
    keep = shared > 0
    p, g, shared = p[keep], g[keep], shared[keep]
    # nervaluate's test, in its own float arithmetic: percent of the gold span's length
    enough = (shared / (gold.end[g] - gold.start[g])) * 100.0 >= MIN_OVERLAP_PERCENT
    return p[enough], g[enough]


# A prediction's codes in the five matchings when its one candidate is free there, by
# [same offsets][same label]; SPURIOUS where a typed matching cannot pair other labels.
ONE_CANDIDATE = np.array(
    [
        [[INCORRECT, INCORRECT, INCORRECT, SPURIOUS, SPURIOUS],
         [INCORRECT, INCORRECT, CORRECT, INCORRECT, CORRECT]],
        [[INCORRECT, CORRECT, INCORRECT, SPURIOUS, SPURIOUS],
         [CORRECT, CORRECT, CORRECT, CORRECT, CORRECT]],
    ],
    dtype=np.int8,
)  # fmt: skip


def _lone_pairs(gold: _Flat, pred: _Flat, p: np.ndarray, g: np.ndarray, matched: _Matched) -> None:
    """Outcomes of pairs that are each other's only candidate: the gold is free in any order."""
    same_offsets = (pred.start[p] == gold.start[g]) & (pred.end[p] == gold.end[g])
    same_label = pred.label[p] == gold.label[g]
    codes = ONE_CANDIDATE[same_offsets.astype(np.intp), same_label.astype(np.intp)].T
    matched.codes[:, p] = codes
    for m in range(5):
        matched.taken[m, g[codes[m] != SPURIOUS]] = True


def _first(free: bytearray, candidates: list[int], preferred: list[int]) -> tuple[int, int]:
    """nervaluate's strict/exact loop: a free preferred candidate, else the first free one."""
    fallback = -1
    for i in candidates:
        if not free[i]:
            continue
        if i in preferred:
            return CORRECT, i
        if fallback < 0:
            fallback = i
    return (INCORRECT, fallback) if fallback >= 0 else (SPURIOUS, -1)


def _closest(free: bytearray, candidates: list[int], distance: list[int]) -> int:
    """nervaluate's ent_type pick: the free candidate nearest in boundaries, first on ties."""
    best, best_distance = -1, 0
    for i, d in zip(candidates, distance, strict=True):
        if free[i] and (best < 0 or d < best_distance):
            best, best_distance = i, d
    return best


def _visit(
    s: int, e: int, x: int, cands: list[int], gs: list[int], ge: list[int], gl: list[int],
    free: list[bytearray],
) -> list[tuple[int, int]]:  # fmt: skip
    """nervaluate's inner loops for one prediction (s, e, x): (code, gold taken) per matching."""
    same_label = [i for i, y in zip(cands, gl, strict=True) if y == x]
    same = [i for i, a, b in zip(cands, gs, ge, strict=True) if a == s and b == e]
    exact = [i for i in same if i in same_label]
    distance = [abs(s - a) + abs(e - b) for a, b, y in zip(gs, ge, gl, strict=True) if y == x]
    picks = [_first(free[STRICT], cands, exact), _first(free[EXACT], cands, same)]
    closest = _closest(free[TYPE], same_label, distance)
    if closest >= 0:
        picks.append((CORRECT, closest))
    else:
        picks.append(_first(free[TYPE], [i for i in cands if i not in same_label], []))
    picks.append(_first(free[TYPED_EXACT], same_label, exact))
    closest = _closest(free[TYPED_TYPE], same_label, distance)
    picks.append((CORRECT, closest) if closest >= 0 else (SPURIOUS, -1))
    return picks


def _walk(gold: _Flat, pred: _Flat, p: np.ndarray, g: np.ndarray, matched: _Matched) -> None:
    """nervaluate's loop, in visit order, for the predictions that are not lone pairs."""
    first = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])  # each visit's first pair
    visits = p[first]
    bounds = zip(first.tolist(), [*first[1:].tolist(), len(p)], strict=True)
    ps, pe, pl = (a[visits].tolist() for a in (pred.start, pred.end, pred.label))
    gi, gs, ge, gl = (
        g.tolist(),
        gold.start[g].tolist(),
        gold.end[g].tolist(),
        gold.label[g].tolist(),
    )
    free = [bytearray(np.logical_not(row).view(np.uint8)) for row in matched.taken]
    one = ONE_CANDIDATE.tolist()
    out = []
    for v, (a, b) in enumerate(bounds):
        s, e, x = ps[v], pe[v], pl[v]
        if b - a == 1:  # the usual case: one candidate, but another prediction wants it too
            i = gi[a]
            codes = one[gs[a] == s and ge[a] == e][gl[a] == x]
            picks = [(c, i) if c != SPURIOUS and free[m][i] else (SPURIOUS, -1)
                     for m, c in enumerate(codes)]  # fmt: skip
        else:
            picks = _visit(s, e, x, gi[a:b], gs[a:b], ge[a:b], gl[a:b], free)
        for m, (_, i) in enumerate(picks):
            if i >= 0:
                free[m][i] = 0
        out.append([code for code, _ in picks])
    matched.codes[:, visits] = np.array(out, dtype=np.int8).reshape(-1, 5).T
    for m, row in enumerate(free):
        matched.taken[m] = np.frombuffer(row, dtype=np.uint8) == 0


def _match(gold: _Flat, pred: _Flat) -> _Matched:
    codes = np.full((5, len(pred.start)), SPURIOUS, dtype=np.int8)
    taken = np.zeros((5, len(gold.start)), dtype=bool)
    matched = _Matched(codes, taken)
    p, g = _candidates(gold, pred)
    per_pred = np.bincount(p, minlength=len(pred.start))
    per_gold = np.bincount(g, minlength=len(gold.start))
    lone = (per_pred[p] == 1) & (per_gold[g] == 1)
    _lone_pairs(gold, pred, p[lone], g[lone], matched)
    if not lone.all():
        _walk(gold, pred, p[~lone], g[~lone], matched)
    return matched


def evaluate(scheme: str, gold: Sequence[Span], pred: Sequence[Span]) -> Outcome:
    """One document, one scheme; spans are visited in (start, end, label) order, as scored."""
    g, p, _ = _flatten([gold], [pred])
    matching, as_partial = OVERALL[scheme]
    matched = _match(g, p)
    codes = np.empty(len(pred), dtype=np.int8)
    codes[p.order] = matched.codes[matching]
    if as_partial:
        codes[codes == INCORRECT] = PARTIAL
    missed = sorted(g.order[~matched.taken[matching]].tolist())
    return Outcome(tuple(OUTCOMES[c] for c in codes.tolist()), tuple(missed))


def _units(units: Units, flat: _Flat) -> np.ndarray:
    if units.unit is Unit.DOCUMENTS:
        return flat.doc
    pairs = zip(flat.doc.tolist(), flat.start.tolist(), strict=True)
    return np.fromiter((units.of(d, s) for d, s in pairs), dtype=np.int64, count=len(flat.doc))


def _counts(
    n_units: int, n_labels: int, pred_label: np.ndarray, pred_unit: np.ndarray,
    codes: np.ndarray, gold_label: np.ndarray, gold_unit: np.ndarray, missed: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """(labels, outcome keys, units) counts of one matching."""
    index = (pred_label * 5 + codes) * n_units + pred_unit
    out = np.bincount(index, minlength=n_labels * 5 * n_units).reshape(n_labels, 5, n_units)
    index = gold_label[missed] * n_units + gold_unit[missed]
    out[:, MISSED] = np.bincount(index, minlength=n_labels * n_units).reshape(n_labels, n_units)
    return out


def tally_entities(
    tally: Tally, units: Units, gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]]
) -> None:
    """Record every scheme's outcomes, overall and per type, under ("entities", ...)."""
    g, p, names = _flatten(gold, pred)
    label_ids = {label: i for i, label in enumerate(names)}
    matched = _match(g, p)
    g_unit, p_unit = _units(units, g), _units(units, p)
    n = tally.n_units
    zeros_p, zeros_g = np.zeros_like(p.label), np.zeros_like(g.label)

    def counts(matching: int, by_label: bool) -> np.ndarray:
        pl, gl = (p.label, g.label) if by_label else (zeros_p, zeros_g)
        missed = ~matched.taken[matching]
        codes = matched.codes[matching].astype(np.int64)
        return _counts(n, len(names) if by_label else 1, pl, p_unit, codes, gl, g_unit, missed)

    def record(path: tuple[str, ...], kind: Kind, table: np.ndarray, as_partial: bool) -> None:
        rows = dict(zip(OUTCOMES, table, strict=True))
        if as_partial:
            rows["partial"], rows["incorrect"] = rows["incorrect"], rows["partial"]
        tally.add_counts(path, kind, rows)

    overall = {m: counts(m, by_label=False)[0] for m in (STRICT, EXACT, TYPE)}
    typed = {m: counts(m, by_label=True) for m in (TYPED_EXACT, TYPED_TYPE)} if names else {}
    for scheme, kind in SCHEMES.items():  # declared up front to fix the report's key order
        matching, as_partial = OVERALL[scheme]
        record(("entities", scheme), kind, overall[matching], as_partial)
    for label in (t.value for t in EntityType if t.value in label_ids):
        for scheme, kind in SCHEMES.items():
            matching, as_partial = PER_TYPE[scheme]
            table = typed[matching][label_ids[label]]
            record(("entities", "per_type", label, scheme), kind, table, as_partial)
