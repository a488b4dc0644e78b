"""Hostile outside models: ``predict --spacy-model PATH|NAME``, ``--hf-model DIR``: one line each.

The spaCy folders are copies of the installed en_core_web_sm 3.8.0 pipeline
with their config.cfg edited; the transformers folders are a tiny BERT token
classifier saved by ``save_pretrained`` (tests/test_spacy_systems.py), then
damaged. Each refusal is an OutsideModelError of one line naming the folder
and the file, raised before spaCy or transformers read the folder; nothing
from a folder runs (a marker file that the folder's code would write stays
absent) and nothing prompts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nkworkers.baselines.systems.entities.outside import (
    OutsideModelError,
    load_spacy,
    load_token_classifier,
    read_label_map,
    transformer_spans,
)
from nkworkers.baselines.systems.entities.spacy_reference import PACKAGE
from nkworkers.baselines.systems.safe import spacy_config
from tests.test_spacy_systems import tiny_token_classifier

ROOT = Path(__file__).resolve().parent.parent


def one_line(error: pytest.ExceptionInfo[OutsideModelError], *needles: str) -> str:
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message, message
    for needle in needles:
        assert needle in message, message
    return message


# spaCy -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def reference_pipeline() -> Path:
    return spacy_config.package_folder(PACKAGE, "install the reference extra")


def test_the_allow_list_is_what_the_reference_pipeline_uses(reference_pipeline: Path) -> None:
    """ALLOWED and FACTORIES are exactly en_core_web_sm's registered functions and factories."""
    config = spacy_config.read(reference_pipeline, "")
    used: dict[str, set[str]] = {}
    for _, registry, name in spacy_config.references(config):
        used.setdefault(registry, set()).add(name)
    assert used == {k: set(v) for k, v in spacy_config.ALLOWED.items()}
    assert {c["factory"] for c in config["components"].values()} == spacy_config.FACTORIES


def _config(edit: Callable[[str], str]) -> Callable[[Path], None]:
    def attack(folder: Path) -> None:
        path = folder / "config.cfg"
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")

    return attack


def _after(section: str, lines: str) -> Callable[[str], str]:
    return lambda text: text.replace(f"[{section}]\n", f"[{section}]\n{lines}\n", 1)


def _json(name: str, change: Callable[[dict], None]) -> Callable[[Path], None]:
    def attack(folder: Path) -> None:
        value = json.loads((folder / name).read_text())
        change(value)
        (folder / name).write_text(json.dumps(value))

    return attack


def _link(folder: Path) -> None:
    (folder / "vocab" / "strings.json").unlink()
    (folder / "vocab" / "strings.json").symlink_to("/etc/passwd")


def _tokenizer_pattern(folder: Path) -> None:
    import srsly

    rules = srsly.msgpack_loads((folder / "tokenizer").read_bytes())
    rules["prefix_search"] = "^(a+)+$"
    (folder / "tokenizer").write_bytes(srsly.msgpack_dumps(rules))


SPACY: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    # found by the re-attack: a tokenizer regex from the folder ran on every text
    "tokenizer-regex": (_tokenizer_pattern, ("tokenizer", "prefix_search")),
    "source-outside": (
        _config(_after("components.ner", 'source = "/tmp/other-pipeline"')),
        ("source", "/tmp/other-pipeline"),
    ),
    "callback-before-creation": (
        _config(
            lambda t: t.replace(
                "before_creation = null",
                'before_creation = {"@callbacks":"spacy.copy_from_base_model.v1"}',
            )
        ),
        ("@callbacks", "spacy.copy_from_base_model.v1"),
    ),
    "callback-after-init": (
        _config(lambda t: t.replace("after_init = null", 'after_init = "evil"')),
        ("after_init", "callback"),
    ),
    "misc-not-allowed": (
        _config(
            lambda t: t.replace("spacy.LookupsDataLoader.v1", "spacy.models_with_nvtx_range.v1")
        ),
        ("@misc", "models_with_nvtx_range"),
    ),
    "unknown-architecture": (
        _config(lambda t: t.replace("spacy.Tagger.v2", "my.Arch.v1")),
        ("@architectures", "my.Arch.v1"),
    ),
    "unknown-factory": (
        _config(lambda t: t.replace('factory = "ner"', 'factory = "entity_linker"')),
        ("factory", "entity_linker"),
    ),
    "lang-zz": (_config(lambda t: t.replace('lang = "en"', 'lang = "zz"')), ("'zz'",)),
    "lang-path": (_config(lambda t: t.replace('lang = "en"', 'lang = "../../x"')), ("lang",)),
    "bad-syntax": (_config(lambda t: "[nlp\nlang = " + t), ("config.cfg", "not a spaCy config")),
    "no-config": (lambda f: (f / "config.cfg").unlink(), ("config.cfg", "missing")),
    # found by the re-attack: spaCy built what these sizes say for minutes, 2 GB and more
    "depth-huge": (
        _config(lambda t: t.replace("depth = 4", "depth = 10000000")),
        ("config.cfg", "depth = 10000000", "beyond 32"),
    ),
    "depth-by-reference": (
        _config(lambda t: t.replace("depth = 4", "depth = ${training.max_steps}")),
        ("depth = 100000", "beyond 32"),
    ),
    "beam-width-string": (
        _json("ner/cfg", lambda c: c.update(beam_width="100000")),
        ("ner/cfg", "beam_width = '100000' is not a whole number"),
    ),
    "beam-width-huge": (
        _json("ner/cfg", lambda c: c.update(beam_width=100000)),
        ("ner/cfg", "beam_width = 100000", "beyond 64"),
    ),
    "symlink": (_link, ("strings.json", "symbolic link")),
    "pickle": (
        lambda f: (f / "ner" / "extra").write_bytes(b"\x80\x04\x95\x00"),
        ("extra", "pickle"),
    ),
}


