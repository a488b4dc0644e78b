"""From predicted SOURCE/CUE/CONTENT spans to attribution records, by one fixed rule.

The linking rule (every attribution system uses it):

1. Each predicted CUE opens one record. A span belongs to the sentence its
   first character is in.
2. Source: the SOURCE span of the cue's sentence nearest to the cue (character
   gap; ties go to the earlier span); if that sentence has none, the last
   SOURCE of the previous sentence; else the record has no source.
3. Content: the CONTENT spans of the cue's sentence that do not overlap the
   cue or the chosen source. If there are none, the contents of the adjacent
   sentence that has no cue of its own, the next sentence first (a cue that
   introduces a quote), then the previous one (a quote followed by "he said").
4. Attributes:
   - quote_type: ``direct`` if every content starts with a quotation mark,
     ``mixed`` if some content holds one, else ``indirect``;
   - source_anonymity and source_kind: looked up, in this order, by the source
     text (lower-cased) and by its last word in tables learned from the train
     records (majority value); unseen sources fall back to ``named`` when a
     word after the first is capitalised, else ``anonymous``, and to the
     train majority kind. A record without a source is ``not_applicable`` and
     takes the majority kind of sourceless train records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import Field, ValidationError

from nkworkers.baselines.systems.common.features import QUOTES
from nkworkers.baselines.systems.common.sequences import Sentence
from nkworkers.baselines.systems.safe.schema import State, first_error, one_of
from nkworkers.loaders.labels import QuoteType, Role, SourceAnonymity, SourceKind

CharSpan = tuple[int, int, str]  # start, end (exclusive), label


@dataclass(frozen=True)
class Placed:
    id: str
    start: int
    end: int
    role: str
    sentence: int


def _counter_table() -> defaultdict[str, Counter[str]]:
    return defaultdict(Counter)


Count = Annotated[int, Field(ge=0)]
Anonymity = Annotated[str, one_of(*(a.value for a in SourceAnonymity))]
Kind = Annotated[str, one_of(*(k.value for k in SourceKind))]
How = Annotated[str, one_of("text", "head")]
Key = Annotated[str, Field(max_length=1000)]


class AttributeRulesState(State):
    """AttributeRules.to_json: counts of attribute values by source text and head word."""

    anonymity: dict[How, dict[Key, dict[Anonymity, Count]]]
    kind: dict[How, dict[Key, dict[Kind, Count]]]
    kind_default: dict[Kind, Count]
    kind_sourceless: dict[Kind, Count]


@dataclass
class AttributeRules:
    """Majority attribute values per source text and per source head word (train only)."""

    anonymity: dict[str, defaultdict[str, Counter[str]]] = field(default_factory=dict)
    kind: dict[str, defaultdict[str, Counter[str]]] = field(default_factory=dict)
    kind_default: Counter[str] = field(default_factory=Counter)
    kind_sourceless: Counter[str] = field(default_factory=Counter)

    @classmethod
    def learn(cls, documents: Iterable[Mapping[str, Any]]) -> AttributeRules:
        rules = cls(
            anonymity={"text": _counter_table(), "head": _counter_table()},
            kind={"text": _counter_table(), "head": _counter_table()},
        )
        for doc in documents:
            spans = {s["id"]: s for s in doc["attribution_spans"]}
            for record in doc["attributions"]:
                if record["source"] is None:
                    rules.kind_sourceless[record["source_kind"]] += 1
                    continue
                source = spans[record["source"]]["text"]
                rules.kind_default[record["source_kind"]] += 1
                for how, key in _keys(source).items():
                    rules.anonymity[how][key][record["source_anonymity"]] += 1
                    rules.kind[how][key][record["source_kind"]] += 1
        return rules

    def to_json(self) -> dict[str, Any]:
        """Counts as plain nested dicts (JSON), in a stable order."""

        def tables(t: dict[str, defaultdict[str, Counter[str]]]) -> dict[str, Any]:
            return {how: {k: dict(c) for k, c in sorted(t[how].items())} for how in sorted(t)}

        return {
            "anonymity": tables(self.anonymity),
            "kind": tables(self.kind),
            "kind_default": dict(self.kind_default),
            "kind_sourceless": dict(self.kind_sourceless),
        }

    @classmethod
    def from_json(cls, value: Any) -> AttributeRules:
        """What to_json wrote; ValueError (one line) for anything else (AttributeRulesState)."""
        try:
            state = AttributeRulesState.model_validate(value)
        except ValidationError as exc:
            raise ValueError(first_error(exc)) from None

        def tables(t: Mapping[str, Mapping[str, Mapping[str, int]]]) -> Any:
            out = {}
            for how, table in t.items():
                out[how] = _counter_table()
                out[how].update({k: Counter(c) for k, c in table.items()})
            return out

        return cls(
            anonymity=tables(state.anonymity),
            kind=tables(state.kind),
            kind_default=Counter(state.kind_default),
            kind_sourceless=Counter(state.kind_sourceless),
        )

    def attributes(self, source: str | None) -> dict[str, str | None]:
        if source is None:
            return {
                "source_anonymity": SourceAnonymity.NOT_APPLICABLE.value,
                "source_kind": _majority(self.kind_sourceless or self.kind_default),
            }
        return {
            "source_anonymity": self._lookup(self.anonymity, source) or _named_or_not(source),
            "source_kind": self._lookup(self.kind, source) or _majority(self.kind_default),
        }

    @staticmethod
    def _lookup(tables: dict[str, defaultdict[str, Counter[str]]], source: str) -> str | None:
        for how, key in _keys(source).items():
            if tables.get(how) and key in tables[how]:
                return _majority(tables[how][key])
        return None


def _keys(source: str) -> dict[str, str]:
    words = source.lower().split()
    return {"text": " ".join(words), "head": words[-1] if words else ""}


def _majority(counts: Counter[str]) -> str | None:
    if not counts:
        return None
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]


def _named_or_not(source: str) -> str:
    words = source.split()
    named = any(w[:1].isupper() for w in words[1:])
    return (SourceAnonymity.NAMED if named else SourceAnonymity.ANONYMOUS).value


def quote_type(contents: list[str]) -> str:
    if contents and all(c[:1] in QUOTES for c in contents):
        return QuoteType.DIRECT.value
    if any(ch in QUOTES for c in contents for ch in c if ch not in "’'"):
        return QuoteType.MIXED.value
    return QuoteType.INDIRECT.value


def place(
    doc_id: str, sentences: list[Sentence], spans: Mapping[str, list[CharSpan]]
) -> list[Placed]:
    """Give every span an id and the index of the sentence holding its first character."""
    placed, n = [], 0
    for role in (Role.SOURCE, Role.CUE, Role.CONTENT):
        for start, end, _ in spans.get(role.value, []):
            index = next(i for i, s in enumerate(sentences) if s.start <= start < s.end + 1)
            n += 1
            placed.append(Placed(f"{doc_id}-P{n}", start, end, role.value, index))
    return sorted(placed, key=lambda p: (p.start, p.end, p.role))


def _gap(a: Placed, b: Placed) -> int:
    return max(a.start - b.end, b.start - a.end, 0)


def _overlap(a: Placed, b: Placed) -> bool:
    return a.start < b.end and b.start < a.end


def link(text: str, placed: list[Placed], rules: AttributeRules) -> list[dict[str, Any]]:
    """Records (predictions format) over placed spans, by the rule in the module docstring."""
    by_role: dict[str, list[Placed]] = defaultdict(list)
    for p in placed:
        by_role[p.role].append(p)
    cue_sentences = {c.sentence for c in by_role[Role.CUE.value]}
    records = []
    for cue in by_role[Role.CUE.value]:
        source = _source(cue, by_role[Role.SOURCE.value])
        contents = _contents(cue, source, by_role[Role.CONTENT.value], cue_sentences)
        texts = [text[c.start : c.end] for c in contents]
        record = {
            "source": source.id if source else None,
            "cue": cue.id,
            "content": [c.id for c in contents],
            "quote_type": quote_type(texts),
            **rules.attributes(text[source.start : source.end] if source else None),
        }
        records.append(record)
    return records


def _source(cue: Placed, sources: list[Placed]) -> Placed | None:
    same = [s for s in sources if s.sentence == cue.sentence and not _overlap(s, cue)]
    if same:
        return min(same, key=lambda s: (_gap(s, cue), s.start))
    before = [s for s in sources if s.sentence == cue.sentence - 1]
    return before[-1] if before else None


def _contents(
    cue: Placed, source: Placed | None, contents: list[Placed], cue_sentences: set[int]
) -> list[Placed]:
    def free(c: Placed) -> bool:
        return not _overlap(c, cue) and (source is None or not _overlap(c, source))

    same = [c for c in contents if c.sentence == cue.sentence and free(c)]
    if same:
        return same
    for neighbour in (cue.sentence + 1, cue.sentence - 1):
        if neighbour in cue_sentences:
            continue
        near = [c for c in contents if c.sentence == neighbour]
        if near:
            return near
    return []
