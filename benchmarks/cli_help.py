"""``nkworkers --help`` beside ``python -c pass``: wall time and peak RSS of fresh processes.

The anchor (an empty interpreter) runs in the same loop, alternating with the
measured commands, so a busy machine slows both and the ratio stays readable.
Goal of issue 12 (point 7): ``--help`` under 1 s, no torch, transformers,
datasets or matplotlib imported to print it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from benchmarks.timing import summary

HEAVY = ("torch", "transformers", "datasets", "matplotlib", "sklearn", "setfit", "spacy")
# Each command is the code a fresh `python -c` runs; `app(...)` is what the
# `nkworkers` script calls. SystemExit is how click ends after printing help.
_CLI = "from loaders.cli import app\ntry:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
COMMANDS = {
    "python -c pass": "pass",
    "nkworkers --version": _CLI.format(args=["--version"]),
    "nkworkers --help": _CLI.format(args=["--help"]),
}


# The child reports its own peak: ru_maxrss from wait4 would include this
# parent's RSS, which a forked child inherits as its high-water mark.
_PEAK = "\nprint(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"


def run_child(code: str) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of a fresh ``python -c code`` (Linux)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code + _PEAK], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"python -c {code!r} exited {done.returncode}: {done.stderr[-500:]}")
    return wall, int(done.stdout.split()[-1]) / 1024  # VmHWM is in kB


def heavy_modules_imported() -> list[str]:
    """Which of HEAVY a fresh process has in sys.modules after printing ``--help``."""
    code = _CLI.format(args=["--help"]) + (
        f"import sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return out.strip().splitlines()[-1].split() if out.strip() else []


def run(scales: tuple[int, ...] = (1,), repeat: int = 7) -> dict[str, Any]:
    """Medians of ``repeat`` alternating runs; ``scales`` is accepted and unused."""
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    peaks: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(repeat):
        for name, code in COMMANDS.items():
            wall, peak = run_child(code)
            walls[name].append(wall)
            peaks[name].append(peak)
    anchor = "python -c pass"
    rows = []
    for name in COMMANDS:
        wall_s, peak_mib = summary(walls[name]), summary(peaks[name])
        rows.append(
            {
                "command": name,
                "wall_s": wall_s,
                "peak_rss_mib": peak_mib,
                "wall_ratio": wall_s["median"] / summary(walls[anchor])["median"],
                "rss_ratio": peak_mib["median"] / summary(peaks[anchor])["median"],
            }
        )
    return {
        "rows": rows,
        "heavy_imported_by_help": heavy_modules_imported(),
        "goal": "nkworkers --help under 1 s, importing none of " + ", ".join(HEAVY),
    }
