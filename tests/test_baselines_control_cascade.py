"""control-cascade on the real corpus, its scores and average precision, and ``train --data all``.

Oracles: scikit-learn's ``average_precision_score`` for the AP figures, a
fresh ``tag`` run over a model folder for ``--data all``, and the
predictions reader for the rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nkworkers.baselines.benchmark.runner import bare, sealed
from nkworkers.baselines.evaluation import evaluate_rows
from nkworkers.baselines.evaluation.ranking import average_precision, pair_matrices
from nkworkers.baselines.evaluation.units import Sentences as GoldSentences
from nkworkers.baselines.systems.base import CorpusData, Refits
from nkworkers.baselines.systems.control.cascade import (
    SETTINGS,
    Cascade,
    measure_extent,
    measure_spans,
)
from nkworkers.baselines.systems.control.common import CATEGORIES
from nkworkers.baselines.systems.registry import SYSTEMS
from nkworkers.baselines.tagging.model_folder import ModelError
from nkworkers.baselines.tagging.train import combine, train
from nkworkers.loaders.cli import app
from nkworkers.loaders.predictions import PredictionRow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fitted(data: CorpusData) -> Cascade:
    system = Cascade()
    system.fit(sealed(data), seed=0)
    return system


def test_cascade_chooses_its_settings_without_the_test_split(fitted: Cascade) -> None:
    assert set(fitted.settings) == set(SETTINGS)
    assert fitted.selected["selection"] == "inner"
    assert 0.0 < fitted.selected["micro_f1"] <= 1.0


def test_scores_are_in_the_unit_interval_and_rank_the_decisions(
    data: CorpusData, fitted: Cascade
) -> None:
    documents = [*data.validation["documents"], *data.test["documents"]]
    rows = fitted.predict(bare(documents))
    for row in rows:
        parsed = PredictionRow.model_validate(row)
        assert parsed.control_scores is not None
        for measure in parsed.control_measures or []:
            assert measure.score is not None and 0.0 < measure.score <= 1.0
            # a predicted span's score is its sentence's score for that category
            sentence = next(s for s in parsed.control_scores if s.start <= measure.start < s.end)
            assert sentence.scores[measure.labels[0]] == measure.score
    report = evaluate_rows(documents, rows, bootstrap=0)
    ap = report["control_measures"]["average_precision"]
    assert 0.0 < ap["micro"]["ap"] <= 1.0
    assert set(ap["per_category"]) <= set(report["control_measures"]["sentences"]["per_category"])


def test_average_precision_equals_scikit_learns(data: CorpusData, fitted: Cascade) -> None:
    from sklearn.metrics import average_precision_score

    documents = [*data.validation["documents"], *data.test["documents"]]
    rows = [PredictionRow.model_validate(r) for r in fitted.predict(bare(documents))]
    gold = [PredictionRow.model_validate(d) for d in documents]
    truth, scores = pair_matrices(GoldSentences(tuple(d["text"] for d in documents)), gold, rows)
    assert average_precision(truth.ravel(), scores.ravel()) == pytest.approx(
        average_precision_score(truth.ravel(), scores.ravel()), abs=1e-12
    )
    rng = np.random.default_rng(0)
    for _ in range(20):  # ties included: scores on a coarse grid
        y = rng.integers(0, 2, 40)
        y[0] = 1
        s = rng.integers(0, 5, 40) / 4
        assert average_precision(y, s) == pytest.approx(average_precision_score(y, s), abs=1e-12)


def test_a_system_without_scores_gets_no_average_precision(data: CorpusData) -> None:
    documents = list(data.test["documents"])
    rows = [{"doc_id": d["doc_id"], "control_measures": d["control_measures"]} for d in documents]
    report = evaluate_rows(documents, rows, bootstrap=0)
    assert "average_precision" not in report["control_measures"]
    assert report["control_measures"]["sentences"]["micro"]["f1"] == 1.0


def test_span_leaves_out_the_attribution_framing() -> None:
    text = "Workers are banned from using phones, a source told Daily NK."
    start, end = measure_extent(text)
    assert text[start:end] == "Workers are banned from using phones"
    only = "The source said."
    assert measure_extent(only) == (0, len(only))


def test_two_measures_of_a_kind_in_one_sentence_get_a_span_each() -> None:
    financial = CATEGORIES.index("FINANCIAL_EXTRACTION")
    first = "The workers must send RUB 45,000 a month as party funds"
    second = "the civilian workers will need to send back RUB 70,000"
    text = f"{first}, while {second}, a source said."
    spans = measure_spans(text, financial)
    assert [text[a:b] for a, b in spans] == [first, second]
    # one part without the category's cue words: the whole extent, as measure_extent
    single = "Workers must pay party funds, and they are watched, a source said."
    assert measure_spans(single, financial) == [measure_extent(single)]


def test_combine_takes_the_median_of_numbers_and_the_mode_of_the_rest() -> None:
    folds = [
        {"threshold": 0.3, "generic": True, "epochs": 4},
        {"threshold": 0.5, "generic": False, "epochs": 2},
        {"threshold": 0.4, "generic": True, "epochs": 8},
        {"threshold": 0.4, "generic": False, "epochs": 2},
    ]
    assert combine(folds) == {"threshold": 0.4, "generic": True, "epochs": 2}


def test_the_best_tagging_systems_can_train_on_all_articles() -> None:
    for name in ("control-cascade", "attribution-deps", "entities-spacy-ft"):
        assert isinstance(SYSTEMS[name](), Refits), name
    assert not isinstance(SYSTEMS["control-lexicon"](), Refits)


def test_train_all_refuses_a_system_that_cannot_fix_its_choices(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot train on all articles"):
        train(name="control-lexicon", systems=SYSTEMS, out=tmp_path / "m", root=ROOT, data="all")
    assert not (tmp_path / "m").exists()


def test_train_all_writes_a_folder_that_tag_uses(tmp_path: Path) -> None:
    out = tmp_path / "control"
    result = CliRunner().invoke(
        app,
        ["train", "--system", "control-cascade", "--data", "all", "--out", str(out),
         "--root", str(ROOT)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert meta["data"] == "all" and "validation" not in meta
    lodo = meta["lodo"]
    assert lodo["folds"] == 5 and len(lodo["chosen_per_fold"]) == 5
    assert set(lodo["chosen"]) == set(SETTINGS)
    assert 0.0 < lodo["pooled"]["control_measures.sentences.micro.f1"] <= 1.0
    assert meta["settings"]["selection"] == "fixed"
    tagged = tmp_path / "tagged.jsonl"
    result = CliRunner().invoke(
        app, ["tag", "--model", str(out), "--input", str(ROOT / "raw"), "--out", str(tagged)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in tagged.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 5 and any(r["control_measures"] for r in rows)
    # parquet keeps the span scores and each sentence's scores (a map: (key, value) pairs)
    as_parquet = tmp_path / "tagged.parquet"
    result = CliRunner().invoke(
        app, ["tag", "--model", str(out), "--input", str(ROOT / "raw"), "--out", str(as_parquet)]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(as_parquet).to_pylist()
    assert [r["control_measures"] for r in table] == [r["control_measures"] for r in rows]
    assert [[dict(s["scores"]) for s in r["control_scores"]] for r in table] == [
        [s["scores"] for s in r["control_scores"]] for r in rows
    ]


@pytest.mark.parametrize("name", ["control-cascade", "attribution-deps"])
def test_fit_chosen_with_the_settings_fit_chose_predicts_the_same(
    name: str, data: CorpusData
) -> None:
    chose = SYSTEMS[name]()
    chose.fit(sealed(data), seed=0)
    assert isinstance(chose, Refits)
    fixed = SYSTEMS[name]()
    assert isinstance(fixed, Refits)
    fixed.fit_chosen(sealed(data), chose.chosen_settings(), seed=0)
    documents = bare(data.test["documents"])
    assert fixed.predict(documents) == chose.predict(documents)
