"""Articles longer than spaCy's ``max_length``, tagged in pieces and put back together.

spaCy refuses a text longer than ``nlp.max_length`` (1,000,000 characters by
default) with ``[E088]``, and its advice is to split the text rather than
raise the limit (the parser and NER need memory in proportion to the text;
spaCy #2817). One such article used to end the whole run. Here an article
over :data:`MAX_CHARS` is cut into pieces of at most that many characters,
each cut after the last paragraph break (``"\\n\\n"``) before the limit, else
the last line end, else the last space or tab, else at the limit itself. Every
system tags the pieces as if they were articles; :func:`merge` shifts the
pieces' offsets back into the article and renames span ids that two pieces
share, so the row is one ordinary predictions row. An article within the
limit is one piece with offset 0 and keeps its row exactly as an unsplit run
gives it.

Splitting rather than rejecting: an over-long row of an archive is almost
always several articles run together (a feed dumped into one field), which
are worth tagging; a piece boundary on a paragraph break loses at most an
attribution that spans the break, which no sentence-level system finds anyway.
"""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]
#: spaCy's default ``Language.max_length``: the longest text one call takes.
MAX_CHARS = 1_000_000
_BREAKS = ("\n\n", "\n", " ", "\t")


def cut_points(text: str, limit: int | None = None) -> list[int]:
    """Start offsets of the pieces of ``text`` (``[0]`` when it fits), each at most ``limit``
    characters (default :data:`MAX_CHARS`)."""
    limit = limit or MAX_CHARS
    starts, position = [0], 0
    while len(text) - position > limit:
        window = position + limit
        cut = window
        for mark in _BREAKS:
            found = text.rfind(mark, position + 1, window)
            if found > position:
                cut = found + len(mark)
                break
        starts.append(cut)
        position = cut
    return starts


def pieces(doc_id: str, text: str, limit: int | None = None) -> list[tuple[int, Row]]:
    """(offset, bare document) for each non-blank piece; the article itself when it fits.

    Pieces are named ``<doc_id>#<offset>`` so that no two documents of one
    batch share a doc_id (systems name span ids after it).
    """
    starts = cut_points(text, limit)
    if len(starts) == 1:
        return [(0, {"doc_id": doc_id, "text": text})]
    ends = [*starts[1:], len(text)]
    return [
        (start, {"doc_id": f"{doc_id}#{start}", "text": text[start:end]})
        for start, end in zip(starts, ends, strict=True)
        if text[start:end].strip()
    ]


def merge(doc_id: str, tagged: list[tuple[int, Row]]) -> Row:
    """One predictions row from the rows of an article's pieces (offset, row), in order."""
    if len(tagged) == 1 and tagged[0][0] == 0:
        return {**tagged[0][1], "doc_id": doc_id}
    row: Row = {"doc_id": doc_id}
    used: set[str] = set()
    for offset, part in tagged:
        renamed = _rename_ids(part.get("attribution_spans", []), used)
        for key, value in part.items():
            if key == "doc_id":
                continue
            if not isinstance(value, list):
                row.setdefault(key, value)
                continue
            items = row.setdefault(key, [])
            items.extend(_moved(item, offset, renamed) for item in value)
    return row


def _rename_ids(spans: list[Row], used: set[str]) -> dict[str, str]:
    renamed = {}
    for span in spans:
        new = old = span["id"]
        while new in used:
            new += "'"
        used.add(new)
        renamed[old] = new
    return renamed


def _moved(item: Any, offset: int, renamed: dict[str, str]) -> Any:
    """An item of a layer with its offsets shifted and its span ids renamed."""
    if not isinstance(item, dict):
        return item
    moved = dict(item)
    if isinstance(item.get("start"), int) and isinstance(item.get("end"), int):
        moved["start"], moved["end"] = item["start"] + offset, item["end"] + offset
    if "id" in item and "role" in item:  # an attribution span
        moved["id"] = renamed.get(item["id"], item["id"])
    for ref in ("source", "cue"):  # an attribution record
        if isinstance(item.get(ref), str) and "role" not in item:
            moved[ref] = renamed.get(item[ref], item[ref])
    if isinstance(item.get("content"), list):
        moved["content"] = [renamed.get(c, c) for c in item["content"]]
    return moved
