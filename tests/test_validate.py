"""validate and build refuse corrupted copies of the real corpus, naming file and record."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkworkers.loaders.cli import app
from nkworkers.loaders.validate import validate_corpus
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
    return "not valid JSON"


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


def _replace_in_annotation(root: Path, old: str, new: str) -> None:
    """Edit the annotation's JSON text itself (json.dumps cannot write duplicate keys)."""
    path = root / "annotations" / f"{DOC}.json"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def duplicate_label_key(root: Path) -> None:
    data = json.loads((root / "annotations" / f"{DOC}.json").read_text(encoding="utf-8"))
    entity = data["entities"][2]
    label = f'"label": "{entity["label"]}"'
    path = root / "annotations" / f"{DOC}.json"
    text = path.read_text(encoding="utf-8")
    anchor = f'"id": "{entity["id"]}"'
    at = text.index(anchor)
    at = text.index(label, at)
    path.write_text(text[:at] + '"label": "PERSON", ' + text[at:], encoding="utf-8")


def duplicate_split_key(root: Path) -> None:
    path = root / "annotations" / "splits.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"test":', '"test": [], "test":', 1), encoding="utf-8")


def _set_first_entity(field: str, value: object) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        _edit_annotation(root, lambda d: d["entities"][0].update({field: value}))

    mutate.__name__ = f"{field}_as_{type(value).__name__}"
    return mutate


def _manifest_field(field: str, value: object) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        path = root / "raw" / "manifest.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if DOC in line:
                lines[i] = json.dumps(dict(json.loads(line), **{field: value}))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    mutate.__name__ = f"manifest_{field}"
    return mutate


def annotated_article_in_no_split(root: Path) -> None:
    path = root / "annotations" / "splits.json"
    splits = json.loads(path.read_text(encoding="utf-8"))
    splits["train"].remove(DOC)
    path.write_text(json.dumps(splits), encoding="utf-8")


def empty_validation_split(root: Path) -> None:
    path = root / "annotations" / "splits.json"
    splits = json.loads(path.read_text(encoding="utf-8"))
    splits["train"] += splits["validation"]
    splits["validation"] = []
    path.write_text(json.dumps(splits), encoding="utf-8")


# (mutation, strings the one-line problem must contain: file, record, what)
HOSTILE = [
    (duplicate_label_key, [f"{DOC}.json", f"{DOC}-E3", "duplicate key 'label'"]),
    (duplicate_split_key, ["splits.json", "duplicate key 'test'"]),
    (_set_first_entity("start", "0"), [f"{DOC}-E1", "valid integer"]),
    (_set_first_entity("start", 0.0), [f"{DOC}-E1", "valid integer"]),
    (_set_first_entity("end", True), [f"{DOC}-E1", "valid integer"]),
    (_set_first_entity("start", False), [f"{DOC}-E1", "valid integer"]),
    (_manifest_field("url", "javascript:alert(1)"), ["manifest.jsonl", "http"]),
    (_manifest_field("url", "data:text/html,<b>x</b>"), ["manifest.jsonl", "http"]),
    (_manifest_field("published", "2024-02-30"), ["manifest.jsonl", "YYYY-MM-DD"]),
    (annotated_article_in_no_split, ["splits.json", DOC, "in no split"]),
    (empty_validation_split, ["splits.json", "validation", "split is empty"]),
]


@pytest.mark.parametrize(("mutate", "needles"), HOSTILE, ids=lambda m: getattr(m, "__name__", ""))
def test_hostile_edit_is_one_clear_problem_for_validate_and_build(
    corpus: Path, mutate: Callable[[Path], None], needles: list[str]
) -> None:
    before = snapshot(corpus / "data"), (corpus / "README.md").read_bytes()
    mutate(corpus)
    for command in ("validate", "build"):
        result = runner.invoke(app, [command, "--root", str(corpus)])
        assert result.exit_code == 1, (command, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = [ln for ln in result.stderr.splitlines() if all(n in ln for n in needles)]
        assert lines, (command, needles, result.stderr)
        assert all("Fix: " in ln for ln in lines)
    assert (snapshot(corpus / "data"), (corpus / "README.md").read_bytes()) == before


def test_long_values_are_cut_in_problem_messages(corpus: Path) -> None:
    huge = "x" * 1_000_000
    _edit_annotation(corpus, lambda d: d["entities"][0].update(text=huge))
    problems = validate_corpus(corpus)
    assert f"{DOC}-E1" in {p.record for p in problems}
    _manifest_field("url", "javascript:" + huge)(corpus)
    problems += validate_corpus(corpus)
    assert any("javascript" in p.message for p in problems)
    assert all(len(str(p)) < 1000 and p.fix for p in problems)


def test_raw_text_that_is_not_utf8_has_a_fix(corpus: Path) -> None:
    path = corpus / "raw" / f"{DOC}.txt"
    path.write_bytes(path.read_bytes() + b"\xff")
    problems = [p for p in validate_corpus(corpus) if "not UTF-8" in p.message]
    assert problems and all(p.fix for p in problems)


def test_raw_text_with_a_nul_added_before_the_check_is_refused(corpus: Path) -> None:
    # Regression: add-article refuses control characters, but validate did not look
    # for them in raw texts added earlier (hashes recorded over the NUL included).
    from nkworkers.loaders.corpus import sha256

    path = corpus / "raw" / f"{DOC}.txt"
    text = path.read_text(encoding="utf-8")
    at = text.index("\n")  # a line end: no span holds it, and the length is kept
    raw = (text[:at] + "\x00" + text[at + 1 :]).encode()
    path.write_bytes(raw)
    _manifest_field("sha256", sha256(raw))(corpus)
    _edit_annotation(corpus, lambda d: d.update(text_sha256=sha256(raw)))
    problems = validate_corpus(corpus)
    assert [p.message for p in problems] == [
        f"control character '\\x00' at character {at} "
        "(a binary file, or UTF-16 saved without a BOM?)"
    ]
    assert problems[0].file == f"raw/{DOC}.txt" and problems[0].fix


def test_raw_text_with_a_byte_order_mark_is_refused(corpus: Path) -> None:
    # Regression: add-article refuses a leading BOM; validate let one through.
    from nkworkers.loaders.corpus import sha256

    path = corpus / "raw" / f"{DOC}.txt"
    text = path.read_text(encoding="utf-8")
    at = text.index("\n")  # drop a line end so that the length and offsets after it hold
    raw = ("\ufeff" + text[:at] + text[at + 1 :]).encode()
    path.write_bytes(raw)
    _manifest_field("sha256", sha256(raw))(corpus)
    _edit_annotation(corpus, lambda d: d.update(text_sha256=sha256(raw)))
    problems = [p for p in validate_corpus(corpus) if p.file == f"raw/{DOC}.txt"]
    assert len(problems) == 1 and "byte-order mark" in problems[0].message and problems[0].fix


@pytest.mark.parametrize("command", ["validate", "build", "stats"])
def test_missing_root_says_the_root_does_not_exist(tmp_path: Path, command: str) -> None:
    result = runner.invoke(app, [command, "--root", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "the corpus root does not exist" in result.stderr
    assert "manifest" not in result.stderr
