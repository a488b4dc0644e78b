"""Cue words of a control measure, written from the scheme in annotations/GUIDELINES.md.

Two kinds of cue, as regular expressions over lower-cased text:

- :data:`MEASURE_CUES`: what makes a sentence state a *measure* rather than
  mention the workers: the scheme's definition is "a measure applied to the
  workers", ordered, announced, implemented or threatened. So deontic and
  prohibitive modals ("must", "not allowed", "banned"), orders ("ordered
  to", "instructed"), coercive and confiscating verbs, and changes of a
  regime ("tightened", "raised", "halted", "extended").
- :data:`CATEGORY_CUES`: per category, the words of its **Definition** and
  **Covers** lines (and their plain synonyms), never the corpus examples
  that the guidelines quote: those are gold spans of the five articles.

:func:`category_counts` and :func:`measure_counts` turn texts into counts of
each; the parse adds :func:`parse_features` (who does what to whom), and
:func:`is_framing` finds the clause that only says who reported a measure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from nkworkers.baselines.systems.control.common import CATEGORIES
from nkworkers.loaders.labels import ControlCategory

C = ControlCategory

MEASURE_CUES: dict[str, str] = {
    "deontic": r"\b(?:must|have to|has to|had to|required to|obliged to|obligatory|mandatory"
    r"|compulsory|only allowed|may only|can only|only be)\b",
    "prohibition": r"\b(?:ban(?:s|ned|ning)?|prohibit\w*|forbid\w*|forbidden|not allowed"
    r"|no longer allowed|not permitted|cannot|can't|may not|barred|restrict\w*)\b",
    "order": r"\b(?:order(?:s|ed|ing)?|instruct\w*|directive|decree\w*|call(?:ed|s)? for"
    r"|demand\w*|command\w*|rules?|regulations?|polic(?:y|ies)|measures?)\b",
    "coercion": r"\b(?:forc\w*|threat\w*|punish\w*|beat\w*|arrest\w*|detain\w*|confiscat\w*"
    r"|seiz\w*|take away|taken away|took away|deport\w*|repatriat\w*|sent back|send back"
    r"|hostages?|warn\w*|intimidat\w*|fear)\b",
    "change": r"\b(?:tighten\w*|rais(?:e|ed|es|ing)|increas\w*|strengthen\w*|intensif\w*"
    r"|halt\w*|suspend\w*|extend\w*|crack(?:ed|ing)? down|crackdown|reinforc\w*|stepp?ed up)\b",
    "dispatch": r"\b(?:dispatch\w*|deploy\w*|sen[dt]\w* (?:\w+ )?(?:abroad|overseas|home|to)"
    r"|rotation\w*|select\w*|screen\w*)\b",
    "future": r"\b(?:will be|would be|will have|would have|will face|if (?:they|a|any|the))\b",
}

CATEGORY_CUES: dict[ControlCategory, str] = {
    C.SURVEILLANCE: r"\b(?:surveil\w*|monitor\w*|watch\w*|cameras?|informants?|spy\w*|"
    r"report(?:s|ed|ing)? on|reports? (?:on|about)|tendenc\w*|inspect\w*|security (?:staff|agents?"
    r"|officials?|personnel)|keep an eye|suspicious)\b",
    C.MOVEMENT_RESTRICTION: r"\b(?:confin\w*|fenc\w*|dormitor\w*|go out|going out|leave the"
    r"|walls?|guards?|lock\w*|alone|outside (?:of )?(?:the|their|a) \w+|escape\w*|curfew"
    r"|freedom of movement|kept (?:in|inside))\b",
    C.COMMUNICATION_RESTRICTION: r"\b(?:phones?|cell ?phones?|mobile|smartphones?|internet"
    r"|online|contact\w*|communicat\w*|south koreans?|locals?|local (?:people|residents"
    r"|population)|information|news|talk(?:ing)? to|speak\w* (?:to|with)|outsiders?)\b",
    C.DOCUMENT_CONFISCATION: r"\b(?:passports?|papers|identity|identification|id cards?"
    r"|travel documents?|documents)\b",
    C.FINANCIAL_EXTRACTION: r"\b(?:loyalty funds?|party funds?|funds?|quotas?|wages?|earn\w*"
    r"|money|remit\w*|usd|rub|rubles?|roubles?|dollars?|\$|foreign (?:currency|cash)|pay\w*"
    r"|salar\w*|contributions?|profits?)",
    C.LABOR_ORGANIZATION: r"\b(?:groups?|teams?|side jobs?|work(?:ing)? alone|contracted"
    r"|construction sites?|sites?|supervisors?|business rules|assign\w*|reassign\w*"
    r"|disband\w*|organi[sz]\w*|removed from)\b",
    C.DEPLOYMENT_CONTROL: r"\b(?:rotations?|dispatch\w*|deploy\w*|sent|send\w*|visas?"
    r"|repatriat\w*|return\w* home|brought (?:back|home)|extend\w*|selected|selection"
    r"|abroad|overseas|stay)\b",
    C.IDEOLOGICAL_CONTROL: r"\b(?:ideolog\w*|lectures?|loyal\w*|political\w*|screen\w*"
    r"|study sessions?|self-criticism|exhort\w*|indoctrinat\w*|revolutionary)\b",
    C.COERCION: r"\b(?:threat\w*|punish\w*|beat\w*|violen\w*|arrest\w*|hostages?"
    r"|famil(?:y|ies)|relatives|fear|intimidat\w*|forc\w*|sent back|send back|repatriat\w*"
    r"|defect\w*|torture\w*|prison\w*|camps?|state security|consequences)\b",
    C.HOST_STATE_COOPERATION: r"\b(?:russian (?:police|authorities|law enforcement|officials"
    r"|government|intelligence)|police|law enforcement|deport\w*|detain\w*|arrest\w*"
    r"|cooperat\w*|intelligence agenc\w*|immigration|hand(?:ed)? (?:them )?over|runaways?"
    r"|escapees?)\b",
}

# Attribution framing: a short clause with a reporting verb ("the source said").
FRAMING = re.compile(r"\b(?:said|says|told|according to|reported|explained|added|noted|stated)\b")
FRAMING_WORDS = 7


def is_framing(clause: str) -> bool:
    """A clause that only reports who said it: a reporting verb in at most FRAMING_WORDS words."""
    return bool(FRAMING.search(clause.lower())) and len(clause.split()) <= FRAMING_WORDS


_MEASURE = {name: re.compile(pattern) for name, pattern in MEASURE_CUES.items()}
_CATEGORY = [re.compile(CATEGORY_CUES[C(name)]) for name in CATEGORIES]
MEASURE_NAMES: tuple[str, ...] = tuple(MEASURE_CUES)


def category_counts(texts: Sequence[str]) -> np.ndarray:
    """(n, categories) counts of each category's cue words in each text (capped at 3)."""
    out = np.zeros((len(texts), len(CATEGORIES)))
    for i, text in enumerate(texts):
        low = text.lower()
        out[i] = [min(len(p.findall(low)), 3) for p in _CATEGORY]
    return out


