"""nkworkers agreement: chance-corrected measures and the committed second annotation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from nkworkers.baselines.agreement.adjudicate import disagreements
from nkworkers.baselines.agreement.cli import register
from nkworkers.baselines.agreement.figures import (
    AGREEMENT,
    cohen_kappa,
    compare,
    corpus_agreement,
    folder_annotations,
)
from nkworkers.loaders.cli import app
from nkworkers.loaders.corpus import read_corpus
from tests.conftest import ROOT


@given(st.lists(st.tuples(st.sampled_from("OABC"), st.sampled_from("OABC")), min_size=2))
def test_cohen_kappa_matches_sklearn(pairs) -> None:
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    expected = cohen_kappa_score(a, b)
    if len(set(a) | set(b)) > 1 and expected == expected:  # sklearn gives nan when undefined
        assert abs(cohen_kappa(a, b) - expected) < 1e-9


def test_an_annotation_agrees_perfectly_with_itself() -> None:
    loaded = read_corpus(ROOT)
    texts = {d: raw.decode("utf-8") for d, raw in loaded.raw_bytes.items()}
    result = compare(texts, loaded.annotations, loaded.annotations)
    assert result["entities"]["strict_f1"] == 1.0
    assert result["entities"]["token_kappa"] == 1.0
    assert result["attribution"]["records_f1"] == 1.0
    assert result["control_measures"]["sentence_kappa_pooled"] == 1.0
    assert result["claims"]["f1"] == 1.0 and result["claims"]["claims_in_a"] == 94


def test_second_annotation_covers_every_annotated_article() -> None:
    result = corpus_agreement(ROOT)
    pair = result["annotator_a vs annotator_b"]
    assert len(pair["documents"]) == 5
    for figure in (pair["entities"]["strict_f1"], pair["attribution"]["records_f1"]):
        assert 0.0 <= figure <= 1.0
    # claims of two annotations, each derived by the one rule: close, not equal
    assert 0.5 < pair["claims"]["f1"] < pair["claims"]["f1_without_source"] < 1.0


def test_agreement_cli_prints_json() -> None:
    result = CliRunner().invoke(app, ["agreement", "--root", str(ROOT), "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == {
        "annotator_a vs annotator_b",
        "gold vs annotator_a",
        "gold vs annotator_b",
    }


# ---------------------------------------------------------------- any two folders, adjudication


def _cli() -> typer.Typer:
    """A fresh app with only these commands, as the entry point mounts them."""
    fresh = typer.Typer()
    register(fresh)
    return fresh


def _folder(corpus: Path, name: str) -> Path:
    """A copy of the gold in annotations/agreement/<name>/ (the articles' files only)."""
    folder = corpus / AGREEMENT / name
    folder.mkdir(parents=True)
    for doc_id in read_corpus(corpus).annotations:
        shutil.copy(corpus / "annotations" / f"{doc_id}.json", folder / f"{doc_id}.json")
    return folder


@pytest.mark.parametrize(("a", "b"), [("annotator_a", "annotator_b"), ("gold", "annotator_b")])
def test_agreement_between_any_two_folders_matches_the_committed_pair(a: str, b: str) -> None:
    args = ["agreement", "--root", str(ROOT), "--a", a, "--b", b, "--json"]
    result = CliRunner().invoke(_cli(), args)
    assert result.exit_code == 0, result.output
    name = f"{a} vs {b}"
    assert json.loads(result.stdout) == {name: corpus_agreement(ROOT)[name]}


def test_adjudication_lists_exactly_the_difference(corpus: Path) -> None:
    _folder(corpus, "alice")
    bob = _folder(corpus, "bob")
    doc_id = sorted(read_corpus(corpus).annotations)[2]
    raw = json.loads((bob / f"{doc_id}.json").read_text())
    entity = raw["entities"][3]
    entity["label"] = "GPE" if entity["label"] != "GPE" else "ORG"
    dropped = raw["control_measures"].pop(0)
    (bob / f"{doc_id}.json").write_text(json.dumps(raw))
    out = corpus / "adjudication"
    args = ["adjudicate", "--root", str(corpus), "--a", "alice", "--b", "bob", "--out", str(out)]
    result = CliRunner().invoke(_cli(), args)
    assert result.exit_code == 0, result.output
    report = json.loads(out.with_name("adjudication.json").read_text())
    gold = read_corpus(corpus).annotations[doc_id]
    old_label = next(e.label.value for e in gold.entities if e.id == entity["id"])
    assert [
        (d["layer"], d["doc_id"], d["start"], d["end"], d["a"], d["b"])
        for d in report["disagreements"]
    ] == [
        ("entities", doc_id, entity["start"], entity["end"], old_label, entity["label"]),
        ("control_measures", doc_id, dropped["start"], dropped["end"],
         "+".join(sorted(dropped["labels"])), None),
    ]  # fmt: skip
    assert report["disagreements"][0]["text"] == entity["text"]
    figures = report["agreement"]["alice vs bob"]
    assert figures["entities"]["strict_f1"] < 1.0 and figures["attribution"]["records_f1"] == 1.0
    markdown = out.with_name("adjudication.md").read_text()
    assert f"| {doc_id} | [{entity['start']}, {entity['end']}) | {entity['text']} |" in markdown


def test_adjudication_entity_rows_agree_with_the_scorer() -> None:
    # Oracle: the scorer's strict entity F1 from the same two folders.
    loaded = read_corpus(ROOT)
    texts = {d: raw.decode("utf-8") for d, raw in loaded.raw_bytes.items()}
    a, b = (
        folder_annotations(loaded, ROOT / AGREEMENT / n) for n in ("annotator_a", "annotator_b")
    )
    rows = [d for d in disagreements(texts, a, b) if d.layer == "entities"]
    fn = sum(d.a is not None for d in rows)
    fp = sum(d.b is not None for d in rows)
    tp = sum(len(x.entities) for x in a.values()) - fn
    assert compare(texts, a, b)["entities"]["strict_f1"] == pytest.approx(
        2 * tp / (2 * tp + fp + fn)
    )


@pytest.mark.parametrize(
    ("name", "written"),
    [("list.md", ["list.md"]), ("list.json", ["list.json"]), ("list", ["list.json", "list.md"])],
)
def test_adjudicate_writes_markdown_json_or_both(
    tmp_path: Path, name: str, written: list[str]
) -> None:
    args = ["adjudicate", "--root", str(ROOT), "--a", "annotator_a", "--b", "annotator_b"]
    result = CliRunner().invoke(_cli(), [*args, "--out", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == written


def test_agreement_refuses_a_missing_folder_in_one_line(tmp_path: Path) -> None:
    args = ["adjudicate", "--root", str(ROOT), "--a", "annotator_a", "--b", "nobody"]
    result = CliRunner().invoke(_cli(), [*args, "--out", str(tmp_path / "x.md")])
    assert result.exit_code == 1 and "nobody: <folder>: no such folder" in result.output
    assert "Traceback" not in result.output and not list(tmp_path.iterdir())
    half = CliRunner().invoke(_cli(), ["agreement", "--root", str(ROOT), "--a", "annotator_a"])
    assert half.exit_code == 2 and "both --a and --b" in half.output
