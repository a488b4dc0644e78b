"""The report's counts, kept as the input streams by: counters and bounded samples only.

:class:`Tally` takes one :class:`~nkworkers.loaders.report.columns.Batch` at
a time and keeps, per dimension (voice, source kind, anonymity, month,
year, outlet), a Counter of (value, category) claims; articles per month,
year, outlet, category and ILO indicator; the commonest source and cue
texts (nkworkers.loaders.report.bounded.TopCounter); a few example claims per
category (bottom-k); and what the time tables leave out. Its memory grows
with the labels, the calendar and the capacities below, never with the
number of rows.

Texts are compared normalised (:func:`normalised`): NFKC, lower case, runs
of white space as one space, quotes and punctuation trimmed from both ends.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nkworkers.loaders.labels import ILO_INDICATORS, ControlCategory, IloIndicator, Voice
from nkworkers.loaders.report.bounded import BottomK, TopCounter
from nkworkers.loaders.report.columns import Batch
from nkworkers.loaders.report.published import UNPARSEABLE, period

#: Crosstab dimensions of claims against their category.
DIMENSIONS = ("voice", "source_kind", "anonymity", "month", "year", "outlet")
REPORTER = "(reporter)"  # source kind and anonymity of a claim in the reporter's voice
NOT_GIVEN = "(not given)"  # an attribute the record lacks (a prediction may)
NO_OUTLET = "(no outlet)"
OTHER_OUTLETS = "(other outlets)"
YEAR_ONLY = "year only"  # a published value without a month: in the year table only
OUTLETS = 1_000  # distinct outlets counted apart; later ones go to OTHER_OUTLETS
TEXTS = 10_000  # TopCounter capacity of source and cue texts
EXAMPLES = 3  # example claims kept per category
SEED = 0
_TRIM = " \t\"'.,;:!?()[]{}\u201c\u201d\u2018\u2019-\u2013\u2014"


def normalised(texts: pa.Array) -> pa.Array:
    """Texts as the report compares them (see the module doc); empty ones null."""
    texts = pc.utf8_normalize(texts, form="NFKC")
    texts = pc.utf8_lower(texts)
    texts = pc.replace_substring_regex(texts, pattern=r"\s+", replacement=" ")
    texts = pc.utf8_trim(texts, characters=_TRIM)
    return pc.if_else(pc.equal(texts, ""), pa.scalar(None, pa.string()), texts)


@dataclass
class Tally:
    rows: int = 0
    claims: int = 0
    origins: Counter[str] = field(default_factory=Counter)  # listed / derived / without
    by: dict[str, Counter[tuple[str, str]]] = field(
        default_factory=lambda: {d: Counter() for d in DIMENSIONS}
    )
    articles: dict[str, Counter[str]] = field(
        default_factory=lambda: {
            d: Counter() for d in ("month", "year", "outlet", "reason", "category")
        }
    )
    indicator_articles: Counter[str] = field(default_factory=Counter)
    sources: TopCounter = field(default_factory=lambda: TopCounter(TEXTS))
    cues: TopCounter = field(default_factory=lambda: TopCounter(TEXTS))
    with_sentence: int = 0
    skipped_claims: Counter[str] = field(default_factory=Counter)  # per reason (rows: articles)
    unparseable: list[str] = field(default_factory=list)  # a few values, for the page
    examples: dict[str, BottomK] = field(
        default_factory=lambda: {c.value: BottomK(EXAMPLES) for c in ControlCategory}
    )
    doc_ids: set[str] = field(default_factory=set)  # those of `watch` seen
    watch: frozenset[str] = frozenset()  # doc_ids to note (the corpus articles)
    outlets: dict[str, None] = field(default_factory=dict)
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(SEED))

    def add(self, batch: Batch) -> None:
        rows, claims = batch.rows, batch.claims
        self.rows += rows.num_rows
        self.claims += claims.num_rows
        self.origins.update(listed=batch.listed, derived=batch.derived, without=batch.without)
        index = _numpy(claims.column("row"))
        category = _codes(claims.column("category"))
        per_claim = {
            "voice": _codes(claims.column("voice")),
            "source_kind": _codes(_attribute(claims, "source_kind")),
            "anonymity": _codes(_attribute(claims, "anonymity")),
        }
        per_row = self._row_keys(rows)
        for name in ("month", "year", "outlet", "reason"):
            codes, labels = per_row[name]
            per_claim[name] = (codes[index], labels)
            self.articles[name].update(_count(codes, labels))
        for dim in DIMENSIONS:
            self.by[dim].update(_crosstab(per_claim[dim], category))
        self.skipped_claims.update(_count(*per_claim["reason"]))
        self._articles_per_category(index, category, rows.num_rows)
        for counter, column in ((self.sources, "source_text"), (self.cues, "cue_text")):
            counter.update(_text_counts(claims.column(column)).items())
        self._sample(batch, category)
        if self.watch:
            ids = rows.column("doc_id")
            seen = pc.filter(ids, pc.is_in(ids, pa.array(sorted(self.watch), pa.string())))
            self.doc_ids.update(seen.to_pylist())

    def _row_keys(self, rows: pa.Table) -> dict[str, tuple[np.ndarray, list[Any]]]:
        """Per row codes (and their labels) of month, year, outlet and the published skip reason."""
        codes, values = _codes(rows.column("published"))
        parsed = [period(v) for v in values]
        for value, found in zip(values, parsed, strict=True):
            if found == UNPARSEABLE and value not in self.unparseable and len(self.unparseable) < 5:
                self.unparseable.append(value)
        years = [None if isinstance(p, str) else f"{p[0]:04d}" for p in parsed]
        months = [
            None if isinstance(p, str) or p[1] is None else f"{p[0]:04d}-{p[1]:02d}" for p in parsed
        ]
        reasons = [p if isinstance(p, str) else YEAR_ONLY if p[1] is None else None for p in parsed]
        outlets = pc.fill_null(rows.column("outlet").combine_chunks(), NO_OUTLET)
        return {
            "month": (codes, months),
            "year": (codes, years),
            "reason": (codes, reasons),
            "outlet": _codes(self._capped(outlets)),
        }

    def _capped(self, outlets: pa.Array) -> pa.Array:
        """Outlet keys: the first OUTLETS distinct outlets as themselves, later ones as other."""
        for outlet in pc.unique(outlets).to_pylist():
            if outlet not in self.outlets and len(self.outlets) < OUTLETS:
                self.outlets[outlet] = None
        known = pc.is_in(outlets, pa.array(list(self.outlets), pa.string()))
        return pc.if_else(known, outlets, OTHER_OUTLETS)

    def _articles_per_category(
        self, index: np.ndarray, category: tuple[np.ndarray, list[Any]], n_rows: int
    ) -> None:
        codes, labels = category
        present = np.zeros((n_rows, len(labels)), dtype=bool)
        present[index, codes] = True
        for label, n in zip(labels, present.sum(axis=0), strict=True):
            self.articles["category"][label] += int(n)
        for indicator in IloIndicator:
            columns = [
                i for i, c in enumerate(labels) if indicator in ILO_INDICATORS[ControlCategory(c)]
            ]
            self.indicator_articles[indicator.value] += int(present[:, columns].any(axis=1).sum())

    def _sample(self, batch: Batch, category: tuple[np.ndarray, list[Any]]) -> None:
        claims = batch.claims
        keys = self.rng.random(claims.num_rows)  # one key per claim, whatever is kept
        has_sentence = _numpy(pc.is_valid(claims.column("sentence_text")))
        self.with_sentence += int(has_sentence.sum())
        codes, labels = category
        for code, label in enumerate(labels):
            sample = self.examples[label]
            mask = has_sentence & (codes == code) & (keys < sample.threshold)
            for i in np.flatnonzero(mask)[np.argsort(keys[mask])][: sample.k]:
                if keys[i] < sample.threshold:
                    sample.offer(float(keys[i]), _example(batch, int(i)))


def _codes(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, list[Any]]:
    """Dictionary codes of a column (numpy) and the value of each code (None for null)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values, null_encoding="encode")
    return _numpy(encoded.indices), encoded.dictionary.to_pylist()