def measure_counts(texts: Sequence[str]) -> np.ndarray:
    """(n, len(MEASURE_NAMES)) counts of the measure cues in each text (capped at 3)."""
    out = np.zeros((len(texts), len(_MEASURE)))
    for i, text in enumerate(texts):
        low = text.lower()
        out[i] = [min(len(p.findall(low)), 3) for p in _MEASURE.values()]
    return out


# The parse: a measure is done to the workers (they are the patient) or required of them.
WORKERS = frozenset((
    "worker", "workers", "laborer", "laborers", "labourer", "labourers", "they", "them", "who",
    "those", "employee", "employees", "people", "man", "men", "individual", "individuals",
))  # fmt: skip
ORDER_LEMMAS = frozenset((
    "order", "instruct", "require", "force", "ban", "prohibit", "forbid", "restrict", "demand",
    "command", "tell", "urge", "call", "warn", "threaten", "compel", "oblige", "allow",
    "permit",
))  # fmt: skip
PARSE_NAMES: tuple[str, ...] = (
    "workers_patient",  # workers as passive subject or object of a verb
    "workers_agent",  # workers as active subject (they do, rather than undergo)
    "modal",  # must / cannot / may not / should on a verb
    "negated_permission",  # "not allowed", "no longer permitted"
    "order_verb",  # a verb of ordering with a clause or infinitive under it
    "passive",  # any passive verb
    "reported",  # a reporting verb at the root (said, told, according to)
)
_REPORTING = frozenset((
    "say", "tell", "report", "explain", "add", "note", "claim", "according",
))  # fmt: skip


def parse_features(doc: Any) -> np.ndarray:
    """(len(PARSE_NAMES),) 0/1 features of one parsed spaCy Doc (en_core_web_sm)."""
    found = dict.fromkeys(PARSE_NAMES, 0.0)
    for token in doc:
        lemma, dep = token.lemma_.lower(), token.dep_
        word = token.lower_
        if word in WORKERS or lemma in WORKERS:
            if dep in ("nsubjpass", "dobj", "pobj") and token.head.pos_ in ("VERB", "ADP"):
                found["workers_patient"] = 1.0
            elif dep == "nsubj" and token.head.pos_ == "VERB":
                found["workers_agent"] = 1.0
        if dep == "aux" and word in ("must", "cannot", "ca", "should", "may", "might"):
            found["modal"] = 1.0
        if lemma in ("allow", "permit") and any(c.dep_ == "neg" for c in token.children):
            found["negated_permission"] = 1.0
        if lemma in ORDER_LEMMAS and any(
            c.dep_ in ("ccomp", "xcomp", "dobj") for c in token.children
        ):
            found["order_verb"] = 1.0
        if dep in ("auxpass", "nsubjpass"):
            found["passive"] = 1.0
        if dep == "ROOT" and lemma in _REPORTING:
            found["reported"] = 1.0
    return np.asarray([found[n] for n in PARSE_NAMES])
