"""The config and the two pure converters, offline (golden files on the real corpus)."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from nkworkers.loaders.corpus import CorpusError, read_corpus, sha256
from nkworkers.loaders.labels import (
    ControlCategory,
    EntityType,
    QuoteType,
    Role,
    SourceKind,
    Zone,
    names,
)
from nkworkers.loaders.labelstudio.config import label_config, same_config
from nkworkers.loaders.labelstudio.convert import (
    annotation_to_result,
    document_to_task,
    pick_latest,
    result_to_annotation,
    task_to_annotation,
)
from nkworkers.loaders.labelstudio.predictions import read_predictions
from nkworkers.loaders.labelstudio.sync import apply_pull, plan_pull
from nkworkers.loaders.model import Annotation
from tests.test_labelstudio_support import REPO, as_export, make_corpus, snapshot, synthetic

DOC_IDS = sorted(p.stem for p in (REPO / "raw").glob("*.txt"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "c"
    make_corpus(root)
    return root


def test_config_is_derived_from_the_enums() -> None:
    root = ET.fromstring(label_config())
    labels = {el.get("name"): [x.get("value") for x in el] for el in root.iter("Labels")}
    assert labels == {
        "zone": names(Zone),
        "entity": names(EntityType),
        "attribution": names(Role),
        "control": names(ControlCategory),
    }
    assert len(labels["entity"]) == 18 and len(labels["control"]) == 10
    control = next(el for el in root.iter("Labels") if el.get("name") == "control")
    assert control.get("choice") == "multiple"
    choices = {el.get("name"): [x.get("value") for x in el] for el in root.iter("Choices")}
    assert choices["quote_type"] == names(QuoteType) and choices["source_kind"] == names(SourceKind)
    assert all(el.get("perRegion") == "true" for el in root.iter("Choices"))
    assert [el.get("value") for el in root.iter("Relation")] == ["source", "content", "parent"]
    assert {el.get("name") for el in root.iter("TextArea")} == {"record_id", "source_id"}
    assert same_config(label_config().replace("\n  ", "\n"))
    assert not same_config(label_config().replace('value="COERCION"', 'value="X"'))


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_document_task_document_is_identity_on_every_article(corpus: Path, doc_id: str) -> None:
    document = next(d for d in read_corpus(corpus).documents() if d.doc_id == doc_id)
    task = json.loads(json.dumps(document_to_task(document)))  # as the server stores it
    assert task["data"] == {"doc_id": doc_id, "text": document.text}
    back, picked = task_to_annotation(
        as_export([task])[0], text=document.text, text_sha256=document.annotation.text_sha256
    )
    assert back == document.annotation
    assert picked is not None and picked.of == 1


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_synthetic_rich_annotation_round_trips(corpus: Path, doc_id: str) -> None:
    raw = (REPO / "raw" / f"{doc_id}.txt").read_bytes()
    text = raw.decode("utf-8")
    annotation = synthetic(doc_id, text, sha256(raw))
    assert any(r.parent for r in annotation.attributions)
    result = annotation_to_result(annotation, text)
    back = result_to_annotation(
        result, doc_id=doc_id, text=text, text_sha256=sha256(raw), where="t"
    )
    assert back == annotation


def test_non_bmp_offsets_are_code_points() -> None:
    full = (
        "Headline 😀\nNorth Korean 😀 workers 𝒳 said 🇰🇵 that their managers 😀 took passports "
        "and watched phones every evening in Vladivostok 😀 dormitories."
    )
    raw = full.encode("utf-8")
    doc = "900_0000000000000000"
    annotation = synthetic(doc, full, sha256(raw))
    start = full.index("🇰🇵")
    flag = {"id": f"{doc}-E3", "start": start, "end": start + 2, "text": "🇰🇵", "label": "GPE"}
    annotation = Annotation.model_validate(
        {
            **annotation.model_dump(mode="json"),
            "entities": [*annotation.model_dump(mode="json")["entities"], flag],
        }
    )
    assert full.index("Vladivostok") > len(full[: full.index("Vladivostok")].encode("utf-8")) // 4
    result = annotation_to_result(annotation, full)
    for item in result:
        if item["type"] == "labels":
            value = item["value"]
            assert full[value["start"] : value["end"]] == value["text"]
    back = result_to_annotation(result, doc_id=doc, text=full, text_sha256=sha256(raw), where="t")
    assert back == annotation
    # An export counted in UTF-16 code units is refused, and the error says so.
    start = full.index("managers")
    units = len(full[:start].encode("utf-16-le")) // 2
    shifted = [
        {
            "id": f"{doc}-E9",
            "from_name": "entity",
            "to_name": "text",
            "type": "labels",
            "value": {"start": units, "end": units + 8, "text": "managers", "labels": ["ORG"]},
        }
    ]
    with pytest.raises(CorpusError, match="UTF-16"):
        result_to_annotation(shifted, doc_id=doc, text=full, text_sha256="", where="task 1")


def test_new_regions_get_ids_in_the_corpus_pattern(corpus: Path) -> None:
    document = next(iter(read_corpus(corpus).documents()))
    result = annotation_to_result(document.annotation, document.text)
    first = document.annotation.entities[0]
    result.append(
        {
            "id": "rNd0m_1d",
            "from_name": "control",
            "to_name": "text",
            "type": "labels",
            "value": {
                "start": first.start,
                "end": first.end,
                "labels": ["COERCION", "SURVEILLANCE"],
            },
        }
    )
    back = result_to_annotation(
        result, doc_id=document.doc_id, text=document.text, text_sha256="x", where="t"
    )
    numbers = [int(c.id.rsplit("-C", 1)[1]) for c in document.annotation.control_measures]
    new = [c for c in back.control_measures if c not in document.annotation.control_measures]
    assert [c.id for c in new] == [f"{document.doc_id}-C{max(numbers, default=0) + 1}"]
    assert [x.value for x in new[0].labels] == ["COERCION", "SURVEILLANCE"]


def test_latest_annotation_wins_and_cancelled_ones_are_skipped() -> None:
    task = {
        "id": 7,
        "annotations": [
            {"id": 1, "updated_at": "2025-01-02T00:00:00Z", "result": []},
            {"id": 2, "updated_at": "2025-01-03T00:00:00Z", "result": [], "was_cancelled": True},
            {"id": 3, "updated_at": "2025-01-02T12:00:00Z", "result": [], "completed_by": 4},
        ],
    }
    latest, picked = pick_latest(task)
    assert latest is not None and latest["id"] == 3
    assert "annotation 3" in str(picked) and "latest of 2" in str(picked)


def _export(corpus: Path) -> list[dict[str, Any]]:
    return as_export([document_to_task(d) for d in read_corpus(corpus).documents()])


def _result(export: list[dict[str, Any]], doc_id: str) -> list[dict[str, Any]]:
    task = next(t for t in export if t["data"]["doc_id"] == doc_id)
    result: list[dict[str, Any]] = task["annotations"][0]["result"]
    return result


def _break_label(export: list[dict[str, Any]]) -> None:
    _result(export, DOC_IDS[0])[0]["value"]["labels"] = ["NOT_A_ZONE"]


def _break_text(export: list[dict[str, Any]]) -> None:
    item = next(i for i in _result(export, DOC_IDS[0]) if i["from_name"] == "entity")
    item["value"]["text"] = item["value"]["text"] + "x"


def _break_relation(export: list[dict[str, Any]]) -> None:
    result = _result(export, DOC_IDS[0])
    relation = next(i for i in result if i["type"] == "relation")
    relation["to_id"] = "gone"


def _overlap_entities(export: list[dict[str, Any]]) -> None:
    result = _result(export, DOC_IDS[0])
    entity = copy.deepcopy(next(i for i in result if i["from_name"] == "entity"))
    entity["id"] = "overlapper"
    entity["value"]["labels"] = ["GPE"] if entity["value"]["labels"] != ["GPE"] else ["ORG"]
    result.append(entity)


def _unknown_article(export: list[dict[str, Any]]) -> None:
    export.append(
        {"id": 99, "data": {"doc_id": "999_ffffffffffffffff", "text": "x"}, "annotations": []}
    )


@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        (_break_label, "NOT_A_ZONE"),
        (_break_text, "differs from the article"),
        (_break_relation, "missing region"),
        (_overlap_entities, "overlap"),
        (_unknown_article, "unknown article"),
    ],
)
def test_bad_exports_are_refused_and_nothing_is_written(
    corpus: Path, breaker: Any, expected: str
) -> None:
    export = _export(corpus)
    breaker(export)
    before = snapshot(corpus)
    plan = plan_pull(read_corpus(corpus), export, label_config(), "p")
    assert plan.problems, "expected a refusal"
    assert any(expected in str(p) for p in plan.problems), plan.problems
    with pytest.raises(CorpusError):
        apply_pull(corpus, plan)
    assert snapshot(corpus) == before


def test_another_config_is_refused(corpus: Path) -> None:
    plan = plan_pull(read_corpus(corpus), _export(corpus), "<View><Text name='text'/></View>", "p")
    assert [p.record for p in plan.problems] == ["label_config"]


def test_clean_export_plans_no_change(corpus: Path) -> None:
    plan = plan_pull(read_corpus(corpus), _export(corpus), label_config(), "p")
    assert plan.problems == [] and plan.changes == [] and len(plan.unchanged) == len(DOC_IDS)


def test_predictions_become_results(corpus: Path, tmp_path: Path) -> None:
    loaded = read_corpus(corpus)
    texts = {d: b.decode("utf-8") for d, b in loaded.raw_bytes.items()}
    doc_id = DOC_IDS[0]
    gold: Annotation = loaded.annotations[doc_id]
    text = texts[doc_id]
    fake = synthetic(doc_id, text, "")
    span_ids = [s.id for s in fake.attribution_spans]
    line = {
        "doc_id": doc_id,
        "entities": [
            {"start": e.start, "end": e.end, "label": e.label.value} for e in gold.entities
        ],
        "attribution_spans": [
            {"id": f"p{i}", "start": s.start, "end": s.end, "role": s.role.value}
            for i, s in enumerate(fake.attribution_spans)
        ],
        "attributions": [
            {
                "source": f"p{span_ids.index(r.source)}" if r.source else None,
                "cue": f"p{[s.id for s in fake.attribution_spans].index(r.cue)}",
                "content": [
                    f"p{[s.id for s in fake.attribution_spans].index(c)}" for c in r.content
                ],
                "source_anonymity": r.source_anonymity.value,
                "source_kind": r.source_kind.value,
                "quote_type": r.quote_type.value,
            }
            for r in fake.attributions
        ],
        "control_measures": [{"start": 0, "end": 5, "labels": ["COERCION", "SURVEILLANCE"]}],
    }
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(line) + "\n")
    results = read_predictions(path, texts)
    back = result_to_annotation(
        results[doc_id], doc_id=doc_id, text=text, text_sha256="", where="t"
    )
    assert [(e.start, e.end, e.label) for e in back.entities] == [
        (e.start, e.end, e.label) for e in gold.entities
    ]
    assert [(r.source is None, len(r.content)) for r in back.attributions] == [
        (r.source is None, len(r.content)) for r in fake.attributions
    ]
    path.write_text(
        json.dumps({"doc_id": "nope"})
        + "\n"
        + json.dumps({**line, "entities": [{"start": 0, "end": 99999, "label": "ORG"}]})
        + "\n"
    )
    with pytest.raises(CorpusError) as error:
        read_predictions(path, texts)
    assert "p.jsonl:1" in str(error.value) and "p.jsonl:2" in str(error.value)


def test_cli_config_and_a_clear_error_without_server(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nkworkers.loaders.labelstudio.cli import ls_app

    runner = CliRunner()
    assert runner.invoke(ls_app, ["config"]).output == label_config()
    args = ["pull", "--url", "http://127.0.0.1:9", "--project", "x", "--root", str(REPO)]
    no_token = runner.invoke(ls_app, args, env={"LABEL_STUDIO_API_KEY": ""})
    assert no_token.exit_code == 2 and "LABEL_STUDIO_API_KEY" in no_token.output
    refused = runner.invoke(ls_app, args, env={"LABEL_STUDIO_API_KEY": "abc"})
    assert refused.exit_code == 2 and "cannot talk to the server" in refused.output
