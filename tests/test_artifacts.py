"""Model folders: every system saves, a fresh process loads it and predicts the same rows.

The oracle is a separate Python process that knows nothing but the folder
(``load_model`` -> ``SYSTEMS[name]()`` -> ``load``). Folders are scanned for
pickles by suffix and by the pickle protocol's magic bytes, independently of
the scan the writer does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nkworkers.baselines.benchmark.runner import bare, sealed
from nkworkers.baselines.systems.base import CorpusData, System
from nkworkers.baselines.systems.control.minilm import MiniLMMultiLabel
from nkworkers.baselines.systems.control.setfit import SetFitOneVsRest
from nkworkers.baselines.systems.control.tfidf import TfidfLogReg
from nkworkers.baselines.systems.registry import SYSTEMS
from nkworkers.baselines.tagging.model_folder import (
    FORMAT_VERSION,
    MODEL_JSON,
    ModelError,
    load_model,
    read_model_json,
    save_model,
)

# Smaller settings where a system has them; prediction after load never reads them.
SMALL: dict[str, Callable[[], System]] = {
    "control-tfidf-lr": lambda: TfidfLogReg(c_grid=(1.0,)),
    # one shot per category, not 4: 38 training sentences instead of 62 (the fit took
    # about a third of this file's time); a reload predicts the same whatever the training
    "control-setfit": lambda: SetFitOneVsRest(num_iterations=1, batch_size=32, shots=1),
    "control-minilm": lambda: MiniLMMultiLabel(epochs=1),
}
HEAVY = ("minilm", "setfit", "similarity", "spacy")  # name parts of transformer-backed systems
LIGHT_NAMES = [n for n in SYSTEMS if not any(h in n for h in HEAVY)]
HEAVY_NAMES = [n for n in SYSTEMS if any(h in n for h in HEAVY)]

LOADER = """
import json, sys
from pathlib import Path
from nkworkers.baselines.tagging.model_folder import load_model
from nkworkers.baselines.systems.registry import SYSTEMS
documents = json.loads(Path(sys.argv[1]).read_text())
out = {}
for folder in sys.argv[3:]:
    system, meta = load_model(Path(folder), SYSTEMS)
    out[meta["system"]] = system.predict(documents)
