"""annotations/schema.json: the JSON Schema of an annotation file, from the model."""

from __future__ import annotations

from pathlib import Path

from nkworkers.loaders.files.atomic import dumps_json, write_text
from nkworkers.loaders.model import Annotation

PATH = "annotations/schema.json"


def generate() -> str:
    schema = Annotation.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "nkworkers/annotations/schema.json"
    return dumps_json(schema)


def write(root: Path) -> None:
    write_text(root / PATH, generate())


def check(root: Path) -> list[str]:
    path = root / PATH
    if not path.exists() or path.read_text(encoding="utf-8") != generate():
        return [f"{PATH} differs from the schema generated from loaders/model.py"]
    return []
