"""build is safe at every instant: killed at any rename, the next run recovers.

The kill is real: strace's fault injection delivers SIGKILL to a
``nkworkers build`` process on its N-th rename (rename, renameat or
renameat2), for N = 1, 2, ... until a build runs to the end. After each kill,
data/ is whole (all old or all new files, never missing), README.md and
annotations/schema.json are old or new, and ``build --check`` then ``build``
recover: nothing is lost and no staging folder is left.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkworkers.loaders.cli import app
from nkworkers.loaders.dataset import build as builder
from nkworkers.loaders.files import swap
from tests.conftest import snapshot

STRACE = shutil.which("strace")
SYSCALLS = ("rename", "renameat", "renameat2")
GENERATED = ("README.md", "annotations/schema.json")
runner = CliRunner()


State = tuple[dict[str, bytes], tuple[bytes, ...]]


def _state(root: Path) -> State:
    return snapshot(root / "data"), tuple((root / g).read_bytes() for g in GENERATED)


def _drop_an_entity(root: Path) -> None:
    """A real annotation change, so that the new data/ differs from the old."""
    path = sorted((root / "annotations").glob("000_*.json"))[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    data["entities"] = data["entities"][1:]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.glob(".data-*"))


def _build_under_strace(root: Path, *options: str) -> subprocess.CompletedProcess[bytes]:
    """`nkworkers build` in a fresh process, traced by strace with ``options``."""
    assert STRACE is not None
    command = [STRACE, "-f", "-qq", *options]
    command += [sys.executable, "-m", "nkworkers.loaders.cli", "build", "--root", str(root)]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")  # no .pyc renames to count
    return subprocess.run(command, env=env, capture_output=True, check=False)


def _rename_calls(root: Path, tmp: Path) -> list[tuple[str, int]]:
    """(syscall, n) of every rename one build makes, in order: the n-th call of that
    syscall, as strace counts for ``inject=...:when=n`` (each syscall apart)."""
    log = tmp / "renames.strace"
    done = _build_under_strace(root, "-o", str(log), "-e", f"trace={','.join(SYSCALLS)}")
    assert done.returncode == 0, done.stderr[-2000:]
    seen: dict[str, int] = {}
    calls = []
    for line in log.read_text(encoding="utf-8").splitlines():
        name = line.split(maxsplit=1)[-1].split("(", 1)[0]
        if name in SYSCALLS:
            seen[name] = seen.get(name, 0) + 1
            calls.append((name, seen[name]))
    return calls


def _killed_build(root: Path, syscall: str, nth: int) -> subprocess.CompletedProcess[bytes]:
    """`nkworkers build` in a fresh process, SIGKILLed on its nth call of syscall."""
    inject = f"inject={syscall}:signal=SIGKILL:when={nth}"
    return _build_under_strace(root, "-o", os.devnull, "-e", f"trace={syscall}", "-e", inject)


def _old_and_new(corpus: Path, tmp_path: Path) -> tuple[State, State]:
    """Build ``corpus`` (old state), change an annotation, and build a copy (new state)."""
    builder.build(corpus)
    _drop_an_entity(corpus)
    old = _state(corpus)
    expected = tmp_path / "expected"
    shutil.copytree(corpus, expected)
    builder.build(expected)
    new = _state(expected)
    assert new != old
    return old, new


@pytest.mark.skipif(STRACE is None, reason="strace is not installed (.ci/install-strace.sh)")
def test_build_killed_at_every_rename_recovers(corpus: Path, tmp_path: Path) -> None:
    """Killed before each rename a build makes, every one of them, whichever syscall.

    The renames are listed by one traced build of the same inputs, then each
    is a kill point. (The walk used to kill at rename #1, #2, ... of each
    syscall until a build ran to the end: the same kill points, plus one
    whole build per syscall to learn that there were no more, three in all.)
    """
    old, new = _old_and_new(corpus, tmp_path)
    calls = _rename_calls(_copy(corpus, tmp_path / "traced"), tmp_path)
    for syscall, nth in calls:
        root = _copy(corpus, tmp_path / f"kill-{syscall}-{nth}")
        done = _killed_build(root, syscall, nth)
        where = f"{syscall} #{nth}"
        assert done.returncode in (-9, 137), (
            f"{where}: exit {done.returncode}, not a SIGKILL: {done.stderr[-1000:]!r}"
        )
        _assert_recovers(root, old, new, where)
    kills = Counter(syscall for syscall, _ in calls)
    # the commit, README.md, schema.json and clean-up renames; the data/ exchange
    assert kills["rename"] >= 4 and kills["renameat2"] >= 1, kills


def _copy(corpus: Path, root: Path) -> Path:
    shutil.copytree(corpus, root)
    return root


def _assert_recovers(root: Path, old: State, new: State, where: str) -> None:
    """What a kill left is whole; check then build reach the new state, clean.

    After the rebuild, its state is compared with a fresh build of the same
    inputs (``new``: data/, README.md and schema.json, byte for byte), which
    is what a ``build --check`` there would compare: it is not run again.
    """
    data, generated = _state(root)
    assert data in (old[0], new[0]), f"{where}: data/ is neither old nor new"
    for i, name in enumerate(GENERATED):
        assert generated[i] in (old[1][i], new[1][i]), f"{where}: {name} is neither"
    diffs = builder.check(root)  # recovers first, then compares
    assert _state(root) in (old, new), f"{where}: check left a mixed state"
    assert (diffs == []) == (_state(root) == new)
    builder.build(root)
    assert _state(root) == new, f"{where}: the rerun did not reach the new build"
    assert _leftovers(root) == [], f"{where}: left {_leftovers(root)}"
    shutil.rmtree(root)


def test_swap_without_exchange_recovers_from_a_stop_at_every_rename(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the kernel cannot exchange folders, data/ is moved aside then replaced."""

    class Stopped(BaseException):
        pass

    monkeypatch.setattr(swap, "exchange", lambda a, b: False)
    old, new = _old_and_new(corpus, tmp_path)
    real_rename = os.rename
    for nth in range(1, 30):
        root = tmp_path / f"stop-{nth}"
        shutil.copytree(corpus, root)
        calls = {"n": 0}

        def rename(src, dst, _nth=nth, _calls=calls):
            _calls["n"] += 1
            if _calls["n"] == _nth:
                raise Stopped
            real_rename(src, dst)

        monkeypatch.setattr(os, "rename", rename)
        try:
            builder.build(root)
            stopped = False
        except Stopped:
            stopped = True
        monkeypatch.setattr(os, "rename", real_rename)
        if not stopped:
            break
        builder.check(root)
        assert _state(root) in (old, new), f"rename {nth}: check left a mixed state"
        builder.build(root)
        assert _state(root) == new and builder.check(root) == []
        assert _leftovers(root) == []
        shutil.rmtree(root)
    assert nth > 3


