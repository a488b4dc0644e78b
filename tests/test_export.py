"""Exports (brat, CoNLL, JSONL) round-trip on the real corpus, whatever its gold is."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from nkworkers.baselines.evaluation.scorer import evaluate_rows
from nkworkers.loaders.dataset.build import SPLITS
from nkworkers.loaders.exports import FORMATS, brat, brat_read, conll, convert, jsonl
from nkworkers.loaders.exports.cli import register
from nkworkers.loaders.labels import EntityType
from nkworkers.loaders.model import Document, Entity
from nkworkers.loaders.text.segment import segment
from nkworkers.loaders.validate import load_valid

ROOT = Path(__file__).resolve().parent.parent


@cache
def corpus() -> tuple[tuple[Document, ...], dict[str, str]]:
    docs, split_of, _ = load_valid(ROOT)
    return tuple(docs), split_of


@cache
def gold_rows() -> list[dict[str, Any]]:
    return [
        row
        for split in SPLITS
        for row in pq.read_table(ROOT / f"data/documents/{split}.parquet").to_pylist()
    ]


# ---------------------------------------------------------------- brat


def test_brat_reads_back_every_gold_span_and_record() -> None:
    docs, split_of = corpus()
    files = convert("brat", docs, split_of)
    for doc in docs:
        assert files[f"{doc.doc_id}.txt"] == doc.text
        back = brat_read.read(doc.doc_id, doc.text, files[f"{doc.doc_id}.ann"], f"{doc.doc_id}.ann")
        gold = doc.annotation
        assert back.entities == gold.entities
        assert back.attribution_spans == gold.attribution_spans
        assert back.attributions == gold.attributions
        assert back.control_measures == gold.control_measures
        assert back.text_sha256 == gold.text_sha256


def _conf_sections(conf: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for line in conf.splitlines():
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections[current] = []
        elif line.strip():
            sections[current].append(line)
    return sections


def test_brat_conf_declares_every_type_role_and_attribute_used() -> None:
    docs, split_of = corpus()
    files = convert("brat", docs, split_of)
    sections = _conf_sections(files["annotation.conf"])
    entity_types = {x.strip() for x in sections["entities"] if not x.strip().startswith("!")}
    events = {line.split("\t")[0]: line.split("\t")[1] for line in sections["events"]}
    roles = {arg.split(":")[0].rstrip("?+*") for arg in events[brat.EVENT].split(", ")}
    attributes: dict[str, set[str] | None] = {}
    for line in sections["attributes"]:
        name, spec = line.split("\t")
        values = [p for p in spec.split(", ") if p.startswith("Value:")]
        attributes[name] = set(values[0][6:].split("|")) if values else None
    for doc in docs:
        parsed = brat_read.parse_ann(files[f"{doc.doc_id}.ann"])
        for span in parsed.spans.values():
            assert span.type in entity_types | set(events), span
        for event in parsed.events.values():
            assert parsed.spans[event.trigger].type == event.type == brat.EVENT
            for role, _ in event.args:
                assert role.rstrip("0123456789") in roles, (doc.doc_id, role)
        for name, target, value in parsed.attributes:
            assert name in attributes, name
            allowed = attributes[name]
            assert (value is None) if allowed is None else (value in allowed), (name, value)
            assert target in parsed.spans or target in parsed.events
    assert "[labels]" in files["visual.conf"] and "[drawing]" in files["visual.conf"]


def test_brat_reader_names_file_and_line_on_bad_input() -> None:
    with pytest.raises(brat.BratError, match=r"x\.ann:2"):
        brat_read.parse_ann("T1\tPERSON 0 3\tKim\nR1\tFoo Arg1:T1 Arg2:T1\n", "x.ann")


# ---------------------------------------------------------------- JSONL


def test_jsonl_reads_back_every_annotation_exactly() -> None:
    docs, split_of = corpus()
    files = convert("jsonl", docs, split_of)
    back = jsonl.read(files["documents.jsonl"], files["annotations.jsonl"])
    assert back == {d.doc_id: d.annotation for d in docs}
    n = sum(len(getattr(d.annotation, attr)) for d in docs for attr, _ in jsonl.LAYERS.values())
    assert len(files["annotations.jsonl"].splitlines()) == n


# ---------------------------------------------------------------- CoNLL


def _entity_rows(files: dict[str, str]) -> list[dict[str, Any]]:
    spans: dict[str, list[dict[str, Any]]] = {}
    for split in SPLITS:
        path = f"entities/{split}.conll"
        if path not in files:
            continue
        for doc_id, found in conll.to_spans(conll.parse(files[path], path)).items():
            spans.setdefault(doc_id, []).extend(
                {"start": s.start, "end": s.end, "label": s.label} for s in found
            )
    return [{"doc_id": d, "entities": e} for d, e in spans.items()]


def _scores(report: dict[str, Any]) -> dict[str, Any]:
    return report["entities"]


def test_conll_entity_export_scores_like_the_gold_spans() -> None:
    docs, split_of = corpus()
    rows = _entity_rows(convert("conll", docs, split_of, comments=True))
    direct = [{"doc_id": r["doc_id"], "entities": r["entities"]} for r in gold_rows()]
    via_conll = evaluate_rows(gold_rows(), rows, bootstrap=0)
    assert _scores(via_conll)["strict"]["f1"] == 1.0
    assert _scores(via_conll) == _scores(evaluate_rows(gold_rows(), direct, bootstrap=0))


def _perturbed(doc: Document) -> Document:
    """Drop every 3rd entity, relabel every 4th, cut the last token off every 5th."""
    labels = list(EntityType)
    tokens = [t for s in segment(doc.text) for t in s.tokens]
    out: list[Entity] = []
    for i, e in enumerate(doc.annotation.entities):
        if i % 3 == 2:
            continue
        start, end, label = e.start, e.end, e.label
        if i % 4 == 3:
            label = labels[(labels.index(label) + 1) % len(labels)]
        inside = [t for t in tokens if start <= t.start and t.end <= end]
        if i % 5 == 4 and len(inside) > 1:
            end = inside[-2].end
        out.append(Entity(id=e.id, start=start, end=end, text=doc.text[start:end], label=label))
    annotation = doc.annotation.model_copy(update={"entities": out})
    return doc.model_copy(update={"annotation": annotation})


def test_conll_export_of_a_perturbed_prediction_scores_like_its_spans() -> None:
    docs, split_of = corpus()
    predicted = [_perturbed(d) for d in docs]
    via_conll = evaluate_rows(
        gold_rows(), _entity_rows(convert("conll", predicted, split_of, comments=True)), bootstrap=0
    )
    direct_rows = [
        {"doc_id": d.doc_id, "entities": [e.model_dump(mode="json") for e in d.annotation.entities]}
        for d in predicted
    ]
    direct = evaluate_rows(gold_rows(), direct_rows, bootstrap=0)
    assert _scores(via_conll) == _scores(direct)
    assert _scores(direct)["strict"]["f1"] < 1.0  # the perturbation did change something


def _sentence_counts(files: dict[str, str], tagset: str) -> dict[str, int]:
    return {
        split: len(conll.parse(files[f"{tagset}/{split}.conll"]))
        for split in SPLITS
        if f"{tagset}/{split}.conll" in files
    }


@pytest.mark.parametrize("tagset", list(conll.TAGSETS))
def test_conll_layout_matches_the_sentence_configs(tagset: str) -> None:
    docs, split_of = corpus()
    files = convert("conll", docs, split_of, comments=True)
    config = "attribution" if tagset.startswith("attribution_") else tagset
    expected = {s: pq.read_metadata(ROOT / f"data/{config}/{s}.parquet").num_rows for s in SPLITS}
    assert _sentence_counts(files, tagset) == {s: n for s, n in expected.items() if n}
    texts = {d.doc_id: d.text for d in docs}
    for split in SPLITS:
        content = files.get(f"{tagset}/{split}.conll")
        if content is None:
            continue
        assert content.splitlines()[0] == conll.HEADER
        lines = content.strip("\n").split("\n")
        body = "\n".join(x for x in lines if x not in (conll.HEADER, conll.DOCSTART))
        blocks = [b for b in body.strip("\n").split("\n\n")]
        sentences = conll.parse(content)
        assert len(blocks) == len(sentences)
        for block, sent in zip(blocks, sentences, strict=True):
            comments = [x for x in block.splitlines() if x.startswith("# ")]
            assert any(x == f"# doc_id = {sent.doc_id}" for x in comments)
            assert any(x == f"# sent_id = {sent.sent_id}" for x in comments)
            for tok in sent.tokens:
                assert tok.start is not None and tok.end is not None
                assert texts[sent.doc_id][tok.start : tok.end] == tok.text


def test_conll_splits_a_token_only_where_a_span_boundary_falls_inside_it() -> None:
    from nkworkers.loaders.text.segment import Token

    tokens = [Token(0, 4, "RFAs"), Token(5, 9, "told")]
    assert conll.split_tokens(tokens, [0, 3, 5]) == [
        Token(0, 3, "RFA"),
        Token(3, 4, "s"),
        Token(5, 9, "told"),
    ]


# ---------------------------------------------------------------- CLI


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_command_writes_the_converter_files(fmt: str, tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a lone command would become the app itself
    result = CliRunner().invoke(
        app, ["export", "--format", fmt, "--out", str(tmp_path), "--root", str(ROOT)]
    )
    assert result.exit_code == 0, result.output
    docs, split_of = corpus()
    expected = convert(fmt, docs, split_of)
    written = {
        p.relative_to(tmp_path).as_posix(): p.read_text(encoding="utf-8")
        for p in tmp_path.rglob("*")
        if p.is_file()
    }
    assert written == expected


def test_export_command_refuses_an_unknown_format(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    result = CliRunner().invoke(app, ["export", "--format", "xml", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert not any(tmp_path.iterdir())
