"""Golden files: each converter's output for one stored article.

The input is a snapshot (tests/golden/export/input.json: the article's
metadata, text, annotation and split), so these tests guard the converters,
not the gold: a change of annotations/ does not touch them. Regenerate:

    NKWORKERS_REGEN_GOLDEN=1 python -m pytest tests/test_export_golden.py
        rewrites the expected files from the stored input (after a deliberate
        change of a converter's output; review the diff);
    NKWORKERS_REGEN_GOLDEN=input python -m pytest tests/test_export_golden.py
        first refreshes input.json from the current corpus (same doc_id).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nkworkers.loaders.exports import FORMATS, convert
from nkworkers.loaders.files.atomic import dumps_json, write_text
from nkworkers.loaders.model import Document
from nkworkers.loaders.validate import load_valid

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "export"
INPUT = GOLDEN / "input.json"
DOC_ID = "000_7cbc0fd9fa29aa12"
REGEN = os.environ.get("NKWORKERS_REGEN_GOLDEN", "")


def _refresh_input() -> None:
    docs, split_of, _ = load_valid(ROOT)
    doc = next(d for d in docs if d.doc_id == DOC_ID)
    write_text(INPUT, dumps_json({"split": split_of[DOC_ID], **doc.model_dump(mode="json")}))


def _input() -> tuple[Document, str]:
    if REGEN == "input":
        _refresh_input()
    raw = json.loads(INPUT.read_text(encoding="utf-8"))
    split = raw.pop("split")
    return Document.model_validate(raw), split


@pytest.mark.parametrize("fmt", FORMATS)
def test_converter_output_equals_its_golden_files(fmt: str) -> None:
    doc, split = _input()
    files = convert(fmt, [doc], {doc.doc_id: split})
    folder = GOLDEN / fmt
    if REGEN:
        for old in folder.rglob("*"):
            if old.is_file():
                old.unlink()
        for rel, text in files.items():
            write_text(folder / rel, text)
    stored = {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    assert sorted(stored) == sorted(files), "file list differs; see the module docstring"
    for rel, text in files.items():
        assert stored[rel] == text, f"{fmt}/{rel} differs from its golden file"
