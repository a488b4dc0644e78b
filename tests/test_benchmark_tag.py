"""``python -m benchmarks tag``: its archive, its choice of systems and its memory figure."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from nkworkers.baselines.systems.catalog import CATALOG
from nkworkers.benchmarks import tag
from nkworkers.loaders.text.segment import segment


def read_texts(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_archive_is_deterministic_and_its_prefix_is_the_smaller_archive(tmp_path: Path) -> None:
    tag.write_archive(tmp_path / "a.jsonl", 40)
    tag.write_archive(tmp_path / "b.jsonl", 80)
    assert read_texts(tmp_path / "b.jsonl")[:40] == read_texts(tmp_path / "a.jsonl")


def test_archive_sentences_are_not_the_corpus_sentences_repeated(tmp_path: Path) -> None:
    # Regression: sentences drawn whole from five articles repeat, and systems that
    # parse or embed each distinct text of a batch once then skip most of the work.
    tag.write_archive(tmp_path / "a.jsonl", 200)
    counts = Counter(t[s.start : s.end] for t in read_texts(tmp_path / "a.jsonl")
                     for s in segment(t))  # fmt: skip
    repeated = sum(n - 1 for n in counts.values())
    assert repeated / sum(counts.values()) < 0.05
    assert len(set(tag.corpus_sentences()) & set(counts)) / len(counts) < 0.05


def test_best_and_fast_systems_come_from_the_cross_validated_means() -> None:
    rows = json.loads((tag.ROOT / "results" / "leaderboard.json").read_text())["rows"]
    mean = {(r["task"], r["system"]): r["value"] for r in rows if r["split"] == "cv-mean"
            and r["metric"] == tag.HEADLINE.get(r["task"])}  # fmt: skip
    for fast in (False, True):
        chosen = tag.best_systems(fast=fast)
        for task, system in chosen.items():
            left_out = tag.GPU_TRAINED | (tag.PRETRAINED if fast else frozenset())
            others = [v for (t, s), v in mean.items() if t == task and s not in left_out]
            assert system not in left_out and mean[(task, system)] == max(others)


def test_child_peak_rss_is_its_own_not_its_parents() -> None:
    # Regression: ru_maxrss from wait4 carried the parent's high-water mark into every
    # child, so each configuration "peaked" at the benchmark process's own size.
    ballast = bytearray(400 * 1024 * 1024)  # this process grows by 400 MiB
    ballast[::4096] = b"x" * len(ballast[::4096])
    got = tag._child('print(\'{"tagged": 1, "seconds": 1.0, "vmhwm_kib": %d}\' % vmhwm())')
    assert got["peak_rss_mib"] < 100
    del ballast


def test_system_sets_name_real_systems_and_the_readme_tags_with_them() -> None:
    assert tag.GPU_TRAINED.issubset(CATALOG) and tag.PRETRAINED.issubset(CATALOG)
    readme = (tag.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Tagging an archive") :]
    for name in tag.best_systems().values():
        assert f"train --system {name} " in section
    for name in tag.best_systems(fast=True).values():
        assert f"`{name}`" in section


def test_a_compared_system_runs_beside_the_best_and_its_ratio_is_reported() -> None:
    # issue 22's speed goal is stated against control-twostage: it runs in the same run.
    best = {t: Path(f"/m/{n}") for t, n in tag.DEFAULT_BEST.items()}
    fast = {t: Path(f"/m/{n}") for t, n in tag.DEFAULT_FAST.items()}
    compared = {t: Path(f"/m/{n}") for t, n in tag.COMPARED.items()}
    configs = tag.configurations(best, fast, compared)
    assert configs["control_measures: control-twostage (compared)"] == [
        compared["control_measures"]
    ]
    assert tag.configurations(best, fast, {"entities": best["entities"]}).keys() == (
        tag.configurations(best, fast).keys()
    )  # the best itself is never run twice
    rows = [
        {"scale": 5, "config": c, "articles_per_s": float(i + 1)} for i, c in enumerate(configs)
    ]
    ratio = tag._best_vs_compared(rows)
    cascade = next(r for r in rows if r["config"] == "control_measures: control-cascade")
    twostage = next(r for r in rows if r["config"].endswith("(compared)"))
    assert ratio == {
        "control_measures: control-cascade / control_measures: control-twostage (compared)": (
            cascade["articles_per_s"] / twostage["articles_per_s"]
        )
    }
