"""Attribution baselines: rules, CRF, token logistic regression, fine-tuned MiniLM.

Roles overlap (a source sits inside another record's content), so each
system tags the ``attribution`` config's three IOB2 sequences, one per role
(SOURCE, CUE, CONTENT from :class:`loaders.labels.Role`), and chooses its
settings by the mean over roles of the span overlap F1 on validation.
Records come from the predicted spans by the linking rule of
:mod:`baselines.systems.linking`, whose attribute tables are learned from the
train documents only.
"""

from __future__ import annotations

from collections.abc import Callable

from baselines.systems.attribution_deps_rules import DepsAttribution
from baselines.systems.attribution_rules import RulesTagger
from baselines.systems.base import CorpusData, Row, System, Task
from baselines.systems.features import attribution_features
from baselines.systems.linking import AttributeRules, link, place
from baselines.systems.minilm import MiniLMTagger
from baselines.systems.sequences import Labelled, Sentence, chunk_f1
from baselines.systems.taggers import CrfTagger, LayerTags, Tagger, TokenLRTagger
from baselines.systems.tagging import CharSpans, TaggingSystem
from loaders.labels import Role

COLUMNS = {role.value: f"{role.value.lower()}_tags" for role in Role}


class AttributionSystem(TaggingSystem):
    task: Task = "attribution"
    config = "attribution"
    columns = COLUMNS

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


def _factory(name: str, tagger: Callable[[], Tagger]) -> Callable[[], System]:
    return lambda: AttributionSystem(name, tagger())


def _crf_deps() -> System:
    # Imported here: attribution_crf_deps builds on AttributionSystem above.
    from baselines.systems.attribution_crf_deps import CrfDepsAttribution

    return CrfDepsAttribution()


SYSTEMS: dict[str, Callable[[], System]] = {
    "attribution-rules": _factory("attribution-rules", RulesTagger),
    "attribution-crf": _factory("attribution-crf", lambda: CrfTagger(attribution_features)),
    "attribution-tokenlr": _factory(
        "attribution-tokenlr", lambda: TokenLRTagger(attribution_features)
    ),
    "attribution-minilm": _factory("attribution-minilm", MiniLMTagger),
    DepsAttribution.name: DepsAttribution,
    "attribution-crf-deps": _crf_deps,
}
