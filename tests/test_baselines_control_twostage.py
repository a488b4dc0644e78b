"""control-twostage on the real corpus: it beats a trivial baseline, names known measures,
survives save/load; its guideline descriptions quote no gold span."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nkworkers.baselines.benchmark.runner import bare, sealed
from nkworkers.baselines.evaluation import evaluate_rows
from nkworkers.baselines.systems.base import CorpusData
from nkworkers.baselines.systems.control.common import CATEGORIES, Sentences, document_sentences
from nkworkers.baselines.systems.control.guidelines import GUIDELINE_DESCRIPTIONS, all_descriptions
from nkworkers.baselines.systems.control.registry import SYSTEMS
from nkworkers.baselines.systems.control.twostage import TwoStage
from nkworkers.loaders.labels import ControlCategory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fitted(data: CorpusData) -> TwoStage:
    system = TwoStage()
    system.fit(sealed(data), seed=0)
    return system


def _micro(documents: list[dict], rows: list[dict]) -> float:
    report = evaluate_rows(documents, rows, bootstrap=0)
    return float(report["control_measures"]["sentences"]["micro"]["f1"])


def test_twostage_beats_labelling_every_sentence_with_the_commonest_category(
    data: CorpusData, fitted: TwoStage
) -> None:
    documents = [*data.validation["documents"], *data.test["documents"]]
    train = Sentences.from_config(data.train["control_measures"])
    commonest = CATEGORIES[int(train.labels.sum(axis=0).argmax())]
    trivial = [
        {
            "doc_id": d["doc_id"],
            "control_measures": [
                {"start": s.start, "end": s.end, "labels": [commonest]}
                for s in document_sentences([bare([d])[0]])
            ],
        }
        for d in documents
    ]
    assert _micro(documents, fitted.predict(bare(documents))) > _micro(documents, trivial)


def test_twostage_names_the_category_of_a_held_out_measure(
    data: CorpusData, fitted: TwoStage
) -> None:
    (doc,) = data.test["documents"]
    sentence = next(
        s.text for s in document_sentences([doc]) if "a month to the North Korean" in s.text
    )
    best = CATEGORIES[int(fitted.scores([sentence])[0].argmax())]
    assert best == ControlCategory.FINANCIAL_EXTRACTION.value


def test_twostage_predicts_the_same_after_save_and_load(
    data: CorpusData, fitted: TwoStage, tmp_path: Path
) -> None:
    settings = fitted.save(tmp_path)
    assert set(settings) >= {"alpha", "threshold", "delta"}
    fresh = SYSTEMS["control-twostage"]()
    fresh.load(tmp_path)
    documents = bare([*data.validation["documents"], *data.test["documents"]])
    assert fresh.predict(documents) == fitted.predict(documents)
    (tmp_path / "twostage.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match=r"twostage\.safetensors"):
        TwoStage().load(tmp_path)


def test_twostage_load_refuses_foreign_files(tmp_path: Path, fitted: TwoStage) -> None:
    fitted.save(tmp_path)
    (tmp_path / "twostage.safetensors").write_bytes(b"not a tensor file")
    with pytest.raises(ValueError, match="safetensors"):
        TwoStage().load(tmp_path)
    fitted.save(tmp_path)
    (tmp_path / "twostage.json").write_text('{"alpha": 0.1}', encoding="utf-8")
    with pytest.raises(ValueError, match="delta"):
        TwoStage().load(tmp_path)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9$]+", text.lower())


def test_descriptions_quote_no_gold_span(data: CorpusData) -> None:
    # Descriptions are training data in every fold: a gold span's wording in
    # them would leak the held-out article into training.
    assert set(GUIDELINE_DESCRIPTIONS) == set(ControlCategory)
    grams = set()
    for split in (data.train, data.validation, data.test):
        for doc in split["documents"]:
            for span in doc["control_measures"]:
                words = _words(doc["text"][span["start"] : span["end"]])
                grams |= {tuple(words[i : i + 4]) for i in range(len(words) - 3)}
    # The scheme's own category definitions ("**Definition.**", "**Covers:**") are
    # prior knowledge, not held-out text: a description may use their words.
    guidelines = (ROOT / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8")
    definitions = re.findall(r"\*\*(?:Definition\.|Covers:)\*\*(.*?)(?=\*\*)", guidelines, re.S)
    scheme = _words(" ".join(definitions))
    grams -= {tuple(scheme[i : i + 4]) for i in range(len(scheme) - 3)}
    for category in ControlCategory:
        for text in all_descriptions(category):  # the original ones and the paraphrases
            words = _words(text)
            shared = {tuple(words[i : i + 4]) for i in range(len(words) - 3)} & grams
            assert not shared, (category, text, shared)


def test_unit_scores_line_up_with_each_sentences_units(data: CorpusData, fitted: TwoStage) -> None:
    # analyse reuses the sentence vector for the whole-sentence unit; each block must
    # still be the scores of that sentence's units, in _units order.
    from nkworkers.baselines.systems.common import memo
    from nkworkers.baselines.systems.control.embed import embed
    from nkworkers.baselines.systems.control.twostage import _units

    texts = [s.text for s in document_sentences(bare(data.test["documents"]))]
    with memo.off():
        _, _, per = fitted.analyse(texts)
        for text, block in zip(texts, per, strict=True):
            units = [text[a:b] for a, b in _units(text)]
            assert block.shape == (len(units), len(CATEGORIES))
            assert abs(block - fitted._unit_scores(embed(units))).max() < 1e-5
