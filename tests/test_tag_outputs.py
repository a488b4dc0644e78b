"""``nkworkers tag``'s outputs: what a run refuses to write, the lock, the model set of
--resume, rejects written once, JSON columns read back (issue 19, outputs; issue 18, tag).

Every refusal is checked for the three things a refusal promises: exit 1 with one
line, the reason in it, and nothing written (the folder listed before and after).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nkworkers.baselines.tagging import local as tag_module
from nkworkers.baselines.tagging.local import TagError, run_local
from nkworkers.baselines.tagging.output import Output, model_set
from nkworkers.loaders.cli import app
from tests.tag_models import trained

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = [
    {"doc_id": p.stem, "text": p.read_text(encoding="utf-8")}
    for p in sorted((ROOT / "raw").glob("*.txt"))
]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folders = trained(tmp_path_factory, ("control-lexicon", "entities-gazetteer"))
    return {"lexicon": folders["control-lexicon"], "gazetteer": folders["entities-gazetteer"]}


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def refused(args: list[str]) -> str:
    """The one line of a refused `tag`; fails if it was not refused that way."""
    result = CliRunner().invoke(app, ["tag", *args])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    return result.output


def test_tag_refuses_an_output_that_is_its_input_under_any_name(
    models: dict[str, Path], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:2])
    (tmp_path / "link.jsonl").symlink_to(source)
    os.link(source, tmp_path / "hard.jsonl")
    (tmp_path / "sub").mkdir()
    before, content = listing(tmp_path), source.read_bytes()
    for out in ("in.jsonl", "link.jsonl", "hard.jsonl", "sub/../in.jsonl"):
        for resume in ([], ["--resume"]):
            line = refused(["--model", str(models["lexicon"]), "--input", str(source),
                            "--out", str(tmp_path / out), *resume])  # fmt: skip
            assert "would overwrite its own input" in line
    assert listing(tmp_path) == before and source.read_bytes() == content


def test_an_out_that_is_a_folder_or_an_impossible_name_is_one_line(
    models: dict[str, Path], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    (tmp_path / "folder.jsonl").mkdir()
    before = listing(tmp_path)
    for out, resume, what in (
        ("folder.jsonl", ["--resume"], "is a folder; --out names a .jsonl or .parquet file"),
        ("x" * 300 + ".jsonl", [], "cannot use this path (File name too long)"),
    ):
        line = refused(["--model", str(models["lexicon"]), "--input", str(source),
                        "--out", str(tmp_path / out), *resume])  # fmt: skip
        assert what in line
    assert listing(tmp_path) == before


def test_tag_refuses_an_input_that_is_one_of_its_outputs(
    models: dict[str, Path], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "t.rejects.jsonl", ARTICLES[:1])
    parts = tmp_path / ".t.jsonl.parts"
    parts.mkdir()
    inside = write_jsonl(parts / "in.jsonl", ARTICLES[:1])
    before = listing(tmp_path)
    for given, resume in ((source, []), (source, ["--resume"]), (inside, ["--resume"])):
        line = refused(["--model", str(models["lexicon"]), "--input", str(given),
                        "--out", str(tmp_path / "t.jsonl"), *resume])  # fmt: skip
        assert "would overwrite its own input" in line
    assert listing(tmp_path) == before


def test_tag_refuses_to_write_into_the_corpus(models: dict[str, Path], tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    before = listing(ROOT / "raw") + listing(ROOT / "annotations") + listing(ROOT / "data")
    for out in ("raw/manifest.jsonl", "annotations/x.jsonl", "data/documents/x.parquet",
                "raw/../raw/new.jsonl"):  # fmt: skip
        for resume in ([], ["--resume"]):
            line = refused(["--model", str(models["lexicon"]), "--input", str(source),
                            "--out", str(ROOT / out), *resume])  # fmt: skip
            assert "inside the corpus it reads" in line
    after = listing(ROOT / "raw") + listing(ROOT / "annotations") + listing(ROOT / "data")
    assert after == before


def test_an_output_linked_into_a_corpus_from_outside_it_is_refused(
    models: dict[str, Path], tmp_path: Path
) -> None:
    # found by the re-attack: OUT outside any checkout, a link into one, was followed
    corpus = tmp_path / "corpus"
    (corpus / "raw").mkdir(parents=True)
    (corpus / "annotations").mkdir()
    manifest = write_jsonl(corpus / "raw" / "manifest.jsonl", [{"doc_id": "a"}])
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "new.jsonl").symlink_to(corpus / "annotations" / "new.jsonl")  # dangling
    (elsewhere / "m.jsonl").symlink_to(manifest)
    before = listing(corpus)
    for name, resume in (("new.jsonl", []), ("m.jsonl", ["--resume"])):
        line = refused(["--model", str(models["lexicon"]), "--input", str(source),
                        "--out", str(elsewhere / name), *resume])  # fmt: skip
        assert "inside the corpus it reads" in line, line
    assert listing(corpus) == before
    assert manifest.read_text() == '{"doc_id": "a"}\n'


def test_tag_onto_an_existing_output_is_refused_before_the_models_load(
    models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    (tmp_path / "o.jsonl").write_text("kept\n")

    def never(models: Any) -> Any:
        raise AssertionError("the models were loaded before the refusal")

    monkeypatch.setattr(tag_module, "load_systems", never)
    line = refused(["--model", str(models["lexicon"]), "--input", str(source),
                    "--out", str(tmp_path / "o.jsonl")])  # fmt: skip
    assert "already exists; pass --resume" in line
    assert (tmp_path / "o.jsonl").read_text() == "kept\n"


def test_a_refused_out_answers_before_spacy_or_a_model_is_even_imported(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    (tmp_path / "o.jsonl").write_text("kept\n")
    code = (
        "import sys; from typer.testing import CliRunner; from nkworkers.loaders.cli import app; "
        f"r = CliRunner().invoke(app, ['tag', '--model', 'm', '--input', {str(source)!r}, "
        f"'--out', {str(tmp_path / 'o.jsonl')!r}]); "
        "print(r.exit_code, sorted(m for m in ('spacy', 'torch', 'ray') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[0] == "1 []", done.stdout + done.stderr


def test_a_hostile_model_folder_is_refused_before_spacy_or_a_system_is_imported(
    models: dict[str, Path], tmp_path: Path
) -> None:
    # found by the re-attack: the gate ran only inside load_model, after seconds of imports
    folder = tmp_path / "hostile"
    shutil.copytree(models["lexicon"], folder)
    meta = json.loads((folder / "model.json").read_text())
    meta["files"]["../../etc/passwd"] = "0" * 64
    (folder / "model.json").write_text(json.dumps(meta))
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    code = (
        "import sys; from typer.testing import CliRunner; from nkworkers.loaders.cli import app; "
        f"r = CliRunner().invoke(app, ['tag', '--model', {str(folder)!r}, '--input', "
        f"{str(source)!r}, '--out', {str(tmp_path / 'o.jsonl')!r}]); print(r.output.strip()); "
        "print(r.exit_code, sorted(m for m in ('spacy', 'torch', 'ray', 'sklearn') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    said, status = done.stdout.strip().split("\n")[-2:]
    assert "'../../etc/passwd', which is not a plain file name" in said, done.stdout
    assert status == "1 []", done.stdout + done.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_resume_refuses_another_model_set(models: dict[str, Path], tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:2])
    out = tmp_path / "o.jsonl"
    run_local(models=[models["lexicon"]], input_path=source, out=out, show_progress=False)
    recorded = json.loads((tmp_path / "o.models.json").read_text())["models"]
    assert [m["system"] for m in recorded] == ["control-lexicon"]
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    for given in ([models["gazetteer"]], [models["lexicon"], models["gazetteer"]]):
        args = [a for m in given for a in ("--model", str(m))]
        line = refused([*args, "--input", str(source), "--out", str(out), "--resume"])
        assert "was tagged by control-lexicon" in line and "not by the models given" in line
    assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    # The same model under another path is the same model set.
    moved = tmp_path / "moved"
    os.rename(models["lexicon"], moved)
    try:
        again = run_local(models=[moved], input_path=source, out=out, resume=True,
                          show_progress=False)  # fmt: skip
    finally:
        os.rename(moved, models["lexicon"])
    assert (again.skipped, again.rows) == (2, 2)


def test_a_second_run_on_an_output_being_written_is_refused_at_once(
    models: dict[str, Path], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:2])
    out = tmp_path / "o.jsonl"
    record = model_set([(models["lexicon"], json.loads((models["lexicon"] / "model.json")
                                                        .read_text()))])  # fmt: skip
    first = Output(out, resume=False, input_path=source)
    with first.running(record):  # as if another process were tagging into OUT now
        first.write_part([{"doc_id": "x"}])
        for resume in (False, True):
            with pytest.raises(TagError, match="another nkworkers tag run is writing it now"):
                run_local(models=[models["lexicon"]], input_path=source, out=out,
                          resume=resume, show_progress=False)  # fmt: skip
        assert listing(first.parts) == ["models.json", "part-000000.jsonl", "rejects.jsonl"]


def test_rejects_are_written_once_across_resumes(models: dict[str, Path], tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [ARTICLES[0], {"doc_id": "e", "text": ""}])
    out = tmp_path / "o.jsonl"
    run_local(models=[models["lexicon"]], input_path=source, out=out, show_progress=False)
    first = (tmp_path / "o.rejects.jsonl").read_bytes()
    for _ in range(2):
        run_local(models=[models["lexicon"]], input_path=source, out=out, resume=True,
                  show_progress=False)  # fmt: skip
    assert (tmp_path / "o.rejects.jsonl").read_bytes() == first
    assert len(first.splitlines()) == 1


def test_resume_reads_json_columns_back_instead_of_encoding_them_twice(
    models: dict[str, Path], tmp_path: Path
) -> None:
    extras = [{"meta": [1, 2]}, {"meta": "text"}, {"meta": {"k": None}}, {"meta": {}}, {}]
    rows = [{**a, **e} for a, e in zip(ARTICLES, extras, strict=True)]
    out = tmp_path / "o.parquet"
    run_local(models=[models["lexicon"]], input_path=write_jsonl(tmp_path / "a.jsonl", rows[:3]),
              out=out, show_progress=False)  # fmt: skip
    run_local(models=[models["lexicon"]], input_path=write_jsonl(tmp_path / "b.jsonl", rows),
              out=out, resume=True, show_progress=False)  # fmt: skip
    table = pq.read_table(out)
    assert table.schema.metadata[b"nkworkers.json_columns"] == b'["meta"]'
    got = [json.loads(v) if v is not None else None for v in table.column("meta").to_pylist()]
    assert got == [[1, 2], "text", {"k": None}, {}, None]


def test_out_with_rich_markup_in_its_name_is_written_and_reported(
    models: dict[str, Path], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [ARTICLES[0], {"doc_id": "e", "text": ""}])
    out = tmp_path / "a[" / "x]b.jsonl"  # the path holds "[/x]"
    result = CliRunner().invoke(
        app, ["tag", "--model", str(models["lexicon"]), "--input", str(source), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "MarkupError" not in result.output and f"rows in {out}" in result.output
    assert f"reasons in {tmp_path / 'a[' / 'x]b.rejects.jsonl'}" in result.output


def test_tag_engine_ray_without_ray_says_one_line(
    models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ray", "ray.data"):  # import ray.data raises ModuleNotFoundError
        monkeypatch.setitem(sys.modules, name, None)
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    line = refused(["--model", str(models["lexicon"]), "--input", str(source),
                    "--out", str(tmp_path / "o.jsonl"), "--engine", "ray"])  # fmt: skip
    assert "--engine ray needs ray: pip install -e '.[scale]'" in line
    assert listing(tmp_path) == ["in.jsonl"]


def test_an_output_under_a_file_says_its_folder_cannot_be_made(
    models: dict[str, Path], tmp_path: Path
) -> None:
    # found by the re-attack: it said "another nkworkers tag run started on it"
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    (tmp_path / "afile").write_text("x")
    line = refused(["--model", str(models["lexicon"]), "--input", str(source),
                    "--out", str(tmp_path / "afile" / "x.jsonl")])  # fmt: skip
    assert "cannot make its folder" in line and "another nkworkers tag run" not in line
