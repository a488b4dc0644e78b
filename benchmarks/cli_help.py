"""``nkworkers --help`` beside ``python -c pass``: wall time and peak RSS of fresh processes.

The anchor (an empty interpreter) runs in the same loop, alternating with the
measured commands, so a busy machine slows both and the ratio stays readable.
Goal of issue 12 (point 7): ``--help`` under 1 s, no torch, transformers,
datasets or matplotlib imported to print it.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from typing import Any

from nkworkers.benchmarks.timing import VMHWM, summary

HEAVY = ("torch", "transformers", "datasets", "matplotlib", "sklearn", "setfit", "spacy")
# Each command is the code a fresh `python -c` runs; `app(...)` is what the
# `nkworkers` script calls. SystemExit is how click ends after printing help.
_CLI = (
    "from nkworkers.loaders.cli import app\ntry:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
)
COMMANDS = {
    "python -c pass": "pass",
    "nkworkers --version": _CLI.format(args=["--version"]),
    "nkworkers --help": _CLI.format(args=["--help"]),
}


# The child reports its own peak (nkworkers.benchmarks.timing.VMHWM says why).
_PEAK = "\n" + VMHWM + "print(vmhwm())"


def run_child(code: str) -> dict[str, float]:
    """Wall and CPU (user + system) seconds and peak RSS in MiB of a fresh ``python -c code``.

    CPU seconds are what a loaded machine (CI, shared cores) disturbs least.
    Linux only (/proc).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code + _PEAK], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(f"python -c {code!r} exited {done.returncode}: {done.stderr[-500:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    peak = int(done.stdout.split()[-1]) / 1024  # VmHWM is in kB
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": peak}


def heavy_modules_imported() -> list[str]:
    """Which of HEAVY a fresh process has in sys.modules after printing ``--help``."""
    code = _CLI.format(args=["--help"]) + (
        f"import json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    found: list[str] = json.loads(out.splitlines()[-1])  # the help comes first
    return found


def run(scales: tuple[int, ...] = (1,), repeat: int = 7) -> dict[str, Any]:
    """Medians of ``repeat`` alternating runs; ``scales`` is accepted and unused."""
    measures = ("wall_s", "cpu_s", "peak_rss_mib")
    seen: dict[str, dict[str, list[float]]] = {name: {m: [] for m in measures} for name in COMMANDS}
    for _ in range(repeat):
        for name, code in COMMANDS.items():
            for measure, value in run_child(code).items():
                seen[name][measure].append(value)
    anchor = {m: summary(seen["python -c pass"][m])["median"] for m in measures}
    rows = []
    for name in COMMANDS:
        row: dict[str, Any] = {"command": name}
        for m in measures:
            row[m] = summary(seen[name][m])
            row[m.rsplit("_", 1)[0] + "_ratio"] = row[m]["median"] / anchor[m]
        rows.append(row)
    return {
        "rows": rows,
        "heavy_imported_by_help": heavy_modules_imported(),
        "goal": "nkworkers --help under 1 s, importing none of " + ", ".join(HEAVY),
    }
