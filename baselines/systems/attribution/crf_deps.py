"""``attribution-crf-deps``: the attribution CRF with features from the pretrained parse.

:func:`dependency_features` adds, to
:func:`~nkworkers.baselines.systems.common.features.attribution_features`, what
the parse of :mod:`nkworkers.baselines.systems.attribution.parse` says about
each token (parse token i is sentence token i):

- its coarse and fine part of speech, dependency label, lemma, and its head's
  lemma, label and part of speech; the label pair (own, head's);
- whether its lemma, or its head's, is a reporting verb (the hand-written
  :data:`~nkworkers.baselines.systems.common.features.REPORTING` list, stemmed);
- its path to the nearest reporting-verb ancestor, as the label of the child
  of that verb the token hangs under (``nsubj`` -> a source, ``ccomp`` /
  ``xcomp`` -> a content, ``dobj`` -> the addressee of "told"), or ``none``;
- whether it lies in the object of "according to";
- its depth in the tree (bucketed).

Records: the CRF's spans are linked by :mod:`nkworkers.baselines.systems.attribution.linking`, or
(a choice made on validation record F1, ``records``) each predicted CUE is
handed to the parse rules of :func:`~nkworkers.baselines.systems.attribution.triples.triple_at`
at its head token, which read its source and content off the tree; cues the
rules find nothing for are linked as before. Everything else (the tagger,
attribute tables, save/load) is the ordinary
:class:`~nkworkers.baselines.systems.attribution.system.AttributionSystem`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from nkworkers.baselines.evaluation import evaluate_rows
from nkworkers.baselines.systems.attribution.deps import cue_head, deps_row
from nkworkers.baselines.systems.attribution.linking import link, place
from nkworkers.baselines.systems.attribution.parse import parse
from nkworkers.baselines.systems.attribution.system import AttributionSystem
from nkworkers.baselines.systems.attribution.triples import Triple, triple_at
from nkworkers.baselines.systems.base import CorpusData, Row
from nkworkers.baselines.systems.common.features import (
    REPORTING,
    Features,
    attribution_features,
    stem,
)
from nkworkers.baselines.systems.common.sequences import Labelled, Sentence
from nkworkers.baselines.systems.common.taggers import CrfTagger
from nkworkers.baselines.systems.common.token_system import CharSpans
from nkworkers.loaders.labels import Role

CUE = Role.CUE.value

MAX_DEPTH = 4


def _reporting(token: Any) -> bool:
    return stem(str(token.lemma_)) in REPORTING or stem(str(token.text)) in REPORTING


def _under_reporting(token: Any) -> str:
    """The label of the child of the nearest reporting-verb ancestor that holds token."""
    child = token
    for ancestor in token.ancestors:
        if _reporting(ancestor) and ancestor.pos_ in ("VERB", "AUX", "ADJ"):
            return str(child.dep_)
        child = ancestor
    return "none"


def _according(doc: Any) -> set[int]:
    """Indices of the tokens in the object of 'according to'."""
    out: set[int] = set()
    for token in doc:
        if token.lower_ == "to" and token.i > 0 and doc[token.i - 1].lower_ == "according":
            for child in token.children:
                out.update(range(child.left_edge.i, child.right_edge.i + 1))
    return out


def token_features(doc: Any) -> list[Features]:
    """The parse features of each token of one parsed sentence."""
    according = _according(doc)
    out: list[Features] = []
    for token in doc:
        head = token.head
        depth = sum(1 for _ in token.ancestors)
        out.append(
            {
                "pos": str(token.pos_),
                "tag": str(token.tag_),
                "dep": str(token.dep_),
                "lemma": str(token.lemma_).lower(),
                "head_lemma": str(head.lemma_).lower(),
                "head_dep": str(head.dep_),
                "head_pos": str(head.pos_),
                "dep|head_dep": f"{token.dep_}|{head.dep_}",
                "reporting_lemma": float(_reporting(token)),
                "head_reporting": float(_reporting(head) and head.i != token.i),
                "under_reporting": _under_reporting(token),
                "according_object": float(token.i in according),
                "depth": str(min(depth, MAX_DEPTH)),
            }
        )
    return out


def dependency_features(sentence: Sentence) -> list[Features]:
    """attribution_features of each token, plus the features of its parse."""
    (doc,) = parse([sentence])
    return [
        {**base, **extra}
        for base, extra in zip(attribution_features(sentence), token_features(doc), strict=True)
    ]


@dataclass
class RecordMode:
    """How records are made from the tagged spans: "link" or "parse" (chosen on validation)."""

    how: str = "parse"

    def to_json(self) -> str:
        return self.how

    @classmethod
    def from_json(cls, value: Any) -> RecordMode:
        if value not in ("link", "parse"):
            raise ValueError(f"record mode must be 'link' or 'parse', not {value!r}")
        return cls(str(value))


def _token_range(sentence: Sentence, start: int, end: int) -> tuple[int, int]:
    inside = [k for k, t in enumerate(sentence.tokens) if t.start < end and start < t.end]
    return inside[0], inside[-1] + 1


def _sentence_of(sentences: list[Sentence], start: int) -> int:
    return next(i for i, s in enumerate(sentences) if s.start <= start < s.end + 1)


class CrfDepsAttribution(AttributionSystem):
    def __init__(self, name: str = "attribution-crf-deps", *, max_iterations: int = 100) -> None:
        super().__init__(name, CrfTagger(dependency_features, max_iterations=max_iterations))
        self.records = RecordMode()

    def after_fit(self, data: CorpusData, train: Labelled) -> None:
        super().after_fit(data, train)
        gold = list(data.validation["documents"])
        bare = [{"doc_id": d["doc_id"], "text": d["text"]} for d in gold]
        scores = {}
        for how in ("link", "parse"):
            self.records = RecordMode(how)
            report = evaluate_rows(gold, self.predict(bare), bootstrap=0, seed=0)
            scores[how] = float(report["attribution"]["records"]["f1"])
        self.records = RecordMode(max(scores, key=lambda k: (scores[k], k == "link")))
        self.tagger.selected["records"] = self.records.how
        self.tagger.selected["validation_record_f1"] = scores[self.records.how]

    def to_row(self, doc: Row, sentences: list[Sentence], spans: CharSpans) -> Row:
        if self.records.how == "link" or not sentences:
            return super().to_row(doc, sentences, spans)
        docs = parse(sentences)
        found: list[tuple[int, Triple]] = []
        unread = []
        for start, end, label in spans.get(CUE, []):
            i = _sentence_of(sentences, start)
            a, b = _token_range(sentences[i], start, end)
            after = docs[i + 1] if i + 1 < len(docs) else None
            triple = triple_at(docs[i], cue_head(docs[i], a, b), after)
            if triple is None:
                unread.append((start, end, label))
            else:
                found.append((i, replace(triple, cue=(a, b))))
        row = deps_row(doc, sentences, found, self.rules)
        placed = place(doc["doc_id"], sentences, {**spans, CUE: unread})
        linked = link(doc["text"], placed, self.rules)
        used = {r["cue"] for r in linked} | {r["source"] for r in linked}
        used |= {c for r in linked for c in r["content"]}
        row["attribution_spans"] += [
            {"id": p.id, "start": p.start, "end": p.end, "role": p.role}
            for p in placed
            if p.id in used
        ]
        row["attributions"] += linked
        return row
