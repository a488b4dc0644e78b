"""The viewer's highlighting, now a sweep, draws exactly what its definition says.

Found by attacking ``render`` with a long annotated article (issue 10): the
highlighter rescanned every annotation for every text segment, quadratic in
the annotations (8,000 entities took 3 s, 32,000 would take about a minute;
the sweep takes 0.2 s). The definition it must keep: each segment between two
annotation boundaries is wrapped in every annotation covering it, outermost
first, in (start, -end, layer, id) order.
"""

from __future__ import annotations

from html import escape
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from nkworkers.loaders.render.page import LAYERS, Mark, _open_tag, highlight


def _by_definition(text: str, items: list[Mark]) -> str:
    """The highlighter as first written: every mark tested for every segment."""
    bounds = sorted({0, len(text), *(m.start for m in items), *(m.end for m in items)})
    order = sorted(items, key=lambda m: (m.start, -m.end, LAYERS.index(m.layer), m.id))
    out: list[str] = []
    stack: list[Mark] = []
    opened: set[str] = set()
    for a, b in pairwise(bounds):
        active = [m for m in order if m.start <= a and b <= m.end]
        keep = 0
        while keep < len(stack) and keep < len(active) and stack[keep] is active[keep]:
            keep += 1
        out += ["</span>"] * (len(stack) - keep)
        stack = stack[:keep]
        for m in active[keep:]:
            out.append(_open_tag(m, m.id not in opened))
            opened.add(m.id)
            stack.append(m)
        out.append(escape(text[a:b]))
    out += ["</span>"] * len(stack)
    return "".join(out)


@st.composite
def texts_and_marks(draw: st.DrawFn) -> tuple[str, list[Mark]]:
    text = draw(st.text(alphabet="ab <&\n", min_size=1, max_size=40))
    marks = []
    for i in range(draw(st.integers(0, 12))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))  # empty marks too: never drawn
        layer = draw(st.sampled_from(LAYERS))
        marks.append(Mark(f"M{i}", layer, start, end, "L", "t", "c"))
    return text, marks


@settings(max_examples=300, deadline=None)
@given(texts_and_marks())
def test_highlight_sweep_draws_what_the_per_segment_definition_draws(
    case: tuple[str, list[Mark]],
) -> None:
    text, marks = case
    assert highlight(text, marks) == _by_definition(text, marks)


def test_highlight_of_many_adjacent_entities_keeps_each_one() -> None:
    text = "".join(f"Kim{i} went. " for i in range(3000))
    marks, pos = [], 0
    for i in range(3000):
        start = text.index(f"Kim{i}", pos)
        pos = start + len(f"Kim{i}")
        marks.append(Mark(f"E{i}", "entities", start, pos, "PERSON", "t", "ent"))
    html = highlight(text, marks)
    assert html.count("data-ann-first") == 3000
    assert html == _by_definition(text, marks)
