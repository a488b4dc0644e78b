"""Shared fixtures: a disposable copy of the real corpus, and caches of the session's own."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS_PARTS = ("raw", "annotations", "data", "README.md")


def cache_env(folder: Path) -> dict[str, str]:
    """Every cache folder the tests (and the processes they start) write, under ``folder``.

    Hugging Face's (datasets, hub, modules), matplotlib's, torch's and the
    XDG cache (fontconfig, chromium, dconf). The older TRANSFORMERS_CACHE and
    SENTENCE_TRANSFORMERS_HOME are unset (OLD_NAMES): a user's own would win.
    """
    hf = folder / "huggingface"
    return {
        "HF_HOME": str(hf),
        "HF_DATASETS_CACHE": str(hf / "datasets"),
        "HF_HUB_CACHE": str(hf / "hub"),
        "HUGGINGFACE_HUB_CACHE": str(hf / "hub"),
        "HF_MODULES_CACHE": str(hf / "modules"),
        "MPLCONFIGDIR": str(folder / "matplotlib"),
        "TORCH_HOME": str(folder / "torch"),
        "XDG_CACHE_HOME": str(folder / "xdg"),
    }


# Set when pytest imports this file, before any test module imports datasets:
# datasets reads HF_HOME / HF_DATASETS_CACHE once, at its own import, so a
# fixture would come too late. The test session wrote into the user's
# ~/.cache/huggingface; processes the tests start inherit these too.
OLD_NAMES = ("TRANSFORMERS_CACHE", "SENTENCE_TRANSFORMERS_HOME")
SESSION_CACHES = Path(tempfile.mkdtemp(prefix="nkworkers-test-caches-"))
_USER_ENV = {name: os.environ.get(name) for name in [*cache_env(SESSION_CACHES), *OLD_NAMES]}
os.environ.update(cache_env(SESSION_CACHES))
for _name in OLD_NAMES:
    os.environ.pop(_name, None)

from nkworkers.baselines.systems.base import CorpusData  # noqa: E402  (after the caches)


@pytest.fixture(scope="session", autouse=True)
def _session_caches() -> Iterator[Path]:
    """The session's own cache folder: checked to be the one in use, removed at the end."""
    import datasets.config

    assert Path(datasets.config.HF_DATASETS_CACHE).is_relative_to(SESSION_CACHES), (
        "datasets was imported before tests/conftest.py set HF_DATASETS_CACHE"
    )
    yield SESSION_CACHES
    for name, value in _USER_ENV.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(SESSION_CACHES, ignore_errors=True)


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
