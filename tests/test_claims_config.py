"""The ``claims`` config and the ``documents`` claims column: built, loaded, on the card."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import datasets
import pytest

from nkworkers.loaders.claims import Claim, derive_claims
from nkworkers.loaders.corpus import CorpusError, read_corpus
from nkworkers.loaders.dataset import build as builder
from nkworkers.loaders.dataset import card
from nkworkers.loaders.labels import ControlCategory, SourceAnonymity, Voice, names
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> datasets.DatasetDict:
    cache = tmp_path_factory.mktemp("claims-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_DATASETS_OFFLINE", "1")
        mp.setenv("HF_HUB_OFFLINE", "1")
        return datasets.load_dataset(str(ROOT), "claims", cache_dir=str(cache))


def _names(ds: datasets.Dataset, column: str, value: int | None) -> str | None:
    return None if value is None else ds.features[column].int2str(value)


def test_load_dataset_gives_the_94_claims_with_their_sources(loaded) -> None:
    rows = [(split, row) for split in loaded for row in loaded[split]]
    assert len(rows) == 94
    voices = Counter(_names(loaded["train"], "voice", row["voice"]) for _, row in rows)
    assert voices == {"source": 57, "unnamed_source": 11, "reporter": 26}
    corpus = read_corpus(ROOT)
    texts = {d: raw.decode("utf-8") for d, raw in corpus.raw_bytes.items()}
    assert len({row["id"] for _, row in rows}) == 94
    for _, row in rows:
        text = texts[row["doc_id"]]
        assert text[row["start"] : row["end"]] == row["text"]
        sentence = row["sentence"]
        assert text[sentence["start"] : sentence["end"]] == sentence["text"]
        voice = loaded["train"].features["voice"].int2str(row["voice"])
        assert (row["record"] is None) == (voice == "reporter")
        for speaker in [row["record"], *row["chain"]] if row["record"] else []:
            for piece in (speaker["source"], speaker["cue"]):
                if piece is not None:
                    assert text[piece["start"] : piece["end"]] == piece["text"]
        if voice == "source":
            assert row["record"]["source"]["text"]


def test_claims_rows_keep_the_documents_split_and_fold(loaded, tmp_path: Path) -> None:
    docs = datasets.load_dataset(str(ROOT), "documents", cache_dir=str(tmp_path / "cache"))
    for split in docs:
        folds = {d["doc_id"]: d["fold"] for d in docs[split]}
        meta = {d["doc_id"]: (d["outlet"], d["published"]) for d in docs[split]}
        for row in loaded[split]:
            assert folds[row["doc_id"]] == row["fold"]
            assert meta[row["doc_id"]] == (row["outlet"], row["published"])
        column = [Claim.model_validate(c) for d in docs[split] for c in d["claims"]]
        assert [(c.control_id, c.category.value) for c in column] == [
            (r["control_id"], loaded[split].features["category"].int2str(r["category"]))
            for r in loaded[split]
        ]


def test_documents_claims_column_is_derive_claims_of_the_annotation(tmp_path: Path) -> None:
    docs = datasets.load_dataset(str(ROOT), "documents", cache_dir=str(tmp_path / "cache"))
    corpus = read_corpus(ROOT)
    for split in docs:
        for row in docs[split]:
            derived = derive_claims(corpus.annotations[row["doc_id"]], text=row["text"])
            assert [Claim.model_validate(c) for c in row["claims"]] == derived


def test_the_card_tables_the_loaded_claims_per_split(loaded) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split(card.TABLE_BEGIN + "\n", 1)[1].split(card.TABLE_END, 1)[0]
    table = {
        (cells[0], cells[1]): [int(x) for x in cells[2:]]
        for line in block.splitlines()[2:]
        if (cells := [c.strip() for c in line.strip("|").split("|")])
    }
    features = loaded["train"].features
    for i, split in enumerate(("train", "validation", "test")):
        ds = loaded[split]
        categories = Counter(features["category"].int2str(x) for x in ds["category"])
        voices = Counter(features["voice"].int2str(x) for x in ds["voice"])
        anonymity = Counter(
            features["record"]["source_anonymity"].int2str(r["source_anonymity"])
            if r
            else "reporter"
            for r in ds["record"]
        )
        for name in names(ControlCategory):
            assert table[("category", name)][i] == categories[name]
        for name in names(Voice):
            assert table[("voice", name)][i] == voices[name]
        for name in [*names(SourceAnonymity), "reporter"]:
            assert table[("source anonymity", name)][i] == anonymity[name]
        assert table[("all", "claims")][i] == ds.num_rows


def test_a_readme_without_the_claims_table_markers_is_refused(corpus: Path) -> None:
    readme = corpus / "README.md"
    readme.write_text(readme.read_text("utf-8").replace(card.TABLE_END, ""), "utf-8")
    with pytest.raises(CorpusError, match=r"README\.md has no claims table"):
        builder.build(corpus)


def _rules(text: str) -> list[str]:
    """The numbered rules 1-4 of a text, whitespace and code quoting normalised."""
    found = re.findall(r"^([1-4]\. .*?)(?=^[1-4]\. |^\S|\Z)", text, flags=re.M | re.S)
    return [" ".join(rule.replace("``", "`").split()) for rule in found[:4]]


def test_the_guidelines_write_the_rule_of_the_claims_docstring() -> None:
    import nkworkers.loaders.claims as claims

    guidelines = (ROOT / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8")
    section = guidelines.split("## Claims", 1)[1].split("### The gold", 1)[0]
    assert claims.__doc__ is not None
    assert _rules(section) == _rules(claims.__doc__)
    assert len(_rules(section)) == 4
