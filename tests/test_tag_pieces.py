"""Articles longer than spaCy's max_length: tagged in pieces, rows around them kept
(issue 19, inputs: one article over 1,000,000 characters ended `tag` with [E088]).

The oracles: spaCy itself (the long article really raises E088 when given whole),
the same systems run over each piece as an article of its own (the merged row is
their rows shifted back), and the corpus's reader of predictions files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nkworkers.baselines.tagging import pieces as pieces_module
from nkworkers.baselines.tagging.input import Article
from nkworkers.baselines.tagging.local import load_systems, run_local, tag_articles
from nkworkers.baselines.tagging.pieces import MAX_CHARS, cut_points
from nkworkers.loaders.predictions import read_predictions
from tests.tag_models import trained

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw").glob("*.txt"))]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return trained(tmp_path_factory, ("control-lexicon", "entities-crf", "attribution-rules"))


def shifted(row: dict[str, Any], offset: int) -> dict[str, Any]:
    """A piece's row with every start/end moved by offset (the oracle's own shift)."""
    out: dict[str, Any] = {}
    for layer, items in row.items():
        if layer == "doc_id":
            continue
        out[layer] = [
            {**i, "start": i["start"] + offset, "end": i["end"] + offset} if "start" in i else i
            for i in items
        ]
    return out


def test_an_article_over_spacys_max_length_is_tagged_and_the_rows_around_it_kept(
    models: dict[str, Path], tmp_path: Path
) -> None:
    line = " ".join(t.replace("\n", " ") for t in TEXTS)
    long_text = " ".join([line] * (MAX_CHARS // len(line) + 2))  # one line, no paragraph
    assert len(long_text) > MAX_CHARS and "\n" not in long_text
    [system] = load_systems([models["control-lexicon"]])
    with pytest.raises(ValueError, match=r"\[E088\]"):  # what `tag` met before
        system.predict([{"doc_id": "long", "text": long_text}])
    source = tmp_path / "in.jsonl"
    rows = [{"doc_id": "before", "text": TEXTS[0]}, {"doc_id": "long", "text": long_text},
            {"doc_id": "after", "text": TEXTS[1]}]  # fmt: skip
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    summary = run_local(models=[models["control-lexicon"]], input_path=source, out=out,
                        show_progress=False)  # fmt: skip
    assert (summary.rows, summary.rejected) == (3, 0)
    tagged = {r["doc_id"]: r for r in map(json.loads, out.read_text().splitlines())}
    starts = cut_points(long_text)
    assert len(starts) == 2 and long_text[starts[1] - 1] == " "  # cut after a space
    expected: list[Any] = []
    for start, end in zip(starts, [*starts[1:], len(long_text)], strict=True):
        [piece] = tag_articles([system], [Article(f"long#{start}", long_text[start:end])])
        expected += shifted(piece, start)["control_measures"]
    assert tagged["long"]["control_measures"] == expected
    short = tag_articles([system], [Article("before", TEXTS[0]), Article("after", TEXTS[1])])
    assert [tagged["before"], tagged["after"]] == short  # unchanged by their neighbour


def test_pieces_put_back_together_shift_offsets_and_keep_span_ids_unique(
    models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    systems = load_systems(list(models.values()))
    text = "\n\n".join(TEXTS[:3])
    limit = max(map(len, TEXTS[:3])) + 10
    monkeypatch.setattr(pieces_module, "MAX_CHARS", limit)
    [row] = tag_articles(systems, [Article("a", text)])
    monkeypatch.setattr(pieces_module, "MAX_CHARS", MAX_CHARS)
    starts = cut_points(text, limit)
    assert len(starts) >= 3 and all(text[s - 2 : s] == "\n\n" for s in starts[1:])
    ends = [*starts[1:], len(text)]
    alone = tag_articles(
        systems, [Article(f"a#{s}", text[s:e]) for s, e in zip(starts, ends, strict=True)]
    )
    for layer in ("entities", "control_measures", "attribution_spans", "attributions"):
        expected = [i for s, r in zip(starts, alone, strict=True) for i in shifted(r, s)[layer]]
        assert row[layer] == expected, layer
    ids = [s["id"] for s in row["attribution_spans"]]
    assert len(ids) == len(set(ids)) and any(i.startswith(f"a#{starts[1]}-") for i in ids)
    for span in row["entities"] + row["attribution_spans"]:
        assert text[span["start"] : span["end"]].strip()
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert [r.problem for r in read_predictions(path)] == [None]


@given(
    st.text(alphabet="ab \n\t", max_size=300),
    st.integers(min_value=1, max_value=40),
)
def test_cut_points_cover_the_text_in_pieces_within_the_limit(text: str, limit: int) -> None:
    starts = cut_points(text, limit)
    ends = [*starts[1:], len(text)]
    assert starts[0] == 0 and all(a < b for a, b in zip(starts[1:], ends[1:], strict=True))
    assert all(b - a <= limit for a, b in zip(starts, ends, strict=True))
    for cut in starts[1:]:
        window = text[max(cut - limit, 0) : cut]
        # a hard cut only where the window held no break at all
        assert text[cut - 1] in " \n\t" or not any(c in window[1:] for c in " \n\t")
