"""``ls pull`` killed at every rename it makes (issue 10: nothing lost).

strace's fault injection kills the real command (``python -m nkworkers.loaders.cli ls
pull --from-file``) at the Nth call of each rename syscall, for N = 1, 2, ...
until a run gets through untouched. After every kill, annotations/ must be
exactly the old tree or exactly the new one, and the corpus must validate.
strace counts calls per syscall, so each syscall is walked on its own: the
swap (renameat2) and the file writes (rename) are each killed at every call.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nkworkers.loaders.labelstudio import swap
from nkworkers.loaders.validate import validate_corpus
from tests.test_labelstudio_support import (
    annotate_again,
    corpus_export,
    relabel_first_entity,
    snapshot,
    task_of,
)

STRACE = shutil.which("strace")
SYSCALLS = ("rename", "renameat", "renameat2")
pytestmark = pytest.mark.skipif(
    STRACE is None, reason="strace is not installed (apt-get install strace)"
)


def _export(corpus: Path, annotators: bool) -> list:
    """Two articles change: their first entity gets another label; with annotators,
    two annotators' folders get both articles (four new files)."""
    export = corpus_export(corpus)
    doc_ids = sorted(t["data"]["doc_id"] for t in export)[:2]
    for doc_id in doc_ids:
        task = task_of(export, doc_id)
        result = json.loads(json.dumps(task["annotations"][0]["result"]))
        relabel_first_entity(result)
        if annotators:
            task["annotations"][0]["completed_by"] = {"id": 8, "email": "a@x.org"}
            annotate_again(task, result, by={"id": 9, "email": "b@x.org"}, at="2030-01-01T00:00Z")
        else:
            task["annotations"][0]["result"] = result
    return [task_of(export, d) for d in doc_ids] if annotators else export


def _run(corpus: Path, export: Path, extra: list[str], inject: str | None) -> int:
    command = [sys.executable, "-m", "nkworkers.loaders.cli", "ls", "pull"]
    command += ["--from-file", str(export), "--root", str(corpus), *extra]
    if inject is not None:
        assert STRACE is not None
        command = [STRACE, "-f", "-qq", "-o", os.devnull, "-e", f"trace={inject.split(':')[0]}",
                   "-e", f"inject={inject}", *command]  # fmt: skip
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, env=env, capture_output=True, timeout=300)
    if done.returncode not in (0, 128 + signal.SIGKILL, -signal.SIGKILL):
        raise AssertionError(done.stderr.decode(errors="replace")[-2000:])
    return done.returncode


def _tree(corpus: Path) -> dict[str, bytes]:
    return snapshot(corpus / "annotations")


@pytest.mark.parametrize("annotators", [False, True], ids=["gold", "annotators"])
def test_pull_killed_at_every_rename_leaves_old_or_new(
    corpus: Path, tmp_path: Path, annotators: bool
) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps(_export(corpus, annotators)))
    extra = ["--annotators"] if annotators else []
    pristine = tmp_path / "pristine"
    shutil.copytree(corpus / "annotations", pristine)
    old = _tree(corpus)
    assert _run(corpus, export, extra, None) == 0
    new = _tree(corpus)
    assert new != old

    kills: dict[str, int] = {}
    for syscall in SYSCALLS:
        for n in range(1, 50):
            shutil.rmtree(corpus / "annotations")
            shutil.copytree(pristine, corpus / "annotations")
            inject = f"{syscall}:signal=SIGKILL:when={n}"
            if _run(corpus, export, extra, inject) == 0:
                break
            kills[syscall] = n
            state = _tree(corpus)
            assert state in (old, new), f"killed at {syscall} #{n}: a mix of old and new"
            assert validate_corpus(corpus) == [], f"killed at {syscall} #{n}"
    print(f"\n[kills] {kills}")
    assert kills.get("rename", 0) >= 2  # the staged writes of both files
    assert kills.get("renameat2", 0) >= 1  # the swap itself
    # A pull killed at the swap leaves its staging; the next one removes it.
    shutil.rmtree(corpus / "annotations")
    shutil.copytree(pristine, corpus / "annotations")
    assert _run(corpus, export, extra, "renameat2:signal=SIGKILL:when=1") != 0
    assert _tree(corpus) == old and list(corpus.glob(f"{swap.STAGING_PREFIX}*"))
    assert _run(corpus, export, extra, None) == 0
    assert _tree(corpus) == new and not list(corpus.glob(f"{swap.STAGING_PREFIX}*"))
