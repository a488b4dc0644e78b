"""Render agreement figures (computation is in agreement.py)."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text


def _f(x: float) -> str:
    return f"{x:.3f}"


def agreement_rows(pair: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(layer, measure, value) rows of one pair's figures."""
    ent, att, ctl = pair["entities"], pair["attribution"], pair["control_measures"]
    rows = [
        ("entities", "strict F1", _f(ent["strict_f1"])),
        ("entities", f"Cohen's kappa over {ent['tokens']} tokens", _f(ent["token_kappa"])),
        ("entities", "Krippendorff's alpha over tokens", _f(ent["token_alpha"])),
    ]
    for role in ("source", "cue", "content"):
        rows.append(
            (
                "attribution",
                f"{role} span F1 exact / overlap",
                f"{_f(att[role]['exact'])} / {_f(att[role]['overlap'])}",
            )
        )
    rows.append(("attribution", "record F1", _f(att["records_f1"])))
    for name, acc in att["attributes_accuracy"].items():
        rows.append(("attribution", f"{name} accuracy (matched records)", _f(acc)))
    rows.append(
        (
            "control",
            "span micro F1 exact / overlap",
            f"{_f(ctl['spans_micro']['exact'])} / {_f(ctl['spans_micro']['overlap'])}",
        )
    )
    for cat, v in ctl["spans_per_category"].items():
        rows.append(
            ("control", f"{cat} span F1 exact / overlap", f"{_f(v['exact'])} / {_f(v['overlap'])}")
        )
    rows.append(("control", "sentence-level micro F1", _f(ctl["sentence_micro_f1"])))
    rows.append(("control", "sentence-level kappa (pooled)", _f(ctl["sentence_kappa_pooled"])))
    for cat, k in ctl["sentence_kappa_per_category"].items():
        rows.append(("control", f"{cat} sentence kappa", _f(k)))
    claims = pair["claims"]
    rows += [
        ("claims", "claim F1 (category, span, source)", _f(claims["f1"])),
        ("claims", "claim F1 without the source", _f(claims["f1_without_source"])),
        ("claims", "source agreement (claims found)", _f(claims["source_agreement"])),
    ]
    for name, acc in claims["attributes_accuracy"].items():
        rows.append(("claims", f"{name} accuracy (matched claims)", _f(acc)))
    return rows


def agreement_tables(result: dict[str, Any]) -> list[Table]:
    tables = []
    for pair_name, pair in result.items():
        # Text, not markup: a folder named "b[/x]" raised MarkupError
        title = Text(f"agreement: {pair_name} ({len(pair['documents'])} articles)")
        table = Table(title=title)
        for column in ("layer", "measure", "value"):
            table.add_column(column, no_wrap=column != "measure")
        for row in agreement_rows(pair):
            table.add_row(*(Text(cell) for cell in row))
        tables.append(table)
    return tables


def agreement_markdown(result: dict[str, Any]) -> str:
    pairs = list(result)
    lines = ["| layer | measure | " + " | ".join(pairs) + " |", "|---|---|" + "---|" * len(pairs)]
    columns = [agreement_rows(result[p]) for p in pairs]
    for i, (layer, measure, _) in enumerate(columns[0]):
        lines.append(f"| {layer} | {measure} | " + " | ".join(c[i][2] for c in columns) + " |")
    return "\n".join(lines) + "\n"


CELL = 120  # characters of span text shown in a Markdown cell; the JSON has it whole


def _cell(value: object) -> str:
    text = "—" if value is None else str(value)
    text = text if len(text) <= CELL else text[: CELL - 1] + "…"
    # A table cell is one line, and "|" would end it.
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def adjudication_markdown(result: dict[str, Any]) -> str:
    """The adjudication list (adjudicate.adjudication) as Markdown: the summary
    figures, then one table row per disagreement, grouped by layer."""
    a, b = result["a"], result["b"]
    pair = next(iter(result["agreement"].values()))
    lines = [
        f"# Adjudication: {a} (A) vs {b} (B)",
        "",
        f"{len(result['documents'])} articles annotated by both: {', '.join(result['documents'])}.",
        "Offsets are half-open character offsets into the article text.",
        "",
        "## Summary",
        "",
        "| layer | disagreements |",
        "|---|---|",
        *(f"| {layer} | {n} |" for layer, n in result["counts"].items()),
        "",
        "| layer | measure | value |",
        "|---|---|---|",
        *(f"| {layer} | {measure} | {value} |" for layer, measure, value in agreement_rows(pair)),
    ]
    rows = result["disagreements"]
    for layer in result["counts"]:
        found = [d for d in rows if d["layer"] == layer]
        if not found:
            continue
        lines += ["", f"## {layer}", "", "| doc | offsets | text | field | A | B | decision |"]
        lines.append("|---|---|---|---|---|---|---|")
        for d in found:
            cells = [d["doc_id"], f"[{d['start']}, {d['end']})", d["text"], d["field"]]
            lines.append("| " + " | ".join(_cell(c) for c in [*cells, d["a"], d["b"]]) + " |  |")
    if not rows:
        lines += ["", "The two annotations agree everywhere."]
    return "\n".join(lines) + "\n"
