"""The control-measure baselines, by name (merged into registry.SYSTEMS)."""

from __future__ import annotations

from collections.abc import Callable

from nkworkers.baselines.systems.base import System
from nkworkers.baselines.systems.control.cascade import Cascade
from nkworkers.baselines.systems.control.lexicon import KeywordLexicon
from nkworkers.baselines.systems.control.minilm import MiniLMMultiLabel
from nkworkers.baselines.systems.control.setfit import SetFitOneVsRest
from nkworkers.baselines.systems.control.similarity import DescriptionSimilarity
from nkworkers.baselines.systems.control.tfidf import TfidfLogReg
from nkworkers.baselines.systems.control.twostage import TwoStage

SYSTEMS: dict[str, Callable[[], System]] = {
    KeywordLexicon.name: KeywordLexicon,
    TfidfLogReg.name: TfidfLogReg,
    SetFitOneVsRest.name: SetFitOneVsRest,
    DescriptionSimilarity.name: DescriptionSimilarity,
    MiniLMMultiLabel.name: MiniLMMultiLabel,
    TwoStage.name: TwoStage,
    Cascade.name: Cascade,
}
