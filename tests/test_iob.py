"""IOB2 from character spans and back: property tests and the stated policy."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from nkworkers.loaders.labels import EntityType, names
from nkworkers.loaders.text.iob import LabeledSpan, TagReport, spans_to_tags, tags_to_spans
from nkworkers.loaders.text.segment import Token, segment

LABELS = names(EntityType)


def make_tokens(words: list[str]) -> list[Token]:
    tokens, pos = [], 0
    for word in words:
        tokens.append(Token(pos, pos + len(word), word))
        pos += len(word) + 1
    return tokens


@st.composite
def aligned_spans(draw):
    words = draw(st.lists(st.text("abcxyz", min_size=1, max_size=5), min_size=1, max_size=30))
    tokens = make_tokens(words)
    cuts = sorted(draw(st.sets(st.integers(0, len(tokens)), max_size=12)))
    spans = []
    for a, b in itertools.pairwise(cuts):
        if draw(st.booleans()):
            spans.append(
                LabeledSpan(tokens[a].start, tokens[b - 1].end, draw(st.sampled_from(LABELS)))
            )
    return tokens, spans


@given(aligned_spans())
def test_token_aligned_spans_round_trip(case) -> None:
    tokens, spans = case
    report = TagReport()
    tags = spans_to_tags(tokens, spans, report)
    assert tags_to_spans(tokens, tags) == spans
    assert report.tagged == len(spans)
    assert not report.misaligned and not report.lost


def test_span_inside_a_token_widens_to_the_token_and_is_reported() -> None:
    tokens = make_tokens(["RFAs", "Terms"])
    span = LabeledSpan(0, 3, "ORG")
    report = TagReport()
    assert spans_to_tags(tokens, [span], report) == ["B-ORG", "O"]
    assert report.misaligned == [span]


def test_nested_span_is_reported_not_dropped_silently() -> None:
    tokens = make_tokens(["a", "b", "c", "d"])
    outer, inner = LabeledSpan(0, 7, "CONTENT"), LabeledSpan(2, 5, "CONTENT")
    report = TagReport()
    assert spans_to_tags(tokens, [inner, outer], report) == ["B-CONTENT"] + ["I-CONTENT"] * 3
    assert report.nested == [inner]
    assert report.tagged == 1


def test_stray_inside_tag_opens_a_chunk() -> None:
    tokens = make_tokens(["x", "y", "z"])
    assert tags_to_spans(tokens, ["I-GPE", "B-ORG", "I-GPE"]) == [
        LabeledSpan(0, 1, "GPE"),
        LabeledSpan(2, 3, "ORG"),
        LabeledSpan(4, 5, "GPE"),
    ]


@given(st.text(alphabet=st.sampled_from(list("ab .,\n“”’-\xa0")), max_size=120))
def test_segmentation_covers_every_non_space_character(text: str) -> None:
    covered = set()
    for sentence in segment(text):
        for token in sentence.tokens:
            assert text[token.start : token.end] == token.text
            assert token.text.strip() == token.text
            covered.update(range(token.start, token.end))
        assert "\n" not in text[sentence.start : sentence.end]
    assert covered == {i for i, ch in enumerate(text) if not ch.isspace()}