def test_second_build_at_once_is_refused_with_a_clear_message(corpus: Path) -> None:
    before = _state(corpus)
    with swap.locked(corpus):
        for args in (["build"], ["build", "--check"]):
            result = runner.invoke(app, [*args, "--root", str(corpus)])
            assert result.exit_code == 1
            assert result.exception is None or isinstance(result.exception, SystemExit)
            assert "another nkworkers command is writing this corpus" in result.stderr
    assert _state(corpus) == before
    builder.build(corpus)  # the lock is free again


def test_stale_staging_is_removed_at_the_next_start(corpus: Path) -> None:
    for name in (".data-build-abc123", ".data-build-done-x", ".data-check-1"):
        (corpus / name / "data").mkdir(parents=True)
        (corpus / name / "data" / "junk.parquet").write_bytes(b"partial")
    result = builder.build(corpus)
    assert _leftovers(corpus) == []
    assert len(result.recovered) == 3


def test_data_old_left_by_an_older_build_is_restored(corpus: Path) -> None:
    """The old build moved data/ to .data-old/ first: killed then, data/ was missing."""
    (corpus / "data").rename(corpus / ".data-old")
    builder.check(corpus)
    assert (corpus / "data").is_dir() and _leftovers(corpus) == []


def test_build_keeps_the_mode_of_generated_files(corpus: Path) -> None:
    builder.build(corpus)
    modes = {"README.md": 0o644, "annotations/schema.json": 0o664}
    for name, mode in modes.items():
        (corpus / name).chmod(mode)
    _drop_an_entity(corpus)
    builder.build(corpus)
    for name, mode in modes.items():
        assert stat.S_IMODE((corpus / name).stat().st_mode) == mode, name
    umask = os.umask(0)
    os.umask(umask)
    for path in (corpus / "data").rglob("*"):
        default = 0o777 if path.is_dir() else 0o666
        assert stat.S_IMODE(path.stat().st_mode) == default & ~umask, path
