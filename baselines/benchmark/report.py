"""Rendering the leaderboard, and saying plainly what five articles cannot teach.

coverage_notes() counts, per task, the labels each document holds and names
those a supervised system cannot learn: absent from train (standard run) or
found in one article only (leave-one-document-out: the one article that holds
it is then always the held-out one). markdown() renders leaderboard.json.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from nkworkers.baselines.systems.base import TASKS, CorpusData, Row
from nkworkers.baselines.systems.catalog import CATALOG
from nkworkers.loaders.labels import ControlCategory

_CATEGORY_ORDER = [c.value for c in ControlCategory]

LabelsOf = Callable[[Row], Iterable[str]]
LABELS_OF: dict[str, tuple[str, LabelsOf]] = {
    "entities": ("entity types", lambda d: (e["label"] for e in d["entities"])),
    "attribution": ("source kinds", lambda d: (a["source_kind"] for a in d["attributions"])),
    "control_measures": (
        "categories",
        lambda d: (label for m in d["control_measures"] for label in m["labels"]),
    ),
}


def _documents_by_label(data: CorpusData, labels_of: LabelsOf) -> dict[str, dict[str, set[str]]]:
    """label -> split -> doc_ids holding it."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for split in ("train", "validation", "test"):
        for doc in getattr(data, split)["documents"]:
            for label in labels_of(doc):
                if label:
                    out[label][split].add(doc["doc_id"])
    return out


def _notes_for(data: CorpusData, task: str, cv: bool) -> list[str]:
    what, labels_of = LABELS_OF[task]
    held = _documents_by_label(data, labels_of)
    notes = []
    if cv:
        single = sorted(k for k, v in held.items() if len(set().union(*v.values())) == 1)
        if single:
            notes.append(
                f"{len(single)} of {len(held)} {what} occur in one article only and are "
                f"never in the training folds when that article is held out: {', '.join(single)}"
            )
        return notes
    unseen = sorted(k for k, v in held.items() if "test" in v and "train" not in v)
    if unseen:
        notes.append(
            f"{what} in test but absent from train (no supervised system can predict them): "
            + ", ".join(unseen)
        )
    no_val = sorted(k for k, v in held.items() if "train" in v and "validation" not in v)
    if no_val:
        notes.append(f"{what} absent from validation (no evidence to tune on): {', '.join(no_val)}")
    return notes


def coverage_notes(data: CorpusData, *, cv: bool) -> dict[str, Any]:
    n = {s: len(getattr(data, s)["documents"]) for s in ("train", "validation", "test")}
    total = sum(n.values())
    general = (
        f"{total} annotated articles (train {n['train']}, validation {n['validation']}, "
        f"test {n['test']}). With fewer than 10 documents the bootstrap resamples sentences, "
        "so intervals reflect sentence-level noise only, not the far larger variation between "
        "articles; every figure is an anecdote about a handful of articles."
    )
    # a --cv run also holds the standard run's test rows: both kinds of note apply
    modes = (False, True) if cv else (False,)
    return {
        "general": general,
        **{task: [n for m in modes for n in _notes_for(data, task, m)] for task in TASKS},
    }


HEADLINE: dict[str, tuple[str, str]] = {
    "entities": ("entities.strict.f1", "strict F1"),
    "attribution": ("attribution.records.f1", "record F1"),
    "control_measures": ("control_measures.sentences.micro.f1", "sentence micro F1"),
    "claims": ("claims.with_source.f1", "claim F1"),
}
# The systems' tasks, then the combined pipelines (nkworkers.baselines.benchmark.combine).
BOARD_TASKS: tuple[str, ...] = (*TASKS, "claims")
CLAIMS_NOTE = (
    "claims: the best attribution system (by leave-one-document-out mean) combined with the "
    "best control system, each article's attribution layers from one file and its control "
    "spans from the other (`<attribution>+<control>`), and with the gold control spans "
    "(`<attribution>+gold-control`, the ablation: does the attribution name the right "
    "source of a measure that is found). A claim is right when its category, control span "
    "(overlap) and source (both reporter, both unnamed, or overlapping source spans) agree"
)


