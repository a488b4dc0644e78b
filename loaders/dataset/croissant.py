"""croissant.json: Croissant 1.1 metadata of the built parquet files, via mlcroissant.

Generated, never edited: ``nkworkers croissant`` rewrites it from data/ and the
Hugging Face ``Features`` (nkworkers.loaders.dataset.features), and ``check`` says whether the
committed file is up to date. Distribution: one FileObject per parquet file
(with its sha256) and one FileSet per config (``data/<config>/*.parquet``)
that the config's RecordSet reads; the RecordSet has a ``split`` field taken
from the file name and one field per column, typed from the Features
(``Value`` -> Text/Integer, ``ClassLabel`` -> Integer whose description lists
the label names in index order, ``List`` -> an array, a struct -> sub-fields).
Nothing here depends on time or on the machine, so the output is stable.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import mlcroissant as mlc
from datasets import ClassLabel, Features, List, Value

from nkworkers.loaders.dataset.features import CONFIGS, FEATURES
from nkworkers.loaders.files.atomic import dumps_json, write_text
from nkworkers.loaders.labels import Split

CROISSANT = "croissant.json"
PARQUET = "application/x-parquet"
NAME = "nkworkers"
DESCRIPTION = (
    "An annotated English news corpus on North Korean workers dispatched to Russia: "
    "OntoNotes named entities, PARC-style attribution (source, cue, content, with "
    "source anonymity, kind and quote type) and the control measures imposed on the "
    "workers. Annotations are character spans over the article texts (half-open "
    "offsets); the sentence configs add IOB2 tags."
)
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_NOTE = (
    "The annotations are CC BY 4.0 and the code MIT; the article texts remain all rights "
    "reserved by their publishers and are included for research use only."
)
CITE_AS = (
    "@misc{nkworkers, title={nkworkers: an annotated English news corpus of North Korean "
    "workers in Russia}, note={Dataset, version 0.1.0}}"
)
_VALUE_TYPES = {"string": mlc.DataType.TEXT, "int32": mlc.DataType.INTEGER}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leaf_type(feature: Any) -> tuple[Any, str | None]:
    if isinstance(feature, ClassLabel):
        return mlc.DataType.INTEGER, "ClassLabel index into: " + ", ".join(feature.names)
    if isinstance(feature, Value) and feature.dtype in _VALUE_TYPES:
        return _VALUE_TYPES[feature.dtype], None
    raise ValueError(f"no Croissant type for feature {feature!r}; extend _leaf_type")


def _field(
    field_id: str, name: str, feature: Any, source: mlc.Source, path: tuple[str, ...]
) -> mlc.Field:
    """One Croissant field for a Features entry; ``path`` is the key path inside a struct."""
    is_array = isinstance(feature, List)
    inner = feature.feature if is_array else feature
    if path:
        source = mlc.Source(
            file_set=source.file_set,
            extract=source.extract,
            transforms=[mlc.Transform(json_path=".".join(path))],
        )
    if isinstance(inner, dict):
        subs = [
            _field(f"{field_id}/{key}", key, sub, source, (*path, key) if not is_array else (key,))
            for key, sub in inner.items()
        ]
        return mlc.Field(id=field_id, name=name, is_array=is_array or None, sub_fields=subs)
    data_type, description = _leaf_type(inner)
    return mlc.Field(
        id=field_id,
        name=name,
        description=description,
        data_types=[data_type],
        is_array=is_array or None,
        array_shape="-1" if is_array else None,
        source=source,
    )


def record_set(config: str, features: Features) -> mlc.RecordSet:
    file_set = f"{config}-parquet"
    split = mlc.Field(
        id=f"{config}/split",
        name="split",
        description="the split, from the parquet file's name",
        data_types=[mlc.DataType.TEXT],
        source=mlc.Source(
            file_set=file_set,
            extract=mlc.Extract(file_property=mlc.FileProperty.filename),
            transforms=[mlc.Transform(regex=r"^(train|validation|test)\.parquet$")],
        ),
    )
    fields = [
        _field(
            f"{config}/{name}",
            name,
            feature,
            mlc.Source(file_set=file_set, extract=mlc.Extract(column=name)),
            (),
        )
        for name, feature in features.items()
    ]
    return mlc.RecordSet(
        id=config, name=config, description=f"the {config} config", fields=[split, *fields]
    )


def metadata(root: Path) -> mlc.Metadata:
    """The Croissant metadata of the parquet files under root/data (reads their bytes)."""
    distribution: list[mlc.FileObject | mlc.FileSet] = []
    for config in CONFIGS:
        for split in Split:
            rel = f"data/{config}/{split.value}.parquet"
            path = root / rel
            if not path.exists():
                raise FileNotFoundError(f"{rel} is missing: run `nkworkers build` first")
            distribution.append(
                mlc.FileObject(
                    id=rel,
                    name=rel,
                    content_url=rel,
                    content_size=f"{path.stat().st_size} B",
                    encoding_formats=[PARQUET],
                    sha256=_sha256(path),
                )
            )
        distribution.append(
            mlc.FileSet(
                id=f"{config}-parquet",
                name=f"{config}-parquet",
                description=f"the parquet files of the {config} config, one per split",
                includes=[f"data/{config}/*.parquet"],
                encoding_formats=[PARQUET],
            )
        )
    return mlc.Metadata(
        name=NAME,
        description=f"{DESCRIPTION} {LICENSE_NOTE}",
        license=[LICENSE],
        cite_as=CITE_AS,
        version="0.1.0",
        in_language=["en"],
        conforms_to=["http://mlcommons.org/croissant/1.1"],
        distribution=distribution,
        record_sets=[record_set(c, FEATURES[c]()) for c in CONFIGS],
    )


def render(root: Path) -> str:
    """croissant.json's text (pure apart from reading data/)."""
    return dumps_json(json.loads(json.dumps(metadata(root).to_json(), default=str)))


def write(root: Path) -> Path:
    path = root / CROISSANT
    write_text(path, render(root))
    return path


def check(root: Path) -> list[str]:
    """Differences between the committed croissant.json and a fresh one (empty: up to date)."""
    path = root / CROISSANT
    if not path.exists():
        return [f"{CROISSANT} is missing"]
    if path.read_text(encoding="utf-8") != render(root):
        return [f"{CROISSANT} differs from the metadata of data/"]
    return []


def validate(path: Path) -> list[str]:
    """mlcroissant's errors for a croissant.json (empty: valid); warnings are not errors."""
    try:
        dataset = mlc.Dataset(jsonld=path)
    except mlc.ValidationError as exc:
        return [str(exc)]
    return list(dataset.metadata.ctx.issues.errors)
