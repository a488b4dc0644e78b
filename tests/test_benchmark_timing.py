"""nkworkers.benchmarks.timing.run_child: wall time and the child's own peak memory."""

from __future__ import annotations

import subprocess

import pytest

from nkworkers.benchmarks.timing import run_child


def test_child_peak_rss_is_its_own_not_the_largest_process_so_far() -> None:
    # Regression: RUSAGE_CHILDREN's ru_maxrss is the largest child reaped so far, and a
    # child starts from the parent's high-water mark, so the build figures were floored
    # at the benchmark process's own size.
    ballast = bytearray(400 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])
    wall, peak = run_child(["json.tool", "--help"])
    assert wall > 0 and 1 < peak < 100
    del ballast


def test_a_failing_child_raises() -> None:
    with pytest.raises(subprocess.CalledProcessError):
        run_child(["json.tool", "/nonexistent/file.json"])
