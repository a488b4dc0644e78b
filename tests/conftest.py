"""Shared fixtures: a disposable copy of the real corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
