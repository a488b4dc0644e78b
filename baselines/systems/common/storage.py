"""Safe on-disk state for the baselines: JSON, safetensors arrays, crfsuite model files.

Nothing here pickles or reads a pickle: arrays go through ``safetensors``
(raw tensors plus a JSON header, no code), everything else through strict
JSON (nkworkers.loaders.files.jsonio). scikit-learn estimators are rebuilt from their fitted
arrays (``coef_``, ``intercept_``, ``classes_``, vocabularies), so predictions
after a reload are computed by the same sklearn code on the same numbers.

Readers of saved state are in nkworkers.baselines.systems.safe (schema.py:
``read_state``, ``read_arrays``); the schemas of the sklearn estimators' state
are here, beside the code that writes it. Readers raise
:class:`~nkworkers.baselines.systems.safe.paths.FolderError` (a ValueError)
naming the file, what is wrong and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, StrictInt, StrictStr, model_validator
from safetensors.numpy import save_file

from nkworkers.baselines.systems.safe import crfsuite_file
from nkworkers.baselines.systems.safe.paths import FolderError, MissingFile
from nkworkers.baselines.systems.safe.schema import FIX, Spec, State, Unique, one_of
from nkworkers.loaders.files.atomic import dumps_json


def write_json(directory: Path, name: str, obj: Any) -> None:
    """JSON file ``directory/name`` (the caller stages the whole folder)."""
    (directory / name).write_text(dumps_json(obj), encoding="utf-8")


def write_arrays(directory: Path, name: str, arrays: dict[str, np.ndarray]) -> None:
    """Numeric arrays as one safetensors file (no object arrays, no strings)."""
    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(directory / name))


# scikit-learn estimators, rebuilt from their fitted attributes --------------
#
# Each estimator's JSON state has a schema (what the baselines construct, with
# the values their grids can choose), and the arrays are checked against it
# before sklearn sees them: a folder cannot make a vectoriser open files
# (``input="filename"``), run another regular expression, or predict with a
# transposed matrix.


class ClassesState(State):
    dtype: Literal["str", "int8", "int64"]  # tokens' tags; control's 0/1 targets
    values: Annotated[
        list[StrictStr] | list[StrictInt], Field(min_length=2, max_length=1000), Unique
    ]

    @model_validator(mode="after")
    def _typed(self) -> ClassesState:
        if (self.dtype == "str") != all(isinstance(v, str) for v in self.values):
            raise ValueError(f"values do not match dtype {self.dtype}")
        return self


class LogRegParams(State):
    """LogisticRegression().get_params() as the baselines construct it (sklearn 1.4 to 1.9)."""

    C: Annotated[float, Field(gt=0, le=1e6)]
    class_weight: Literal["balanced"] | None
    dual: Literal[False]
    fit_intercept: Literal[True]
    intercept_scaling: Literal[1]
    l1_ratio: Annotated[float, one_of(0.0)] | None = None
    max_iter: Annotated[int, Field(ge=1, le=100_000)]
    multi_class: Literal["auto", "deprecated"] = "auto"
    n_jobs: None
    penalty: Literal["l2", "deprecated"]
    random_state: Annotated[int, Field(ge=0, le=2**32 - 1)] | None
    solver: Literal["lbfgs"]
    tol: Annotated[float, Field(gt=0, le=1)]
    verbose: Literal[0]
    warm_start: Literal[False]


class LogRegState(State):
    classes: ClassesState
    params: LogRegParams

    def spec(self, prefix: str, features: int, dtype: str = "float64") -> Spec:
        """coef (K, features) and intercept (K,), K = 1 for two classes (sklearn's layout).

        ``dtype``: the inputs' (sklearn keeps it: float32 for SetFit's embeddings).
        """
        k = 1 if len(self.classes.values) == 2 else len(self.classes.values)
        return {f"{prefix}.coef": ((k, features), dtype), f"{prefix}.intercept": ((k,), dtype)}


class DictVectorizerState(State):
    feature_names: Annotated[list[Annotated[str, Field(max_length=1000)]], Unique]
    separator: Literal["="]
    sort: Literal[True]
    sparse: Literal[True]


#: The one token pattern the baselines use (scikit-learn's default).
TOKEN_PATTERN = r"(?u)\b\w\w+\b"


class TfidfParams(State):
    """TfidfVectorizer().get_params() of control-tfidf-lr: text in, no callables, our pattern."""

    analyzer: Literal["word"]
    binary: Literal[False]
    decode_error: Literal["strict"]
    encoding: Literal["utf-8"]
    input: Literal["content"]
    lowercase: Literal[True]
    max_df: Annotated[float, one_of(1.0)]
    max_features: None
    min_df: Literal[1]
    ngram_range: tuple[Literal[1], Literal[2]]
    norm: Literal["l2"]
    preprocessor: None
    smooth_idf: Literal[True]
    stop_words: None
    strip_accents: None
    sublinear_tf: Literal[True]
    token_pattern: Annotated[str, one_of(TOKEN_PATTERN)]
    tokenizer: None
    use_idf: Literal[True]
    vocabulary: None


class TfidfState(State):
    vocabulary: Annotated[list[Annotated[str, Field(max_length=1000)]], Unique]
    params: TfidfParams

    def spec(self, prefix: str) -> Spec:
        return {f"{prefix}.idf": ((len(self.vocabulary),), "float64")}


def logreg_state(model: Any, prefix: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, JSON meta) of a fitted LogisticRegression under ``prefix``."""
    arrays = {f"{prefix}.coef": model.coef_, f"{prefix}.intercept": model.intercept_}
    return arrays, {"classes": _classes_json(model.classes_), "params": _params(model)}