Path(sys.argv[2]).write_text(json.dumps(out))
"""


def pickle_like(folder: Path) -> list[str]:
    """The test's own scan: pickle suffixes, a pickle PROTO opcode (0x80, 2..5) first, a zip
    naming a .pkl member (torch.save)."""
    found = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        head = path.read_bytes()[:2]
        is_proto = len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5
        zipped = head == b"PK" and "pkl" in path.read_bytes().decode("latin-1")
        if (
            path.suffix in (".pkl", ".pickle", ".joblib", ".pt")
            or zipped
            or (is_proto and path.suffix != ".safetensors")
        ):
            found.append(str(path))
    return found


def fresh_process_predictions(
    folders: list[Path], documents: list[dict[str, Any]], tmp: Path
) -> dict[str, Any]:
    docs, out = tmp / "documents.json", tmp / "predicted.json"
    docs.write_text(json.dumps(documents), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", LOADER, str(docs), str(out), *map(str, folders)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


@dataclass
class Saved:
    """One system fit here, saved, and reloaded by the fresh process."""

    meta: dict[str, Any]
    pickles: list[str]  # the test's own scan of the saved folder
    expected: list[dict[str, Any]]  # what the fitted instance predicted
    got: list[dict[str, Any]]  # what the fresh process predicted from the folder


@pytest.fixture(scope="module")
def reloaded(
    data: CorpusData, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, Saved]:
    """Every system the selected tests need, fit, saved, and reloaded by ONE fresh process.

    One process for all systems, not one per test: each process paid the
    interpreter, torch, transformers and the registry import again (about 8 s
    of CPU) before loading a folder. The oracle is unchanged: a process that
    knows nothing but the folders. The transformer systems are fit only when
    their (slow-marked) test is selected.
    """
    selected = {item.name for item in request.session.items}
    heavy = "test_transformer_systems_reload_in_a_fresh_process_and_predict_the_same"
    names = LIGHT_NAMES + (HEAVY_NAMES if heavy in selected else [])
    tmp = tmp_path_factory.mktemp("reloaded")
    documents = bare([*data.validation["documents"], *data.test["documents"]])
    saved: dict[str, Saved] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NKWORKERS_FAST", "1")
        for name in names:
            system = SMALL.get(name, SYSTEMS[name])()
            system.fit(sealed(data), seed=0)
            meta = save_model(
                system, tmp / name, seed=0, validation_figures={}, data_fingerprint="t"
            )
            saved[name] = Saved(meta, pickle_like(tmp / name), system.predict(documents), [])
    got = fresh_process_predictions([tmp / n for n in names], documents, tmp)
    for name in names:
        saved[name].got = got[name]
    return saved


def _assert_reloaded(names: list[str], reloaded: dict[str, Saved]) -> None:
    for name in names:
        saved = reloaded[name]
        assert saved.meta["system"] == name and saved.meta["format_version"] == FORMAT_VERSION
        assert saved.pickles == [], name
        json.dumps(saved.meta["settings"])  # JSON-able
        assert saved.got == saved.expected, name


def test_light_systems_reload_in_a_fresh_process_and_predict_the_same(
    reloaded: dict[str, Saved],
) -> None:
    _assert_reloaded(LIGHT_NAMES, reloaded)


@pytest.mark.slow
def test_transformer_systems_reload_in_a_fresh_process_and_predict_the_same(
    reloaded: dict[str, Saved],
) -> None:
    _assert_reloaded(HEAVY_NAMES, reloaded)


@pytest.fixture(scope="module")
def gazetteer_folder(data: CorpusData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    system = SYSTEMS["entities-gazetteer"]()
    system.fit(sealed(data), seed=0)
    folder = tmp_path_factory.mktemp("models") / "gazetteer"
    save_model(system, folder, seed=0, validation_figures={"f1": 0.5}, data_fingerprint="t")
    return folder


def _copy(folder: Path, tmp: Path) -> Path:
    import shutil

    return Path(shutil.copytree(folder, tmp / "copy"))


def test_load_refuses_a_folder_of_another_system(gazetteer_folder: Path) -> None:
    with pytest.raises(ModelError, match="a model of entities-gazetteer, not of entities-crf"):
        load_model(gazetteer_folder, SYSTEMS, expect="entities-crf")


def test_load_refuses_another_format_version(gazetteer_folder: Path, tmp_path: Path) -> None:
    folder = _copy(gazetteer_folder, tmp_path)
    meta = json.loads((folder / MODEL_JSON).read_text())
    meta["format_version"] = FORMAT_VERSION + 1
    (folder / MODEL_JSON).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="format_version 2, this nkworkers reads 1"):
        load_model(folder, SYSTEMS)


def test_load_refuses_a_missing_file(gazetteer_folder: Path, tmp_path: Path) -> None:
    folder = _copy(gazetteer_folder, tmp_path)
    (folder / "gazetteer.json").unlink()
    with pytest.raises(ModelError, match=r"gazetteer\.json: missing from the model folder"):
        load_model(folder, SYSTEMS)


def test_load_refuses_a_changed_weight_file(gazetteer_folder: Path, tmp_path: Path) -> None:
    folder = _copy(gazetteer_folder, tmp_path)
    (folder / "gazetteer.json").write_text('{"entries": {}, "selected": {}}')
    with pytest.raises(ModelError, match="changed since it was saved"):
        load_model(folder, SYSTEMS)


def test_load_refuses_a_folder_without_model_json(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"model\.json: missing"):
        load_model(tmp_path, SYSTEMS)


@pytest.mark.parametrize("how", ["pickle", "torch.save"])
def test_load_refuses_a_pickle_in_the_folder(
    gazetteer_folder: Path, tmp_path: Path, how: str
) -> None:
    import pickle

    import torch

    folder = _copy(gazetteer_folder, tmp_path)
    if how == "pickle":
        (folder / "extra.bin").write_bytes(pickle.dumps({"x": 1}, protocol=4))
    else:
        torch.save({"x": torch.zeros(2)}, folder / "extra.bin")  # a zip holding data.pkl
    with pytest.raises(ModelError, match=r"pickle-like files \(extra\.bin\)"):
        load_model(folder, SYSTEMS)


class _PicklingSystem:
    name = "entities-gazetteer"
    task = "entities"

    def save(self, directory: Path) -> dict[str, Any]:
        import pickle

        (directory / "weights.dat").write_bytes(pickle.dumps([1, 2, 3], protocol=5))
        return {}


def test_save_refuses_a_system_that_writes_a_pickle_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "model"
    with pytest.raises(ModelError, match=r"pickle-like files \(weights\.dat\)"):
        save_model(_PicklingSystem(), out, seed=0, validation_figures={}, data_fingerprint="t")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_an_existing_folder(gazetteer_folder: Path) -> None:
    before = read_model_json(gazetteer_folder)
    system = SYSTEMS["entities-gazetteer"]()
    with pytest.raises(ModelError, match="already exists"):
        save_model(system, gazetteer_folder, seed=1, validation_figures={}, data_fingerprint="t")
    assert read_model_json(gazetteer_folder) == before
