"""A successful ``tag --engine ray`` is quiet: the summary line and nothing from Ray
(issue 18: an error-level ``core_worker.cc`` line and several warnings on every run).

Run as a user runs it, in a fresh process: Ray and Ray Data set up their
logging when first imported and started, which a test process that already
imported them would hide (an earlier version of this test passed while the
command printed Ray Data's INFO lines). The oracle is everything the process
writes to stdout and stderr: Ray's C++ core, its Python loggers and Python's
warnings all end up there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nkworkers.baselines.systems.registry import SYSTEMS
from nkworkers.baselines.tagging.train import train

pytest.importorskip("ray.data")

ROOT = Path(__file__).resolve().parent.parent


def test_a_successful_ray_run_prints_the_summary_and_nothing_of_ray(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    train(name="control-lexicon", systems=SYSTEMS, out=tmp_path / "lex", root=ROOT, seed=0,
          cache_dir=tmp_path / "hf")  # fmt: skip
    source = tmp_path / "in.jsonl"
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw").glob("*.txt"))[:2]]
    source.write_text("".join(json.dumps({"doc_id": str(i), "text": t}) + "\n"
                              for i, t in enumerate(texts)))  # fmt: skip
    command = [
        sys.executable, "-m", "nkworkers.loaders.cli", "tag", "--model", str(tmp_path / "lex"),
        "--input", str(source), "--out", str(tmp_path / "o.jsonl"), "--engine", "ray",
        "--workers", "1",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed
    lines = [line for line in printed.splitlines() if line.strip()]
    # rich draws the final state of the bar ("tagging ━━━ 2/2 ...") and the summary
    assert [x for x in lines if not x.startswith("tagging ")] == [
        x for x in lines if x.startswith("tagged 2 articles")
    ], printed
    assert len(lines) <= 2, printed
