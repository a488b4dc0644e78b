"""Push and pull of 1,000 synthetic tasks against a real Label Studio server.

The corpus is the annotated articles replicated (nkworkers.benchmarks.synthetic) to 1,000
documents; push creates a project and imports one task per document with its
gold annotation; pull takes the full JSON export, converts and validates
every task and plans the writes (they are all no-ops: the export equals the
corpus). Each repeat uses a new project on the same server.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from nkworkers.benchmarks.synthetic import make_corpus
from nkworkers.benchmarks.timing import summary
from nkworkers.loaders.labelstudio import sync
from nkworkers.loaders.labelstudio.server import running_server

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 5


def run(scales: tuple[int, ...] = (200,), repeat: int = 2) -> dict[str, Any]:
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="nkw-ls-") as tmp,
        running_server(Path(tmp) / "server") as server,
    ):
        for scale in scales:
            root = Path(tmp) / f"x{scale}"
            tasks = len(make_corpus(ROOT, root, scale))
            pushes, pulls = [], []
            for k in range(repeat):
                project = f"bench x{scale} #{k}"
                start = time.perf_counter()
                sync.push(root=root, url=server.url, project=project, token=server.token)
                pushes.append(time.perf_counter() - start)
                start = time.perf_counter()
                plan, written = sync.pull(
                    root=root, url=server.url, project=project, token=server.token, dry_run=True
                )
                pulls.append(time.perf_counter() - start)
                assert not plan.problems and not plan.changes and not written
            push_s, pull_s = summary(pushes), summary(pulls)
            rows.append(
                {
                    "tasks": tasks,
                    "push_s": push_s,
                    "pull_s": pull_s,
                    "push_tasks_per_s": tasks / push_s["median"],
                    "pull_tasks_per_s": tasks / pull_s["median"],
                }
            )
    return {"server_start_s": server.start_s, "rows": rows}
