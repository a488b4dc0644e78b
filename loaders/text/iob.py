"""IOB2 tags from character spans, and back.

Policy for spans that do not fall on token boundaries: a token belongs to a
span when their character ranges overlap, so a span that starts or ends inside
a token takes the whole token (the tag sequence widens it to token edges).
The first such token gets ``B-``, the rest ``I-``. A token already claimed by
an earlier span stays with it: one tag sequence cannot hold a span nested in
another (an inner quote inside an outer record's content), so the outer span
wins and the inner one is reported as ``nested``; any other span left with no
token of its own is reported as ``lost``. Nothing is dropped silently:
``TagReport`` counts misaligned, nested and lost spans, ``nkworkers stats``
prints them, and the span lists of the sentence configs keep every span.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from nkworkers.loaders.text.segment import Token


@dataclass(frozen=True, slots=True)
class LabeledSpan:
    start: int
    end: int  # exclusive
    label: str


@dataclass
class TagReport:
    tagged: int = 0
    misaligned: list[LabeledSpan] = field(default_factory=list)
    nested: list[LabeledSpan] = field(default_factory=list)
    lost: list[LabeledSpan] = field(default_factory=list)


def token_range(tokens: Sequence[Token], start: int, end: int) -> tuple[int, int] | None:
    """Half-open token indices (token_start, token_end) of tokens overlapping [start, end)."""
    first = bisect_right(tokens, start, key=_end)  # first token ending after start
    stop = bisect_left(tokens, end, key=_start)  # tokens starting before end
    return (first, stop) if first < stop else None


def _start(token: Token) -> int:
    return token.start


def _end(token: Token) -> int:
    return token.end


def is_aligned(tokens: Sequence[Token], span: LabeledSpan) -> bool:
    rng = token_range(tokens, span.start, span.end)
    return rng is not None and (
        tokens[rng[0]].start == span.start and tokens[rng[1] - 1].end == span.end
    )


def spans_to_tags(
    tokens: Sequence[Token], spans: Sequence[LabeledSpan], report: TagReport | None = None
) -> list[str]:
    tags = ["O"] * len(tokens)
    placed: list[LabeledSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        rng = token_range(tokens, span.start, span.end)
        free = [i for i in range(*rng) if tags[i] == "O"] if rng else []
        if not free:
            if report is not None:
                inside = any(p.start <= span.start and span.end <= p.end for p in placed)
                (report.nested if inside else report.lost).append(span)
            continue
        placed.append(span)
        if report is not None:
            report.tagged += 1
            if not is_aligned(tokens, span):
                report.misaligned.append(span)
        first, *rest = free
        tags[first] = f"B-{span.label}"
        for i in rest:
            tags[i] = f"I-{span.label}"
    return tags


def tags_to_token_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(token_start, token_end, label) chunks; an I- that does not continue a chunk opens one."""
    chunks: list[tuple[int, int, str]] = []
    current: tuple[int, str] | None = None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, label = tag.partition("-")
        continues = prefix == "I" and current is not None and current[1] == label
        if current is not None and not continues:
            chunks.append((current[0], i, current[1]))
            current = None
        if prefix == "B" or (prefix == "I" and not continues):
            current = (i, label)
    return chunks


def tags_to_spans(tokens: Sequence[Token], tags: Sequence[str]) -> list[LabeledSpan]:
    return [
        LabeledSpan(tokens[a].start, tokens[b - 1].end, label)
        for a, b, label in tags_to_token_spans(tags)
    ]
