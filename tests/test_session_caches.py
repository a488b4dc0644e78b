"""The test session writes into caches of its own, never the user's ~/.cache (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SESSION_CACHES


def test_a_load_in_a_subprocess_writes_nothing_under_the_home_cache(tmp_path: Path) -> None:
    """The suite wrote datasets' cache into ~/.cache/huggingface; subprocesses inherit ours.

    HOME points at an empty folder: a cache that fell back to the home
    folder would appear there.
    """
    home = tmp_path / "home"
    home.mkdir()
    code = (
        "import sys, datasets, matplotlib\n"
        "datasets.load_dataset(sys.argv[1], 'entities', split='test')\n"
        "print(datasets.config.HF_DATASETS_CACHE)\n"
        "print(matplotlib.get_cachedir())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)],
        env={**os.environ, "HOME": str(home), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == []
    used = [Path(line) for line in done.stdout.split("\n") if line]
    assert used and all(p.is_relative_to(SESSION_CACHES) for p in used), used
    assert any((SESSION_CACHES / "huggingface" / "datasets").rglob("*.arrow"))
