"""Find annotation offsets in code, never by hand.

Annotators name a span by its text (and, where it repeats, by which
occurrence or by an anchor it follows); these functions turn that into
half-open offsets and check ``text[start:end]`` against it.
"""

from __future__ import annotations


class LocateError(ValueError):
    pass


def occurrences(text: str, needle: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of needle."""
    found, i = [], text.find(needle)
    while i != -1:
        found.append(i)
        i = text.find(needle, i + 1)
    return found


def find(
    text: str,
    needle: str,
    *,
    nth: int | None = None,
    after: int = 0,
    before: int | None = None,
) -> tuple[int, int]:
    """Offsets of ``needle`` in ``text[after:before]``.

    Without ``nth`` the needle must occur exactly once in that window, so an
    ambiguous name fails loudly instead of picking the wrong mention.
    ``nth`` counts from 1 within the window.
    """
    if not needle or needle != needle.strip():
        raise LocateError(f"span text {needle!r} is empty or has whitespace at an edge")
    stop = len(text) if before is None else before
    hits = [i for i in occurrences(text, needle) if i >= after and i + len(needle) <= stop]
    if not hits:
        raise LocateError(f"{needle!r} not found in text[{after}:{stop}]")
    if nth is None:
        if len(hits) > 1:
            raise LocateError(
                f"{needle!r} occurs {len(hits)} times in text[{after}:{stop}] "
                f"(at {hits}); pass nth= or narrow the window"
            )
        nth = 1
    if not 1 <= nth <= len(hits):
        raise LocateError(f"{needle!r}: asked for occurrence {nth}, found {len(hits)}")
    start = hits[nth - 1]
    end = start + len(needle)
    assert text[start:end] == needle
    return start, end


def find_all(text: str, needle: str) -> list[tuple[int, int]]:
    """Every occurrence, for labels that apply to each mention (entities)."""
    return [(i, i + len(needle)) for i in occurrences(text, needle)]
