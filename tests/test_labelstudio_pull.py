"""The pull's guarantees on a copy of the real corpus (issue 10, faults 1, 2 and 6):
it never empties an annotated article by accident, validates the whole corpus
as it would be, writes all files or none, and takes the latest annotation by
time, not by the text of its stamp."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nkworkers.loaders.corpus import CorpusError, read_corpus
from nkworkers.loaders.files.swap import locked as build_lock
from nkworkers.loaders.labelstudio import swap
from nkworkers.loaders.labelstudio.cli import ls_app
from nkworkers.loaders.labelstudio.latest import (
    folder_name,
    latest_per_annotator,
    parse_stamp,
    pick_latest,
)
from nkworkers.loaders.labelstudio.sync import apply_pull, plan_pull
from nkworkers.loaders.validate import validate_corpus
from tests.test_labelstudio_support import (
    annotate_again,
    corpus_export,
    relabel_first_entity,
    snapshot,
    task_of,
)

DOC_IDS = sorted(p.stem for p in (Path(__file__).parents[1] / "raw").glob("*.txt"))
LATER = "2030-01-01T00:00:00Z"


def _pull_file(corpus: Path, export: Any, *extra: str) -> Any:
    path = corpus.parent / "export.json"
    path.write_text(json.dumps(export))
    args = ["pull", "--from-file", str(path), "--root", str(corpus), *extra]
    return CliRunner().invoke(ls_app, args)


def _empty_latest(export: list[dict[str, Any]], doc_id: str) -> None:
    annotate_again(task_of(export, doc_id), [], at=LATER)


def test_pull_refuses_to_wipe_annotated_article(corpus: Path) -> None:
    export = corpus_export(corpus)
    _empty_latest(export, DOC_IDS[0])
    before = snapshot(corpus)
    result = _pull_file(corpus, export)
    assert result.exit_code == 1, result.output
    assert "--allow-removal" in result.output and DOC_IDS[0] in result.output
    assert "nothing was written" in result.output and "Traceback" not in result.output
    assert snapshot(corpus) == before
    assert read_corpus(corpus).annotations[DOC_IDS[0]].entities  # the gold is still there


def test_allow_removal_still_refuses_an_unannotated_article_in_a_split(corpus: Path) -> None:
    export = corpus_export(corpus)
    _empty_latest(export, DOC_IDS[0])
    before = snapshot(corpus)
    result = _pull_file(corpus, export, "--allow-removal")
    assert result.exit_code == 1, result.output
    assert "unannotated article is in a split" in result.output
    assert snapshot(corpus) == before


def test_allow_removal_empties_an_article_outside_the_splits(corpus: Path) -> None:
    splits_path = corpus / "annotations" / "splits.json"
    splits = json.loads(splits_path.read_text())
    splits["train"].remove(DOC_IDS[0])
    splits_path.write_text(json.dumps(splits))  # invalid now: an annotated article in no split
    export = corpus_export(corpus)
    _empty_latest(export, DOC_IDS[0])
    result = _pull_file(corpus, export, "--allow-removal")
    assert result.exit_code == 0, result.output
    assert read_corpus(corpus).annotations[DOC_IDS[0]].is_empty()
    assert validate_corpus(corpus) == []


def test_pull_validates_the_corpus_as_it_would_be(corpus: Path) -> None:
    # The export is fine, but the corpus would not validate: an article in two splits.
    export = corpus_export(corpus)
    relabel_first_entity(task_of(export, DOC_IDS[1])["annotations"][0]["result"])
    splits_path = corpus / "annotations" / "splits.json"
    splits = json.loads(splits_path.read_text())
    splits["test"].append(DOC_IDS[1])
    splits_path.write_text(json.dumps(splits))
    before = snapshot(corpus)
    plan = plan_pull(read_corpus(corpus), export, None, "export.json")
    assert any("more than one split" in p.message for p in plan.problems), plan.problems
    with pytest.raises(CorpusError):
        apply_pull(corpus, plan)
    assert snapshot(corpus) == before


def _two_changes(corpus: Path) -> list[dict[str, Any]]:
    export = corpus_export(corpus)
    for doc_id in DOC_IDS[:2]:
        relabel_first_entity(task_of(export, doc_id)["annotations"][0]["result"])
    return export


@pytest.mark.parametrize(
    ("exchange", "failing_call"),
    [(True, 2), (False, 4)],  # without the exchange, calls 3-4 replace the real files
    ids=["staged-then-swapped", "write_many-fallback"],
)
def test_pull_writes_all_files_or_none(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool, failing_call: int
) -> None:
    plan = plan_pull(read_corpus(corpus), _two_changes(corpus), None, "export.json")
    assert plan.problems == [] and len(plan.changes) == 2
    before = snapshot(corpus)
    real_replace, calls, failed = os.replace, [], []

    def replace(src: Any, dst: Any) -> None:
        calls.append(dst)
        if len(calls) == failing_call:
            failed.append(Path(dst))
            raise OSError(28, "No space left on device")
        real_replace(src, dst)  # including write_many's restores after the failure

    monkeypatch.setattr(os, "replace", replace)
    if not exchange:
        monkeypatch.setattr(swap, "exchange", lambda a, b: False)
    with pytest.raises(OSError, match="No space"):
        apply_pull(corpus, plan)
    assert [f.name for f in failed] == [f"{DOC_IDS[1]}.json"]  # the second file failed
    assert (failed[0].parent == corpus / "annotations") == (not exchange)
    assert snapshot(corpus) == before  # so the first is unchanged, and nothing is left over
    monkeypatch.undo()
    assert apply_pull(corpus, plan) and validate_corpus(corpus) == []


def test_pull_cli_reports_a_failed_write_in_one_line(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    before = snapshot(corpus)
    result = _pull_file(corpus, _two_changes(corpus))
    assert result.exit_code == 1 and "No space left" in result.output, result.output
    assert "Traceback" not in result.output and snapshot(corpus) == before


def test_pull_from_file_writes_both_changes_and_leaves_no_staging(corpus: Path) -> None:
    result = _pull_file(corpus, _two_changes(corpus))
    assert result.exit_code == 0, result.output
    assert "wrote 2 file(s)" in result.output
    assert validate_corpus(corpus) == [] and not list(corpus.glob(".nkw-pull.*"))


def test_a_pull_is_refused_while_a_build_holds_the_checkout(corpus: Path) -> None:
    with build_lock(corpus):
        result = _pull_file(corpus, _two_changes(corpus))
    assert result.exit_code == 1 and "another nkworkers command" in result.output, result.output


def test_a_killed_pulls_staging_is_removed_by_the_next(corpus: Path) -> None:
    stale = corpus / f"{swap.STAGING_PREFIX}dead"
    (stale / "annotations").mkdir(parents=True)
    result = _pull_file(corpus, corpus_export(corpus))
    assert result.exit_code == 0, result.output
    assert not stale.exists()


def test_an_unreadable_export_file_is_one_clear_line(corpus: Path) -> None:
    path = corpus.parent / "export.json"
    path.write_bytes(b'[{"id": 1, "id": 2}]')
    args = ["pull", "--from-file", str(path), "--root", str(corpus)]
    result = CliRunner().invoke(ls_app, args)
    assert result.exit_code == 1 and "duplicate key" in result.output, result.output
    assert str(path) in result.output and "Traceback" not in result.output


# ---------------------------------------------------------------- fault 6: time, not text


def _task(*stamps: str) -> dict[str, Any]:
    return {
        "id": 7,
        "annotations": [
            {"id": i, "updated_at": s, "result": [], "completed_by": i}
            for i, s in enumerate(stamps, start=1)
        ],
    }


def test_latest_annotation_whole_second_stamp_is_not_later_than_microseconds() -> None:
    # As text, "...:01Z" > "...:01.500000Z" ('Z' sorts after '.'), yet it is earlier.
    latest, _ = pick_latest(_task("2025-01-02T10:00:01.500000Z", "2025-01-02T10:00:01Z"))
    assert latest is not None and latest["id"] == 1


def test_latest_annotation_compares_other_utc_offsets_as_times() -> None:
    # 12:00+03:00 is 09:00 UTC: earlier than 10:00Z although it sorts later as text.
    latest, picked = pick_latest(_task("2025-01-02T12:00:00+03:00", "2025-01-02T10:00:00Z"))
    assert latest is not None and latest["id"] == 2
    assert picked is not None and picked.updated_at == "2025-01-02T10:00:00Z"


def test_latest_annotation_naive_stamp_is_utc() -> None:
    assert parse_stamp("2025-01-02T10:00:00", "t") == parse_stamp("2025-01-02T10:00:00Z", "t")


def test_latest_annotation_bad_stamp_is_a_problem_naming_the_annotation(corpus: Path) -> None:
    export = corpus_export(corpus)
    task = task_of(export, DOC_IDS[0])
    task["annotations"][0]["updated_at"] = "yesterday"
    plan = plan_pull(read_corpus(corpus), copy.deepcopy(export), None, "export.json")
    [problem] = plan.problems
    assert f"task {task['id']} annotation {task['annotations'][0]['id']}" in problem.file
    assert "'yesterday' is not an ISO 8601 time" in problem.message and problem.fix


# ---------------------------------------------------------------- several annotators


def test_annotator_folder_names_are_safe() -> None:
    assert folder_name("Alice.Smith@Example.com") == "alice.smith_at_example.com"
    assert folder_name(7) == "user_7"
    for hostile in ("../../etc/passwd", "..", ".git", "a/b\\c", "", " "):
        name = folder_name(hostile)
        assert name and "/" not in name and "\\" not in name and not name.startswith(".")


def test_two_users_with_one_folder_name_are_refused() -> None:
    task = {
        "id": 3,
        "annotations": [
            {"id": 1, "completed_by": {"email": "Ann@x.org"}, "result": []},
            {"id": 2, "completed_by": {"email": "ann@x.org"}, "result": []},
            {"id": 3, "completed_by": {"email": "adjudication"}, "result": []},
        ],
    }
    with pytest.raises(CorpusError) as refused:
        latest_per_annotator(task)
    messages = [p.message for p in refused.value.problems]
    assert any("taken twice" in m for m in messages) and any("reserved" in m for m in messages)


def _two_annotators(corpus: Path, bob_result: Any = None) -> list[dict[str, Any]]:
    export = corpus_export(corpus)
    task = task_of(export, DOC_IDS[1])
    task["annotations"][0]["completed_by"] = {"id": 1, "email": "ann@x.org"}
    result = copy.deepcopy(task["annotations"][0]["result"])
    relabel_first_entity(result)
    bob = {"id": 2, "email": "bob@x.org"}
    annotate_again(task, result if bob_result is None else bob_result, by=bob, at=LATER)
    return [task]


def test_pull_annotators_writes_each_annotators_latest_and_leaves_gold(corpus: Path) -> None:
    gold = snapshot(corpus / "annotations")
    result = _pull_file(corpus, _two_annotators(corpus), "--annotators")
    assert result.exit_code == 0, result.output
    after = snapshot(corpus / "annotations")
    new = sorted(set(after) - set(gold))
    assert new == [f"agreement/{who}/{DOC_IDS[1]}.json" for who in ("ann_at_x.org", "bob_at_x.org")]
    assert {k: after[k] for k in gold} == gold  # gold and the committed annotators untouched
    assert after[new[0]] == gold[f"{DOC_IDS[1]}.json"] != after[new[1]]
    # Bob later saves an empty result: his folder is not wiped without --allow-removal.
    again = _pull_file(corpus, _two_annotators(corpus, bob_result=[]), "--annotators")
    assert again.exit_code == 1 and "--allow-removal" in again.output, again.output
    assert snapshot(corpus / "annotations") == after
