"""The leaderboard's claims rows: one system's attribution with another's control measures.

A claim joins two layers that two different systems predict, so the claims
rows score COMBINED predictions: each article's ``attribution_spans`` and
``attributions`` from the best attribution system's file and its
``control_measures`` from the best control system's file, "best" meaning the
highest leave-one-document-out mean of the task's headline figure in
leaderboard.json (the validation figure in a run without --cv; never a test
figure). The ablation keeps the attribution and takes the gold control spans
(``<attribution>+gold-control``): how often the attribution names the right
source of a measure that is found.

The combined files are written beside the systems' own, under the pipeline's
name (``<attribution>+<control>``): DIR/predictions/<name>.jsonl (test),
DIR/predictions/validation/, DIR/cv/fold-K/ and DIR/predictions/cv/ (pooled),
so ``nkworkers evaluate --predictions FILE`` reproduces every claims figure
and tests/test_results_reproduce.py checks that each combined file is the
combination of the committed ones. ``python -m
nkworkers.baselines.benchmark.combine DIR`` recomputes the claims rows of
DIR/leaderboard.json from the files in DIR; ``--attribution A.jsonl --control
B.jsonl --out C.jsonl`` combines any two predictions files.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nkworkers.baselines.benchmark import runner
from nkworkers.baselines.benchmark.report import HEADLINE
from nkworkers.baselines.evaluation import evaluate_files
from nkworkers.baselines.evaluation.cli import load_gold
from nkworkers.loaders.files import jsonio

Row = dict[str, Any]
TASK = "claims"
GOLD_CONTROL = "gold-control"
ATTRIBUTION_LAYERS = ("attribution_spans", "attributions")
USAGE = (
    "usage: python -m nkworkers.baselines.benchmark.combine DIR  (recompute DIR's claims rows)\n"
    "       python -m nkworkers.baselines.benchmark.combine --attribution A.jsonl "
    "--control B.jsonl --out C.jsonl"
)


def combine(attribution: Sequence[Row], control: Sequence[Row]) -> list[Row]:
    """Rows in ``attribution``'s order: its attribution layers, ``control``'s control measures.

    Raises:
        ValueError: the two hold different articles.
    """
    by_id = {row["doc_id"]: row for row in control}
    if set(by_id) != {row["doc_id"] for row in attribution}:
        raise ValueError("the attribution and control files predict different articles")
    return [
        {
            "doc_id": row["doc_id"],
            **{layer: row.get(layer, []) for layer in ATTRIBUTION_LAYERS},
            "control_measures": [
                {key: m[key] for key in ("start", "end", "labels")}
                for m in by_id[row["doc_id"]].get("control_measures", [])
            ],
        }
        for row in attribution
    ]


def best_systems(board: Mapping[str, Any]) -> tuple[str, str] | None:
    """(attribution, control): each task's best headline figure, LODO mean first.

    The split is ``cv-mean`` when the board has it, else ``validation``; None
    when either task has no such row.
    """
    rows = board["rows"]
    split = "cv-mean" if any(r["split"] == "cv-mean" for r in rows) else "validation"
    best: dict[str, tuple[float, str]] = {}
    for row in rows:
        task = row["task"]
        if (
            task in ("attribution", "control_measures")
            and row["split"] == split
            and row["metric"] == HEADLINE[task][0]
            and row["value"] > best.get(task, (-1.0, ""))[0]
        ):
            best[task] = (row["value"], row["system"])
    if len(best) < 2:
        return None
    return best["attribution"][1], best["control_measures"][1]


def _read(path: Path) -> list[Row]:
    """A predictions file's rows; ValueError naming the file and line of a bad one."""
    rows = []
    for line in jsonio.iter_jsonl(path):
        if line.error is not None:
            raise ValueError(f"{path}, line {line.number}: {line.error.message}")
        rows.append(line.value)
    return rows


def _gold_rows(root: Path, doc_ids: Sequence[str]) -> list[Row]:
    wanted = set(doc_ids)
    return [g for g in load_gold(root, "all") if g["doc_id"] in wanted]


def _pipelines(attribution: str, control: str) -> list[tuple[str, str]]:
    return [(f"{attribution}+{control}", control), (f"{attribution}+{GOLD_CONTROL}", GOLD_CONTROL)]


