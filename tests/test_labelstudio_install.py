"""The Label Studio server's venv: installed from committed constraints, kept only if it starts.

These tests use stand-in venvs (no network, no real server); the real install
and start run in tests/test_labelstudio_server.py.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nkworkers.loaders.labelstudio import server
from nkworkers.loaders.labelstudio.server import ServerError

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "install-label-studio.sh"
CONSTRAINTS = ROOT / ".ci" / "label-studio-constraints.txt"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})},
    )  # fmt: skip


def _fake_venv(venv: Path, label_studio: str) -> Path:
    """A venv whose python is this one and whose label-studio is the given shell script."""
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    tool = venv / "bin" / "label-studio"
    tool.write_text(f"#!/bin/sh\n{label_studio}\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return venv


def test_label_studio_resolution_is_pinned_by_committed_constraints() -> None:
    pins = [
        line for line in CONSTRAINTS.read_text().splitlines() if line and not line.startswith("#")
    ]
    assert "label-studio==1.23.2" in pins
    assert all("==" in line for line in pins), "every line of the constraints pins one version"
    # the dependency that broke the server at start (3.x) stays below 3
    sentry = next(line for line in pins if line.lower().startswith("sentry-sdk=="))
    assert int(sentry.split("==")[1].split(".")[0]) < 3
    assert '-c "$2"' in SCRIPT.read_text(), "the install uses the constraints file"


def test_server_that_does_not_start_fails_the_check_in_one_line(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "venv", "echo 'TypeError: Unknown option' >&2; exit 1")
    done = _run("--check", str(venv))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "does not start" in lines[0], done.stderr


def test_venv_never_seen_starting_is_removed_and_installed_again(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "venv", "exit 0")  # no marker: it was never checked
    done = _run(str(venv), env={"PYTHON": "/bin/false"})  # reinstall fails at once, offline
    assert done.returncode == 1
    assert not venv.exists(), "the unchecked venv was kept"
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_checked_venv_is_kept_without_reinstalling(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "venv", "exit 0")
    digest = subprocess.run(
        ["sha256sum", str(CONSTRAINTS)], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    (venv / ".nkw-verified").write_text(digest + "\n")
    done = _run(str(venv), env={"PYTHON": "/bin/false"})
    assert done.returncode == 0 and "already installed" in done.stdout, done.stderr


def test_server_that_cannot_be_installed_is_one_line_for_the_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NKW_LS_VENV", str(tmp_path / "venv"))
    monkeypatch.setenv("PYTHON", "/bin/false")
    with pytest.raises(ServerError) as caught:
        server.server_venv()
    message = str(caught.value)
    assert "\n" not in message and "install-label-studio" in message
