"""Regression: the core CLI works without the optional extras installed.

matplotlib (render) and the baseline libraries live in the `baselines` extra;
importing them when the CLI starts broke every command of a core install.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

OPTIONAL = ("matplotlib", "sklearn_crfsuite", "sklearn", "setfit")
BLOCK = f"import sys\nfor m in {OPTIONAL!r}:\n    sys.modules[m] = None\n"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = BLOCK + f"from nkworkers.loaders.cli import app\napp({list(args)!r})\n"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def test_core_commands_run_without_the_baselines_extra() -> None:
    result = _cli("validate", "--root", str(ROOT))
    assert result.returncode == 0, result.stderr[-2000:]


def test_benchmark_says_which_extra_is_missing() -> None:
    result = _cli("predict", "--system", "control-lexicon", "--out", "/dev/null")
    assert result.returncode == 1
    assert "pip install -e '.[baselines]'" in result.stderr
    assert "Traceback" not in result.stderr
