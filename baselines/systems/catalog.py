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
from pathlib import Path
from typing import NamedTuple


class Entry(NamedTuple):
    task: str  # entities | attribution | control_measures
    zero_shot: bool  # True: never trained on this corpus
    summary: str  # one line


COST_SOURCE = (
    "fit s: seconds to fit on train; articles/s: validation and test articles predicted "
    "per second. Both read from the checkout's results/leaderboard.json (the timings of its "
    "standard run, CPU, as recorded there), not measured now; '-' where it has none."
)
Cost = tuple[float | None, float | None]  # (fit seconds, articles per second)
NO_COST: Cost = (None, None)


def costs(root: Path) -> dict[str, Cost]:
    """{system: (fit seconds, articles/s)} from root/results/leaderboard.json's standard run.

    Articles/s counts the validation and test articles of root's splits file.
    Empty when either file is missing or unreadable: the hint is optional.
    """
    import json

    try:
        board = json.loads((root / "results" / "leaderboard.json").read_text(encoding="utf-8"))
        splits = json.loads((root / "annotations" / "splits.json").read_text(encoding="utf-8"))
        predicted = len(splits["validation"]) + len(splits["test"])
        return {
            t["system"]: (float(t["fit_s"]), predicted / float(t["predict_s"]))
            for t in board["timings"]
            if t.get("mode") == "standard" and t.get("predict_s")
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


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
    "attribution-textacy": Entry(
        "attribution", True, "textacy 0.13.0's direct quotations over en_core_web_sm, untuned"
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


def line(name: str, cost: Cost = NO_COST) -> str:
    """``name  task  zero-shot|trained  fit-s  articles/s  summary``, aligned with :func:`header`.

    ``cost``: (fit seconds, articles/s), see :func:`costs`. A name missing here
    still gets a line.
    """
    entry = CATALOG.get(name)
    if entry is None:
        return f"{name}  (no line in baselines/systems/catalog.py)"
    kind = "zero-shot" if entry.zero_shot else "trained"
    shown = tuple("-" if x is None else f"{x:.1f}" for x in cost)
    return _columns((name, entry.task, kind, *shown, entry.summary))


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
