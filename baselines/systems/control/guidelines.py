"""More description sentences per category, paraphrased from annotations/GUIDELINES.md.

Written from each category's **Definition**, **Covers** and **Not** lines of
the control-measures guidelines, in the plain words a news report would use,
never from its corpus examples (those quote the gold spans of the five
articles, and a held-out article's spans must not reach training). They join
:data:`~nkworkers.baselines.systems.control.descriptions.DESCRIPTIONS` as labelled
examples for the few-shot systems: zero-shot evidence for a category with no
train sentence in a fold, more varied phrasing for the others.
"""

from __future__ import annotations

from nkworkers.baselines.systems.control.descriptions import DESCRIPTIONS
from nkworkers.loaders.labels import ControlCategory

GUIDELINE_DESCRIPTIONS: dict[ControlCategory, tuple[str, ...]] = {
    ControlCategory.SURVEILLANCE: (
        "The workers are watched by security staff and reported on to their superiors.",
        "Members of each work group keep each other under mutual surveillance.",
        "Managers were ordered to report on the workers' complaints and suspicious movements.",
        "Surveillance of the laborers has been tightened.",
        "There are cameras watching the workers' living quarters.",
    ),
    ControlCategory.MOVEMENT_RESTRICTION: (
        "The workers are kept physically confined to their dormitory or work site.",
        "Laborers may not leave the compound alone and walls keep them inside.",
        "The workers are forbidden from living anywhere outside their assigned housing.",
        "Guards are posted so that no worker can get out and flee.",
    ),
    ControlCategory.COMMUNICATION_RESTRICTION: (
        "The workers are cut off from outside people and from outside information.",
        "Laborers are banned from contacting South Koreans or the local population.",
        "Workers may not own mobile phones or go online, or may use them only for work.",
        "The authorities took away the laborers' phones.",
        "Accessing foreign news or banned information is forbidden to the workers.",
    ),
    ControlCategory.DOCUMENT_CONFISCATION: (
        "The workers' passports are taken from them and held by the company.",
        "Managers confiscate the laborers' identity papers.",
        "The workers do not keep their own travel documents or ID cards.",
    ),
    ControlCategory.FINANCIAL_EXTRACTION: (
        "The state takes most of the money the workers earn abroad.",
        "Each worker must pay a fixed loyalty fund or party fund quota to the regime every month.",
        "The authorities raised the amount of money every laborer has to send back home.",
        "Workers must remit a set sum in foreign currency to the government.",
        "Part of the laborers' wages is kept by the state as contributions.",
    ),
    ControlCategory.LABOR_ORGANIZATION: (
        "Group work under a supervisor is compulsory for the workers.",
        "Laborers are not allowed to take side jobs or to work on their own.",
        "Workers may only work at the sites named in their contracts.",
        "Supervisors who miss their quota are dismissed and their teams broken up.",
        "New business rules set how the work teams are organized.",
    ),
    ControlCategory.DEPLOYMENT_CONTROL: (
        "The state decides which workers are sent abroad and where they go.",
        "The government dispatched more laborers to work in Russia.",
        "Rotations were halted and the workers' stay abroad was extended.",
        "Workers were sent abroad on student or tourist visas instead of work visas.",
        "Workers who had served for years abroad were brought back home.",
    ),
    ControlCategory.IDEOLOGICAL_CONTROL: (
        "The workers' political loyalty is screened before they are sent.",
        "Laborers must attend ideological training sessions and political lectures.",
        "The workers are exhorted to stay loyal to the leader and the party.",
    ),
    ControlCategory.COERCION: (
        "Workers who disobey are threatened with punishment.",
        "Those who try to escape are beaten, arrested or forcibly sent home.",
        "The workers' families back home are put at risk if they break the rules.",
        "Security agents hurt would-be defectors before repatriating them.",
        "Workers caught breaking the rules lose their earnings and are sent back.",
    ),
    ControlCategory.HOST_STATE_COOPERATION: (
        "The host country's police arrest runaway workers and hand them over.",
        "Local authorities detain and deport people who hide escaped workers.",
        "The host state's security services cooperate with the sending state to stop escapes.",
    ),
}


def all_descriptions(category: ControlCategory) -> tuple[str, ...]:
    """The original descriptions followed by the guideline paraphrases."""
    return DESCRIPTIONS[category] + GUIDELINE_DESCRIPTIONS[category]
