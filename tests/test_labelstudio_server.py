"""End to end against a real Label Studio 1.23.2 server (``-m labelstudio``).

The server runs from its own venv (NKW_LS_VENV, default .cache/ls-venv,
created by .ci/install-label-studio.sh), on 127.0.0.1 and a free port, with a
temporary data dir (a copy of the one a first start left in .cache/ls-data-*,
holding the admin user only) and HOME, and is stopped by its PID at the end.
Timings are printed (run with ``-s`` to see them).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nkworkers.loaders.corpus import read_corpus
from nkworkers.loaders.labelstudio import client, sync
from nkworkers.loaders.labelstudio.cli import ls_app
from nkworkers.loaders.labelstudio.server import Server, ServerError, running_server
from tests.test_labelstudio_support import make_corpus, snapshot

pytestmark = pytest.mark.labelstudio


@pytest.fixture(scope="session")
def ls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    try:
        # from the data dir of a first start (.cache/ls-data-*): about 5 s, not 30 to 40
        with running_server(tmp_path_factory.mktemp("label-studio"), reuse_template=True) as server:
            print(f"\n[timing] Label Studio server start: {server.start_s:.1f} s ({server.url})")
            yield server
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    make_corpus(tmp_path / "corpus")
    return tmp_path / "corpus"


def _first_free_word(text: str, taken: list[tuple[int, int]]) -> tuple[int, int]:
    """Offsets of a word no entity covers, for the annotator's new region."""
    pos = 0
    for word in text.split():
        start = text.index(word, pos)
        pos = end = start + len(word)
        if word.isalpha() and len(word) > 4 and all(end <= s or start >= e for s, e in taken):
            return start, end
    raise AssertionError("no free word")