def system_order(names: Iterable[str]) -> list[str]:
    """Zero-shot systems first, then the catalog's order, then any other name."""
    listed = list(CATALOG)
    rank = {name: (not entry.zero_shot, listed.index(name)) for name, entry in CATALOG.items()}
    return sorted(dict.fromkeys(names), key=lambda n: rank.get(n, (True, len(listed))))


def _cell(row: dict[str, Any]) -> str:
    if "std" in row:
        n, of = len(row.get("folds", [])), row.get("of_folds", len(row.get("folds", [])))
        return f"{row['value']:.3f} ± {row['std']:.3f}" + (
            f" ({n} of {of} folds)" if n < of else ""
        )
    if row["ci_low"] is None:
        return f"{row['value']:.3f}"
    return f"{row['value']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def claims_table(rows: list[dict[str, Any]]) -> list[str]:
    """One line per pipeline: claim F1 (LODO mean ± sd, pooled, test), then without source."""
    cells = {(r["system"], r["split"], r["metric"]): _cell(r) for r in rows}
    f1, loose = "claims.with_source.f1", "claims.without_source.f1"
    lines = [
        "| pipeline | claim F1, leave-one-document-out mean ± sd | claim F1, pooled [95% CI] "
        "| claim F1, test [95% CI] | F1 without the source, mean ± sd |",
        "|---|---:|---:|---:|---:|",
    ]
    columns = (("cv-mean", f1), ("cv-pooled", f1), ("test", f1), ("cv-mean", loose))
    for system in dict.fromkeys(r["system"] for r in rows):
        values = [cells.get((system, split, m), "–") for split, m in columns]
        lines.append(f"| {system} | " + " | ".join(values) + " |")
    return lines


def headline_table(rows: list[dict[str, Any]], task: str) -> list[str]:
    """One line per system: the leave-one-document-out mean ± sd first, then the test figure."""
    if task == "claims":
        return claims_table(rows)
    metric, what = HEADLINE[task]
    cells = {(r["system"], r["split"]): _cell(r) for r in rows if r["metric"] == metric}
    lines = [
        f"| system | training | {what}, leave-one-document-out mean ± sd | {what}, test [95% CI] |",
        "|---|---|---:|---:|",
    ]
    for system in system_order(r["system"] for r in rows):
        entry = CATALOG.get(system)
        kind = "zero-shot, no training on this corpus" if entry and entry.zero_shot else "trained"
        cv, test = cells.get((system, "cv-mean"), "–"), cells.get((system, "test"), "–")
        lines.append(f"| {system} | {kind} | {cv} | {test} |")
    return lines


PER_CATEGORY = ".per_category."


def _task_table(rows: list[dict[str, Any]]) -> list[str]:
    metrics = list(dict.fromkeys(r["metric"] for r in rows if PER_CATEGORY not in r["metric"]))
    order = system_order(r["system"] for r in rows)
    splits = ("cv-mean", "cv-pooled", "test", "validation")  # the headline figure first
    keys = sorted(
        dict.fromkeys((r["system"], r["split"]) for r in rows),
        key=lambda k: (order.index(k[0]), splits.index(k[1]) if k[1] in splits else len(splits)),
    )
    cells = {(r["system"], r["split"], r["metric"]): _cell(r) for r in rows}
    lines = [
        "| system | split | " + " | ".join(metrics) + " |",
        "|---|---|" + "---:|" * len(metrics),
    ]
    for system, split in keys:
        values = [cells.get((system, split, m), "") for m in metrics]
        lines.append(f"| {system} | {split} | " + " | ".join(values) + " |")
    return lines


