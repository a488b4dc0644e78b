"""Train and predict time per baseline on CPU, from a run of ``nkworkers benchmark``.

Training every baseline with its real settings takes minutes (the MiniLM
fine-tunes most of them), so this part does not train again: it reads the
timings the benchmark runner measured around each system's fit and its
predict-and-score on the validation and test splits, from DIR/leaderboard.json
(default results/, written by the README's main-job command).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run(
    scales: tuple[int, ...] = (1,), repeat: int = 1, leaderboard: Path = ROOT / "results"
) -> dict[str, Any]:
    path = leaderboard / "leaderboard.json"
    if not path.exists():
        raise SystemExit(f"{path} not found: run `nkworkers benchmark --out {leaderboard}` first")
    data = json.loads(path.read_text(encoding="utf-8"))
    cv = {t["system"]: t["total_s"] for t in data["timings"] if t["mode"] == "cv"}
    folds: dict[str, int] = {}  # how many leave-one-document-out folds each system ran
    for r in data["rows"]:  # a per-category row counts only the folds holding its category
        if r["split"] == "cv-mean":
            folds[r["system"]] = max(folds.get(r["system"], 0), len(r["folds"]))
    rows = [
        {
            "system": t["system"],
            "task": t["task"],
            "fit_s": t["fit_s"],
            "predict_s": t["predict_score_s"],
            "cv_s": cv.get(t["system"]),
            "cv_folds": folds.get(t["system"]),
        }
        for t in data["timings"]
        if t["mode"] == "standard"
    ]
    total = sum(t.get("total_s", t.get("fit_s", 0) + t.get("predict_score_s", 0))
                for t in data["timings"])  # fmt: skip
    return {
        "device": data["device"],
        "source": f"timings of `nkworkers benchmark --out results{' --cv' if cv else ''}` "
        "(2 CPU cores, shared with a test run)",
        "rows": rows,
        "total_s": total,
    }
