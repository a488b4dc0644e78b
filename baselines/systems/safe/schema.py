"""State files validated against what ``train`` writes: pydantic schemas, array shapes and dtypes.

Each system declares the schema of its JSON state beside the code that writes
it (a :class:`State` subclass: unknown keys refused, strict types, no NaN or
infinity, allowed values as ``Literal`` taken from the writer's own grids),
and the shapes and dtypes of its arrays as :data:`Spec` tables computed from
that validated state. :func:`read_state` and :func:`read_arrays` raise
:class:`~nkworkers.baselines.systems.safe.paths.FolderError` naming the file,
the first offending field and the fix, so a hostile or damaged folder is one
line, never a traceback in ``predict`` (a transposed coefficient matrix, a
vectoriser told to open files, a regular expression that never ends).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from nkworkers.baselines.systems.safe import paths
from nkworkers.baselines.systems.safe.paths import FolderError, MissingFile
from nkworkers.loaders.files import jsonio

FIX = "this is not what `nkworkers train` writes: train the model again"
MAX_ARRAY_FILE = 4 * 1024**3
S = TypeVar("S", bound="State")
#: name -> (shape, dtype) of each array a state file promises ("float32|float64": either).
Spec = dict[str, tuple[tuple[int, ...], str]]


class State(BaseModel):
    """A state file's schema: unknown keys refused, strict JSON types, finite numbers."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


def _unique(values: list[Any]) -> list[Any]:
    if len(set(map(repr, values))) != len(values):
        raise ValueError("holds a value twice")
    return values


def _layer_name(value: str) -> str:
    # Layer names become file names (crf-<layer>.crfsuite): plain and short.
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,31}", value):
        raise ValueError("is not a layer name (letters, digits, '_')")
    return value


def one_of(*allowed: Any) -> AfterValidator:
    """A validator of values among ``allowed`` (a Literal whose values come from code)."""

    def check(value: Any) -> Any:
        if value not in allowed:
            raise ValueError(f"must be one of {list(allowed)}")
        return value

    return AfterValidator(check)


Unique = AfterValidator(_unique)
LayerName = Annotated[str, AfterValidator(_layer_name)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Selected = dict[str, float | int | str | bool | None]  # settings chosen on validation, for logs
Words = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(min_length=1)]


def first_error(exc: ValidationError) -> str:
    """The first error of a validation as ``where: what, got value`` (and how many more)."""
    errors = exc.errors(include_url=False)
    error = errors[0]
    where = ".".join(str(part) for part in error["loc"]) or "the top level"
    got = "" if error["type"] == "missing" else f", got {jsonio.clip(error.get('input'), 60)}"
    others = [".".join(str(p) for p in e["loc"]) for e in errors[1:4]]
    more = f" (and {len(errors) - 1} more: {', '.join(others)})" if others else ""
    return f"{where}: {error['msg']}{got}{more}"


def read_state(folder: Path, name: str, schema: type[S]) -> S:
    """The JSON file folder/name, parsed strictly (jsonio) and validated by ``schema``."""
    path = folder / name
    # jsonio first: duplicate keys, deep nesting, huge integers; then the schema
    try:
        _, text = paths.load_json(path, FIX)
    except MissingFile:
        raise MissingFile(f"{path}: missing, and the system reads it; {FIX}") from None
    try:
        return schema.model_validate_json(text)
    except ValidationError as exc:
        raise FolderError(f"{path}: {first_error(exc)}; {FIX}") from None


def read_arrays(folder: Path, name: str) -> dict[str, np.ndarray]:
    """The arrays of a safetensors file (its reader checks the header against the file)."""
    from safetensors import SafetensorError
    from safetensors.numpy import load

    path = folder / name
    try:
        return load(paths.read_bytes(path, MAX_ARRAY_FILE))
    except FileNotFoundError:
        raise MissingFile(f"{path}: missing from the model folder; {FIX}") from None
    except FolderError:
        raise
    except (SafetensorError, ValueError, TypeError) as exc:
        raise FolderError(f"{path}: not a safetensors file ({exc}); {FIX}") from None


def check_arrays(path: Path, arrays: Mapping[str, np.ndarray], spec: Spec) -> None:
    """Exactly the arrays of ``spec``, each of its shape and dtype, every number finite."""
    unknown, missing = sorted(set(arrays) - set(spec)), sorted(set(spec) - set(arrays))
    if unknown or missing:
        what = f"holds {unknown[0]!r}, which" if unknown else f"lacks {missing[0]!r}, which"
        raise FolderError(f"{path}: {what} its state file does not promise; {FIX}")
    for key, (shape, dtype) in sorted(spec.items()):
        got = arrays[key]
        if got.shape != shape or got.dtype not in [np.dtype(d) for d in dtype.split("|")]:
            raise FolderError(
                f"{path}: {key} is {got.dtype}{list(got.shape)}, the state promises "
                f"{dtype}{list(shape)}; {FIX}"
            )
        if got.dtype.kind == "f" and not np.isfinite(got).all():
            raise FolderError(f"{path}: {key} holds NaN or infinite numbers; {FIX}")
