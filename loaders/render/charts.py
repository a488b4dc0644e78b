"""Label-distribution charts of the index page: matplotlib PNGs (Agg), as bytes."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SPLIT_COLOURS = {"train": "#4c72b0", "validation": "#dd8452", "test": "#55a868"}


LEGEND_COLUMNS = 3


def bar_chart(title: str, labels: Sequence[str], per_split: Mapping[str, Sequence[int]]) -> bytes:
    """Horizontal bars stacked by split (any series: the keys of ``per_split``); PNG bytes
    without a timestamp. The title and the legend (for more than one series) sit above the
    axes, the legend in rows of three under the title, so neither hides a bar or the other."""
    legend_rows = -(-len(per_split) // LEGEND_COLUMNS) if len(per_split) > 1 else 0
    top = 0.3 + 0.2 * legend_rows  # inches above the axes
    height = max(2.2, 0.32 * len(labels) + 0.55) + top
    fig, ax = plt.subplots(figsize=(7.5, height), dpi=100)
    left = [0] * len(labels)
    for split, counts in per_split.items():
        ax.barh(labels, counts, left=left, label=split, color=SPLIT_COLOURS.get(split))
        left = [a + b for a, b in zip(left, counts, strict=True)]
    for y, total in enumerate(left):
        ax.text(total, y, f" {total}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max([*left, 1]) * 1.15)
    ax.set_xlabel("count")
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, x=0.02, y=1 - 0.08 / height, ha="left", va="top", fontsize=11)
    if legend_rows:
        fig.legend(*ax.get_legend_handles_labels(), loc="upper left",
                   bbox_to_anchor=(0.01, 1 - 0.38 / height), ncol=LEGEND_COLUMNS, fontsize=8,
                   frameon=False)  # fmt: skip
    fig.tight_layout(rect=(0, 0, 1, 1 - top / height))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def charts(stats: Mapping[str, Any]) -> dict[str, tuple[str, bytes]]:
    """file name -> (title, PNG) for each layer's label distribution."""
    counts: Mapping[str, Mapping[str, int]] = stats["counts"]
    splits = list(stats["splits"])
    groups = {
        "entities.png": ("Entity labels", "entities/"),
        "attribution_spans.png": ("Attribution span roles", "attribution_spans/"),
        "source_kinds.png": ("Attribution records by source kind", "attributions/"),
        "control_measures.png": ("Control-measure categories (spans)", "control_measures/"),
    }
    out = {}
    for name, (title, prefix) in groups.items():
        keys = [
            k
            for k in counts
            if k.startswith(prefix) and k not in {"attributions/nested", "control_measures/spans"}
        ]
        labels = [k[len(prefix) :] for k in keys]
        per_split = {s: [counts[k][s] for k in keys] for s in splits}
        out[name] = (title, bar_chart(title, labels, per_split))
    return out