@pytest.mark.parametrize("case", sorted(SPACY))
def test_a_hostile_spacy_folder_is_refused_before_spacy_reads_it(
    reference_pipeline: Path, tmp_path: Path, case: str
) -> None:
    folder = Path(shutil.copytree(reference_pipeline, tmp_path / "pipeline"))
    attack, needles = SPACY[case]
    attack(folder)
    with pytest.raises(OutsideModelError) as caught:
        load_spacy(str(folder))
    one_line(caught, str(folder), *needles)


def test_a_package_name_is_loaded_from_its_folder_without_running_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``spacy.load(NAME)`` would import NAME and run its __init__.py; we never do."""
    package = tmp_path / "site" / "evil_pipeline"
    package.mkdir(parents=True)
    marker = tmp_path / "ran"
    (package / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(OutsideModelError) as caught:
        load_spacy("evil_pipeline")
    one_line(caught, "meta.json")
    assert not marker.exists()


def test_an_installed_pipeline_loads_through_the_same_check() -> None:
    nlp = load_spacy(PACKAGE)
    assert "ner" in nlp.pipe_names and nlp.lang == "en"


# transformers ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_token_classifier(tmp_path_factory.mktemp("hf") / "tiny")


def _auto_map(folder: Path) -> None:
    """A config naming code in the folder, which would write a marker when run."""
    (folder / "evil.py").write_text(f"open({str(folder / 'ran')!r}, 'w').close()\n")
    _json("config.json", lambda c: c.update(auto_map={"AutoConfig": "evil.EvilConfig"}))(folder)


def _torch_pickle(folder: Path) -> None:
    import torch
    from safetensors.torch import load_file

    torch.save(load_file(str(folder / "model.safetensors")), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()


def _fewer_labels(config: dict) -> None:
    config["id2label"] = {"0": "O", "1": "B-PER", "2": "I-PER"}
    config["label2id"] = {"O": 0, "B-PER": 1, "I-PER": 2}


def _no_head(folder: Path) -> None:
    from safetensors.numpy import load_file, save_file

    arrays = load_file(str(folder / "model.safetensors"))
    kept = {k: v for k, v in arrays.items() if not k.startswith("classifier")}
    save_file(kept, str(folder / "model.safetensors"), metadata={"format": "pt"})


def _forged_layer(folder: Path) -> None:
    """One tiny tensor named for layer 99999, beside a config of 100,000 layers."""
    from safetensors.numpy import load_file, save_file

    arrays = load_file(str(folder / "model.safetensors"))
    first = next(k for k in sorted(arrays) if ".layer.0." in k)
    arrays[first.replace(".layer.0.", ".layer.99999.")] = np.zeros(1, dtype=np.float32)
    save_file(arrays, str(folder / "model.safetensors"), metadata={"format": "pt"})
    _json("config.json", lambda c: c.update(num_hidden_layers=100000))(folder)


def _split_regex(tokenizer: dict) -> None:
    tokenizer["pre_tokenizer"] = {
        "type": "Split", "pattern": {"Regex": "(a+)+$"}, "behavior": "Isolated", "invert": False
    }  # fmt: skip


def _label_gap(config: dict) -> None:
    config["id2label"] = {"0": "O", "1": "B-PER", "2": "I-PER", "3": "B-LOC", "9": "I-LOC"}


HF: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    # found by the re-attack: a regex of the folder's tokenizer ran; a gap in id2label failed
    # per article inside the pipeline
    "tokenizer-regex": (_json("tokenizer.json", _split_regex), ("tokenizer.json", "(a+)+$")),
    "label-gap": (_json("config.json", _label_gap), ("id2label", "0 to n-1")),
    "auto-map": (_auto_map, ("config.json", "auto_map")),
    "tokenizer-auto-map": (
        _json(
            "tokenizer_config.json", lambda c: c.update(auto_map={"AutoTokenizer": ["x.T", None]})
        ),
        ("tokenizer_config.json", "auto_map"),
    ),
    "pickled-weights": (_torch_pickle, ("pytorch_model.bin", "pickle")),
    "no-weights": (lambda f: (f / "model.safetensors").unlink(), ("model.safetensors",)),
    "label-count": (_json("config.json", _fewer_labels), ("classifier", "3 labels")),
    "missing-head": (_no_head, ("classifier", "random")),
    "no-vocabulary": (
        lambda f: [(f / n).unlink() for n in ("tokenizer.json",) if (f / n).exists()] and None,
        ("no tokenizer vocabulary",),
    ),
    "unknown-model-type": (
        _json("config.json", lambda c: c.update(model_type="evil")),
        ("model_type", "'evil'"),
    ),
    "symlink": (
        lambda f: (f / "vocab.txt").symlink_to("/etc/passwd"),
        ("vocab.txt", "symbolic link"),
    ),
    # found by the re-attack: 100,000 layers built on the meta device grew memory for minutes
    "layers-huge": (
        _json("config.json", lambda c: c.update(num_hidden_layers=100000)),
        ("config.json", "num_hidden_layers 100,000", "the weights hold"),
    ),
    "layers-float": (
        _json("config.json", lambda c: c.update(num_hidden_layers=100000.0)),
        ("num_hidden_layers 100000.0 is not a whole number",),
    ),
    "layers-forged-index": (_forged_layer, ("num_hidden_layers 100,000", "the weights hold")),
    # found by the re-attack: transformers built the 65536-wide model first (killed, OOM)
    "config-larger-than-weights": (
        _json("config.json", lambda c: c.update(hidden_size=2048, intermediate_size=2048)),
        ("config.json describes", "2048]", "the weights hold"),
    ),
    # found by the re-attack (ImportError and ValueError tracebacks): a config asking for
    # packages that are not installed, a tokenizer too short for the pipeline's stride
    "quantized": (
        _json(
            "config.json",
            lambda c: c.update(
                quantization_config={"quant_method": "bitsandbytes", "load_in_8bit": True}
            ),
        ),
        ("transformers cannot", "bitsandbytes"),
    ),
    "flash-attention": (
        _json(
            "config.json",
            lambda c: c.update(
                _attn_implementation="flash_attention_2", attn_implementation="flash_attention_2"
            ),
        ),
        ("transformers cannot",),
    ),
    "max-length-zero": (
        _json("tokenizer_config.json", lambda c: c.update(model_max_length=0)),
        ("model_max_length",),
    ),
    "not-safetensors": (
        lambda f: (f / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}"),
        ("model.safetensors", "not a safetensors file"),
    ),
}


@pytest.mark.parametrize("case", sorted(HF))
def test_a_hostile_transformers_folder_is_refused_before_transformers_reads_it(
    tiny: Path, tmp_path: Path, case: str
) -> None:
    folder = Path(shutil.copytree(tiny, tmp_path / "model"))
    attack, needles = HF[case]
    attack(folder)
    with pytest.raises(OutsideModelError) as caught:
        load_token_classifier(folder)
    one_line(caught, str(folder), *needles)
    assert not (folder / "ran").exists()


def test_hf_model_with_auto_map_never_prompts_nor_runs_the_folders_code(
    tiny: Path, tmp_path: Path
) -> None:
    """The command line, with "y" on stdin: exit 1, one line, no prompt, no marker."""
    folder = Path(shutil.copytree(tiny, tmp_path / "model"))
    _auto_map(folder)
    out = tmp_path / "p.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "nkworkers.loaders.cli", "predict", "--hf-model", str(folder),
         "--out", str(out), "--root", str(ROOT)],
        input="y\ny\n", capture_output=True, text=True, timeout=300,
        env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "custom code" not in done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "auto_map" in errors[0] and "Traceback" not in done.stderr
    assert not (folder / "ran").exists() and not out.exists()


def test_a_soft_hyphen_or_zero_width_space_does_not_refuse_the_article(tiny: Path) -> None:
    """BERT's normaliser drops U+00AD and U+200B (tokenizers #1201); the offsets are right."""
    classifier = load_token_classifier(tiny)
    text = "Kim Jong\u00adun sent workers to Mos\u200bcow and Vladivostok."
    spans = transformer_spans(classifier, "d", text)
    assert spans and all(0 <= s < e <= len(text) for s, e, _ in spans)
    covered = [text.index("\u00ad"), text.index("\u200b")]
    assert any(s <= at < e for s, e, _ in spans for at in covered), spans


def test_offsets_past_the_end_and_a_failing_model_are_one_line() -> None:
    def past(line: str) -> list[dict]:
        return [{"start": 0, "end": len(line) + 40, "word": line, "entity_group": "PER"}]

    with pytest.raises(OutsideModelError) as caught:
        transformer_spans(past, "d", "Kim Jong Un.")
    one_line(caught, "outside the text")

    def broken(line: str) -> list[dict]:
        raise IndexError("index 9 is out of bounds for dimension 0 with size 3")

    with pytest.raises(OutsideModelError) as caught:
        transformer_spans(broken, "d", "Kim Jong Un.")
    one_line(caught, "the model failed", "IndexError")


@pytest.mark.parametrize("kind", ["fifo", "device", "directory", "huge"])
def test_a_label_map_that_is_no_plain_json_file_is_refused_unread(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "map.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    else:
        path.write_text(json.dumps({f"L{i}": "PERSON" for i in range(60_000)}))
    with pytest.raises(OutsideModelError) as caught:
        read_label_map(path)
    one_line(caught, str(path), "cannot read the label map")
