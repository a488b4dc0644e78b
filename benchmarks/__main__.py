"""python -m benchmarks [PART] [--scale N] [--json OUT]: run the benchmark parts.

Each part is a module with ``run(scales=..., repeat=...) -> dict``; PARTS maps
its name to that function (build, load, baselines and labelstudio join here).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nkworkers.benchmarks import (
    baselines,
    build_scale,
    claims_report,
    cli_help,
    labelstudio,
    load,
    report,
    scoring,
    tag,
)

HERE = Path(__file__).resolve().parent

Runner = Callable[..., dict[str, Any]]
PARTS: dict[str, Runner] = {
    "scoring": scoring.run,
    "build": build_scale.run,
    "load": load.run,
    "labelstudio": labelstudio.run,
    "baselines": baselines.run,
    "cli": cli_help.run,
    "tag": tag.run,
    # `nkworkers report` (benchmarks/claims_report.py; report.py renders RESULTS.md)
    "report": claims_report.run,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("part", nargs="?", choices=sorted(PARTS), help="one part (default: all)")
    parser.add_argument(
        "--scale",
        type=int,
        action="append",
        help="a scale to run (repeatable; default: the part's)",
    )
    parser.add_argument("--repeat", type=int, help="runs per measurement (default: the part's)")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument(
        "--record",
        action="store_true",
        help="with a part: replace that part in benchmarks/results.json and RESULTS.md",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    parts = [args.part] if args.part else list(PARTS)
    options: dict[str, Any] = {}
    if args.scale:
        options["scales"] = tuple(args.scale)
    if args.repeat is not None:
        options["repeat"] = args.repeat
    results = {part: PARTS[part](**options) for part in parts}
    text = json.dumps(results[args.part] if args.part else results, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    if not args.part or args.record:  # the committed record
        _record(results)
    print(text)
    return 0


def _record(results: dict[str, Any]) -> None:
    path = HERE / "results.json"
    recorded = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    recorded.update(results)
    ordered = {part: recorded[part] for part in PARTS if part in recorded}
    path.write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")
    (HERE / "RESULTS.md").write_text(report.markdown(ordered, _machine()), encoding="utf-8")


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


if __name__ == "__main__":
    sys.exit(main())
