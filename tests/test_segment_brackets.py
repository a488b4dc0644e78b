"""Sentence boundaries never split a bracket from what it encloses (issue 12, item 13)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from nkworkers.loaders.text.segment import Sentence, segment

OPENING, CLOSING = "([{", ")]}"


def _texts(text: str, sentences: list[Sentence]) -> list[str]:
    return [text[s.start : s.end] for s in sentences]


def test_caption_credit_in_parentheses_stays_one_sentence(corpus: Path) -> None:
    """Article 000's caption ended a sentence on "(" before "Rodong Sinmun-News1)"."""
    text = next((corpus / "raw").glob("000_*.txt")).read_text(encoding="utf-8")
    sentences = _texts(text, segment(text))
    credit = [s for s in sentences if "Rodong Sinmun-News1" in s]
    assert credit, "the caption credit is no longer in article 000"
    assert all(s.startswith("(") for s in credit)
    assert not any(s.endswith("(") for s in sentences)
    assert not any(s.startswith(")") for s in sentences)


def test_sentence_never_ends_on_opening_nor_starts_on_closing_bracket() -> None:
    text = "He left. (Photo: News1) She stayed. [Updated] Done! {x}"
    sentences = _texts(text, segment(text))
    assert sentences == ["He left.", "(Photo: News1) She stayed.", "[Updated] Done!", "{x}"]


def test_closing_bracket_after_full_stop_stays_with_its_sentence() -> None:
    text = "It rained (again.) Then it stopped."
    assert _texts(text, segment(text)) == ["It rained (again.)", "Then it stopped."]


@given(st.text(alphabet=st.sampled_from(list("ab .!?()[]{}\n")), max_size=120))
def test_no_boundary_inside_a_line_touches_a_bracket(text: str) -> None:
    sentences = segment(text)
    covered = {i for s in sentences for t in s.tokens for i in range(t.start, t.end)}
    assert covered == {i for i, ch in enumerate(text) if not ch.isspace()}
    for before, after in pairwise(sentences):
        if "\n" in text[before.end : after.start]:
            continue  # lines never share a sentence; a line may end on "("
        assert not set(before.tokens[-1].text) <= set(OPENING), text
        assert not set(after.tokens[0].text) <= set(CLOSING), text
