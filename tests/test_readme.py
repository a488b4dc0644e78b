"""The README: its usage examples run, and its set-up commands are what CI runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
# the loading examples (the developer sections hold other Python blocks)
EXAMPLES = [
    code
    for code in re.findall(r"```python\n(.*?)```", README, flags=re.S)
    if "load_dataset(" in code
]


def setup_commands() -> list[str]:
    first_block = re.search(r"```bash\n(.*?)```", README, flags=re.S)
    assert first_block is not None
    return [ln for ln in first_block.group(1).splitlines() if ln and not ln.startswith("#")]


def test_first_section_gives_exactly_two_setup_commands() -> None:
    assert len(setup_commands()) == 2


def test_ci_runs_the_readme_test_command() -> None:
    test_command = setup_commands()[1]
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_says_how_to_get_the_chromium_tests_to_run() -> None:
    """The README's test command left the six viewer tests skipped without saying why."""
    script = ".ci/install-chromium.sh"
    setup = README.split("## Dataset details")[0]
    assert script in setup and (ROOT / script).is_file()
    assert script in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    render_tests = (ROOT / "tests" / "test_render.py").read_text(encoding="utf-8")
    assert f"run {script}" in render_tests  # the skip reason names it too
    assert "--durations=20" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_there_is_a_usage_example_per_config() -> None:
    from nkworkers.loaders.dataset.features import CONFIGS

    for config in CONFIGS:
        assert any(f'"{config}")' in code for code in EXAMPLES), config


@pytest.mark.parametrize("code", EXAMPLES, ids=lambda c: c.split("load_dataset(")[1][:40])
def test_usage_example_runs(code: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HF_DATASETS_CACHE": str(tmp_path / "cache"),
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_OFFLINE": "1",
    }
    script = code.replace("path/to/nkworkers", str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
