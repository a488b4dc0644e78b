"""Synthetic scale: the annotated articles replicated under new ids.

Copy k of article ``NNN_hash`` becomes ``NNN_hash_rK``: same text, same
annotation with every id re-prefixed, its own manifest line, and a split
assignment that keeps the real proportions (copies of a train article are in
train, and so on). Everything validates like the real corpus.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from nkworkers.loaders.corpus import read_corpus
from nkworkers.loaders.files.atomic import dumps_json


def _reprefix(obj: object, old: str, new: str) -> object:
    if isinstance(obj, str):
        return new + obj[len(old) :] if obj.startswith(old + "-") else obj
    if isinstance(obj, list):
        return [_reprefix(x, old, new) for x in obj]
    if isinstance(obj, dict):
        return {k: _reprefix(v, old, new) for k, v in obj.items()}
    return obj


def make_corpus(source: Path, target: Path, copies: int) -> list[str]:
    """Write a corpus of ``copies`` x the annotated articles into target; return doc_ids."""
    loaded = read_corpus(source)
    assert loaded.splits is not None
    split_of = loaded.splits.split_of()
    (target / "raw").mkdir(parents=True)
    (target / "annotations").mkdir()
    shutil.copy(source / "README.md", target / "README.md")
    manifest: list[str] = []
    splits: dict[str, list[str]] = {"train": [], "validation": [], "test": []}
    for doc_id in sorted(split_of):
        meta = loaded.manifest[doc_id].model_dump(mode="json")
        ann = loaded.annotations[doc_id].model_dump(mode="json")
        for k in range(copies):
            new = doc_id if k == 0 else f"{doc_id}_r{k}"
            (target / "raw" / f"{new}.txt").write_bytes(loaded.raw_bytes[doc_id])
            manifest.append(json.dumps({**meta, "doc_id": new}, ensure_ascii=False))
            copy = _reprefix(ann, doc_id, new)
            assert isinstance(copy, dict)
            copy["doc_id"] = new
            (target / "annotations" / f"{new}.json").write_text(dumps_json(copy), encoding="utf-8")
            splits[split_of[doc_id]].append(new)
    (target / "raw" / "manifest.jsonl").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    (target / "annotations" / "splits.json").write_text(dumps_json(splits), encoding="utf-8")
    return [d for names in splits.values() for d in names]
