"""What a new user meets first: one line instead of a traceback, refusals before seconds of
imports, a word while training, and paths printed as text (issue 18)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from nkworkers.baselines.benchmark.stages import Stages
from nkworkers.loaders.cli import app
from nkworkers.loaders.files import jsonio
from tests.conftest import ROOT

HEAVY = ("torch", "datasets", "spacy", "sklearn", "nkworkers.baselines.systems.registry")
# In a fresh process: run each command line in turn, then say which heavy modules loaded.
REFUSALS = """
import json, sys
from typer.testing import CliRunner
from nkworkers.loaders.cli import app
runs = [CliRunner().invoke(app, args) for args in json.loads(sys.argv[1])]
print(json.dumps({"runs": [[r.exit_code, r.output] for r in runs],
                  "heavy": [m for m in json.loads(sys.argv[2]) if m in sys.modules]}))
"""


def _refusals(cwd: Path, commands: list[list[str]]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", REFUSALS, json.dumps(commands), json.dumps(HEAVY)],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_outside_a_checkout_train_predict_and_benchmark_say_one_line_before_heavy_imports(
    tmp_path: Path,
) -> None:
    """They raised `BuilderConfig 'documents' not found` or EmptyDatasetError after seconds."""
    empty = tmp_path / "not-a-checkout"
    empty.mkdir()
    (empty / "README.md").write_text("# a README without the dataset's configs\n")
    commands = [
        ["train", "--system", "entities-crf", "--out", "model"],
        ["predict", "--system", "entities-crf", "--out", "p.jsonl"],
        ["benchmark", "--out", "results"],
        ["train", "--system", "entities-crf", "--out", "model", "--root", str(empty)],
        ["predict", "--system", "entities-crf", "--out", "p.jsonl", "--root", str(empty)],
        ["benchmark", "--out", "results", "--root", str(empty)],
    ]
    found = _refusals(tmp_path, commands)
    assert found["heavy"] == []
    for args, (code, output) in zip(commands, found["runs"], strict=True):
        lines = output.strip().splitlines()
        assert code == 1 and len(lines) == 1, (args, output)
        assert "not a built nkworkers corpus checkout" in lines[0], (args, output)
        assert "--root" in lines[0] and "Traceback" not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-checkout"]  # nothing written


def test_train_into_an_existing_folder_is_refused_before_the_systems_import(
    tmp_path: Path,
) -> None:
    """The refusal came after 6.3 s of importing torch and every system."""
    existing = tmp_path / "model"
    existing.mkdir()
    commands = [
        ["train", "--system", "entities-crf", "--out", str(existing), "--root", str(ROOT)],
        ["train", "--system", "nope", "--out", str(tmp_path / "new"), "--root", str(ROOT)],
        ["predict", "--system", "nope", "--out", str(tmp_path / "p.jsonl"), "--root", str(ROOT)],
        ["benchmark", "--out", str(tmp_path / "b"), "--systems", "nope", "--root", str(ROOT)],
    ]
    found = _refusals(tmp_path, commands)
    assert found["heavy"] == []
    codes = [code for code, _ in found["runs"]]
    assert codes == [1, 1, 1, 2]  # benchmark's --systems is a typer BadParameter (usage: 2)
    assert "already exists" in found["runs"][0][1]
    assert all("unknown" in output and "nope" in output for _, output in found["runs"][1:])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`train --out` holding rich markup: the folder was written, then MarkupError, exit 1."""
    out = tmp_path_factory.mktemp("train") / "model[/x][red]"
    args = ["train", "--system", "entities-gazetteer", "--out", str(out), "--root", str(ROOT)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_train_out_holding_rich_markup_is_printed_as_text(trained: tuple[Path, str]) -> None:
    out, output = trained
    assert jsonio.load_file(out / "model.json")["system"] == "entities-gazetteer"
    assert f"wrote {out} (entities-gazetteer)" in output
    assert "Traceback" not in output and "MarkupError" not in output


def test_train_says_when_each_stage_starts_and_ends(trained: tuple[Path, str]) -> None:
    """train worked 15-22 s without a word."""
    _, output = trained
    lines = output.splitlines()
    starts = (
        "loading the systems", "loading the corpus",
        "training entities-gazetteer on the train split (3 articles",
        "scoring the validation split", "saving the model",
    )  # fmt: skip
    for start in starts:
        assert any(line.startswith(start) and line.endswith(" ...") for line in lines), start
    for end in ("systems loaded in ", "trained entities-gazetteer in ", "validation scored in "):
        assert any(line.startswith(end) and line.endswith(" s") for line in lines), end
    assert lines.index(next(x for x in lines if x.startswith("training"))) < lines.index(
        next(x for x in lines if x.startswith("trained"))
    )


def test_predict_says_it_trains_first_and_which_rows_are_in_sample(tmp_path: Path) -> None:
    """predict worked 20 s without a word, and nothing said its train rows were in-sample."""
    splits = jsonio.load_file(ROOT / "annotations" / "splits.json")
    out = tmp_path / "p[/x].jsonl"
    args = ["predict", "--system", "entities-gazetteer", "--out", str(out), "--root", str(ROOT)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert text.startswith("predict trains entities-gazetteer on the train split first")
    n = len(out.read_text(encoding="utf-8").splitlines())
    train = sorted(splits["train"])
    assert (
        f"in-sample: {len(train)} of the {n} articles predicted are train articles "
        f"({', '.join(train)})"
    ) in text
    assert f"wrote {n} rows to {out}" in text
    test_only = CliRunner().invoke(app, [*args, "--docs", splits["test"][0]])
    assert test_only.exit_code == 0, test_only.output
    assert "in-sample:" not in test_only.output


@pytest.mark.parametrize("terminal", [False, True], ids=["log", "terminal"])
def test_stages_print_paths_as_text_on_a_terminal_and_in_a_log(terminal: bool) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=terminal, width=200)
    stages = Stages(console)
    with stages.stage("saving [/x] [red]", "saved [/x]"):
        pass
    lines = buffer.getvalue().splitlines()
    assert "saved [/x] in " in lines[-1] and lines[-1].endswith(" s")  # after the spinner
    assert ("saving [/x] [red] ..." in lines) is not terminal  # a terminal shows a spinner


def test_agreement_of_folders_named_with_brackets_prints_their_names(tmp_path: Path) -> None:
    folders = [tmp_path / "[red]a", tmp_path / "b[/x]"]
    for folder in folders:
        folder.mkdir(parents=True)  # "b[/x]" is the folder x] in b[
        for path in (ROOT / "annotations").glob("0*.json"):
            shutil.copy2(path, folder / path.name)
    args = ["agreement", "--root", str(ROOT), "--a", str(folders[0]), "--b", str(folders[1])]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"{folders[0]} vs {folders[1]}" in " ".join(result.output.split())  # title wraps
