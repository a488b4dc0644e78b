"""Category descriptions for zero-shot scoring, written from the annotation scheme's table.

Each category has a few short statements of what a measure of that kind says
about the workers, so that a sentence embedding can be compared with them
before any example of the category has been seen.
"""

from __future__ import annotations

from nkworkers.loaders.labels import ControlCategory

DESCRIPTIONS: dict[ControlCategory, tuple[str, ...]] = {
    ControlCategory.SURVEILLANCE: (
        "Workers are monitored and watched by security officials.",
        "Workers must watch each other and report on their colleagues' tendencies.",
        "Cameras and informants keep the workers under surveillance.",
    ),
    ControlCategory.MOVEMENT_RESTRICTION: (
        "Workers are confined to their dormitories or construction sites.",
        "Workers are not allowed to go out alone and fences keep them in.",
        "The workers' freedom of movement is restricted.",
    ),
    ControlCategory.COMMUNICATION_RESTRICTION: (
        "Workers are banned from contact with South Koreans or local people.",
        "Workers are forbidden to use mobile phones or the Internet.",
        "Their phones are confiscated so they cannot communicate with outsiders.",
    ),
    ControlCategory.DOCUMENT_CONFISCATION: (
        "The workers' passports are taken away by their managers.",
        "Identity papers of the workers are confiscated and kept by the company.",
    ),
    ControlCategory.FINANCIAL_EXTRACTION: (
        "Workers must pay loyalty funds or party funds to the state.",
        "Most of the workers' wages are taken as remittance quotas for the regime.",
        "Their earnings are confiscated to meet the foreign currency target.",
    ),
    ControlCategory.LABOR_ORGANIZATION: (
        "Workers are organised into fixed teams and may work only at the contracted sites.",
        "Workers are banned from taking side jobs.",
        "Workers who miss their quotas are removed or reassigned to other work.",
    ),
    ControlCategory.DEPLOYMENT_CONTROL: (
        "The rotation of workers is halted and their deployment abroad is extended.",
        "Only selected workers are sent home or dispatched to Russia.",
        "The state decides who is sent abroad and on which kind of visa.",
    ),
    ControlCategory.IDEOLOGICAL_CONTROL: (
        "Workers undergo ideological screening and political lectures.",
        "Workers are given ideological training and exhorted to stay loyal to the leader.",
    ),
    ControlCategory.COERCION: (
        "Workers are threatened with punishment if they disobey.",
        "Workers face violence or forced repatriation to North Korea.",
        "Relatives left in North Korea are held hostage to keep the workers from defecting.",
    ),
    ControlCategory.HOST_STATE_COOPERATION: (
        "Russian authorities detain, arrest or deport workers at Pyongyang's request.",
        "The host country's police cooperate with North Korean security to catch runaways.",
    ),
}
