"""The control-measure baselines, by name (merged into registry.SYSTEMS)."""

from __future__ import annotations

from collections.abc import Callable

from baselines.systems.base import System
from baselines.systems.control_lexicon import KeywordLexicon
from baselines.systems.control_minilm import MiniLMMultiLabel
from baselines.systems.control_setfit import SetFitOneVsRest
from baselines.systems.control_similarity import DescriptionSimilarity
from baselines.systems.control_tfidf import TfidfLogReg
from baselines.systems.control_twostage import TwoStage

SYSTEMS: dict[str, Callable[[], System]] = {
    KeywordLexicon.name: KeywordLexicon,
    TfidfLogReg.name: TfidfLogReg,
    SetFitOneVsRest.name: SetFitOneVsRest,
    DescriptionSimilarity.name: DescriptionSimilarity,
    MiniLMMultiLabel.name: MiniLMMultiLabel,
    TwoStage.name: TwoStage,
}