def _combined_file(
    root: Path, attribution: Path, control: Path | str, target: Path
) -> list[Row] | None:
    """Write the combination of two files (or the attribution and the gold) to ``target``.

    None (and nothing written) when a file is missing: that system has not run there.
    """
    if not attribution.is_file() or (isinstance(control, Path) and not control.is_file()):
        return None
    rows_a = _read(attribution)
    rows_b = (
        _read(control)
        if isinstance(control, Path)
        else _gold_rows(root, [r["doc_id"] for r in rows_a])
    )
    rows = combine(rows_a, rows_b)
    runner.write_jsonl(target, rows)
    return rows


def claims_rows(settings: runner.Settings, board: Mapping[str, Any]) -> list[Row]:
    """The claims rows of the board's best pipeline and of its gold-control ablation.

    Writes the combined files (module doc) and scores them as the runner
    scores a system's: test and validation with the bootstrap, every fold
    present for both systems (cv-mean) and the pooled folds (cv-pooled).
    Systems whose files are missing give no rows.
    """
    best = best_systems(board)
    if best is None:
        return []
    attribution, control = best
    rows: list[Row] = []
    for name, source in _pipelines(attribution, control):
        base = {"system": name, "task": TASK}
        for split in runner.EVALUATED_SPLITS:
            folder = settings.out / "predictions" / ("" if split == "test" else split)
            path = folder / f"{name}.jsonl"
            other = source if source == GOLD_CONTROL else folder / f"{source}.jsonl"
            if (
                _combined_file(settings.root, folder / f"{attribution}.jsonl", other, path)
                is not None
            ):
                gold = load_gold(settings.root, split)
                report = evaluate_files(
                    gold, path, bootstrap=settings.bootstrap, seed=settings.seed
                )
                rows += runner.figures(report, {**base, "split": split}, TASK)
        if board.get("mode") == "cv":
            rows += _cv_rows(settings, attribution, source, name, base)
    return rows


def _cv_rows(
    settings: runner.Settings, attribution: str, source: str, name: str, base: Row
) -> list[Row]:
    out, root = settings.out, settings.root
    folds = sorted({g["fold"] for g in load_gold(root, "all")})
    pooled: list[Row] = []
    reports = []
    for k in folds:
        path = runner.fold_path(out, k, name)
        other = source if source == GOLD_CONTROL else runner.fold_path(out, k, source)
        written = _combined_file(root, runner.fold_path(out, k, attribution), other, path)
        if written is None:
            continue
        pooled += written
        doc_ids = [r["doc_id"] for r in written]
        reports.append(runner.score_fold(root, path, doc_ids, settings.seed))
    if not reports:
        return []
    path = out / "predictions" / "cv" / f"{name}.jsonl"
    runner.write_jsonl(path, pooled)
    gold = _gold_rows(root, [r["doc_id"] for r in pooled])
    report = evaluate_files(gold, path, bootstrap=settings.bootstrap, seed=settings.seed)
    rows = runner.figures(report, {**base, "split": "cv-pooled"}, TASK)
    return rows + [{**base, **r} for r in runner.fold_means(TASK, reports, len(folds))]


def with_claims(settings: runner.Settings, board: dict[str, Any]) -> dict[str, Any]:
    """The board with its claims rows recomputed from the files in settings.out."""
    kept = [r for r in board["rows"] if r["task"] != TASK]
    return {**board, "rows": kept + claims_rows(settings, {**board, "rows": kept})}


def _main(argv: Sequence[str]) -> int:
    try:
        return _run(argv)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(argv: Sequence[str]) -> int:
    if len(argv) == 7 and argv[1::2] == ["--attribution", "--control", "--out"]:
        rows = combine(_read(Path(argv[2])), _read(Path(argv[4])))
        runner.write_jsonl(Path(argv[6]), rows)
        print(f"wrote {len(rows)} rows to {argv[6]}")
        return 0
    if len(argv) == 2:
        out = Path(argv[1])
        board = jsonio.load_file(out / "leaderboard.json")
        settings = runner.Settings(root=Path("."), out=out, seed=board["seed"],
                                   bootstrap=board["bootstrap"])  # fmt: skip
        runner.write_board(settings, with_claims(settings, board))
        print(f"rewrote the claims rows of {out / 'leaderboard.json'}")
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
