"""``attribution-deps``: attribution records from the pretrained dependency parse, by rules.

No tagger: each record comes straight from one cue token of the parse
(:func:`nkworkers.baselines.systems.attribution.triples.triples`), so nested records
(a source inside another record's content) and shared sources need no linking
step. What is learned, from the train documents only:

- the cue lemmas: the syntactic head of every gold CUE span (its lemma; the
  word itself for "according", "based", "reportedly"), kept when at least
  ``min_precision`` of its train occurrences head a cue; optionally the
  generic reporting verbs of :data:`~nkworkers.baselines.systems.common.features.REPORTING_WORDS`
  join them. The threshold and that option are chosen on validation record F1
  (the project's scorer);
- the attribute tables of
  :class:`~nkworkers.baselines.systems.attribution.linking.AttributeRules` (source
  anonymity and kind); quote type by
  :func:`~nkworkers.baselines.systems.attribution.linking.quote_type`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from nkworkers.baselines.evaluation import evaluate_rows
from nkworkers.baselines.systems.attribution.linking import (
    AttributeRules,
    AttributeRulesState,
    quote_type,
)
from nkworkers.baselines.systems.attribution.parse import parse
from nkworkers.baselines.systems.attribution.triples import (
    ADVERBIAL,
    PREPOSITIONAL,
    Triple,
    triples,
)
from nkworkers.baselines.systems.base import CorpusData, Row, Task
from nkworkers.baselines.systems.common.features import REPORTING_WORDS
from nkworkers.baselines.systems.common.sequences import Sentence, document_sentences, labelled
from nkworkers.baselines.systems.common.storage import write_json
from nkworkers.baselines.systems.safe.schema import Selected, State, Unique, read_state
from nkworkers.loaders.labels import Role
from nkworkers.loaders.text.iob import tags_to_token_spans

CUE_COLUMN = {Role.CUE.value: "cue_tags"}
# Cue words of fixed phrases, always in the lexicon: nothing in train needed.
FIXED = frozenset({"according", *ADVERBIAL})
# Verbs of knowing, perceiving and ordering (the cue classes beside saying in
# attribution corpora such as PARC), added to the writing-guide list of saying verbs.
MORE_VERBS = (
    "call demand expect fear highlight know learn mention order remind reveal signal urge verify"
)
GENERIC = frozenset({*REPORTING_WORDS.split(), *MORE_VERBS.split()})
THRESHOLDS = (0.05, 0.1, 0.2, 0.35, 0.5)
CUE_POS = frozenset({"VERB", "AUX", "ADJ", "ADV", "ADP"})


def cue_key(token: Any) -> str:
    """How a token is looked up in the cue lexicon: its lemma, or the word for fixed phrases."""
    lower = str(token.lower_)
    return lower if lower in PREPOSITIONAL or lower in ADVERBIAL else str(token.lemma_).lower()


def cue_head(doc: Any, a: int, b: int) -> Any:
    """The token of doc[a:b] whose head lies outside the range (the first one if several)."""
    inside = [t for t in doc[a:b] if not (a <= t.head.i < b) or t.head.i == t.i]
    return inside[0] if inside else doc[a]


def learn_cue_counts(
    sentences: list[Sentence], cue_tags: list[list[str]]
) -> tuple[Counter[str], Counter[str]]:
    """(times each key heads a gold cue, times it occurs as a verb/adjective/adverb/adposition)."""
    heads: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for doc, tags in zip(parse(sentences), cue_tags, strict=True):
        for a, b, _ in tags_to_token_spans(tags):
            heads[cue_key(cue_head(doc, a, b))] += 1
        for token in doc:
            if token.pos_ in CUE_POS:
                seen[cue_key(token)] += 1
    return heads, seen


def lexicon(
    heads: Counter[str], seen: Counter[str], threshold: float, generic: bool
) -> frozenset[str]:
    kept = {k for k, n in heads.items() if n / max(seen[k], n) >= threshold} | FIXED
    return frozenset(kept | GENERIC) if generic else frozenset(kept)


def _chars(sentence: Sentence, r: tuple[int, int]) -> tuple[int, int]:
    return sentence.tokens[r[0]].start, sentence.tokens[r[1] - 1].end


def deps_row(
    doc: Row, sentences: list[Sentence], found: list[tuple[int, Triple]], rules: AttributeRules
) -> Row:
    """A predictions row from (sentence index, triple) pairs; equal spans share one id."""
    text, doc_id = doc["text"], doc["doc_id"]
    ids: dict[tuple[int, int, str], str] = {}

    def span_id(start: int, end: int, role: str) -> str:
        return ids.setdefault((start, end, role), f"{doc_id}-D{len(ids) + 1}")

    records = []
    for i, triple in found:
        sentence = sentences[i]
        source = _chars(sentence, triple.source) if triple.source else None
        holder = sentences[i + 1] if triple.content_in_next else sentence
        contents = [_chars(holder, r) for r in triple.content]
        records.append(
            {
                "source": span_id(*source, Role.SOURCE.value) if source else None,
                "cue": span_id(*_chars(sentence, triple.cue), Role.CUE.value),
                "content": [span_id(a, b, Role.CONTENT.value) for a, b in contents],
                "quote_type": quote_type([text[a:b] for a, b in contents]),
                **rules.attributes(text[source[0] : source[1]] if source else None),
            }
        )
    spans = [
        {"id": span, "start": start, "end": end, "role": role}
        for (start, end, role), span in ids.items()
    ]
    return {"doc_id": doc_id, "attribution_spans": spans, "attributions": records}


class DepsAttribution:
    name = "attribution-deps"
    task: Task = "attribution"

    def __init__(self) -> None:
        self.cues: frozenset[str] = frozenset()
        self.rules = AttributeRules()
        self.selected: dict[str, Any] = {}

    def _learn(self, data: CorpusData) -> tuple[Any, Any]:
        """Cue counts and attribute rules from data.train."""
        train = labelled(data.train["attribution"], CUE_COLUMN)
        self.rules = AttributeRules.learn(data.train["documents"])
        return learn_cue_counts(train.sentences, train.tags[Role.CUE.value])

    def fit(self, data: CorpusData, *, seed: int = 0, device: str = "cpu") -> None:
        heads, seen = self._learn(data)
        gold = list(data.validation["documents"])
        bare = [{"doc_id": d["doc_id"], "text": d["text"]} for d in gold]
        best: tuple[float, float, bool] | None = None
        for generic in (False, True):
            for threshold in THRESHOLDS:
                self.cues = lexicon(heads, seen, threshold, generic)
                report = evaluate_rows(gold, self.predict(bare), bootstrap=0, seed=seed)
                value = float(report["attribution"]["records"]["f1"])
                if best is None or value > best[0] + 1e-12:
                    best = (value, threshold, generic)
        assert best is not None
        self.cues = lexicon(heads, seen, best[1], best[2])
        self.selected = {
            "min_precision": best[1],
            "generic_verbs": best[2],
            "validation_record_f1": best[0],
            "cues": len(self.cues),
        }

    def chosen_settings(self) -> dict[str, Any]:
        return {k: self.selected[k] for k in ("min_precision", "generic_verbs")}

    def fit_chosen(
        self, data: CorpusData, chosen: Mapping[str, Any], *, seed: int = 0, device: str = "cpu"
    ) -> None:
        """The lexicon at the chosen cut-off, learnt from data.train; no validation."""
        heads, seen = self._learn(data)
        threshold, generic = float(chosen["min_precision"]), bool(chosen["generic_verbs"])
        self.cues = lexicon(heads, seen, threshold, generic)
        self.selected = {"min_precision": threshold, "generic_verbs": generic}
        self.selected["cues"] = len(self.cues)

    def predict(self, documents: list[Row]) -> list[Row]:
        return [self._predict_one(doc) for doc in documents]

    def _predict_one(self, doc: Row) -> Row:
        sentences = document_sentences(doc["doc_id"], doc["text"])
        docs = parse(sentences)
        found: list[tuple[int, Triple]] = []
        for i, parsed in enumerate(docs):
            after = docs[i + 1] if i + 1 < len(docs) else None
            found += [(i, t) for t in triples(parsed, self.cues, after)]
        return deps_row(doc, sentences, found, self.rules)

    def save(self, directory: Path) -> dict[str, Any]:
        state = {"cues": sorted(self.cues), "attribute_rules": self.rules.to_json()}
        write_json(directory, "deps.json", {**state, "selected": self.selected})
        return dict(self.selected)

    def load(self, directory: Path) -> None:
        state = read_state(directory, "deps.json", DepsState)
        self.cues = frozenset(state.cues)
        self.rules = AttributeRules.from_json(state.attribute_rules.model_dump())
        self.selected = dict(state.selected)


class DepsState(State):
    """deps.json: the cue lemmas learned from train, the attribute tables, the settings."""

    cues: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Unique]
    attribute_rules: AttributeRulesState
    selected: Selected
