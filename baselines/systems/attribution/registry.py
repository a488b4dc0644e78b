"""The attribution baselines, by name (merged into systems.registry.SYSTEMS).

Rules, CRF, token logistic regression and fine-tuned MiniLM tag the three
role sequences (system.AttributionSystem); attribution-deps reads records
off the parse with no tagger; attribution-crf-deps combines the two;
attribution-textacy is textacy's direct quotations, zero-shot.
"""

from __future__ import annotations

from collections.abc import Callable

from nkworkers.baselines.systems.attribution.crf_deps import CrfDepsAttribution
from nkworkers.baselines.systems.attribution.deps import DepsAttribution
from nkworkers.baselines.systems.attribution.rules import RulesTagger
from nkworkers.baselines.systems.attribution.system import AttributionSystem
from nkworkers.baselines.systems.attribution.textacy_quotes import TextacyQuotations
from nkworkers.baselines.systems.base import System
from nkworkers.baselines.systems.common.features import attribution_features
from nkworkers.baselines.systems.common.minilm import MiniLMTagger
from nkworkers.baselines.systems.common.taggers import CrfTagger, Tagger, TokenLRTagger


def _factory(name: str, tagger: Callable[[], Tagger]) -> Callable[[], System]:
    return lambda: AttributionSystem(name, tagger())


SYSTEMS: dict[str, Callable[[], System]] = {
    "attribution-rules": _factory("attribution-rules", RulesTagger),
    "attribution-crf": _factory("attribution-crf", lambda: CrfTagger(attribution_features)),
    "attribution-tokenlr": _factory(
        "attribution-tokenlr", lambda: TokenLRTagger(attribution_features)
    ),
    "attribution-minilm": _factory("attribution-minilm", MiniLMTagger),
    DepsAttribution.name: DepsAttribution,
    "attribution-crf-deps": CrfDepsAttribution,
    TextacyQuotations.name: TextacyQuotations,
}