def per_category_table(rows: list[dict[str, Any]], split: str = "cv-pooled") -> list[str]:
    """Control systems' sentence F1 / average precision per category on one split ("–": none).

    Empty when no row has a per-category figure on that split.
    """
    cells: dict[tuple[str, str], dict[str, float]] = {}
    for r in rows:
        if r["split"] == split and PER_CATEGORY in r["metric"]:
            *_, category, figure = r["metric"].split(".")
            cells.setdefault((r["system"], category), {})[figure] = r["value"]
    if not cells:
        return []
    present = {c for _, c in cells}
    categories = [c for c in _CATEGORY_ORDER if c in present]
    lines = [
        "| system | " + " | ".join(categories) + " |",
        "|---|" + "---:|" * len(categories),
    ]
    for system in system_order(s for s, _ in cells):
        values = []
        for c in categories:
            got = cells.get((system, c), {})
            f1 = f"{got['f1']:.2f}" if "f1" in got else "–"
            ap = f"{got['ap']:.2f}" if "ap" in got else "–"
            values.append(f"{f1} / {ap}")
        lines.append(f"| {system} | " + " | ".join(values) + " |")
    return lines


def readme_tables(board: dict[str, Any]) -> str:
    """The README's leaderboard: the headline table of each task, copied from a run."""
    lines: list[str] = []
    for task in BOARD_TASKS:
        rows = [r for r in board["rows"] if r["task"] == task]
        if rows:
            lines += [f"**{task}**", "", *headline_table(rows, task), ""]
            per = per_category_table(rows)
            lines += [*per, ""] if per else []
    return "\n".join(lines)


def markdown(board: dict[str, Any], *, root: str = "..") -> str:
    """LEADERBOARD.md of a leaderboard.json; ``root``: the corpus checkout as seen from the
    folder the two files are written to (``..`` for the repository's results/), for the
    reproduce line (evaluate needs --root to find the gold from there)."""
    cv = board["mode"] == "cv"
    lines = ["# nkworkers leaderboard", ""]
    mode = "leave-one-document-out folds and the test split" if cv else "train / validation / test"
    lines.append(
        f"Mode: {mode}; seed {board['seed']}; device {board['device']}; "
        f"bootstrap n={board['bootstrap']}."
    )
    lines += ["", board["notes"]["general"], ""]
    if cv:
        lines += [
            "`cv-mean`: mean ± standard deviation over folds (each fold's test is one article; "
            "fold K's predictions are `cv/fold-K/<system>.jsonl`). "
            "`cv-pooled`: the pooled predictions file scored at once, with 95% intervals.",
            "",
        ]
    lines += ["Cells with an interval: value [95% bootstrap interval].", ""]
    for task in BOARD_TASKS:
        rows = [r for r in board["rows"] if r["task"] == task]
        if not rows:
            continue
        lines += [f"## {task}", "", *headline_table(rows, task), "", "All figures:", ""]
        lines += [*_task_table(rows), ""]
        per = per_category_table(rows)
        if per:
            lines += [
                "Per category, `cv-pooled`: sentence F1 / average precision (AP only for "
                "systems that write scores):",
                "",
                *per,
                "",
            ]
        for note in board["notes"].get(task, []):
            lines.append(f"- Beyond five articles: {note}.")
        if task == "claims":
            lines.append(f"- {CLAIMS_NOTE}.")
        lines.append("")
    lines += ["## Run times", "", "| system | mode | seconds |", "|---|---|---:|"]
    for t in board["timings"]:
        seconds = t.get("total_s", t.get("fit_s", 0.0) + t.get("predict_score_s", 0.0))
        lines.append(f"| {t['system']} | {t['mode']} | {seconds:.1f} |")
    lines += [
        "",
        "Reproduce any test figure, from this folder: `nkworkers evaluate "
        f"--root {root} --predictions predictions/<system>.jsonl "
        f"--split test --bootstrap {board['bootstrap']} --seed {board['seed']}` (`--root`: "
        "the corpus checkout the benchmark read; validation: "
        "`predictions/validation/`, `--split validation`)"
        + (
            "; any `cv-pooled` figure: the same on `predictions/cv/<system>.jsonl` with "
            "`--split all`; any fold figure: `nkworkers.baselines.benchmark.runner.score_fold` on "
            "`cv/fold-K/<system>.jsonl`."
            if cv
            else "."
        ),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    from pathlib import Path

    from nkworkers.loaders.files import jsonio

    # python -m nkworkers.baselines.benchmark.report results/leaderboard.json: the README's tables
    print(
        readme_tables(
            jsonio.load_file(Path(sys.argv[1] if len(sys.argv) > 1 else "results/leaderboard.json"))
        )
    )