def test_push_pull_round_trip_and_one_annotator_edit(ls_server: Server, corpus: Path) -> None:
    before = snapshot(corpus)
    started = time.perf_counter()
    pushed = sync.push(root=corpus, url=ls_server.url, project="nkw-e2e", token=ls_server.token)
    push_s = time.perf_counter() - started
    assert pushed.created and len(pushed.imported) == 5

    started = time.perf_counter()
    plan, written = sync.pull(
        root=corpus, url=ls_server.url, project="nkw-e2e", token=ls_server.token
    )
    pull_s = time.perf_counter() - started
    print(f"\n[timing] push of 5 articles: {push_s:.2f} s; pull of 5 articles: {pull_s:.2f} s")
    assert plan.problems == [] and plan.changes == [] and written == []
    assert len(plan.unchanged) == 5
    assert snapshot(corpus) == before

    # As an annotator would: one new entity region (with a random front-end id).
    ls = client.connect(ls_server.url, ls_server.token)
    doc_id = "002_9111519e43d072ad"
    task_id = pushed.imported[doc_id]
    annotation = next(iter(ls.annotations.list(id=task_id)))
    loaded = read_corpus(corpus)
    gold = loaded.annotations[doc_id]
    text = loaded.raw_bytes[doc_id].decode("utf-8")
    start, end = _first_free_word(text, [(e.start, e.end) for e in gold.entities])
    region = {
        "id": "xK3_pQ9zLm",
        "from_name": "entity",
        "to_name": "text",
        "type": "labels",
        "origin": "manual",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": ["ORG"]},
    }
    ls.annotations.update(id=annotation.id, result=[*annotation.result, region])

    runner = CliRunner()
    env = {"LABEL_STUDIO_API_KEY": ls_server.token}
    args = ["pull", "--url", ls_server.url, "--project", "nkw-e2e", "--root", str(corpus)]
    dry = runner.invoke(ls_app, [*args, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert f"would change annotations/{doc_id}.json" in dry.output
    assert snapshot(corpus) == before

    real = runner.invoke(ls_app, args, env=env)
    assert real.exit_code == 0, real.output
    after = snapshot(corpus)
    changed = [name for name in after if after[name] != before.get(name)]
    assert changed == [f"annotations/{doc_id}.json"], real.output
    new = read_corpus(corpus).annotations[doc_id]
    added = [e for e in new.entities if e not in gold.entities]
    assert [(e.start, e.end, e.label.value) for e in added] == [(start, end, "ORG")]
    assert added[0].id.startswith(f"{doc_id}-E")
    assert new.model_copy(update={"entities": gold.entities}) == gold
    print(f"[pull report]\n{real.output}")


def test_pull_refuses_a_project_with_another_config(ls_server: Server, corpus: Path) -> None:
    ls = client.connect(ls_server.url, ls_server.token)
    config = (
        '<View><Text name="text" value="$text"/>'
        '<Labels name="ner" toName="text"><Label value="X"/></Labels></View>'
    )
    project = ls.projects.create(title="not-nkw", label_config=config)
    ls.projects.import_tasks(id=project.id, request=[{"data": {"text": "a", "doc_id": "x"}}])
    before = snapshot(corpus)
    plan, written = sync.pull(
        root=corpus, url=ls_server.url, project=str(project.id), token=ls_server.token
    )
    assert written == [] and snapshot(corpus) == before
    assert [p.record for p in plan.problems] == ["label_config"]


def test_push_attaches_predictions(ls_server: Server, corpus: Path, tmp_path: Path) -> None:
    loaded = read_corpus(corpus)
    lines = []
    for doc_id in sorted(loaded.annotations)[:2]:
        gold = loaded.annotations[doc_id]
        lines.append(
            {
                "doc_id": doc_id,
                "entities": [
                    {"start": e.start, "end": e.end, "label": e.label.value} for e in gold.entities
                ],
                "control_measures": [
                    {"start": c.start, "end": c.end, "labels": [x.value for x in c.labels]}
                    for c in gold.control_measures
                ],
            }
        )
    path = tmp_path / "crf.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = sync.push(
        root=corpus, url=ls_server.url, project="nkw-pred", predictions=path, token=ls_server.token
    )
    assert report.predicted == sorted(line["doc_id"] for line in lines)
    ls = client.connect(ls_server.url, ls_server.token)
    for line in lines:
        predictions = list(ls.predictions.list(task=report.imported[line["doc_id"]]))
        assert [p.model_version for p in predictions] == ["crf"]
        labels = [r["value"]["labels"] for r in predictions[0].result if r["from_name"] == "entity"]
        assert len(labels) == len(line["entities"])
    # pushing again adds no duplicate tasks
    again = sync.push(root=corpus, url=ls_server.url, project="nkw-pred", token=ls_server.token)
    assert again.imported == {} and len(again.already) == 5


def test_two_annotators_pull_agreement_and_adjudication(
    ls_server: Server, corpus: Path, tmp_path: Path
) -> None:
    """Issue 11: two users annotate one task differently; ``ls pull --annotators`` writes
    both, and ``agreement`` and ``adjudicate`` show exactly the difference."""
    from nkworkers.baselines.agreement.cli import register
    from nkworkers.loaders.labelstudio.convert import annotation_to_result

    pushed = sync.push(root=corpus, url=ls_server.url, project="nkw-two", token=ls_server.token)
    ls = client.connect(ls_server.url, ls_server.token)
    users = {
        name: ls.users.create(
            username=name, email=f"{name}@example.com", password="pw-" + name * 3
        ).id
        for name in ("alice", "bob")
    }
    doc_id = "002_9111519e43d072ad"
    task_id = pushed.imported[doc_id]
    document = sync.document_of(read_corpus(corpus), doc_id)
    gold = annotation_to_result(document.annotation, document.text)
    # Alice saves an empty draft first, then the full annotation: the later one counts.
    ls.annotations.create(id=task_id, result=[], completed_by=users["alice"])
    ls.annotations.create(id=task_id, result=gold, completed_by=users["alice"])
    theirs = json.loads(json.dumps(gold))
    entity = next(i for i in theirs if i["from_name"] == "entity")
    entity["value"]["labels"] = ["GPE"] if entity["value"]["labels"] != ["GPE"] else ["ORG"]
    control = next(i for i in theirs if i["from_name"] == "control")
    theirs.remove(control)
    ls.annotations.create(id=task_id, result=theirs, completed_by=users["bob"])

    gold_files = {k: v for k, v in snapshot(corpus).items() if k.count("/") == 1}
    runner, env = CliRunner(), {"LABEL_STUDIO_API_KEY": ls_server.token}
    args = ["pull", "--url", ls_server.url, "--project", "nkw-two", "--root", str(corpus)]
    pulled = runner.invoke(ls_app, [*args, "--annotators"], env=env)
    assert pulled.exit_code == 0, pulled.output
    folders = corpus / "annotations" / "agreement"
    assert sorted(p.name for p in folders.iterdir()) == [
        "admin_at_example.com", "alice_at_example.com", "bob_at_example.com"
    ]  # fmt: skip
    assert [p.name for p in (folders / "bob_at_example.com").iterdir()] == [f"{doc_id}.json"]
    assert {k: v for k, v in snapshot(corpus).items() if k.count("/") == 1} == gold_files
    alice_file = folders / "alice_at_example.com" / f"{doc_id}.json"  # her latest: the gold
    assert alice_file.read_bytes() == gold_files[f"annotations/{doc_id}.json"]

    app = typer.Typer()
    register(app)
    pair = ["--root", str(corpus), "--a", "alice_at_example.com", "--b", "bob_at_example.com"]
    agreement = runner.invoke(app, ["agreement", *pair, "--json"])
    assert agreement.exit_code == 0, agreement.output
    figures = json.loads(agreement.stdout)["alice_at_example.com vs bob_at_example.com"]
    assert figures["entities"]["strict_f1"] < 1.0
    assert figures["attribution"]["records_f1"] == 1.0 and figures["documents"] == [doc_id]
    out = tmp_path / "adjudication.json"
    adjudicated = runner.invoke(app, ["adjudicate", *pair, "--out", str(out)])
    assert adjudicated.exit_code == 0, adjudicated.output
    rows = json.loads(out.read_text())["disagreements"]
    value, cvalue = entity["value"], control["value"]
    assert [(d["layer"], d["start"], d["end"], d["a"], d["b"]) for d in rows] == [
        ("entities", value["start"], value["end"],
         next(e.label.value for e in document.annotation.entities if e.start == value["start"]),
         value["labels"][0]),
        ("control_measures", cvalue["start"], cvalue["end"], "+".join(sorted(cvalue["labels"])),
         None),
    ]  # fmt: skip
    print(f"\n[adjudication] {adjudicated.output}")
