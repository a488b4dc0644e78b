"""The JSONL export read back as JSON Lines says: lines end at "\\n" only, strict JSON."""

from __future__ import annotations

import pytest

from nkworkers.loaders.corpus import read_corpus
from nkworkers.loaders.exports import jsonl
from nkworkers.loaders.model import Document
from tests.conftest import ROOT

# Characters that str.splitlines() ends a line at, all legal inside a JSON string.
LINE_BREAKERS = "\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85\r"


def _documents() -> list[Document]:
    return list(read_corpus(ROOT).documents())


def test_jsonl_reader_keeps_unicode_line_separators_inside_a_text() -> None:
    docs = [
        Document(
            meta=d.meta,
            text=f"{d.text}\n{LINE_BREAKERS} tail {LINE_BREAKERS}",
            annotation=d.annotation,
        )
        for d in _documents()
    ]
    files = jsonl.convert(docs, {d.doc_id: "train" for d in docs})
    assert any(ch in files["documents.jsonl"] for ch in "\u2028\x85")  # written raw, not escaped
    back = jsonl.read(files["documents.jsonl"], files["annotations.jsonl"])
    for doc in docs:
        got = back[doc.doc_id]
        assert got.model_dump(exclude={"text_sha256"}) == doc.annotation.model_dump(
            exclude={"text_sha256"}
        )


@pytest.mark.parametrize(
    ("documents", "expected"),
    [
        (
            '{"doc_id": "a", "text": "x", "text": "y"}\n',
            r"documents\.jsonl:1: duplicate key 'text'",
        ),
        ('\n{"doc_id": "a", "text": "x\xff"\n', r"documents\.jsonl:2: not valid JSON"),
        ("[1]\n", r"documents\.jsonl:1: expected a JSON object"),
        ('{"doc_id": 3, "text": "x"}\n', r"documents\.jsonl:1: needs a string doc_id"),
    ],
)
def test_jsonl_reader_names_file_and_line_of_bad_input(documents: str, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        jsonl.read(documents, "")
