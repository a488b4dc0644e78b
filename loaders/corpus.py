"""Read the corpus from disk: raw/ texts and manifest, annotations/, splits.

Reading never raises on bad content: problems are collected as ``Problem``
records (file, record id, what is wrong, how to fix it) so that ``validate``
and ``build`` can report every one of them, not just the first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from loaders.atomic import write_json
from loaders.model import Annotation, Document, ManifestEntry, Splits

RAW = "raw"
MANIFEST = "raw/manifest.jsonl"
ANNOTATIONS = "annotations"
SPLITS = "annotations/splits.json"


@dataclass(frozen=True)
class Problem:
    file: str
    record: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{self.file}: {self.record}: {self.message}.{fix}"


class CorpusError(Exception):
    """Raised by operations that refuse to go on while the corpus has problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s):\n{shown}{more}")


@dataclass
class Loaded:
    """What was read, plus every problem met while reading."""

    manifest: dict[str, ManifestEntry] = field(default_factory=dict)
    raw_bytes: dict[str, bytes] = field(default_factory=dict)
    annotations: dict[str, Annotation] = field(default_factory=dict)
    splits: Splits | None = None
    problems: list[Problem] = field(default_factory=list)

    def documents(self) -> Iterator[Document]:
        for doc_id in sorted(self.manifest):
            if doc_id in self.raw_bytes and doc_id in self.annotations:
                yield Document(
                    meta=self.manifest[doc_id],
                    text=self.raw_bytes[doc_id].decode("utf-8", errors="replace"),
                    annotation=self.annotations[doc_id],
                )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def annotation_path(root: Path, doc_id: str) -> Path:
    return root / ANNOTATIONS / f"{doc_id}.json"


def _record_of(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Name the record a pydantic error points into: its id when it has one."""
    node, names = raw, []
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "id" in node:
            names.append(str(node["id"]))
    path = ".".join(str(p) for p in loc)
    return f"{names[-1]} ({path})" if names else path or "<document>"


def pydantic_problems(file: str, raw: Any, error: ValidationError) -> list[Problem]:
    problems = []
    for err in error.errors():
        expected = err.get("ctx", {}).get("expected")
        fix = f"use one of {expected}" if expected else "correct the value to match the schema"
        problems.append(
            Problem(
                file,
                _record_of(raw, err["loc"]),
                f"{err['msg']} (got {err.get('input')!r})",
                fix,
            )
        )
    return problems


def parse(file: str, data: bytes, model: type[BaseModel]) -> tuple[Any, list[Problem]]:
    """Parse JSON bytes into ``model``; return (instance or None, problems)."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [
            Problem(file, "<document>", f"not valid UTF-8 JSON: {exc}", "repair the JSON")
        ]
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        return None, pydantic_problems(file, raw, exc)


def read_manifest(root: Path, loaded: Loaded) -> None:
    path = root / MANIFEST
    if not path.exists():
        loaded.problems.append(Problem(MANIFEST, "<file>", "missing", "restore raw/manifest.jsonl"))
        return
    for lineno, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        entry, problems = parse(f"{MANIFEST}:{lineno}", line, ManifestEntry)
        loaded.problems += problems
        if entry is None:
            continue
        if entry.doc_id in loaded.manifest:
            loaded.problems.append(
                Problem(f"{MANIFEST}:{lineno}", entry.doc_id, "duplicate doc_id", "keep one line")
            )
        loaded.manifest[entry.doc_id] = entry


def read_corpus(root: Path) -> Loaded:
    """Read everything; never raises on bad content (see Loaded.problems)."""
    loaded = Loaded()
    read_manifest(root, loaded)
    for path in sorted((root / RAW).glob("*.txt")):
        loaded.raw_bytes[path.stem] = path.read_bytes()
    for path in sorted((root / ANNOTATIONS).glob("*.json")):
        if path.name in {"splits.json", "schema.json"}:
            continue
        rel = f"{ANNOTATIONS}/{path.name}"
        annotation, problems = parse(rel, path.read_bytes(), Annotation)
        loaded.problems += problems
        if annotation is not None:
            loaded.annotations[path.stem] = annotation
    splits_path = root / SPLITS
    if splits_path.exists():
        loaded.splits, problems = parse(SPLITS, splits_path.read_bytes(), Splits)
        loaded.problems += problems
    else:
        loaded.problems.append(Problem(SPLITS, "<file>", "missing", "restore the split file"))
    return loaded


def write_annotation(root: Path, annotation: Annotation) -> None:
    write_json(annotation_path(root, annotation.doc_id), annotation.model_dump(mode="json"))
