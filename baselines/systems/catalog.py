"""One line per baseline system, readable without importing any of them.

The command line's helps (``predict --system``, ``benchmark --baselines``) and
``nkworkers systems`` list the systems; importing the registry pulls in
torch, transformers and scikit-learn (seconds), which ``--help`` must not pay.
So the descriptions live here, in plain data; tests/test_systems_catalog.py
checks that every name of nkworkers.baselines.systems.registry.SYSTEMS is here with
its task, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    task: str  # entities | attribution | control_measures
    zero_shot: bool  # True: never trained on this corpus
    summary: str  # one line


CATALOG: dict[str, Entry] = {
    "entities-spacy-sm": Entry(
        "entities", True, "spaCy en_core_web_sm 3.8.0 (OntoNotes 5) as shipped, untuned"
    ),
    "entities-spacy-ft": Entry(
        "entities", False, "en_core_web_sm's ner fine-tuned on train with rehearsal"
    ),
    "entities-gazetteer": Entry("entities", False, "longest match of train entity strings"),
    "entities-crf": Entry("entities", False, "CRF over token features"),
    "entities-tokenlr": Entry("entities", False, "token logistic regression, valid IOB2 decoding"),
    "entities-minilm": Entry("entities", False, "bundled MiniLM fine-tuned as a token tagger"),
    "attribution-rules": Entry(
        "attribution", False, "cue lexicon from train, quotation marks, nearby NPs"
    ),
    "attribution-crf": Entry("attribution", False, "CRF per role (source, cue, content)"),
    "attribution-tokenlr": Entry("attribution", False, "token logistic regression per role"),
    "attribution-minilm": Entry("attribution", False, "bundled MiniLM, one tag head per role"),
    "attribution-deps": Entry(
        "attribution", False, "rules over en_core_web_sm's dependency parse (nsubj, ccomp)"
    ),
    "attribution-crf-deps": Entry(
        "attribution", False, "attribution CRF with features from the pretrained parse"
    ),
    "control-lexicon": Entry(
        "control_measures", False, "keywords per category learned from train spans"
    ),
    "control-tfidf-lr": Entry(
        "control_measures", False, "TF-IDF n-grams, one-vs-rest logistic regression"
    ),
    "control-setfit": Entry("control_measures", False, "SetFit one-vs-rest on MiniLM, few-shot"),
    "control-similarity": Entry(
        "control_measures", False, "cosine to category descriptions and train prototypes"
    ),
    "control-minilm": Entry(
        "control_measures", False, "bundled MiniLM fine-tuned, multi-label sentences"
    ),
    "control-twostage": Entry(
        "control_measures", False, "MiniLM sentence detector, then nearest clause prototype"
    ),
    "control-cascade": Entry(
        "control_measures", False, "detector on MiniLM, cue words and the parse; scheme cue words"
    ),
}


def line(name: str) -> str:
    """``name  task  zero-shot|trained  summary``, in columns as wide as the catalog's longest.

    A name missing here still gets a line.
    """
    width = max(map(len, CATALOG))
    entry = CATALOG.get(name)
    if entry is None:
        return f"{name:<{width}}  (no line in baselines/systems/catalog.py)"
    task_width = max(len(e.task) for e in CATALOG.values())
    kind = "zero-shot" if entry.zero_shot else "trained"
    return f"{name:<{width}}  {entry.task:<{task_width}}  {kind:<9}  {entry.summary}"


def help_list() -> str:
    """The systems for a --help text: one per line."""
    return "\n".join(f"{name} ({e.task}): {e.summary}" for name, e in CATALOG.items())
