"""``nkworkers tag --engine ray`` on a local Ray: the same rows and rejects as the local engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nkworkers.baselines.systems.registry import SYSTEMS
from nkworkers.baselines.tagging.local import run_local
from nkworkers.baselines.tagging.train import train

pytest.importorskip("ray.data")

from nkworkers.baselines.tagging.ray_engine import run_ray

ROOT = Path(__file__).resolve().parent.parent


def _rows(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return sorted(rows, key=lambda r: r["doc_id"])


def test_ray_engine_gives_the_rows_and_rejects_of_the_local_engine(tmp_path: Path) -> None:
    models = []
    for name in ("entities-gazetteer", "attribution-rules", "control-lexicon"):
        train(name=name, systems=SYSTEMS, out=tmp_path / name, root=ROOT, seed=0,
              cache_dir=tmp_path / "hf")  # fmt: skip
        models.append(tmp_path / name)
    articles = [
        {"doc_id": f"{p.stem}-{k}", "text": p.read_text(encoding="utf-8"), "copy": k}
        for k in range(4)
        for p in sorted((ROOT / "raw").glob("*.txt"))
    ]
    lines = [json.dumps(a) for a in articles]
    lines[3:3] = [json.dumps(articles[0]), '{"doc_id": "x", "text": ""}', "[1, 2"]
    source = tmp_path / "in.jsonl"
    source.write_bytes(("\n".join(lines) + "\n").encode() + b'{"doc_id": "b", "text": "\xff"}\n')

    local = run_local(models=models, input_path=source, out=tmp_path / "local.jsonl",
                      batch_size=3, show_progress=False)  # fmt: skip
    ray = run_ray(models=models, input_path=source, out=tmp_path / "ray.jsonl", batch_size=3,
                  workers=2, show_progress=False)  # fmt: skip
    assert (ray.tagged, ray.rejected, ray.rows) == (local.tagged, local.rejected, local.rows)
    assert local.tagged == len(articles) and local.rejected == 4
    assert _rows(tmp_path / "ray.jsonl") == _rows(tmp_path / "local.jsonl")
    assert all("claims" in row for row in _rows(tmp_path / "ray.jsonl"))  # attribution + control
    assert (tmp_path / "ray.rejects.jsonl").read_text() == (
        tmp_path / "local.rejects.jsonl"
    ).read_text()
    import ray as ray_module

    assert not ray_module.is_initialized()  # the local Ray started for the run is shut down
