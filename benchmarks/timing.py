"""Repeat a measurement and summarise it: medians and spreads, never one number."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
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


# Source of vmhwm(), for child processes: the process's own peak RSS in kB, the
# high-water mark of its own memory map. ru_maxrss (RUSAGE_CHILDREN, wait4)
# would carry over the high-water mark of the parent image a child was forked
# from (and RUSAGE_CHILDREN the largest child reaped so far), so children report
# their peak themselves.
VMHWM = """
def vmhwm():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
"""
# python -m MODULE ARGS through runpy, writing vmhwm() to $NKW_PEAK_FILE at exit.
_TRAMPOLINE = (
    VMHWM
    + """
import atexit, os, runpy, sys
def _peak():
    with open(os.environ["NKW_PEAK_FILE"], "w") as out:
        out.write(str(vmhwm()))
atexit.register(_peak)
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""
)


def run_module(args: Sequence[str]) -> dict[str, float]:
    """Wall and CPU (user + system) seconds and own peak RSS (MiB) of ``python -m <args>``.

    CPU seconds are the child's alone (RUSAGE_CHILDREN grows by each child
    waited for) and what shared cores disturb least. Linux only (/proc).
    """
    with tempfile.TemporaryDirectory(prefix="nkw-peak-") as tmp:
        peak_file = Path(tmp) / "peak"
        env = {**os.environ, "NKW_PEAK_FILE": str(peak_file)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", _TRAMPOLINE, *args], check=True,
                       capture_output=True, env=env)  # fmt: skip
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return {"wall_s": wall, "cpu_s": cpu, "peak_mib": int(peak_file.read_text()) / 1024}


def run_child(args: Sequence[str]) -> tuple[float, float]:
    """(wall seconds, its own peak RSS in MiB) of one ``python -m <args>`` (Linux: /proc)."""
    got = run_module(args)
    return got["wall_s"], got["peak_mib"]
