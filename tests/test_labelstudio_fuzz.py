"""Fuzz the importer over mutations of a real Label Studio 1.23.2 export.

tests/test_labelstudio_export.json was exported from a real server (full JSON
export of one pushed article). Every mutation must end in a clean import or
in problems that name the task; never a traceback, never a partial write.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nkworkers.loaders.corpus import CorpusError, read_corpus
from nkworkers.loaders.labelstudio.config import label_config
from nkworkers.loaders.labelstudio.sync import apply_pull, plan_pull
from tests.test_labelstudio_support import make_corpus, snapshot

EXPORT = json.loads((Path(__file__).parent / "test_labelstudio_export.json").read_text())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=10_000),
    st.text(max_size=12),
    st.sampled_from(["CUE", "SOURCE", "CONTENT", "ORG", "BODY", "COERCION", "named", "text"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=5)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += _paths(child, (*prefix, i))
    return found


def _mutate(export: list, data: st.DataObject) -> list:
    export = copy.deepcopy(export)
    result = export[0]["annotations"][0]["result"]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = _paths(result)[1:]
        path = data.draw(st.sampled_from(paths), label="path")
        parent = result
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        kind = data.draw(
            st.sampled_from(["replace", "delete", "shift", "duplicate", "swap_ids"]), label="kind"
        )
        target = parent[key]
        if kind == "replace":
            parent[key] = data.draw(values, label="value")
        elif kind == "delete":
            del parent[key]
        elif kind == "shift" and isinstance(target, int) and not isinstance(target, bool):
            parent[key] = target + data.draw(st.integers(-3, 3), label="delta")
        elif kind == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(target))
        elif kind == "swap_ids" and isinstance(target, dict) and "from_id" in target:
            target["from_id"], target["to_id"] = target.get("to_id"), target.get("from_id")
    return export


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "c"
    make_corpus(root)
    return root


def test_the_real_export_imports_cleanly(corpus: Path) -> None:
    plan = plan_pull(read_corpus(corpus), EXPORT, label_config(), "p")
    assert plan.problems == []


@settings(
    max_examples=int(os.environ.get("NKW_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_exports_import_cleanly_or_are_refused_whole(
    corpus: Path, data: st.DataObject
) -> None:
    loaded = read_corpus(corpus)
    before = snapshot(corpus)
    export = _mutate(EXPORT, data)
    plan = plan_pull(loaded, export, label_config(), "p")
    if plan.problems:
        for problem in plan.problems:
            assert problem.message and ("task 1" in problem.file or "task 1" in problem.record), (
                problem
            )
        with pytest.raises(CorpusError):
            apply_pull(corpus, plan)
        assert snapshot(corpus) == before
    else:
        # A clean import: the result is a valid annotation of the same article.
        for change in plan.changes:
            assert change.new.doc_id == export[0]["data"]["doc_id"]
