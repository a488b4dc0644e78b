"""An article's text as brat reads it, and the offset map between brat's text and ours.

brat's server (``annotation.open_textfile``) reads files in universal-newline
mode: in the ``.txt``, "\\r\\n" and a lone "\\r" both become "\\n", and every
other character is kept. It reads the ``.ann`` file line by line, and, as
ported to Python 3 (``codecs`` ``readlines``), a line ends at *every*
character ``str.splitlines`` treats as a line end: the :data:`LINE_ENDS`
below, U+2028, U+0085, "\\x0b", "\\x0c", "\\x1c"-"\\x1e" included.

So the brat export is exact under every reading:

- the ``.txt`` holds :attr:`BratText.text`: our text with "\\r\\n" and "\\r"
  turned into "\\n" (what brat reads from it in any mode);
- offsets in the ``.ann`` are offsets into that text (:meth:`BratText.to_brat`;
  an offset moves back by one for each "\\r\\n" before it);
- a span is written as fragments that never contain a line end
  (:func:`fragments`), so the text copied into a ``T`` line is one line.

Reading maps brat's offsets back (:meth:`BratText.from_brat`). All offsets are
half-open character offsets, end exclusive.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

# Every character str.splitlines() ends a line at ("\r\n" is "\r" then "\n").
LINE_ENDS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
DISCONT_SEP = " "  # brat joins the texts of a span's fragments with one space


class OffsetError(ValueError):
    """An offset brat cannot represent (between the "\\r" and "\\n" of a CRLF)."""


@dataclass(frozen=True)
class BratText:
    """``text``: what brat reads; ``dropped``: our offsets of the "\\r" of each "\\r\\n"."""

    text: str
    dropped: tuple[int, ...]
    kept: tuple[int, ...]  # brat offset of the "\n" kept of each "\r\n"

    @classmethod
    def of(cls, ours: str) -> BratText:
        """brat's reading of ``ours`` (an article text as stored in raw/)."""
        dropped = []
        i = ours.find("\r\n")
        while i != -1:
            dropped.append(i)
            i = ours.find("\r\n", i + 2)
        text = ours.replace("\r\n", "\n").replace("\r", "\n")
        # pair k lost k characters before it
        return cls(text, tuple(dropped), tuple(j - k for k, j in enumerate(dropped)))

    def to_brat(self, offset: int) -> int:
        """Our offset -> brat's. Raises OffsetError inside a "\\r\\n" pair."""
        before = bisect_left(self.dropped, offset)  # "\r" removed before this offset
        if before and self.dropped[before - 1] == offset - 1:
            raise OffsetError(f"offset {offset} falls between the \\r and \\n of a CRLF")
        return offset - before

    def from_brat(self, offset: int) -> int:
        """brat's offset -> ours (the inverse of :meth:`to_brat` on its range)."""
        return offset + bisect_left(self.kept, offset)


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The maximal runs of ``text[start:end]`` holding no line end, as (start, end) pairs.

    A span of one line is one fragment; a span crossing line ends (blank lines
    too) becomes one fragment per non-empty piece.
    """
    out: list[tuple[int, int]] = []
    run = None
    for i in range(start, end):
        if text[i] in LINE_ENDS:
            if run is not None:
                out.append((run, i))
                run = None
        elif run is None:
            run = i
    if run is not None:
        out.append((run, end))
    return out


def fragment_text(text: str, frags: list[tuple[int, int]]) -> str:
    """The text brat expects in a ``T`` line for these fragments."""
    return DISCONT_SEP.join(text[a:b] for a, b in frags)


def read_txt(data: bytes) -> str:
    """A ``.txt`` file's text exactly as brat reads it (UTF-8, universal newlines)."""
    return BratText.of(data.decode("utf-8")).text
