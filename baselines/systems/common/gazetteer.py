"""A gazetteer tagger learned from train only: longest match of known entity strings.

Every train entity becomes an entry (its token sequence, majority type). Tokens
with digits are generalised to their shape (``Mar. 19`` -> ``Mar. Xx. d``
becomes the pattern ``Mar. d``), so the gazetteer also holds simple learned
patterns for dates, money and numbers. An entry is kept only when, in train,
its token sequence is an entity at least ``min_precision`` of the times it
occurs; that threshold is chosen on validation. Matching is greedy, left to
right, longest first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from nkworkers.baselines.systems.common.features import shape
from nkworkers.baselines.systems.common.sequences import Labelled, Sentence, Tags
from nkworkers.baselines.systems.common.storage import write_json
from nkworkers.baselines.systems.common.taggers import LayerTags, Score
from nkworkers.baselines.systems.safe.schema import LayerName, Selected, State, Words, read_state
from nkworkers.loaders.text.iob import tags_to_token_spans

Key = tuple[str, ...]
#: [[token, ...], label] pairs as entries_json writes them; a label is a type ("PERSON").
Entries = list[tuple[Words, Annotated[str, Field(min_length=1, max_length=50)]]]


class GazetteerState(State):
    """gazetteer.json: the kept entries of each layer and the threshold chosen on validation."""

    entries: dict[LayerName, Entries]
    selected: Selected


def token_key(word: str) -> str:
    return f"<{shape(word)}>" if any(c.isdigit() for c in word) else word


def keys(sentence: Sentence, key: Callable[[str], str] = token_key) -> list[str]:
    return [key(w) for w in sentence.words]


def learn(
    train: Labelled, layer: str, key: Callable[[str], str] = token_key
) -> tuple[dict[Key, Counter[str]], Counter[Key]]:
    """Labels seen per key (a token run), and how often each key occurs at all."""
    labels: dict[Key, Counter[str]] = defaultdict(Counter)
    for sentence, tags in zip(train.sentences, train.tags[layer], strict=True):
        k = keys(sentence, key)
        for a, b, label in tags_to_token_spans(tags):
            labels[tuple(k[a:b])][label] += 1
    longest = max((len(run) for run in labels), default=0)
    occurrences: Counter[Key] = Counter()
    for sentence in train.sentences:
        k = keys(sentence, key)
        for n in range(1, longest + 1):
            for i in range(len(k) - n + 1):
                run = tuple(k[i : i + n])
                if run in labels:
                    occurrences[run] += 1
    return labels, occurrences


def tag(sentence: Sentence, entries: dict[Key, str], key: Callable[[str], str] = token_key) -> Tags:
    """Greedy longest match, left to right."""
    longest = max((len(k) for k in entries), default=0)
    k, tags, i = keys(sentence, key), ["O"] * len(sentence.tokens), 0
    while i < len(k):
        for n in range(min(longest, len(k) - i), 0, -1):
            label = entries.get(tuple(k[i : i + n]))
            if label is not None:
                tags[i : i + n] = [f"B-{label}"] + [f"I-{label}"] * (n - 1)
                i += n
                break
        else:
            i += 1
    return tags


class GazetteerTagger:
    THRESHOLDS = (0.2, 0.35, 0.5, 0.65, 0.8)

    def __init__(self) -> None:
        self.entries: dict[str, dict[Key, str]] = {}
        self.selected: dict[str, Any] = {}

    def fit(
        self, train: Labelled, validation: Labelled, score: Score, *, seed: int, device: str
    ) -> None:
        learned = {layer: learn(train, layer) for layer in train.tags}
        best: tuple[float, float] | None = None
        for threshold in self.THRESHOLDS:
            self.entries = {layer: keep(*lc, threshold) for layer, lc in learned.items()}
            value = score(validation.tags, self.predict(validation.sentences))
            if best is None or value > best[0]:
                best = (value, threshold)
        assert best is not None
        self.entries = {layer: keep(*lc, best[1]) for layer, lc in learned.items()}
        self.selected = {"min_precision": best[1], "validation_score": best[0]}

    def predict(self, sentences: list[Sentence]) -> LayerTags:
        out = {}
        for layer, entries in self.entries.items():
            out[layer] = [tag(s, entries) for s in sentences]
        return out

    def save(self, directory: Path) -> dict[str, Any]:
        entries = {layer: entries_json(e) for layer, e in self.entries.items()}
        write_json(directory, "gazetteer.json", {"entries": entries, "selected": self.selected})
        return {"selected": self.selected, "entries": sum(map(len, self.entries.values()))}

    def load(self, directory: Path) -> None:
        state = read_state(directory, "gazetteer.json", GazetteerState)
        self.entries = {layer: entries_from_json(e) for layer, e in state.entries.items()}
        self.selected = dict(state.selected)

    def tag_names(self) -> dict[str, set[str]]:
        return {layer: tag_set(e.values()) for layer, e in self.entries.items()}


def tag_set(labels: Iterable[str]) -> set[str]:
    """The IOB2 tags that matches of entries with these labels produce."""
    return {"O", *(f"{p}-{label}" for label in labels for p in ("B", "I"))}


def entries_json(entries: dict[Key, str]) -> list[list[Any]]:
    """[[tokens...], label] pairs, in insertion order (JSON has no tuple keys)."""
    return [[list(key), label] for key, label in entries.items()]


def entries_from_json(pairs: Entries) -> dict[Key, str]:
    return {tuple(key): str(label) for key, label in pairs}


def keep(
    labels: dict[Key, Counter[str]], occurrences: Counter[Key], threshold: float
) -> dict[Key, str]:
    kept = {}
    for key, counts in labels.items():
        label, _ = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if sum(counts.values()) / max(occurrences[key], 1) >= threshold:
            kept[key] = label
    return kept
