"""Repeat a measurement and summarise it: medians and spreads, never one number."""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any


def summary(values: Sequence[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": len(values),
        "values": list(values),
    }


def timed(fn: Callable[[], Any], repeat: int) -> tuple[dict[str, Any], Any]:
    """Wall seconds of ``repeat`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return summary(times), result


def run_child(args: Sequence[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one child process (python -m <args>)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", *args], check=True, capture_output=True)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: run the biggest last.
    return wall, max(peak, before) / 1024
