"""validate and build refuse corrupted copies of the real corpus, naming file and record."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loaders.cli import app
from loaders.validate import validate_corpus
from tests.conftest import ROOT, snapshot

runner = CliRunner()
DOC = "001_d9d1e2d7b904afec"


def _edit_annotation(root: Path, edit: Callable[[dict], None]) -> None:
    path = root / "annotations" / f"{DOC}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def shift_offset(root: Path) -> str:
    def edit(d: dict) -> None:
        d["entities"][0]["start"] += 1
        d["entities"][0]["end"] += 1

    _edit_annotation(root, edit)
    return f"{DOC}-E1"


def unknown_label(root: Path) -> str:
    _edit_annotation(root, lambda d: d["entities"][2].update(label="NATIONALITY"))
    return f"{DOC}-E3"


def dangling_id(root: Path) -> str:
    _edit_annotation(root, lambda d: d["attributions"][0].update(cue=f"{DOC}-S999"))
    return f"{DOC}-S999"


def overlapping_entities(root: Path) -> str:
    def edit(d: dict) -> None:
        first = d["entities"][0]
        clone = dict(first, id=f"{DOC}-E900")
        d["entities"].append(clone)

    _edit_annotation(root, edit)
    return f"{DOC}-E900"


def edited_raw_byte(root: Path) -> str:
    path = root / "raw" / f"{DOC}.txt"
    data = bytearray(path.read_bytes())
    data[10] = ord("X") if data[10] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))
    return DOC


def missing_manifest_line(root: Path) -> str:
    path = root / "raw" / "manifest.jsonl"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if DOC not in ln]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return DOC


def malformed_json(root: Path) -> str:
    path = root / "annotations" / f"{DOC}.json"
    path.write_text(path.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    return "not valid UTF-8 JSON"


MUTATIONS = [
    shift_offset,
    unknown_label,
    dangling_id,
    overlapping_entities,
    edited_raw_byte,
    missing_manifest_line,
    malformed_json,
]


def test_real_corpus_is_valid() -> None:
    assert validate_corpus(ROOT) == []


@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda m: m.__name__)
def test_validate_refuses_and_names_file_and_record(corpus: Path, mutate) -> None:
    needle = mutate(corpus)
    result = runner.invoke(app, ["validate", "--root", str(corpus)])
    assert result.exit_code == 1
    assert needle in result.stderr
    assert DOC in result.stderr


@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda m: m.__name__)
def test_build_refuses_and_leaves_data_untouched(corpus: Path, mutate) -> None:
    before = snapshot(corpus / "data"), (corpus / "README.md").read_bytes()
    needle = mutate(corpus)
    result = runner.invoke(app, ["build", "--root", str(corpus)])
    assert result.exit_code == 1
    assert needle in result.stderr
    assert (snapshot(corpus / "data"), (corpus / "README.md").read_bytes()) == before


def test_every_problem_is_reported_not_just_the_first(corpus: Path) -> None:
    shifted = shift_offset(corpus)
    other = "000_7cbc0fd9fa29aa12"
    raw = corpus / "raw" / f"{other}.txt"
    raw.write_bytes(raw.read_bytes() + b" ")
    records = {p.record for p in validate_corpus(corpus)}
    assert shifted in records
    assert other in records


def test_content_spans_may_nest_but_not_cross(corpus: Path) -> None:
    def edit(d: dict) -> None:
        content = next(s for s in d["attribution_spans"] if s["role"] == "CONTENT")
        text = (corpus / "raw" / f"{DOC}.txt").read_bytes().decode("utf-8")
        start = content["start"] + 1
        end = content["end"] + 5
        while text[start].isspace():
            start += 1
        while text[end - 1].isspace():
            end -= 1
        crossing = {
            "id": f"{DOC}-S900",
            "start": start,
            "end": end,
            "text": text[start:end],
            "role": "CONTENT",
        }
        d["attribution_spans"].append(crossing)
        d["attributions"][0]["content"].append(crossing["id"])

    _edit_annotation(corpus, edit)
    messages = [p.message for p in validate_corpus(corpus)]
    assert any("cross" in m for m in messages)
