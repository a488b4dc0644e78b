"""Build time and peak memory at scale: x1, x100, x2,000 the annotated corpus.

Each build runs in its own process (``python -m nkworkers.loaders.cli build --root``) so
that its peak resident memory can be read; the synthetic corpora come from
nkworkers.benchmarks.synthetic. The goal of issue 7: 10,000 documents (x2,000) in 60 s
or less on 2 cores, and memory that does not grow with the corpus.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from nkworkers.benchmarks.synthetic import make_corpus
from nkworkers.benchmarks.timing import run_child, summary

ROOT = Path(__file__).resolve().parent.parent


def measure(scale: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="nkw-build-") as tmp:
        docs = len(make_corpus(ROOT, Path(tmp) / "corpus", scale))
        walls, peaks = [], []
        for _ in range(repeat):
            wall, peak = run_child(
                ["nkworkers.loaders.cli", "build", "--root", str(Path(tmp) / "corpus")]
            )
            walls.append(wall)
            peaks.append(peak)
    wall_summary = summary(walls)
    return {
        "scale": scale,
        "documents": docs,
        "wall_s": wall_summary,
        "ms_per_document": 1000 * wall_summary["median"] / docs,
        "peak_rss_mib": max(peaks),
    }


def run(scales: tuple[int, ...] = (1, 100, 2000), repeat: int = 3) -> dict[str, Any]:
    rows = [measure(scale, repeat if scale < 2000 else max(1, repeat - 1)) for scale in scales]
    biggest = rows[-1]
    return {
        "rows": rows,
        "goal": "10,000 documents in <= 60 s; peak memory flat in corpus size",
        "ten_thousand_docs_s": biggest["wall_s"]["median"]
        if biggest["documents"] >= 10_000
        else None,
    }
