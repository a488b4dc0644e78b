"""Rows with label names -> rows ready for Arrow, compiled once per Features.

``Features.encode_example`` walks the schema for every value of every row; at
corpus scale that was most of the build time. This compiles the walk once:
a ClassLabel becomes a dict lookup, a List of plain values is left as is.
An unknown label raises KeyError naming it (the validator has already
checked labels, so that would be a bug, not bad input).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from datasets import ClassLabel, Features, List, Value

Encode = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def compile_feature(feature: Any) -> Encode:
    if isinstance(feature, ClassLabel):
        index = {name: i for i, name in enumerate(feature.names)}
        return index.__getitem__
    if isinstance(feature, List):
        inner = compile_feature(feature.feature)
        if inner is _identity:
            return _identity
        return lambda values: None if values is None else [inner(v) for v in values]
    if isinstance(feature, dict):
        fields = {key: compile_feature(sub) for key, sub in feature.items()}
        if all(f is _identity for f in fields.values()):
            return _identity
        # a struct may be null (a claim in the reporter's voice has no record)
        return lambda row: None if row is None else {key: fields[key](row[key]) for key in fields}
    if isinstance(feature, Value):
        return _identity
    raise TypeError(f"no encoder for feature {feature!r}")


def compile_features(features: Features) -> Encode:
    return compile_feature(dict(features))
