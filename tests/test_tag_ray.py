"""``nkworkers tag --engine ray`` on one local Ray (2 CPUs) shared by the module: the same
rows and the same rejects, byte for byte, as the local engine, and one line for what
would hang or traceback (issue 19, Ray).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nkworkers.baselines.tagging.input import MAX_ARTICLE_BYTES
from nkworkers.baselines.tagging.local import TagError, run_local
from nkworkers.loaders.cli import app
from tests.tag_models import trained

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from nkworkers.baselines.tagging import ray_cluster  # noqa: E402
from nkworkers.baselines.tagging.ray_cluster import probe  # noqa: E402
from nkworkers.baselines.tagging.ray_engine import run_ray  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEXTS = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw").glob("*.txt"))}
# The lightest models of each layer (attribution and control make claims): each run
# starts actors that load them.
NAMES = ("entities-gazetteer", "attribution-rules", "control-lexicon")


@pytest.fixture(scope="module")
def cluster() -> Any:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return list(trained(tmp_path_factory, NAMES).values())


def jsonl_input(folder: Path) -> Path:
    articles = [{"doc_id": f"{d}-{k}", "text": t, "copy": k}
                for k in range(2) for d, t in TEXTS.items()]  # fmt: skip
    lines = [json.dumps(a) for a in articles]
    lines[3:3] = [json.dumps(articles[0]), '{"doc_id": "x", "text": ""}', "[1, 2",
                  '{"doc_id": "inf", "text": "a b", "v": 1e400}']  # fmt: skip
    source = folder / "in.jsonl"
    with source.open("wb") as handle:
        handle.write(("\n".join(lines) + "\n").encode() + b'{"doc_id": "b", "text": "\xff"}\n')
        handle.write(b'{"doc_id": "long", "text": "' + b"a" * MAX_ARTICLE_BYTES + b'"}\n')
        handle.write(b'{"doc_id": "end", "text": "last one"}')
    return source


def parquet_input(folder: Path) -> Path:
    rows = [{"doc_id": d, "text": t, "score": 1.0} for d, t in TEXTS.items()]
    rows[1:1] = [{"doc_id": "nan", "text": "a b", "score": float("nan")},
                 {"doc_id": None, "text": "a b", "score": 2.0}]  # fmt: skip
    source = folder / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=3)
    return source


def folder_input(folder: Path) -> Path:
    archive = folder / "archive"
    archive.mkdir()
    for doc_id, text in TEXTS.items():
        (archive / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    (archive / "dir.txt").mkdir()
    (archive / "gone.txt").symlink_to(archive / "nowhere")
    os.mkfifo(archive / "fifo.txt")
    (archive / "latin1.txt").write_bytes(b"caf\xe9")
    return archive


def by_id(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        rows = pq.read_table(path).to_pylist()
    else:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return sorted(rows, key=lambda r: r["doc_id"])


@pytest.mark.parametrize("make", [jsonl_input, parquet_input, folder_input])
def test_ray_engine_gives_the_rows_and_rejects_of_the_local_engine(
    cluster: Any, models: list[Path], tmp_path: Path, make: Any
) -> None:
    source = make(tmp_path)
    suffix = "parquet" if make is parquet_input else "jsonl"
    local = run_local(models=models, input_path=source, out=tmp_path / f"local.{suffix}",
                      batch_size=3, show_progress=False)  # fmt: skip
    on_ray = run_ray(models=models, input_path=source, out=tmp_path / f"ray.{suffix}",
                     batch_size=3, show_progress=False)  # fmt: skip
    assert (on_ray.tagged, on_ray.rejected, on_ray.rows) == (
        local.tagged, local.rejected, local.rows
    )  # fmt: skip
    assert local.tagged >= 5 and local.rejected >= 2
    assert by_id(tmp_path / f"ray.{suffix}") == by_id(tmp_path / f"local.{suffix}")
    assert all("claims" in row for row in by_id(tmp_path / f"ray.{suffix}"))
    ray_rejects = (tmp_path / "ray.rejects.jsonl").read_bytes()
    assert ray_rejects == (tmp_path / "local.rejects.jsonl").read_bytes()
    rejects = [json.loads(line) for line in ray_rejects.splitlines()]
    assert all(not Path(r["source"]).is_absolute() or r["source"].startswith(str(tmp_path))
               for r in rejects)  # fmt: skip
    if make is not folder_input:
        assert all(isinstance(r["line"], int) for r in rejects)  # parquet's line is no null


def test_ray_engine_on_an_empty_folder_gives_no_rows_as_locally(
    cluster: Any, models: list[Path], tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    for engine, run in (("local", run_local), ("ray", run_ray)):
        summary = run(models=models, input_path=tmp_path / "empty",
                      out=tmp_path / f"{engine}.jsonl", show_progress=False)  # fmt: skip
        assert (summary.rows, summary.rejected) == (0, 0)
        assert (tmp_path / f"{engine}.jsonl").read_bytes() == b""


def test_ray_refuses_more_workers_than_the_cluster_has_cpus_at_once(
    cluster: Any, models: list[Path], tmp_path: Path
) -> None:
    source = jsonl_input(tmp_path)
    for workers in (3, 1000):
        started = time.perf_counter()
        with pytest.raises(
            TagError, match=rf"--workers {workers} asks for {workers} CPUs .* has 2"
        ):
            run_ray(models=models, input_path=source, out=tmp_path / "o.jsonl",
                    workers=workers, show_progress=False)  # fmt: skip
        assert time.perf_counter() - started < 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def closed_port() -> int:
    """A loopback port that was bound and closed: nothing listens there."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_address_fails_in_one_line_and_leaves_nothing(
    cluster: Any, models: list[Path], tmp_path: Path
) -> None:
    source = jsonl_input(tmp_path)
    for address in ("127.0.0.1:1", f"127.0.0.1:{closed_port()}"):
        started = time.perf_counter()
        result = CliRunner().invoke(app, [
            "tag", *(a for m in models for a in ("--model", str(m))), "--input", str(source),
            "--out", str(tmp_path / "o.jsonl"), "--engine", "ray", "--address", address,
        ])  # fmt: skip
        assert time.perf_counter() - started < 30
        assert result.exit_code == 1 and "no Ray cluster answers there" in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]  # no parts folder


