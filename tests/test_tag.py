"""``nkworkers train`` and ``nkworkers tag``: saved models over a collection, locally.

The oracles: ``predict`` (which fits in memory) for the five corpus
articles, the predictions reader of nkworkers.loaders.predictions for the output, and
pyarrow for parquet files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nkworkers.baselines.benchmark.predict import predict
from nkworkers.baselines.systems.registry import SYSTEMS
from nkworkers.baselines.tagging import local as tag_module
from nkworkers.baselines.tagging import output as output_module
from nkworkers.baselines.tagging.local import run_local
from nkworkers.loaders.cli import app
from nkworkers.loaders.predictions import read_predictions
from tests.tag_models import trained

ROOT = Path(__file__).resolve().parent.parent
# The cheapest system of each layer: tag output then holds all three layers.
CHEAP = ("entities-crf", "attribution-rules", "control-lexicon")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return list(trained(tmp_path_factory, CHEAP).values())


def raw_articles() -> list[dict[str, Any]]:
    return [
        {"doc_id": p.stem, "text": p.read_text(encoding="utf-8")}
        for p in sorted((ROOT / "raw").glob("*.txt"))
    ]


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_tag_with_saved_models_gives_what_predict_gives(models: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "tagged.jsonl"
    result = CliRunner().invoke(
        app,
        ["tag", *(a for m in models for a in ("--model", str(m))), "--input", str(ROOT / "raw"),
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    tagged = {r["doc_id"]: r for r in read_jsonl(out)}
    assert sorted(tagged) == [a["doc_id"] for a in raw_articles()]
    for name in CHEAP:
        rows = predict(name=name, systems=SYSTEMS, out=tmp_path / f"{name}.jsonl", root=ROOT,
                       cache_dir=tmp_path / "hf")  # fmt: skip
        for row in rows:
            for layer, value in row.items():
                assert tagged[row["doc_id"]][layer] == value, (name, layer)
    # The corpus's own reader of predictions files accepts tag output.
    read = list(read_predictions(out))
    assert all(r.problem is None for r in read) and len(read) == 5


def test_model_json_records_the_run(models: list[Path]) -> None:
    meta = json.loads((models[0] / "model.json").read_text())
    assert meta["system"] == "entities-crf" and meta["task"] == "entities"
    assert meta["seed"] == 0 and len(meta["data_fingerprint"]) == 64
    assert 0.0 <= meta["validation"]["entities.strict.f1"] <= 1.0
    card = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"data fingerprint {meta['data_fingerprint']}" in card


def test_bad_rows_go_to_rejects_with_reasons_and_the_run_goes_on(
    models: list[Path], tmp_path: Path
) -> None:
    good = raw_articles()[:2]
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [good[0], {"text": "no id"}, {"doc_id": "empty", "text": "  \n"},
         {"doc_id": "number", "text": 7}, good[0], {"doc_id": 5, "text": "x"}, good[1]],
    )  # fmt: skip
    with source.open("ab") as handle:
        handle.write(b'{"doc_id": "latin1", "text": "caf\xe9"}\n{not json\n')
        handle.write(b'{"doc_id": "surrogate", "text": "\\ud800"}\n')
    out = tmp_path / "out.jsonl"
    summary = run_local(models=models, input_path=source, out=out, show_progress=False)
    assert [r["doc_id"] for r in read_jsonl(out)] == [good[0]["doc_id"], good[1]["doc_id"]]
    rejects = read_jsonl(tmp_path / "out.rejects.jsonl")
    assert [(r["line"], r["reason"].split(":")[0].split(" (")[0]) for r in rejects] == [
        (2, "missing doc_id"),
        (3, "empty text"),
        (4, "text is not a string"),
        (5, "duplicate doc_id"),
        (6, "doc_id must be a non-empty string, got 5"),
        (8, "not UTF-8"),
        (9, "not valid JSON at line 1, column 2"),
        (10, "text is not valid Unicode"),
    ]
    assert summary.rejected == 8 and summary.tagged == 2


def test_resume_skips_doc_ids_already_in_the_output(models: list[Path], tmp_path: Path) -> None:
    articles = raw_articles()
    out = tmp_path / "out.jsonl"
    first = run_local(models=models, input_path=write_jsonl(tmp_path / "a.jsonl", articles[:2]),
                      out=out, show_progress=False)  # fmt: skip
    assert first.tagged == 2
    source = write_jsonl(tmp_path / "b.jsonl", articles)
    with pytest.raises(tag_module.TagError, match="already exists; pass --resume"):
        run_local(models=models, input_path=source, out=out, show_progress=False)
    second = run_local(models=models, input_path=source, out=out, resume=True, show_progress=False)
    assert (second.tagged, second.skipped, second.rows) == (3, 2, 5)
    whole = run_local(models=models, input_path=source, out=tmp_path / "whole.jsonl",
                      show_progress=False)  # fmt: skip
    assert whole.rows == 5
    by_id = sorted(read_jsonl(out), key=lambda r: r["doc_id"])
    assert by_id == sorted(read_jsonl(tmp_path / "whole.jsonl"), key=lambda r: r["doc_id"])


def test_crash_leaves_out_untouched_and_resume_finishes_it(
    models: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", raw_articles())
    out = tmp_path / "out.jsonl"
    real, calls = tag_module.tag_articles, []

    def failing(systems: Any, articles: Any) -> Any:
        calls.append(len(articles))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(systems, articles)

    monkeypatch.setattr(tag_module, "tag_articles", failing)
    with pytest.raises(KeyboardInterrupt):
        run_local(models=models, input_path=source, out=out, batch_size=2, show_progress=False)
    assert not out.exists()
    monkeypatch.setattr(tag_module, "tag_articles", real)
    done = run_local(models=models, input_path=source, out=out, batch_size=2, resume=True,
                     show_progress=False)  # fmt: skip
    assert (done.skipped, done.tagged, done.rows) == (2, 3, 5)
    assert [r["doc_id"] for r in read_jsonl(out)] == [a["doc_id"] for a in raw_articles()]
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_parquet_in_and_out_carry_other_columns(models: list[Path], tmp_path: Path) -> None:
    articles = [{**a, "outlet": f"o{i}", "year": 2020 + i} for i, a in enumerate(raw_articles())]
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(articles), source)
    out = tmp_path / "out.parquet"
    run_local(models=models, input_path=source, out=out, batch_size=2, show_progress=False)
    table = pq.read_table(out)
    assert table.column_names == [
        "doc_id", "entities", "attribution_spans", "attributions", "control_measures",
        "claims", "outlet", "year",
    ]  # fmt: skip
    assert table.schema.field("year").type == pa.int64()
    as_jsonl = tmp_path / "out.jsonl"
    run_local(models=models, input_path=source, out=as_jsonl, show_progress=False)
    assert table.to_pylist() == read_jsonl(as_jsonl)


def test_tag_rows_carry_the_claims_of_their_layers(models: list[Path], tmp_path: Path) -> None:
    from nkworkers.loaders.claims import derive_claims
    from nkworkers.loaders.dataset.claim_rows import claim_json

    out = tmp_path / "tagged.jsonl"
    run_local(models=models, input_path=ROOT / "raw", out=out, show_progress=False)
    texts = {a["doc_id"]: a["text"] for a in raw_articles()}
    rows = read_jsonl(out)
    for row in rows:
        text = texts[row["doc_id"]]
        assert row["claims"] == [claim_json(c) for c in derive_claims(row, text=text)]
        for claim in row["claims"]:
            assert text[claim["start"] : claim["end"]] == claim["text"]
            assert claim["sentence"]["start"] <= claim["start"] < claim["sentence"]["end"]
    assert sum(len(r["claims"]) for r in rows) > 0
    read = [r.row for r in read_predictions(out)]
    assert all(r is not None and r.claims is not None for r in read)
    alone = tmp_path / "entities-and-control.parquet"  # no attribution model: no claims
    run_local(models=[models[0], models[2]], input_path=ROOT / "raw", out=alone,
              show_progress=False)  # fmt: skip
    assert "claims" not in pq.read_table(alone).column_names


def test_tag_refuses_a_model_folder_that_is_not_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["tag", "--model", str(tmp_path), "--input", str(ROOT / "raw"),
              "--out", str(tmp_path / "o.jsonl")],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "model.json: missing" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o.jsonl").exists()


def test_tag_output_goes_to_label_studio_as_predictions(models: list[Path], tmp_path: Path) -> None:
    from nkworkers.loaders.labelstudio.predictions import read_predictions as ls_predictions

    out = tmp_path / "pre.jsonl"
    run_local(models=models, input_path=ROOT / "raw", out=out, show_progress=False)
    texts = {a["doc_id"]: a["text"] for a in raw_articles()}
    results = ls_predictions(out, texts)  # what `nkworkers ls push --predictions` attaches
    assert sorted(results) == sorted(texts)
    labels = {r["type"] for result in results.values() for r in result}
    assert "labels" in labels and "relation" in labels


def test_train_command_writes_a_folder_once(tmp_path: Path) -> None:
    out = tmp_path / "gaz"
    args = ["train", "--system", "entities-gazetteer", "--out", str(out), "--root", str(ROOT)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert json.loads((out / "model.json").read_text())["system"] == "entities-gazetteer"
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 1 and "already exists" in again.output
    unknown = CliRunner().invoke(app, ["train", "--system", "nope", "--out", str(tmp_path / "x")])
    assert unknown.exit_code == 1 and "unknown system 'nope'" in unknown.output
    assert "Traceback" not in again.output + unknown.output


def test_resume_after_a_crash_between_rename_and_cleanup_does_not_double_rows(
    models: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", raw_articles())
    out = tmp_path / "out.jsonl"

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt  # as if killed after OUT was renamed in, before the cleanup

    monkeypatch.setattr(output_module.shutil, "rmtree", killed)
    with pytest.raises(KeyboardInterrupt):
        run_local(models=models, input_path=source, out=out, show_progress=False)
    monkeypatch.undo()
    before = out.read_bytes()
    assert list((tmp_path / ".out.jsonl.parts").glob("part-*.jsonl"))
    again = run_local(models=models, input_path=source, out=out, resume=True, show_progress=False)
    assert (again.tagged, again.rows) == (0, 5)
    assert out.read_bytes() == before


def test_report_counts_the_claims_tag_writes_in_either_format(
    models: list[Path], tmp_path: Path
) -> None:
    import csv
    from collections import Counter

    from nkworkers.loaders.report import report_files

    articles = [{**a, "outlet": f"o{i % 2}", "published": f"202{i}-0{i + 1}"}
                for i, a in enumerate(raw_articles())]  # fmt: skip
    source = write_jsonl(tmp_path / "in.jsonl", articles)
    tables = {}
    for fmt in ("jsonl", "parquet"):
        out = tmp_path / f"tagged.{fmt}"
        run_local(models=models, input_path=source, out=out, show_progress=False)
        files = report_files(root=tmp_path, source=out, gold=False)  # no corpus there
        tables[fmt] = {name: data for name, data in files.items() if name.startswith("tables/")}
    assert tables["jsonl"] == tables["parquet"]  # the Arrow path and the row path agree
    written = Counter(
        c["voice"] for r in read_jsonl(tmp_path / "tagged.jsonl") for c in r["claims"]
    )
    rows = csv.DictReader(tables["parquet"]["tables/claims_by_voice.csv"].decode().splitlines())
    assert {r["voice"]: int(r["claims"]) for r in rows if int(r["claims"])} == written
    rows = csv.DictReader(tables["parquet"]["tables/claims_by_outlet.csv"].decode().splitlines())
    assert {r["outlet"]: int(r["articles"]) for r in rows} == {"o0": 3, "o1": 2}
