"""Rule tagger for attribution roles: a learned cue lexicon, quotation marks, nearby NPs.

- CUE: the token runs tagged CUE in train ("said", "told RFA", "according
  to") and the first word of each multiword one ("told"), compared by the
  suffix-rule stem of :func:`~nkworkers.baselines.systems.common.features.stem` so inflections
  generalise ("says", "said", "saying" -> "say"), kept when they are a cue at
  least ``min_precision`` of the times they occur in train; optionally (a
  choice made on validation, as is the threshold) the generic reporting verbs
  of :data:`~nkworkers.baselines.systems.common.features.REPORTING` join as one-word cues.
  Greedy longest match.
- CONTENT: every quotation (an opening mark to its closing mark, marks
  included, at least three tokens). In a sentence with a cue and no
  quotation, the clause after the cue (a leading "that" or comma skipped) when
  it has three tokens or more, else the clause before the source.
- SOURCE, for each cue: after a cue ending in "to" ("according to"), the
  words up to the next punctuation; else a pronoun right before the cue; else
  the noun phrase before the cue (back to punctuation, a quote, a clause word
  or eight words); when nothing precedes the cue but a quote or comma
  ("..., said the source"), the words after it up to punctuation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from nkworkers.baselines.systems.common.features import QUOTES, REPORTING, inside_quotes, stem
from nkworkers.baselines.systems.common.gazetteer import (
    Entries,
    Key,
    entries_from_json,
    entries_json,
    keep,
    tag,
    tag_set,
)
from nkworkers.baselines.systems.common.sequences import Labelled, Sentence, Tags
from nkworkers.baselines.systems.common.storage import write_json
from nkworkers.baselines.systems.common.taggers import LayerTags, Score
from nkworkers.baselines.systems.safe.schema import Selected, State, read_state
from nkworkers.loaders.labels import Role
from nkworkers.loaders.text.iob import tags_to_token_spans

CUE, SOURCE, CONTENT = Role.CUE.value, Role.SOURCE.value, Role.CONTENT.value
PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you"})
CLAUSE_WORDS = frozenset({"that", "and", "but", "which", "who", "while", "as", "because"})
MAX_SOURCE = 8


def _stop(word: str) -> bool:
    return not any(c.isalnum() for c in word) or word.lower() in CLAUSE_WORDS


def _mark(tags: Tags, a: int, b: int, label: str) -> None:
    if b > a and all(t == "O" for t in tags[a:b]):
        tags[a:b] = [f"B-{label}"] + [f"I-{label}"] * (b - a - 1)


def quotations(words: list[str]) -> list[tuple[int, int]]:
    """Token ranges of quotations, marks included (at least three tokens)."""
    inside = inside_quotes(words)
    runs, start = [], None
    for i, flag in enumerate([*inside, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            end = i + 1 if i < len(words) and words[i] in QUOTES else i
            if end - start >= 3:
                runs.append((start, end))
            start = None
    return runs


def source_range(words: list[str], cue: tuple[int, int]) -> tuple[int, int] | None:
    a, b = cue
    if words[b - 1].lower() == "to":
        end = b
        while end < len(words) and not _stop(words[end]) and end - b < MAX_SOURCE:
            end += 1
        return (b, end) if end > b else None
    if a > 0 and words[a - 1].lower() in PRONOUNS:
        return (a - 1, a)
    start = a
    while start > 0 and not _stop(words[start - 1]) and a - start < MAX_SOURCE:
        start -= 1
    if start < a:
        return (start, a)
    end = b
    while end < len(words) and not _stop(words[end]) and end - b < MAX_SOURCE:
        end += 1
    return (b, end) if end > b else None


def content_range(
    words: list[str], cue: tuple[int, int], source: tuple[int, int] | None
) -> tuple[int, int] | None:
    last = len(words) - 1 if words and _stop(words[-1]) else len(words)
    after = max(cue[1], source[1] if source and source[0] >= cue[1] else cue[1])
    while after < last and (words[after].lower() == "that" or _stop(words[after])):
        after += 1
    if last - after >= 3:
        return (after, last)
    before = min(cue[0], source[0] if source else cue[0])
    while before > 0 and _stop(words[before - 1]):
        before -= 1
    return (0, before) if before >= 3 else None


def tag_sentence(sentence: Sentence, cue_tags: Tags) -> LayerTags:
    words = sentence.words
    source_tags, content_tags = ["O"] * len(words), ["O"] * len(words)
    quotes = quotations(words)
    for a, b in quotes:
        _mark(content_tags, a, b, CONTENT)
    for a, b, _ in tags_to_token_spans(cue_tags):
        source = source_range(words, (a, b))
        if source is not None:
            _mark(source_tags, *source, SOURCE)
        if not quotes:
            content = content_range(words, (a, b), source)
            if content is not None:
                _mark(content_tags, *content, CONTENT)
    return {CUE: [cue_tags], SOURCE: [source_tags], CONTENT: [content_tags]}


def learn_cues(train: Labelled) -> tuple[dict[Key, Counter[str]], Counter[Key]]:
    """Stemmed cue runs (and the heads of multiword ones), and how often each occurs."""
    labels: dict[Key, Counter[str]] = defaultdict(Counter)
    for sentence, tags in zip(train.sentences, train.tags[CUE], strict=True):
        k = [stem(w) for w in sentence.words]
        for a, b, label in tags_to_token_spans(tags):
            labels[tuple(k[a:b])][label] += 1
            if b - a > 1 and sentence.words[a][:1].isalpha():
                labels[(k[a],)][label] += 1
    longest = max((len(run) for run in labels), default=0)
    occurrences: Counter[Key] = Counter()
    for sentence in train.sentences:
        k = [stem(w) for w in sentence.words]
        for n in range(1, longest + 1):
            for i in range(len(k) - n + 1):
                if tuple(k[i : i + n]) in labels:
                    occurrences[tuple(k[i : i + n])] += 1
    return labels, occurrences


class RulesTagger:
    THRESHOLDS = (0.1, 0.2, 0.35, 0.5, 0.7)
    GENERIC = (False, True)

    def __init__(self) -> None:
        self.cues: dict[tuple[str, ...], str] = {}
        self.selected: dict[str, Any] = {}

    def fit(
        self, train: Labelled, validation: Labelled, score: Score, *, seed: int, device: str
    ) -> None:
        labels, occurrences = learn_cues(train)

        def lexicon(threshold: float, generic: bool) -> dict[Key, str]:
            cues = keep(labels, occurrences, threshold)
            if generic:
                cues = {**{(verb,): CUE for verb in REPORTING}, **cues}
            return cues

        best: tuple[float, float, bool] | None = None
        for generic in self.GENERIC:
            for threshold in self.THRESHOLDS:
                self.cues = lexicon(threshold, generic)
                value = score(validation.tags, self.predict(validation.sentences))
                if best is None or value > best[0]:
                    best = (value, threshold, generic)
        assert best is not None
        self.cues = lexicon(best[1], best[2])
        self.selected = {
            "min_precision": best[1],
            "generic_verbs": best[2],
            "validation_score": best[0],
            "cues": len(self.cues),
        }

    def predict(self, sentences: list[Sentence]) -> LayerTags:
        out: LayerTags = {CUE: [], SOURCE: [], CONTENT: []}
        for sentence in sentences:
            tagged = tag_sentence(sentence, tag(sentence, self.cues, stem))
            for layer, seqs in tagged.items():
                out[layer].extend(seqs)
        return out

    def save(self, directory: Path) -> dict[str, Any]:
        write_json(
            directory, "rules.json", {"cues": entries_json(self.cues), "selected": self.selected}
        )
        return {"selected": self.selected}

    def load(self, directory: Path) -> None:
        state = read_state(directory, "rules.json", RulesState)
        self.cues = entries_from_json(state.cues)
        self.selected = dict(state.selected)

    def tag_names(self) -> dict[str, set[str]]:
        return {
            CUE: tag_set(self.cues.values()),
            SOURCE: tag_set([SOURCE]),
            CONTENT: tag_set([CONTENT]),
        }


class RulesState(State):
    """rules.json: the cue lexicon (token sequences, label) and the settings chosen."""

    cues: Entries
    selected: Selected
