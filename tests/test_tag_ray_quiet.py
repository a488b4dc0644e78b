"""A successful ``tag --engine ray`` is quiet: the summary line and nothing from Ray
(issue 18: an error-level ``core_worker.cc`` line and several warnings on every run).

Its own module: the run must start (and stop) its own local Ray, which a Ray
shared by a module's tests would skip. The oracles for "nothing from Ray" are the
process's file descriptors 1 and 2 (pytest's capfd: Ray's C++ core writes there
directly), Python's warnings and the records of Ray's loggers (caplog).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkworkers.baselines.systems.registry import SYSTEMS
from nkworkers.baselines.tagging.train import train
from nkworkers.loaders.cli import app

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

ROOT = Path(__file__).resolve().parent.parent


def test_a_successful_ray_run_prints_the_summary_and_nothing_of_ray(
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    train(name="control-lexicon", systems=SYSTEMS, out=tmp_path / "lex", root=ROOT, seed=0,
          cache_dir=tmp_path / "hf")  # fmt: skip
    source = tmp_path / "in.jsonl"
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw").glob("*.txt"))[:2]]
    source.write_text("".join(json.dumps({"doc_id": str(i), "text": t}) + "\n"
                              for i, t in enumerate(texts)))  # fmt: skip
    capfd.readouterr()
    assert not ray.is_initialized()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(app, [
            "tag", "--model", str(tmp_path / "lex"), "--input", str(source),
            "--out", str(tmp_path / "o.jsonl"), "--engine", "ray", "--workers", "1",
        ])  # fmt: skip
    assert result.exit_code == 0, result.output
    seen = capfd.readouterr()
    printed = "\n".join([result.output, seen.out, seen.err])
    lines = [line for line in printed.splitlines() if line.strip()]
    assert [line for line in lines if not line.startswith("tagging")] == [
        line for line in lines if line.startswith("tagged 2 articles")
    ], printed
    assert [w for w in caught if "ray" in w.filename] == []
    # Ray's Python loggers write to the stream they found at import: their records
    # are the oracle (with --ray-logs: a token warning, "Started a local Ray", ...).
    ray_logs = [r for r in caplog.records if r.name.startswith("ray") and r.levelno >= 20]
    assert ray_logs == []
    assert not ray.is_initialized()
