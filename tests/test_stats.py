"""`nkworkers stats`: the IOB2 table says how span counts become tagged counts."""

from __future__ import annotations

import json
from collections import Counter

from typer.testing import CliRunner

from nkworkers.baselines.systems.base import CorpusData
from nkworkers.loaders.cli import app
from tests.conftest import ROOT


def _stats(*args: str) -> str:
    result = CliRunner().invoke(app, ["stats", "--root", str(ROOT), *args], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def test_iob2_table_reconciles_content_spans_with_tagged_pieces(data: CorpusData) -> None:
    """CONTENT tagged 82 against 88 spans, with nothing saying why.

    The oracle is the built attribution config: a span is listed in the
    ``spans`` of every sentence it touches (pieces), and each tagged piece
    opens one B- tag in ``content_tags``.
    """
    rows = [r for split in (data.train, data.validation, data.test) for r in split["attribution"]]
    features = data.train["attribution"].features
    names = features["content_tags"].feature.names
    content = features["spans"].feature["role"].str2int("CONTENT")  # a ClassLabel
    sentences_of = Counter(s["id"] for r in rows for s in r["spans"] if s["role"] == content)
    b_tags = sum(names[t] == "B-CONTENT" for r in rows for t in r["content_tags"])

    rep = json.loads(_stats("--json"))["tagging"]["CONTENT"]
    assert rep["spans"] == len(sentences_of)
    assert rep["pieces"] == sum(sentences_of.values())
    assert rep["crossing"] == sum(n > 1 for n in sentences_of.values()) > 0
    assert rep["tagged"] == b_tags < rep["spans"]
    assert rep["pieces"] == rep["tagged"] + rep["nested"] + rep["lost"]

    text = " ".join(_stats().split())
    extra = rep["pieces"] - rep["spans"]
    assert (
        f"CONTENT: {rep['spans']} spans + {extra} ({rep['crossing']} spans cross a sentence "
        f"boundary and are tagged in each sentence they touch) = {rep['pieces']} pieces = "
        f"{rep['tagged']} tagged + {rep['nested']} nested"
    ) in text
    assert "CUE:" not in text  # a layer whose counts agree gets no line


def test_every_layer_adds_up_and_no_column_is_cut() -> None:
    report = json.loads(_stats("--json"))["tagging"]
    assert set(report) == {"entities", "SOURCE", "CUE", "CONTENT", "control_measures"}
    for layer, rep in report.items():
        assert rep["pieces"] == rep["tagged"] + rep["nested"] + rep["lost"], layer
        assert rep["pieces"] >= rep["spans"] >= rep["crossing"], layer
    text = _stats()
    assert "…" not in text and "control_measures" in text.split()
