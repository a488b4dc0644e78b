"""The shell of the tagging attribution systems: three role sequences, then records by linking.

Roles overlap (a source sits inside another record's content), so each
system tags the ``attribution`` config's three IOB2 sequences, one per role
(SOURCE, CUE, CONTENT from :class:`nkworkers.loaders.labels.Role`), and
chooses its settings by the mean over roles of the span overlap F1 on
validation. Records come from the predicted spans by the linking rule of
:mod:`nkworkers.baselines.systems.attribution.linking`, whose attribute tables
are learned from the train documents only.
"""

from __future__ import annotations

from nkworkers.baselines.systems.attribution.linking import AttributeRules, link, place
from nkworkers.baselines.systems.base import CorpusData, Row, Task
from nkworkers.baselines.systems.common.sequences import Labelled, Sentence, chunk_f1
from nkworkers.baselines.systems.common.taggers import LayerTags, Tagger
from nkworkers.baselines.systems.common.token_system import CharSpans, TaggingSystem, iob2_tags
from nkworkers.loaders.labels import Role

COLUMNS = {role.value: f"{role.value.lower()}_tags" for role in Role}
TAGS = {role.value: iob2_tags([role.value]) for role in Role}


class AttributionSystem(TaggingSystem):
    task: Task = "attribution"
    config = "attribution"
    columns = COLUMNS
    tags = TAGS

    def __init__(self, name: str, tagger: Tagger) -> None:
        super().__init__(name, tagger)
        self.rules = AttributeRules()

    def after_fit(self, data: CorpusData, train: Labelled) -> None:
        self.rules = AttributeRules.learn(data.train["documents"])

    def score(self, gold: LayerTags, predicted: LayerTags) -> float:
        values = [chunk_f1(gold[k], predicted[k], overlap=True) for k in self.columns]
        return sum(values) / len(values)

    def to_row(self, doc: Row, sentences: list[Sentence], spans: CharSpans) -> Row:
        placed = place(doc["doc_id"], sentences, spans)
        return {
            "doc_id": doc["doc_id"],
            "attribution_spans": [
                {"id": p.id, "start": p.start, "end": p.end, "role": p.role} for p in placed
            ],
            "attributions": link(doc["text"], placed, self.rules),
        }
