"""One line per baseline system, readable without importing any of them.

The command line's helps (``predict --system``, ``benchmark --baselines``) and
``nkworkers systems`` list the systems; importing the registry pulls in
torch, transformers and scikit-learn (seconds), which ``--help`` must not pay.
So the descriptions live here, in plain data; tests/test_systems_catalog.py
checks that every name of nkworkers.baselines.systems.registry.SYSTEMS is here with
its task, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Entry(NamedTuple):
    task: str  # entities | attribution | control_measures
    zero_shot: bool  # True: never trained on this corpus
    summary: str  # one line
    # The cost hint (see COST_SOURCE): seconds to fit on train, and articles
    # predicted per second, copied from results/leaderboard.json's timings of
    # the standard run (tests/test_systems_catalog.py keeps them equal); None
    # for a system the committed benchmark has not run yet.
    fit_s: float | None = None
    articles_per_s: float | None = None


COST_SOURCE = (
    "fit s: seconds to fit on train; articles/s: validation and test articles (2) predicted "
    "per second. Both from results/leaderboard.json's timings (`nkworkers benchmark --cv`, "
    "CPU, 2 cores shared with other work), not measured now."
)


CATALOG: dict[str, Entry] = {
    "entities-spacy-sm": Entry(
        "entities", True, "spaCy en_core_web_sm 3.8.0 (OntoNotes 5) as shipped, untuned", 0.5, 8.4
    ),
    "entities-spacy-ft": Entry(
        "entities", False, "en_core_web_sm's ner fine-tuned on train with rehearsal", 40.4, 6.5
    ),
    "entities-gazetteer": Entry(
        "entities", False, "longest match of train entity strings", 0.0, 172.9
    ),
    "entities-crf": Entry("entities", False, "CRF over token features", 2.0, 9.6),
    "entities-tokenlr": Entry(
        "entities", False, "token logistic regression, valid IOB2 decoding", 7.4, 6.8
    ),
    "entities-minilm": Entry(
        "entities", False, "bundled MiniLM fine-tuned as a token tagger", 230.3, 2.5
    ),
    "attribution-rules": Entry(
        "attribution", False, "cue lexicon from train, quotation marks, nearby NPs", 0.1, 6.3
    ),
    "attribution-crf": Entry("attribution", False, "CRF per role (source, cue, content)", 5.8, 7.7),
    "attribution-tokenlr": Entry(
        "attribution", False, "token logistic regression per role", 4.6, 9.9
    ),
    "attribution-minilm": Entry(
        "attribution", False, "bundled MiniLM, one tag head per role", 562.3, 3.2
    ),
    "attribution-deps": Entry(
        "attribution",
        False,
        "rules over en_core_web_sm's dependency parse (nsubj, ccomp)",
        2.3,
        11.0,
    ),
    "attribution-crf-deps": Entry(
        "attribution", False, "attribution CRF with features from the pretrained parse", 11.6, 4.2
    ),
    "attribution-textacy": Entry(
        "attribution",
        True,
        "textacy 0.13.0's direct quotations over en_core_web_sm, untuned",
        3.3,
        8.0,
    ),
    "control-lexicon": Entry(
        "control_measures", False, "keywords per category learned from train spans", 0.2, 8.7
    ),
    "control-tfidf-lr": Entry(
        "control_measures", False, "TF-IDF n-grams, one-vs-rest logistic regression", 5.8, 15.8
    ),
    "control-setfit": Entry(
        "control_measures", False, "SetFit one-vs-rest on MiniLM, few-shot", 14.8, 3.9
    ),
    "control-similarity": Entry(
        "control_measures", False, "cosine to category descriptions and train prototypes", 4.4, 1.8
    ),
    "control-minilm": Entry(
        "control_measures", False, "bundled MiniLM fine-tuned, multi-label sentences", 348.3, 3.4
    ),
    "control-twostage": Entry(
        "control_measures",
        False,
        "MiniLM sentence detector, then nearest clause prototype",
        1.3,
        4.1,
    ),
}


HEADER = ("system", "task", "training", "fit s", "articles/s", "summary")


def _columns(cells: tuple[str, ...]) -> str:
    """Cells padded to the catalog's widest; the numbers right-aligned, the summary left bare."""
    widths = (
        max(map(len, CATALOG)),
        max(len(e.task) for e in CATALOG.values()),
        len("zero-shot"),
        len(HEADER[3]),
        len(HEADER[4]),
    )
    name, task, kind, fit, rate, summary = cells
    return (
        f"{name:<{widths[0]}}  {task:<{widths[1]}}  {kind:<{widths[2]}}  "
        f"{fit:>{widths[3]}}  {rate:>{widths[4]}}  {summary}"
    )


def header() -> str:
    """The column names, aligned with :func:`line`."""
    return _columns(HEADER)


def line(name: str) -> str:
    """``name  task  zero-shot|trained  fit-s  articles/s  summary``, aligned with :func:`header`.

    A name missing here still gets a line.
    """
    entry = CATALOG.get(name)
    if entry is None:
        return f"{name}  (no line in baselines/systems/catalog.py)"
    kind = "zero-shot" if entry.zero_shot else "trained"
    cost = tuple("-" if x is None else f"{x:.1f}" for x in (entry.fit_s, entry.articles_per_s))
    return _columns((name, entry.task, kind, *cost, entry.summary))


def unknown_system(name: str, known: Iterable[str] = CATALOG) -> str | None:
    """Why ``name`` is not among ``known`` (choices listed), or None.

    ``known`` defaults to the catalog: no registry import.
    """
    names = sorted(known)
    if name in names:
        return None
    return f"unknown system {name!r}; choose one of {', '.join(names)}"


def help_list() -> str:
    """The systems for a --help text: one per line."""
    return "\n".join(f"{name} ({e.task}): {e.summary}" for name, e in CATALOG.items())