def _classes_json(classes: np.ndarray) -> dict[str, Any]:
    kind = "str" if classes.dtype.kind in "USO" else str(classes.dtype)
    return {"dtype": kind, "values": [c.item() if hasattr(c, "item") else c for c in classes]}


def logreg_restore(arrays: dict[str, np.ndarray], state: LogRegState, prefix: str) -> Any:
    """A LogisticRegression from validated state; its arrays must match :meth:`LogRegState.spec`."""
    from sklearn.linear_model import LogisticRegression

    params = state.params.model_dump()
    params = {k: v for k, v in params.items() if k in LogisticRegression().get_params()}
    model = LogisticRegression(**params)
    model.coef_ = arrays[f"{prefix}.coef"]
    model.intercept_ = arrays[f"{prefix}.intercept"]
    classes = state.classes
    model.classes_ = np.asarray(
        classes.values, dtype=str if classes.dtype == "str" else classes.dtype
    )
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


def dict_vectorizer_state(vectorizer: Any) -> dict[str, Any]:
    return {
        "feature_names": list(vectorizer.feature_names_),
        "separator": vectorizer.separator,
        "sort": vectorizer.sort,
        "sparse": vectorizer.sparse,
    }


def dict_vectorizer_restore(state: DictVectorizerState) -> Any:
    from sklearn.feature_extraction import DictVectorizer

    vectorizer = DictVectorizer(separator=state.separator, sort=state.sort)
    vectorizer.sparse = state.sparse
    vectorizer.feature_names_ = list(state.feature_names)
    vectorizer.vocabulary_ = {name: i for i, name in enumerate(vectorizer.feature_names_)}
    return vectorizer


def tfidf_state(vectorizer: Any, prefix: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, JSON meta) of a fitted TfidfVectorizer: vocabulary, idf and settings."""
    vocabulary = sorted(vectorizer.vocabulary_.items(), key=lambda kv: kv[1])
    if [i for _, i in vocabulary] != list(range(len(vocabulary))):
        raise ValueError("TfidfVectorizer vocabulary indices are not 0..n-1")
    meta = {"vocabulary": [term for term, _ in vocabulary], "params": _params(vectorizer)}
    return {f"{prefix}.idf": vectorizer.idf_}, meta


def tfidf_restore(arrays: dict[str, np.ndarray], state: TfidfState, prefix: str) -> Any:
    """A TfidfVectorizer from validated state; its idf must match :meth:`TfidfState.spec`."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(**state.params.model_dump())
    vectorizer.vocabulary_ = {term: i for i, term in enumerate(state.vocabulary)}
    vectorizer.fixed_vocabulary_ = False
    vectorizer.idf_ = arrays[f"{prefix}.idf"]
    return vectorizer


# crfsuite ---------------------------------------------------------------------


def crf_save(model: Any, path: Path) -> None:
    """crfsuite's own binary model file, copied from where sklearn-crfsuite trained it."""
    path.write_bytes(Path(model.modelfile.name).read_bytes())


def crf_restore(path: Path) -> Any:
    """A CRF from crfsuite's model file, after its structure was checked (safe.crfsuite_file).

    crfsuite reads a model file without checking magic, sizes or offsets, so
    a truncated or corrupted file crashes the process (a segmentation
    fault); the check in Python comes first and refuses it in one line.
    """
    import sklearn_crfsuite

    try:
        crfsuite_file.check(path)
    except FileNotFoundError:
        raise MissingFile(f"{path}: missing from the model folder; {FIX}") from None
    except crfsuite_file.CrfFileError as exc:
        raise FolderError(
            f"{path}: not a crfsuite model file train writes ({exc}); {FIX}"
        ) from None
    model = sklearn_crfsuite.CRF(model_filename=str(path))
    try:
        _ = model.tagger_  # crfsuite reads the whole file now, not at the first predict
    except Exception as exc:  # pycrfsuite raises a bare ValueError/OSError
        raise FolderError(f"{path}: not a crfsuite model file ({exc}); {FIX}") from None
    return model
