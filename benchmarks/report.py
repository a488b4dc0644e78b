"""benchmarks/RESULTS.md from results.json (computation lives in the parts)."""

from __future__ import annotations

from typing import Any

from nkworkers.benchmarks import claims_report
from nkworkers.benchmarks import tag as tag_part


def _s(summary: dict[str, Any]) -> str:
    return (
        f"{summary['median']:.3f} ({summary['min']:.3f}-{summary['max']:.3f}, n={summary['runs']})"
    )


def scoring(part: dict[str, Any]) -> list[str]:
    lines = [
        f"Against {part['against']}; ours_s is the scorer from span lists, with_spans adds "
        "building its span objects.",
        "",
        "| scale | docs | spans | ours s | nervaluate s | ratio | ratio w/ spans | identical |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in part["results"]:
        lines.append(
            f"| x{r['scale']} | {r['documents']} | {r['spans']} | {_s(r['ours_runs'])} "
            f"| {_s(r['nervaluate_runs'])} | {r['ratio']:.1f}x | {r['ratio_with_spans']:.1f}x "
            f"| {r['identical']} |"
        )
    return lines


def build(part: dict[str, Any]) -> list[str]:
    lines = [
        "| scale | documents | wall s | ms per document | peak RSS MiB |",
        "|---|---|---|---|---|",
    ]
    for r in part["rows"]:
        lines.append(
            f"| x{r['scale']} | {r['documents']} | {_s(r['wall_s'])} "
            f"| {r['ms_per_document']:.1f} | {r['peak_rss_mib']:.0f} |"
        )
    return lines


def load(part: dict[str, Any]) -> list[str]:
    lines = [
        "| scale | config | rows | load_dataset s | read_table s | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in part["rows"]:
        lines.append(
            f"| x{r['scale']} | {r['config']} | {r['rows']} | {_s(r['load_dataset_s'])} "
            f"| {_s(r['read_table_s'])} | {r['ratio']:.1f}x |"
        )
    return lines


def labelstudio(part: dict[str, Any]) -> list[str]:
    lines = [
        f"Server start (until the API answers): {part['server_start_s']:.1f} s",
        "",
        "| tasks | push s | pull s | push tasks/s | pull tasks/s |",
        "|---|---|---|---|---|",
    ]
    for r in part["rows"]:
        lines.append(
            f"| {r['tasks']} | {_s(r['push_s'])} | {_s(r['pull_s'])} "
            f"| {r['push_tasks_per_s']:.1f} | {r['pull_tasks_per_s']:.1f} |"
        )
    return lines


def baselines(part: dict[str, Any]) -> list[str]:
    lines = [
        f"Device: {part['device']}; {part['source']}. predict s covers predicting and scoring "
        "validation and test.",
        "",
        "| system | task | fit s | predict s | cross-validation s (folds) |",
        "|---|---|---|---|---|",
    ]
    for r in part["rows"]:
        cv = f"{r['cv_s']:.0f} ({r['cv_folds']})" if r.get("cv_s") is not None else "–"
        lines.append(
            f"| {r['system']} | {r['task']} | {r['fit_s']:.1f} | {r['predict_s']:.2f} | {cv} |"
        )
    total = part.get("total_s")
    if total is not None:
        lines += ["", f"Whole run (standard and cross-validation, every system): {total:.0f} s."]
    return lines


def cli(part: dict[str, Any]) -> list[str]:
    lines = [
        "Fresh processes, alternating with the `python -c pass` anchor; ratios to it. "
        "CPU s is user + system time, which a busy machine disturbs least.",
        "",
        "| command | wall s | CPU s | peak RSS MiB | wall ratio | CPU ratio | RSS ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in part["rows"]:
        lines.append(
            f"| `{r['command']}` | {_s(r['wall_s'])} | {_s(r['cpu_s'])} "
            f"| {r['peak_rss_mib']['median']:.0f} | {r['wall_ratio']:.1f}x "
            f"| {r['cpu_ratio']:.1f}x | {r['peak_rss_ratio']:.1f}x |"
        )
    heavy = ", ".join(part["heavy_imported_by_help"]) or "none"
    return [*lines, "", f"Heavy libraries imported by `--help`: {heavy}."]


RENDERERS = {
    "scoring": scoring,
    "build": build,
    "load": load,
    "labelstudio": labelstudio,
    "baselines": baselines,
    "cli": cli,
    "tag": tag_part.markdown_lines,
    "report": claims_report.markdown_lines,
}


def markdown(results: dict[str, Any], machine: str) -> str:
    out = ["# Benchmark results", "", f"Machine: {machine}. Medians over repeats (min-max, n).", ""]
    for part, data in results.items():
        out += [f"## {part}", "", *RENDERERS[part](data), ""]
        if "goal" in data:
            out += [f"Goal: {data['goal']}.", ""]
    return "\n".join(out)
