"""Random bytes and random JSON in the corpus files give Problems, never a traceback.

Issue 10 ("Done when"): hypothesis writes hostile content into a copy of the
real corpus, one file at a time (an annotation file, splits.json, a manifest
line), and ``validate`` must answer with problems that each name a file, say
how to fix it and stay readable (values cut), exiting 0 or 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nkworkers.loaders.cli import app
from nkworkers.loaders.corpus import CorpusError, read_corpus
from nkworkers.loaders.dataset import build as builder
from nkworkers.loaders.validate import validate_loaded
from tests.conftest import copy_corpus

DOC = "001_d9d1e2d7b904afec"
TARGETS = (f"annotations/{DOC}.json", "annotations/splits.json", "raw/manifest.jsonl")
runner = CliRunner()
# Long enough for a file, a record and two clipped values; far below a stored text.
MAX_LINE = 1500

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Inputs that crash a plain json reader or print badly, which random bytes rarely hit.
HOSTILE_TEXTS = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a": ' + b"9" * 5000 + b"}",
    b'{"train": NaN}',
    b'{"train": [], "train": []}',
    b'{"doc_id": "\\ud800\\u0007", "id": "\\udfff"}',
    b"\xef\xbb\xbf{}",
    "{}".encode("utf-16"),
    b'{"' + b"k" * 100_000 + b'": 1}',
    b'"' + b"x" * 1_000_000 + b'"',
]
hostile_bytes = st.binary(max_size=300) | st.sampled_from(HOSTILE_TEXTS)
SLOW_OK = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_corpus(tmp_path_factory.mktemp("hostile") / "corpus")


@contextmanager
def written(path: Path, data: bytes) -> Iterator[None]:
    original = path.read_bytes()
    path.write_bytes(data)
    try:
        yield
    finally:
        path.write_bytes(original)


def _assert_only_problems(root: Path) -> None:
    problems = validate_loaded(read_corpus(root))  # must not raise
    for problem in problems:
        line = str(problem)
        assert problem.file and problem.fix, line
        assert len(line) < MAX_LINE, line[:300]
    result = runner.invoke(app, ["validate", "--root", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == (1 if problems else 0), result.output[-2000:]


def _mutated(original: Any, path: list[Any], value: Any) -> Any:
    """``original`` with the node at ``path`` replaced by ``value`` (a deep copy)."""
    copy = json.loads(json.dumps(original))
    if not path:
        return value
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


def _paths(value: Any, prefix: list[Any]) -> Iterator[list[Any]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, [*prefix, key])
    elif isinstance(value, list):
        for i, child in enumerate(value[:3]):  # the first records of a layer are enough
            yield from _paths(child, [*prefix, i])


@settings(max_examples=60, **SLOW_OK)
@given(target=st.sampled_from(TARGETS), data=hostile_bytes)
def test_random_bytes_give_problems_not_tracebacks(root: Path, target: str, data: bytes) -> None:
    with written(root / target, data):
        _assert_only_problems(root)


@settings(max_examples=60, **SLOW_OK)
@given(target=st.sampled_from(TARGETS), value=json_values)
def test_random_json_gives_problems_not_tracebacks(root: Path, target: str, value: Any) -> None:
    text = json.dumps(value)
    if target.endswith(".jsonl"):  # one hostile line among the real ones
        lines = (root / target).read_text(encoding="utf-8").splitlines()
        text = "\n".join([*lines[:-1], text]) + "\n"
    with written(root / target, text.encode("utf-8")):
        _assert_only_problems(root)


@settings(max_examples=80, **SLOW_OK)
@given(data=st.data(), value=json_values)
def test_one_field_of_a_real_file_replaced_gives_problems(
    root: Path, data: Any, value: Any
) -> None:
    """Near-valid input reaches the deep checks (offsets, ids, references, splits)."""
    target = data.draw(st.sampled_from(TARGETS[:2]))
    original = json.loads((root / target).read_text(encoding="utf-8"))
    path = data.draw(st.sampled_from(list(_paths(original, []))))
    hostile = _mutated(original, path, value)
    with written(root / target, json.dumps(hostile, ensure_ascii=False).encode("utf-8")):
        _assert_only_problems(root)


@settings(max_examples=8, **SLOW_OK)
@given(target=st.sampled_from(TARGETS), value=json_values | st.sampled_from(HOSTILE_TEXTS))
def test_build_refuses_hostile_json_with_a_corpus_error(
    root: Path, tmp_path_factory: pytest.TempPathFactory, target: str, value: Any
) -> None:
    """build reads through its own path (per-article workers): same promise."""
    data = value if isinstance(value, bytes) else json.dumps(value).encode("utf-8")
    with written(root / target, data):
        try:
            builder.write_tree(root, tmp_path_factory.mktemp("out") / "data")
        except CorpusError as exc:
            assert all(p.fix and len(str(p)) < MAX_LINE for p in exc.problems)
