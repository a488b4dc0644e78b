"""datasets.load_dataset on the checkout: offline, typed, fresh cache, no stale data."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from nkworkers.loaders.dataset import build as builder
from nkworkers.loaders.dataset.features import CONFIGS, FEATURES
from nkworkers.loaders.labels import NER_TAGS, ControlCategory, names
from tests.conftest import ROOT


@pytest.mark.parametrize("config", CONFIGS)
def test_config_loads_offline_with_typed_features(config: str, tmp_path: Path) -> None:
    ds = datasets.load_dataset(str(ROOT), config, cache_dir=str(tmp_path / "cache"))
    assert set(ds) == {"train", "validation", "test"}
    assert ds["train"].features == FEATURES[config]()
    assert ds["train"].num_rows > 0


def test_classlabel_names_are_intact(tmp_path: Path) -> None:
    ents = datasets.load_dataset(str(ROOT), "entities", cache_dir=str(tmp_path / "c1"))
    feature = ents["train"].features["ner_tags"].feature
    assert feature.names == NER_TAGS and len(NER_TAGS) == 37
    ctrl = datasets.load_dataset(str(ROOT), "control_measures", cache_dir=str(tmp_path / "c2"))
    assert ctrl["train"].features["labels"].feature.names == names(ControlCategory)


def test_splits_are_the_committed_ones(tmp_path: Path) -> None:
    docs = datasets.load_dataset(str(ROOT), "documents", cache_dir=str(tmp_path / "cache"))
    committed = json.loads((ROOT / "annotations" / "splits.json").read_text(encoding="utf-8"))
    for split, doc_ids in committed.items():
        assert sorted(docs[split]["doc_id"]) == sorted(doc_ids)


def test_rebuilt_corpus_reaches_a_warm_cache(corpus: Path, tmp_path: Path) -> None:
    """Regression: datasets keys its cache on the README, so a rebuild must change it."""
    cache = str(tmp_path / "cache")
    before = datasets.load_dataset(str(corpus), "documents", cache_dir=cache)
    splits = json.loads((corpus / "annotations" / "splits.json").read_text(encoding="utf-8"))
    splits["test"], splits["validation"] = splits["validation"], splits["test"]
    (corpus / "annotations" / "splits.json").write_text(json.dumps(splits), encoding="utf-8")
    builder.build(corpus)
    after = datasets.load_dataset(str(corpus), "documents", cache_dir=cache)
    assert after["test"]["doc_id"] == before["validation"]["doc_id"]
