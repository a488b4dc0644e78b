"""The predictions format: committed JSON Schema, and clear errors on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nkworkers.baselines.evaluation import PredictionError, evaluate_files
from nkworkers.loaders.labels import EntityType
from nkworkers.loaders.predictions import SCHEMA_PATH, schema_text

TEXT = "Kim said the workers were watched."
GOLD = [{"doc_id": "doc-1", "text": TEXT, "entities": [{"start": 0, "end": 3, "label": "PERSON"}]}]


def test_committed_schema_is_generated_from_the_model() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "run `python -m nkworkers.loaders.predictions` to regenerate the schema"
    )
    enum = json.loads(schema_text())["$defs"]["EntityType"]["enum"]
    assert enum == [t.value for t in EntityType]


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "preds.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _row(**layers: Any) -> str:
    return json.dumps({"doc_id": "doc-1", **layers})


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"doc_id": "doc-1", "entities": [', "not valid JSON"),
        (_row(entities=[{"start": 0, "end": 3, "label": "PER"}]), "entities.0.label"),
        (json.dumps({"doc_id": "doc-9", "entities": []}), "'doc-9': doc_id is not an article"),
        (_row(entities=[{"start": 30, "end": 99, "label": "PERSON"}]), "ends past the text"),
        (_row(entities=[{"start": 3, "end": 3, "label": "PERSON"}]), "empty or reversed span"),
        (_row(entities=[{"start": -1, "end": 3, "label": "PERSON"}]), "greater than or equal"),
        (_row(control_measures=[{"start": 0, "end": 3, "labels": ["SURVEILANCE"]}]), "labels.0"),
        (
            _row(attribution_spans=[{"id": "c", "start": 4, "end": 8, "role": "CUE"}],
                 attributions=[{"cue": "c", "source": "x", "content": []}]),
            "span id 'x' is not among",
        ),
        (
            _row(attribution_spans=[{"id": "c", "start": 4, "end": 8, "role": "CONTENT"}],
                 attributions=[{"cue": "c", "content": []}]),
            "has role CONTENT, expected CUE",
        ),
        ("[1, 2]", "expected a JSON object"),
    ],
)  # fmt: skip
def test_bad_input_names_file_line_doc_and_problem(
    tmp_path: Path, line: str, expected: str
) -> None:
    path = _write(tmp_path, ["", _row(entities=[]) if "doc-9" in line else "", line])
    with pytest.raises(PredictionError) as error:
        evaluate_files(GOLD, path, bootstrap=0)
    message = str(error.value)
    assert str(path) in message and "line 3" in message and expected in message
    if expected not in ("not valid JSON", "expected a JSON object"):
        assert "doc_id '" in message


def test_unknown_label_error_lists_the_allowed_labels(tmp_path: Path) -> None:
    path = _write(tmp_path, [_row(entities=[{"start": 0, "end": 3, "label": "PER"}])])
    with pytest.raises(PredictionError, match="'PERSON'") as error:
        evaluate_files(GOLD, path, bootstrap=0)
    assert "line 1" in str(error.value) and "'PER'" in str(error.value)


def test_duplicate_doc_id(tmp_path: Path) -> None:
    path = _write(tmp_path, [_row(entities=[]), _row(entities=[])])
    with pytest.raises(PredictionError, match=r"line 2, doc_id 'doc-1': duplicate doc_id"):
        evaluate_files(GOLD, path, bootstrap=0)


def test_extra_keys_are_ignored(tmp_path: Path) -> None:
    path = _write(tmp_path, [_row(entities=GOLD[0]["entities"], model="x", text=TEXT)])
    assert evaluate_files(GOLD, path, bootstrap=0)["entities"]["strict"]["f1"] == 1.0
