"""Random bytes and random JSON thrown at the predictions reader and at evaluate.

Whatever the input, the reader yields a row or a problem per line, and
evaluate returns a report or refuses with one line naming the file, the line
and a fix: never a traceback (issue 10, "Done when").
"""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nkworkers.baselines.evaluation import PredictionError, evaluate_files
from nkworkers.baselines.evaluation.cli import load_gold, register
from nkworkers.loaders.corpus import CorpusError
from nkworkers.loaders.labels import ControlCategory, EntityType, Role
from nkworkers.loaders.labelstudio import predictions as ls_predictions
from nkworkers.loaders.predictions import LAYERS, read_predictions
from tests.conftest import ROOT

GOLD = load_gold(ROOT, "test")
DOC_IDS = [row["doc_id"] for row in GOLD]
SETTINGS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=16,
)
offsets = st.integers(min_value=-2, max_value=5000) | scalars


def _span(label_key: str, labels: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"start": offsets, "end": offsets, label_key: labels},
        optional={"id": st.sampled_from(["a", "b", "c"]) | scalars},
    )


layer_values = {
    "entities": st.lists(_span("label", st.sampled_from([t.value for t in EntityType]) | scalars)),
    "attribution_spans": st.lists(
        _span("role", st.sampled_from([r.value for r in Role]) | scalars)
    ),
    "attributions": st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "cue": st.sampled_from(["a", "b", "c"]) | scalars,
                "source": st.sampled_from(["a", "b", "c"]) | scalars,
                "content": st.lists(st.sampled_from(["a", "b", "c"]) | scalars, max_size=3),
            },
        )
    ),
    "control_measures": st.lists(
        _span("labels", st.lists(st.sampled_from([c.value for c in ControlCategory]) | scalars))
    ),
}
rows = st.fixed_dictionaries(
    {"doc_id": st.sampled_from([*DOC_IDS, "999_unknown"]) | scalars},
    optional={layer: values | json_values for layer, values in layer_values.items()},
)
lines = st.one_of(
    rows.map(lambda r: json.dumps(r).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
)
files = st.lists(lines, max_size=4).map(lambda ls: b"\n".join(ls))


def _assert_one_clear_line(message: str, path: Path) -> None:
    assert "\n" not in message
    assert message.startswith(str(path))
    assert message.partition(". Fix: ")[2].strip(), message


@SETTINGS
@given(data=files)
def test_reader_gives_a_row_or_one_line_problem_for_any_bytes(data: bytes) -> None:
    with TemporaryDirectory() as folder:
        path = Path(folder) / "p.jsonl"
        path.write_bytes(data)
        for read in read_predictions(path):
            assert (read.row is None) != (read.problem is None)
            if read.problem is not None:
                _assert_one_clear_line(str(read.problem), path)
            else:
                assert read.row is not None and read.row.present_layers() <= set(LAYERS)


@SETTINGS
@given(data=files)
def test_evaluate_scores_or_refuses_with_one_line_for_any_bytes(data: bytes) -> None:
    with TemporaryDirectory() as folder:
        path = Path(folder) / "p.jsonl"
        path.write_bytes(data)
        try:
            report = evaluate_files(GOLD, path, bootstrap=5, allow_empty=True)
        except PredictionError as error:
            _assert_one_clear_line(str(error), path)
        else:
            assert report["documents"]["gold"] == len(GOLD)


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(data=files)
def test_evaluate_command_never_ends_in_a_traceback(data: bytes) -> None:
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    with TemporaryDirectory() as folder:
        path = Path(folder) / "p.jsonl"
        path.write_bytes(data)
        args = ["evaluate", "--predictions", str(path), "--root", str(ROOT), "--bootstrap", "0"]
        result = CliRunner().invoke(app, args)
        assert result.exit_code in (0, 1), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        if result.exit_code == 1:
            shown = [x for x in result.output.splitlines() if x.strip()]
            assert len(shown) == 1 and shown[0].startswith("error: "), result.output


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_that_is_not_a_list_is_one_problem(layer: str, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"doc_id": DOC_IDS[0], layer: {"start": 0}}) + "\n")
    [read] = list(read_predictions(path))
    assert read.problem is not None and read.problem.line == 1
    assert read.problem.message.startswith(f"{layer}:")


@SETTINGS
@given(data=files)
def test_label_studio_push_reader_converts_or_names_every_bad_line(data: bytes) -> None:
    texts = {row["doc_id"]: row["text"] for row in GOLD}
    with TemporaryDirectory() as folder:
        path = Path(folder) / "p.jsonl"
        path.write_bytes(data)
        try:
            results = ls_predictions.read_predictions(path, texts)
        except CorpusError as error:
            assert error.problems
            assert all(p.file.startswith("p.jsonl:") and p.fix for p in error.problems)
        else:
            assert set(results) <= set(texts)
