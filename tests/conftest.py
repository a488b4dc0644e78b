"""Shared fixtures: a disposable copy of the real corpus."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from nkworkers.baselines.systems.base import CorpusData

ROOT = Path(__file__).resolve().parent.parent
CORPUS_PARTS = ("raw", "annotations", "data", "README.md")


def copy_corpus(target: Path) -> Path:
    for part in CORPUS_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, target / part, ignore=shutil.ignore_patterns("staging"))
        else:
            shutil.copy2(src, target / part)
    return target


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the real corpus (raw/, annotations/, data/, README.md)."""
    return copy_corpus(tmp_path / "corpus")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CorpusData]:
    """The corpus as the baselines read it: load_dataset on the checkout, fresh cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_DATASETS_OFFLINE", "1")
        mp.setenv("HF_HUB_OFFLINE", "1")
        yield CorpusData.load(ROOT, cache_dir=tmp_path_factory.mktemp("hf-cache"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
