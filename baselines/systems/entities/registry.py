"""Entity baselines: spaCy's pretrained pipeline (as shipped, fine-tuned), and our taggers.

``entities-spacy-sm`` is the zero-shot reference (spacy_reference.py) and
``entities-spacy-ft`` its fine-tuned form (spacy_finetune.py); both work on
the article text directly. The gazetteer, CRF, token logistic regression and
fine-tuned MiniLM tag the ``entities`` config's IOB2 sequence (18 OntoNotes types,
names from :class:`nkworkers.loaders.labels.EntityType` through the ClassLabel) and
choose their settings by strict span F1 on validation.
"""

from __future__ import annotations

from collections.abc import Callable

from nkworkers.baselines.systems.base import Row, System, Task
from nkworkers.baselines.systems.common.features import entity_features
from nkworkers.baselines.systems.common.gazetteer import GazetteerTagger
from nkworkers.baselines.systems.common.minilm import MiniLMTagger
from nkworkers.baselines.systems.common.sequences import Sentence, chunk_f1
from nkworkers.baselines.systems.common.taggers import CrfTagger, LayerTags, Tagger, TokenLRTagger
from nkworkers.baselines.systems.common.token_system import CharSpans, TaggingSystem, iob2_tags
from nkworkers.baselines.systems.entities.spacy_finetune import SpacyFineTuned
from nkworkers.baselines.systems.entities.spacy_reference import SpacyReference
from nkworkers.loaders.labels import EntityType

LAYER = "ner"


class EntitySystem(TaggingSystem):
    task: Task = "entities"
    config = "entities"
    columns = {LAYER: "ner_tags"}  # noqa: RUF012 (read-only class constant)
    tags = {LAYER: iob2_tags(EntityType)}  # noqa: RUF012

    def score(self, gold: LayerTags, predicted: LayerTags) -> float:
        return chunk_f1(gold[LAYER], predicted[LAYER])

    def to_row(self, doc: Row, sentences: list[Sentence], spans: CharSpans) -> Row:
        entities = [{"start": s, "end": e, "label": label} for s, e, label in spans[LAYER]]
        return {"doc_id": doc["doc_id"], "entities": entities}


def _factory(name: str, tagger: Callable[[], Tagger]) -> Callable[[], System]:
    return lambda: EntitySystem(name, tagger())


SYSTEMS: dict[str, Callable[[], System]] = {
    SpacyReference.name: SpacyReference,
    SpacyFineTuned.name: SpacyFineTuned,
    "entities-gazetteer": _factory("entities-gazetteer", GazetteerTagger),
    "entities-crf": _factory("entities-crf", lambda: CrfTagger(entity_features)),
    "entities-tokenlr": _factory("entities-tokenlr", lambda: TokenLRTagger(entity_features)),
    "entities-minilm": _factory("entities-minilm", MiniLMTagger),
}
