"""Random Label Studio exports thrown at the pull (issue 10, "Done when").

Where test_labelstudio_fuzz mutates one real export, these are built from
nothing: tasks, annotations and result items in the export's shape, every
field either a plausible value (real control names, labels, offsets in the
article, ISO stamps) or random JSON. Whatever comes in, the pull plans
without a traceback; a refusal lists problems that each name the task, say
what is wrong and how to fix it, in a readable length; and a refused plan
writes nothing, while an accepted one leaves a corpus that validates.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nkworkers.loaders.corpus import CorpusError, read_corpus
from nkworkers.loaders.labels import ControlCategory, EntityType, Role, Zone
from nkworkers.loaders.labelstudio.annotators import plan_annotators
from nkworkers.loaders.labelstudio.sync import apply_pull, plan_pull, read_export
from nkworkers.loaders.validate import validate_corpus
from tests.conftest import copy_corpus
from tests.test_labelstudio_support import snapshot

DOC_ID = sorted(p.stem for p in (Path(__file__).parents[1] / "raw").glob("*.txt"))[0]
TEXT = (Path(__file__).parents[1] / "raw" / f"{DOC_ID}.txt").read_text(encoding="utf-8")
PROJECT = "export.json"
NAMES = ["zone", "entity", "attribution", "control", "record_id", "source_id",
         "quote_type", "source_kind", "source_anonymity", "text", "ner"]  # fmt: skip
LABELS = [m.value for enum in (Zone, EntityType, Role, ControlCategory) for m in enum]
LABELS += ["named", "direct", "defector", "source", "content", "parent", "X"]
STAMPS = ["2025-01-02T10:00:00Z", "2025-01-02T10:00:00.5+03:00", "2025-01-02 10:00", "soon", ""]

junk = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**6) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


def _or_junk(strategy: st.SearchStrategy[Any], one_in: int = 5) -> st.SearchStrategy[Any]:
    """``strategy``, or random JSON once in ``one_in`` draws."""
    return st.integers(1, one_in).flatmap(lambda i: junk if i == 1 else strategy)


offset = _or_junk(st.integers(-1, len(TEXT) + 1))
region_ids = _or_junk(st.sampled_from(["r1", "r2", "r3", f"{DOC_ID}-E1", f"{DOC_ID}-S2"]))
value = st.fixed_dictionaries(
    {},
    optional={
        "start": offset,
        "end": offset,
        "text": _or_junk(st.sampled_from(["", "North Korean", TEXT[:12]])),
        "labels": _or_junk(st.lists(st.sampled_from(LABELS), max_size=3)),
        "choices": _or_junk(st.lists(st.sampled_from(LABELS), max_size=2)),
    },
)
item = st.fixed_dictionaries(
    {},
    optional={
        "id": region_ids,
        "from_name": _or_junk(st.sampled_from(NAMES)),
        "to_name": _or_junk(st.just("text")),
        "type": _or_junk(st.sampled_from(["labels", "choices", "textarea", "relation"])),
        "value": _or_junk(value),
        "from_id": region_ids,
        "to_id": region_ids,
        "direction": _or_junk(st.sampled_from(["right", "left", "bi"])),
        "labels": _or_junk(st.lists(st.sampled_from(["source", "content", "parent"]))),
    },
)
annotation = st.fixed_dictionaries(
    {"result": _or_junk(st.lists(_or_junk(item, one_in=10), max_size=6), one_in=10)},
    optional={
        "id": _or_junk(st.integers(1, 9)),
        "updated_at": _or_junk(st.sampled_from(STAMPS)),
        "created_at": _or_junk(st.sampled_from(STAMPS)),
        "completed_by": _or_junk(
            st.integers(1, 3) | st.builds(lambda e: {"id": 1, "email": e}, st.emails())
        ),
        "was_cancelled": _or_junk(st.booleans()),
    },
)
task = st.fixed_dictionaries(
    {
        "id": _or_junk(st.integers(1, 9)),
        "data": _or_junk(st.just({"doc_id": DOC_ID, "text": TEXT}), one_in=20),
        "annotations": _or_junk(st.lists(annotation, max_size=3), one_in=20),
    }
)
exports = _or_junk(st.lists(task, min_size=1, max_size=2), one_in=20)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_corpus(tmp_path_factory.mktemp("property") / "corpus")
    shutil.copytree(root / "annotations", root.parent / "pristine")
    return root


def _assert_clear(problems: list[Any]) -> None:
    for problem in problems:
        assert "task" in problem.file or problem.file == PROJECT, problem
        assert problem.record and problem.message and problem.fix, problem
        assert len(str(problem)) < 1500, str(problem)[:300]


@settings(
    max_examples=int(os.environ.get("NKW_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(export=exports, annotators=st.booleans())
def test_random_exports_are_pulled_whole_or_refused_clearly(
    corpus: Path, export: Any, annotators: bool
) -> None:
    loaded = read_corpus(corpus)
    before = snapshot(corpus)
    if annotators:
        plan = plan_annotators(corpus, loaded, export, None, PROJECT)
    else:
        plan = plan_pull(loaded, export, None, PROJECT)
    _assert_clear(plan.problems)
    event(f"problems: {min(len(plan.problems), 3)}; changes: {len(plan.changes)}")
    for problem in plan.problems[:1]:
        event(f"first problem: {problem.message[:24]}")
    if plan.problems:
        with pytest.raises(CorpusError):
            apply_pull(corpus, plan)
        assert snapshot(corpus) == before
        return
    try:
        apply_pull(corpus, plan)
        assert validate_corpus(corpus) == []
    finally:
        shutil.rmtree(corpus / "annotations")
        shutil.copytree(corpus.parent / "pristine", corpus / "annotations")


@settings(max_examples=int(os.environ.get("NKW_FUZZ_EXAMPLES", "200")), deadline=None)
@given(
    data=st.binary(max_size=200)
    | st.sampled_from([b"[", b'[{"id": 1, "id": 1}]', b"[NaN]", b"9" * 5000, b"[" * 5000])
)
def test_random_bytes_as_an_export_file_are_one_clear_problem(corpus: Path, data: bytes) -> None:
    path = corpus.parent / "export.json"
    path.write_bytes(data)
    try:
        export = read_export(path)
    except CorpusError as exc:
        [problem] = exc.problems
        assert problem.file == str(path) and problem.message and problem.fix
        assert len(str(problem)) < 1500
        return
    plan = plan_pull(read_corpus(corpus), export, None, PROJECT)
    _assert_clear(plan.problems)
