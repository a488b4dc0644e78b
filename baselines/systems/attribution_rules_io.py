"""AttributeRules (baselines.systems.linking) to and from JSON, for model folders.

The tables are counters keyed by text: ``{"anonymity": {"text"|"head": {key:
{value: count}}}, "kind": {...}, "kind_default": {value: count},
"kind_sourceless": {value: count}}``. Counts, not only the majority value, are
kept so a loaded model breaks ties exactly as the fitted one did.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from baselines.systems.linking import AttributeRules

Tables = dict[str, defaultdict[str, Counter[str]]]


def _tables_to_json(tables: Tables) -> dict[str, dict[str, dict[str, int]]]:
    return {how: {k: dict(c) for k, c in table.items()} for how, table in tables.items()}


def _counts(value: Any, where: str) -> Counter[str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(n, int) for k, n in value.items()
    ):
        raise ValueError(f"attribute rules: {where} must map values to integer counts")
    return Counter(value)


def _tables_from_json(value: Any, where: str) -> Tables:
    if not isinstance(value, dict):
        raise ValueError(f"attribute rules: {where} must be an object")
    out: Tables = {}
    for how, table in value.items():
        if not isinstance(table, dict):
            raise ValueError(f"attribute rules: {where}.{how} must be an object")
        out[how] = defaultdict(Counter)
        for key, counts in table.items():
            out[how][key] = _counts(counts, f"{where}.{how}.{key}")
    return out


def rules_to_json(rules: AttributeRules) -> dict[str, Any]:
    return {
        "anonymity": _tables_to_json(rules.anonymity),
        "kind": _tables_to_json(rules.kind),
        "kind_default": dict(rules.kind_default),
        "kind_sourceless": dict(rules.kind_sourceless),
    }


def rules_from_json(value: Any) -> AttributeRules:
    """The rules written by :func:`rules_to_json`; ValueError on any other shape."""
    if not isinstance(value, dict):
        raise ValueError("attribute rules: expected an object")
    return AttributeRules(
        anonymity=_tables_from_json(value.get("anonymity"), "anonymity"),
        kind=_tables_from_json(value.get("kind"), "kind"),
        kind_default=_counts(value.get("kind_default"), "kind_default"),
        kind_sourceless=_counts(value.get("kind_sourceless"), "kind_sourceless"),
    )
