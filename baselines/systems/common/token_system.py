"""The shared shell of a token-tagging system: read the configs, fit a tagger, decode spans.

A :class:`TaggingSystem` turns the rows of one sentence config into
:class:`Labelled` sentences (train and validation only: the test rows are
never read in ``fit``), hands them to a tagger with the task's selection
score, and at predict time segments each bare document exactly as the
configs were built and turns the predicted tags into character spans.
Subclasses say which config and columns they read (``columns``), how tags are
scored on validation (``score``) and how spans become a predictions row
(``to_row``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import ConfigDict

from nkworkers.baselines.systems.base import CorpusData, Row, Task
from nkworkers.baselines.systems.common.sequences import (
    Labelled,
    Sentence,
    char_spans,
    document_sentences,
    labelled,
)
from nkworkers.baselines.systems.common.storage import write_json
from nkworkers.baselines.systems.common.taggers import LayerTags, Tagger
from nkworkers.baselines.systems.safe.paths import FolderError
from nkworkers.baselines.systems.safe.schema import FIX, State, read_state

CharSpans = dict[str, list[tuple[int, int, str]]]  # layer -> (start, end, label)


@runtime_checkable
class JsonState(Protocol):
    """What a system learns beside its tagger (attribute tables, say), kept as JSON."""

    def to_json(self) -> Any: ...

    @classmethod
    def from_json(cls, value: Any) -> Any: ...


def iob2_tags(types: Iterable[str]) -> frozenset[str]:
    """ "O" and the B-/I- tag of each type: every tag a layer of these types can hold."""
    return frozenset({"O", *(f"{p}-{t}" for t in types for p in ("B", "I"))})


class StateJson(State):
    """state.json: each JsonState attribute's JSON, validated by that attribute's from_json."""

    model_config = ConfigDict(extra="allow")


class TaggingSystem:
    name: str
    task: Task
    config: ClassVar[str]
    columns: ClassVar[dict[str, str]]  # layer -> tag column of the config
    tags: ClassVar[dict[str, frozenset[str]]]  # layer -> the tags its column's ClassLabel holds

    def __init__(self, name: str, tagger: Tagger) -> None:
        self.name = name
        self.tagger = tagger

    @property
    def selected(self) -> dict[str, Any]:
        """The settings chosen on validation (for the leaderboard and the logs)."""
        return self.tagger.selected

    def fit(self, data: CorpusData, *, seed: int = 0, device: str = "cpu") -> None:
        train = labelled(data.train[self.config], self.columns)
        validation = labelled(data.validation[self.config], self.columns)
        self.tagger.fit(train, validation, self.score, seed=seed, device=device)
        self.after_fit(data, train)

    def after_fit(self, data: CorpusData, train: Labelled) -> None:
        """Hook for what a task learns beside the tagger (attribute rules, say)."""

    def score(self, gold: LayerTags, predicted: LayerTags) -> float:
        raise NotImplementedError

    def predict(self, documents: list[Row]) -> list[Row]:
        rows = []
        for doc in documents:
            sentences = document_sentences(doc["doc_id"], doc["text"])
            tags = self.tagger.predict(sentences) if sentences else {k: [] for k in self.columns}
            spans = layer_spans(sentences, tags)
            rows.append(self.to_row(doc, sentences, spans))
        return rows

    def to_row(self, doc: Row, sentences: list[Sentence], spans: CharSpans) -> Row:
        raise NotImplementedError

    def save(self, directory: Path) -> dict[str, Any]:
        """The tagger's files, plus state.json: every JsonState attribute (after_fit's)."""
        settings = self.tagger.save(directory)
        extra = {k: v.to_json() for k, v in sorted(vars(self).items()) if isinstance(v, JsonState)}
        write_json(directory, "state.json", extra)
        return {**settings, "state": sorted(extra)}

    def load(self, directory: Path) -> None:
        """The tagger's files, then state.json (FolderError: layers or tags train never writes)."""
        self.tagger.load(directory)
        found = self.tagger.tag_names()
        if set(found) != set(self.columns):
            raise FolderError(
                f"{directory}: the tagger's layers are {sorted(found)}, {self.name} tags "
                f"{sorted(self.columns)}; {FIX}"
            )
        for layer, names in sorted(found.items()):
            strange = sorted(names - self.tags[layer])
            if strange:
                raise FolderError(
                    f"{directory}: layer {layer} predicts {strange[0]!r}, not a tag of "
                    f"{self.config}'s {self.columns[layer]}; {FIX}"
                )
        path = directory / "state.json"
        extra = read_state(directory, "state.json", StateJson).model_extra or {}
        wanted = {k: v for k, v in vars(self).items() if isinstance(v, JsonState)}
        if set(extra) != set(wanted):
            raise FolderError(f"{path}: holds {sorted(extra)}, not {sorted(wanted)}; {FIX}")
        for key, value in wanted.items():
            try:
                setattr(self, key, type(value).from_json(extra[key]))
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise FolderError(f"{path}: {key}: {exc}; {FIX}") from None


def layer_spans(sentences: list[Sentence], tags: LayerTags) -> CharSpans:
    return {
        layer: [span for s, t in zip(sentences, seqs, strict=True) for span in char_spans(s, t)]
        for layer, seqs in tags.items()
    }