def test_probe_refuses_a_port_that_is_not_ray_and_accepts_the_running_cluster(
    cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ray_cluster, "PROBE_SECONDS", 8)  # 15 in use; the test needs no more
    with socket.socket() as server:  # listens, accepts, never speaks gRPC
        server.bind(("127.0.0.1", 0))
        server.listen()
        started = time.perf_counter()
        with pytest.raises(TagError, match="no Ray cluster answered within 8 s"):
            probe(f"127.0.0.1:{server.getsockname()[1]}")
        assert time.perf_counter() - started < 30
    probe(cluster.get_runtime_context().gcs_address)  # the real one passes


def test_a_missing_input_or_a_model_failing_in_the_actor_gives_one_line(
    cluster: Any, models: list[Path], tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    lexicon = models[NAMES.index("control-lexicon")]
    (broken / "lexicon.json").write_text('{"not": "a lexicon"}\n')
    meta = json.loads((lexicon / "model.json").read_text())
    import hashlib

    meta["files"]["lexicon.json"] = hashlib.sha256(
        (broken / "lexicon.json").read_bytes()
    ).hexdigest()
    (broken / "model.json").write_text(json.dumps(meta))
    source = jsonl_input(tmp_path)
    for given, input_path, what in (
        (models, tmp_path / "missing.jsonl", "no such file or folder"),
        ([broken], source, "not what `nkworkers train` writes"),
    ):
        result = CliRunner().invoke(app, [
            "tag", *(a for m in given for a in ("--model", str(m))), "--input", str(input_path),
            "--out", str(tmp_path / "o.jsonl"), "--engine", "ray",
        ])  # fmt: skip
        assert result.exit_code == 1 and what in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken", "in.jsonl"]