def _numpy(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A null-free integer or boolean column as numpy, without a copy where Arrow allows one
    (booleans are bit-packed: cast to bytes first)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_boolean(values.type):  # bit-packed: as bytes first
        return values.cast(pa.uint8()).to_numpy(zero_copy_only=True).astype(bool)
    return values.to_numpy(zero_copy_only=True)


def _count(codes: np.ndarray, labels: list[Any]) -> Counter[Any]:
    """Occurrences of each label (None left out; several codes may share a label)."""
    out: Counter[Any] = Counter()
    for label, n in zip(labels, np.bincount(codes, minlength=len(labels)), strict=True):
        if n and label is not None:
            out[label] += int(n)
    return out


def _crosstab(
    a: tuple[np.ndarray, list[Any]], b: tuple[np.ndarray, list[Any]]
) -> Counter[tuple[Any, Any]]:
    """Occurrences of each (a label, b label) pair (pairs with a None left out)."""
    (a_codes, a_labels), (b_codes, b_labels) = a, b
    width = len(b_labels)
    counts = np.bincount(a_codes * width + b_codes, minlength=len(a_labels) * width)
    out: Counter[tuple[Any, Any]] = Counter()
    for flat in np.flatnonzero(counts):
        pair = (a_labels[flat // width], b_labels[flat % width])
        if None not in pair:
            out[pair] += int(counts[flat])
    return out


def _text_counts(texts: pa.ChunkedArray) -> Counter[str]:
    """Claims per normalised text (each distinct raw text normalised once)."""
    codes, raw = _codes(texts)
    keys = normalised(pa.array(raw, pa.string())).to_pylist()
    out: Counter[str] = Counter()
    for key, n in zip(keys, np.bincount(codes, minlength=len(raw)), strict=True):
        if key is not None and n:
            out[key] += int(n)
    return out


def _attribute(claims: pa.Table, name: str) -> pa.Array:
    reporter = pc.equal(claims.column("voice"), Voice.REPORTER.value)
    return pc.if_else(reporter, REPORTER, pc.fill_null(claims.column(name), NOT_GIVEN))


def _example(batch: Batch, i: int) -> dict[str, Any]:
    """One claim and its row's fields, as the page shows an example."""
    claim = {name: batch.claims.column(name)[i].as_py() for name in batch.claims.column_names}
    row = {name: batch.rows.column(name)[claim["row"]].as_py() for name in batch.rows.column_names}
    return {**claim, **row, "where": batch.where(claim["row"])}
