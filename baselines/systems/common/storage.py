"""Safe on-disk state for the baselines: JSON, safetensors arrays, crfsuite model files.

Nothing here pickles or reads a pickle: arrays go through ``safetensors``
(raw tensors plus a JSON header, no code), everything else through strict
JSON (nkworkers.loaders.files.jsonio). scikit-learn estimators are rebuilt from their fitted
arrays (``coef_``, ``intercept_``, ``classes_``, vocabularies), so predictions
after a reload are computed by the same sklearn code on the same numbers.

Readers raise FileNotFoundError naming the missing file, and ValueError for
a file that does not parse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from nkworkers.loaders.files import jsonio
from nkworkers.loaders.files.atomic import dumps_json


def write_json(directory: Path, name: str, obj: Any) -> None:
    """JSON file ``directory/name`` (the caller stages the whole folder)."""
    (directory / name).write_text(dumps_json(obj), encoding="utf-8")


def read_json(directory: Path, name: str) -> Any:
    path = directory / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing from the model folder")
    try:
        return jsonio.load_file(path)
    except jsonio.JsonError as exc:
        raise ValueError(f"{path}: {exc}") from None


def write_arrays(directory: Path, name: str, arrays: dict[str, np.ndarray]) -> None:
    """Numeric arrays as one safetensors file (no object arrays, no strings)."""
    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(directory / name))


def read_arrays(directory: Path, name: str) -> dict[str, np.ndarray]:
    path = directory / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing from the model folder")
    try:
        return load_file(str(path))
    except SafetensorError as exc:
        raise ValueError(f"{path}: not a safetensors file ({exc})") from None


# scikit-learn estimators, rebuilt from their fitted attributes --------------


def _classes_json(classes: np.ndarray) -> dict[str, Any]:
    kind = "str" if classes.dtype.kind in "USO" else str(classes.dtype)
    return {"dtype": kind, "values": [c.item() if hasattr(c, "item") else c for c in classes]}


def _classes_array(meta: dict[str, Any]) -> np.ndarray:
    if meta["dtype"] == "str":
        return np.asarray([str(v) for v in meta["values"]])
    return np.asarray(meta["values"], dtype=meta["dtype"])


def logreg_state(model: Any, prefix: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, JSON meta) of a fitted LogisticRegression under ``prefix``."""
    arrays = {f"{prefix}.coef": model.coef_, f"{prefix}.intercept": model.intercept_}
    return arrays, {"classes": _classes_json(model.classes_), "params": _params(model)}


def logreg_restore(arrays: dict[str, np.ndarray], meta: dict[str, Any], prefix: str) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(**_unjson(meta["params"]))
    model.coef_ = arrays[f"{prefix}.coef"]
    model.intercept_ = arrays[f"{prefix}.intercept"]
    model.classes_ = _classes_array(meta["classes"])
    model.n_features_in_ = model.coef_.shape[1]
    return model


_SCALARS = (str, int, float, bool, type(None))


def _params(model: Any) -> dict[str, Any]:
    """The JSON-able constructor parameters (tuples as lists; types, callables left out).

    What is left out keeps its default on restore, which is what the
    baselines construct with (dtype float64, no custom analyzer).
    """
    out: dict[str, Any] = {}
    for key, value in model.get_params().items():
        if isinstance(value, _SCALARS):
            out[key] = value
        elif isinstance(value, tuple) and all(isinstance(v, _SCALARS) for v in value):
            out[key] = list(value)
    return out


def _unjson(params: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}


def dict_vectorizer_state(vectorizer: Any) -> dict[str, Any]:
    return {
        "feature_names": list(vectorizer.feature_names_),
        "separator": vectorizer.separator,
        "sort": vectorizer.sort,
        "sparse": vectorizer.sparse,
    }


def dict_vectorizer_restore(state: dict[str, Any]) -> Any:
    from sklearn.feature_extraction import DictVectorizer

    vectorizer = DictVectorizer(separator=state["separator"], sort=state["sort"])
    vectorizer.sparse = state["sparse"]
    vectorizer.feature_names_ = list(state["feature_names"])
    vectorizer.vocabulary_ = {name: i for i, name in enumerate(vectorizer.feature_names_)}
    return vectorizer


def tfidf_state(vectorizer: Any, prefix: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, JSON meta) of a fitted TfidfVectorizer: vocabulary, idf and settings."""
    vocabulary = sorted(vectorizer.vocabulary_.items(), key=lambda kv: kv[1])
    if [i for _, i in vocabulary] != list(range(len(vocabulary))):
        raise ValueError("TfidfVectorizer vocabulary indices are not 0..n-1")
    meta = {"vocabulary": [term for term, _ in vocabulary], "params": _params(vectorizer)}
    return {f"{prefix}.idf": vectorizer.idf_}, meta


def tfidf_restore(arrays: dict[str, np.ndarray], meta: dict[str, Any], prefix: str) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(**_unjson(meta["params"]))
    vectorizer.vocabulary_ = {term: i for i, term in enumerate(meta["vocabulary"])}
    vectorizer.fixed_vocabulary_ = False
    vectorizer.idf_ = arrays[f"{prefix}.idf"]
    return vectorizer


# crfsuite ---------------------------------------------------------------------


def crf_save(model: Any, path: Path) -> None:
    """crfsuite's own binary model file, copied from where sklearn-crfsuite trained it."""
    path.write_bytes(Path(model.modelfile.name).read_bytes())


def crf_restore(path: Path) -> Any:
    import sklearn_crfsuite

    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing from the model folder")
    model = sklearn_crfsuite.CRF(model_filename=str(path))
    try:
        _ = model.tagger_  # crfsuite reads the whole file now, not at the first predict
    except Exception as exc:  # pycrfsuite raises a bare ValueError/OSError
        raise ValueError(f"{path}: not a crfsuite model file ({exc})") from None
    return model
