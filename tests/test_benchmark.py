"""The benchmark runner and ``predict``: files written, figures reproducible by ``evaluate``."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from nkworkers.baselines.benchmark import cli as benchmark_cli
from nkworkers.baselines.benchmark.predict import PredictError, predict
from nkworkers.baselines.benchmark.report import headline_table, readme_tables
from nkworkers.baselines.benchmark.runner import (
    Settings,
    StaleLeaderboard,
    lookup,
    run_benchmark,
    run_standard,
)
from nkworkers.baselines.evaluation import cli as evaluation_cli
from nkworkers.baselines.evaluation import evaluate_rows
from nkworkers.baselines.evaluation.cli import load_gold
from nkworkers.baselines.systems.base import CorpusData, Row, System
from nkworkers.baselines.systems.control.lexicon import KeywordLexicon
from nkworkers.baselines.systems.control.tfidf import TfidfLogReg
from nkworkers.baselines.systems.registry import SYSTEMS as REGISTRY
from nkworkers.loaders.labels import PublishedConfidence
from nkworkers.loaders.model import ManifestEntry

SYSTEMS: dict[str, Callable[[], System]] = {
    "control-lexicon": KeywordLexicon,
    "control-tfidf-lr": lambda: TfidfLogReg((1.0,)),
}
BOOTSTRAP = 50


def app() -> typer.Typer:
    main = typer.Typer()
    benchmark_cli.register(main)
    evaluation_cli.register(main)
    return main


def evaluate(predictions: Path, split: str, root: Path, out: Path, seed: int) -> dict[str, Any]:
    args = ["evaluate", "--predictions", str(predictions), "--split", split, "--root", str(root)]
    args += ["--bootstrap", str(BOOTSTRAP), "--seed", str(seed), "--json", str(out)]
    result = CliRunner().invoke(app(), args)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def assert_reproduced(rows: list[dict[str, Any]], report: dict[str, Any]) -> None:
    assert rows
    for row in rows:
        found = lookup(report, row["metric"])
        assert found is not None, row["metric"]
        value, ci = found
        assert value == pytest.approx(row["value"], abs=1e-12), row
        assert ci == [row["ci_low"], row["ci_high"]], row


@pytest.fixture
def settings(corpus: Path, tmp_path: Path) -> Settings:
    return Settings(
        root=corpus, out=tmp_path / "bench", seed=3, bootstrap=BOOTSTRAP, cache_dir=tmp_path / "hf"
    )


def test_benchmark_writes_files_and_evaluate_reproduces_every_figure(
    settings: Settings, tmp_path: Path
) -> None:
    board = run_benchmark(systems=SYSTEMS, settings=settings)
    out = settings.out
    assert json.loads((out / "leaderboard.json").read_text(encoding="utf-8")) == board
    keys = {"system", "task", "split", "metric", "value", "ci_low", "ci_high"}
    assert all(keys <= set(row) for row in board["rows"])
    assert {r["system"] for r in board["rows"]} == set(SYSTEMS)
    assert {r["split"] for r in board["rows"]} == {"validation", "test"}
    assert "control_measures.sentences.micro.f1" in {r["metric"] for r in board["rows"]}
    md = (out / "LEADERBOARD.md").read_text(encoding="utf-8")
    assert "## control_measures" in md and "resamples sentences" in md
    # the reproduce line's --root, read from out/, is the checkout the benchmark read
    root_arg = re.search(r"`nkworkers evaluate --root (\S+) ", md)
    assert root_arg is not None and (out / root_arg.group(1)).resolve() == settings.root.resolve()
    name = "control-lexicon"
    for split, path in (
        ("test", out / "predictions" / f"{name}.jsonl"),
        ("validation", out / "predictions" / "validation" / f"{name}.jsonl"),
    ):
        report = evaluate(path, split, settings.root, tmp_path / f"{split}.json", settings.seed)
        rows = [r for r in board["rows"] if r["system"] == name and r["split"] == split]
        assert_reproduced(rows, report)


def test_cv_reports_fold_spread_and_a_reproducible_pooled_file(
    settings: Settings, tmp_path: Path
) -> None:
    systems = {
        "entities-gazetteer": REGISTRY["entities-gazetteer"],
        "control-lexicon": KeywordLexicon,
    }
    systems["entities-spacy-sm"] = REGISTRY["entities-spacy-sm"]
    board = run_benchmark(systems=systems, settings=settings, cv=True)
    means = [r for r in board["rows"] if r["split"] == "cv-mean"]
    n_docs = len(list((settings.root / "raw").glob("*.txt")))
    assert means and all(r["std"] >= 0 and r["of_folds"] == n_docs for r in means)
    # a per-category figure exists only in the folds whose article holds the category
    overall = [r for r in means if ".per_category." not in r["metric"]]
    assert overall and all(len(r["folds"]) == n_docs for r in overall)
    assert all(1 <= len(r["folds"]) <= n_docs for r in means)
    assert {r["split"] for r in board["rows"]} == {"cv-mean", "cv-pooled", "validation", "test"}
    pooled = [
        r for r in board["rows"] if r["split"] == "cv-pooled" and r["system"] == "control-lexicon"
    ]
    path = settings.out / "predictions" / "cv" / "control-lexicon.jsonl"
    assert len(path.read_text(encoding="utf-8").splitlines()) == n_docs
    report = evaluate(path, "all", settings.root, tmp_path / "cv.json", settings.seed)
    assert_reproduced(pooled, report)
    assert "± " in (settings.out / "LEADERBOARD.md").read_text(encoding="utf-8")


def test_cv_fold_files_rescored_give_every_leaderboard_mean_and_sd(settings: Settings) -> None:
    board = run_benchmark(systems={"control-lexicon": KeywordLexicon}, settings=settings, cv=True)
    gold = {g["doc_id"]: g for g in load_gold(settings.root, "all")}
    folds = sorted((settings.out / "cv").glob("fold-*/control-lexicon.jsonl"))
    assert len(folds) == len(gold)
    reports = []
    for path in folds:  # committed-style files, scored by the evaluator alone
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        reports.append(evaluate_rows([gold[r["doc_id"]] for r in rows], rows, bootstrap=0))
    means = [r for r in board["rows"] if r["split"] == "cv-mean"]
    assert means
    for row in means:
        values = [found[0] for found in (lookup(r, row["metric"]) for r in reports) if found]
        assert row["folds"] == pytest.approx(values, abs=1e-12), row["metric"]
        assert row["value"] == pytest.approx(float(np.mean(values)), abs=1e-12)
        assert row["std"] == pytest.approx(float(np.std(values)), abs=1e-12)


def test_leaderboard_puts_the_zero_shot_row_first_and_the_cv_mean_before_test(
    settings: Settings,
) -> None:
    systems = {n: REGISTRY[n] for n in ("entities-gazetteer", "entities-spacy-sm")}
    board = run_benchmark(systems=systems, settings=settings, cv=True)
    table = headline_table([r for r in board["rows"] if r["task"] == "entities"], "entities")
    assert "leave-one-document-out mean ± sd" in table[0].split("|")[3]
    assert "test" in table[0].split("|")[4]
    assert table[2].startswith("| entities-spacy-sm | zero-shot, no training on this corpus |")
    assert table[3].startswith("| entities-gazetteer | trained |")
    mean = next(r for r in board["rows"] if r["system"] == "entities-spacy-sm"
                and r["split"] == "cv-mean" and r["metric"] == "entities.strict.f1")  # fmt: skip
    assert f"{mean['value']:.3f} ± {mean['std']:.3f}" in table[2]
    assert readme_tables(board).count("entities-spacy-sm") == 1


def test_update_replaces_only_the_rows_of_the_systems_run(settings: Settings) -> None:
    first = run_benchmark(systems={"control-lexicon": KeywordLexicon}, settings=settings)
    second = run_benchmark(systems={"control-tfidf-lr": SYSTEMS["control-tfidf-lr"]},
                           settings=settings, update=True)  # fmt: skip
    lexicon = [r for r in first["rows"] if r["system"] == "control-lexicon"]
    assert [r for r in second["rows"] if r["system"] == "control-lexicon"] == lexicon
    assert {t["system"] for t in second["timings"]} == {"control-lexicon", "control-tfidf-lr"}
    on_disk = json.loads((settings.out / "leaderboard.json").read_text(encoding="utf-8"))
    assert on_disk == second
    other = dataclasses.replace(settings, seed=settings.seed + 1)
    with pytest.raises(StaleLeaderboard, match="seed"):
        run_benchmark(systems={"control-lexicon": KeywordLexicon}, settings=other, update=True)
    assert json.loads((settings.out / "leaderboard.json").read_text(encoding="utf-8")) == second


def test_benchmark_logs_one_line_per_system_and_stage_when_stdout_is_not_a_terminal(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    run_benchmark(systems={"control-lexicon": KeywordLexicon}, settings=settings)
    lines = capsys.readouterr().out.splitlines()
    stages = [line.split(":")[1].rsplit(" ", 2)[0].strip() for line in lines]
    assert stages == ["fit", "predict validation", "score validation", "predict test",
                      "score test"]  # fmt: skip
    assert all(re.fullmatch(r"control-lexicon: [a-z ]+ \d+\.\d s", line) for line in lines)


class Peeking:
    """A system that tries to read the test split while fitting."""

    name = "peeking"
    task = "control_measures"

    def fit(self, data: CorpusData, *, seed: int = 0, device: str = "cpu") -> None:
        data.test["control_measures"]

    def predict(self, documents: list[Row]) -> list[Row]:
        return []


def test_the_test_split_is_sealed_while_fitting(settings: Settings) -> None:
    data = CorpusData.load(settings.root, settings.cache_dir)
    with pytest.raises(RuntimeError, match="must not be read while fitting"):
        run_standard("peeking", Peeking, data, settings)  # type: ignore[arg-type]


def add_unannotated(root: Path) -> str:
    doc_id = "900_unannotated"
    text = "Workers' passports were confiscated.\n\nThey cannot leave the dormitory.\n"
    (root / "raw" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    entry = ManifestEntry(
        doc_id=doc_id,
        outlet="Test",
        headline=None,
        published="2024-01",
        published_confidence=PublishedConfidence.LOW,
        published_evidence="test",
        credits=None,
        url=None,
        sha256="0" * 64,
        rights="test",
    )
    with (root / "raw" / "manifest.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(entry.model_dump_json() + "\n")
    return doc_id


def test_predict_covers_unannotated_articles(settings: Settings, tmp_path: Path) -> None:
    doc_id = add_unannotated(settings.root)
    out = tmp_path / "pred.jsonl"
    rows = predict(
        name="control-lexicon",
        systems=dict(SYSTEMS),
        out=out,
        root=settings.root,
        doc_ids=[doc_id],
        cache_dir=settings.cache_dir,
    )
    assert [r["doc_id"] for r in rows] == [doc_id]
    assert json.loads(out.read_text(encoding="utf-8")) == rows[0]
    with pytest.raises(PredictError, match="not in"):
        predict(name="control-lexicon", systems=dict(SYSTEMS), out=out, root=settings.root,
                doc_ids=["nope"], cache_dir=settings.cache_dir)  # fmt: skip
    with pytest.raises(PredictError, match="unknown system"):
        predict(name="nope", systems=dict(SYSTEMS), out=out, root=settings.root)


def test_cli_benchmark_and_predict(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datasets

    # a fresh cache: load_dataset keys a local folder's cache on its README, not its data
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf")
    runner = CliRunner()
    out = tmp_path / "bench"
    args = ["benchmark", "--out", str(out), "--root", str(corpus), "--bootstrap", "10"]
    result = runner.invoke(app(), [*args, "--baselines", "control-lexicon"])
    assert result.exit_code == 0, result.output
    assert (out / "predictions" / "control-lexicon.jsonl").is_file()
    result = runner.invoke(app(), [*args, "--baselines", "no-such-system"])
    assert result.exit_code != 0
    pred = tmp_path / "p.jsonl"
    args = ["predict", "--system", "control-lexicon", "--out", str(pred), "--root", str(corpus)]
    result = runner.invoke(app(), args)
    assert result.exit_code == 0, result.output
    assert len(pred.read_text(encoding="utf-8").splitlines()) == len(
        list((corpus / "raw").glob("*.txt"))
    )


def test_cli_folds_and_exclude_run_a_marked_subset_of_folds(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf")
    out = tmp_path / "bench"
    args = ["benchmark", "--out", str(out), "--root", str(corpus), "--bootstrap", "0", "--cv"]
    result = CliRunner().invoke(
        app(),
        [*args, "--folds", "0", "--systems", "control-lexicon,control-tfidf-lr",
         "--exclude", "control-tfidf-lr"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    board = json.loads((out / "leaderboard.json").read_text(encoding="utf-8"))
    assert {r["system"] for r in board["rows"]} == {"control-lexicon"}
    means = [r for r in board["rows"] if r["split"] == "cv-mean"]
    assert means and all(len(r["folds"]) == 1 and r["of_folds"] == 5 for r in means)
    assert sorted(p.parent.name for p in (out / "cv").glob("fold-*/*.jsonl")) == ["fold-0"]
    assert "(1 of 5 folds)" in (out / "LEADERBOARD.md").read_text(encoding="utf-8")
    result = CliRunner().invoke(app(), [*args, "--folds", "7", "--systems", "control-lexicon"])
    assert result.exit_code == 1
    assert "--folds [7]" in result.output
