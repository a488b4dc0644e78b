"""croissant.json: valid for mlcroissant (offline), up to date, and it reads the data."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import mlcroissant as mlc
import pyarrow.parquet as pq

from nkworkers.loaders.dataset import croissant
from nkworkers.loaders.dataset.build import SPLITS
from nkworkers.loaders.dataset.features import CONFIGS, FEATURES

ROOT = Path(__file__).resolve().parent.parent
PATH = ROOT / croissant.CROISSANT


def test_croissant_json_is_valid() -> None:
    assert croissant.validate(PATH) == []


def test_croissant_json_is_up_to_date() -> None:
    assert croissant.check(ROOT) == [], "run `nkworkers croissant` and commit croissant.json"


def test_every_parquet_file_is_listed_with_its_sha256() -> None:
    meta = json.loads(PATH.read_text(encoding="utf-8"))
    listed = {d["contentUrl"]: d["sha256"] for d in meta["distribution"] if "sha256" in d}
    for config in CONFIGS:
        for split in SPLITS:
            rel = f"data/{config}/{split}.parquet"
            assert listed[rel] == hashlib.sha256((ROOT / rel).read_bytes()).hexdigest()


def test_record_sets_have_one_field_per_feature_plus_split() -> None:
    meta = json.loads(PATH.read_text(encoding="utf-8"))
    record_sets = {rs["name"]: rs for rs in meta["recordSet"]}
    assert sorted(record_sets) == sorted(CONFIGS)
    for config in CONFIGS:
        names = [f["name"] for f in record_sets[config]["field"]]
        assert names == ["split", *FEATURES[config]()]


def test_mlcroissant_reads_every_row_of_every_config() -> None:
    dataset = mlc.Dataset(jsonld=PATH)
    for config in CONFIGS:
        expected = {
            split: pq.read_table(ROOT / f"data/{config}/{split}.parquet", columns=["doc_id"])
            .column("doc_id")
            .to_pylist()
            for split in SPLITS
        }
        got: dict[str, list[str]] = {s: [] for s in SPLITS}
        for record in dataset.records(config):
            split = record[f"{config}/split"].decode()
            got[split].append(record[f"{config}/doc_id"].decode())
        assert {s: sorted(v) for s, v in got.items()} == {s: sorted(v) for s, v in expected.items()}
