"""Claims: who reports which control measure. One rule, for the gold and for any prediction.

A claim is one (control span, category) together with the attribution record
that carries it, or the outlet's own voice when none does. The rule
(annotations/GUIDELINES.md, "Claims"):

1. A record *carries* a control span when its CONTENT spans cover at least
   half of the control span's characters (containing it is the usual case).
   The characters of all of a record's CONTENT pieces count together.
2. When several records carry it, the innermost wins: the one whose CONTENT
   is shortest in characters (an inner record's content lies inside its outer
   record's), then the earlier record.
3. The chain of a claim is the records around the carrier, nearest first: the
   record that carries the carrier's CUE (its SOURCE when it has no cue) by the
   same rule, then the one that carries that record's cue, and so on. On the
   gold this chain is exactly the annotated ``parent`` links (13 nested
   records; tests/test_claims.py), so predictions, which have no ``parent``,
   are read by the same rule as the gold.
4. The voice: ``source`` when the carrier has a SOURCE span, ``unnamed_source``
   when it has none ("reportedly"), ``reporter`` when no record carries the span.

On the gold (81 control spans, 94 labels): 94 claims, 57 in a source's voice,
11 in an unnamed source's and 26 in the reporter's; 51 control spans are
carried by a record with a SOURCE span, 35 of those sources anonymous (38 with
an anonymous source anywhere in the chain). Issue 21 counted 37, reading a
containing record first; the guidelines say why the half rule comes first.

:func:`derive_claims` takes any row that holds the layers with character
offsets: an annotation file, a ``documents`` config row, a predictions row
(``predict``, ``tag``, ``evaluate``'s input). Offsets are half-open character
offsets into the article text; with ``text`` given, every span also carries
its text and the claim its sentence (as loaders.text.segment cuts it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nkworkers.loaders.labels import (
    ControlCategory,
    QuoteType,
    Role,
    SourceAnonymity,
    SourceKind,
    Voice,
    indicators_of,
)
from nkworkers.loaders.model import Offset


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class TextSpan(_Frozen):
    """A piece of the article: half-open character offsets, and its text when known."""

    start: Offset
    end: Offset = Field(description="exclusive end")
    text: str | None = None


class Speaker(_Frozen):
    """One attribution record as a claim cites it."""

    record_id: str = Field(description="the record's id; '<doc_id>-R<i>' for unnamed ones")
    source: TextSpan | None = Field(description="the SOURCE span; null for agentless records")
    cue: TextSpan | None
    source_kind: SourceKind | None = None
    source_anonymity: SourceAnonymity | None = None
    quote_type: QuoteType | None = None


class Claim(_Frozen):
    """One (control span, category) and whose voice it stands in."""

    doc_id: str
    control_id: str | None = Field(default=None, description="the control span's id, if any")
    start: Offset
    end: Offset = Field(description="exclusive end of the control span")
    text: str | None = None
    category: ControlCategory
    voice: Voice
    record: Speaker | None = Field(description="the carrying record; null in the reporter's voice")
    chain: list[Speaker] = Field(default=[], description="outer records, nearest first")
    sentence: TextSpan | None = Field(
        default=None, description="the sentence the control span starts in"
    )

    @property
    def ilo_indicators(self) -> list[str]:
        return indicators_of([self.category])

    @model_validator(mode="after")
    def _voice_fits_record(self) -> Claim:
        """Rule 4 read back: a claim read from a file must say the voice its record gives."""
        if self.end <= self.start:
            raise ValueError(f"empty or reversed span: start={self.start}, end={self.end}")
        if self.record is None:
            expected = Voice.REPORTER
        else:
            expected = Voice.SOURCE if self.record.source is not None else Voice.UNNAMED_SOURCE
        if self.voice is not expected:
            raise ValueError(
                f"voice {self.voice.value!r} does not fit its record (expected "
                f"{expected.value!r}: reporter without a record, unnamed_source with a "
                "record without a source span, source with one)"
            )
        return self


@dataclass(frozen=True)
class _Record:
    """One attribution record as offsets; ``content`` sorted by start."""

    index: int
    id: str
    source: tuple[int, int] | None
    cue: tuple[int, int] | None
    content: tuple[tuple[int, int], ...]
    attributes: Mapping[str, Any]

    @property
    def content_chars(self) -> int:
        return sum(end - start for start, end in self.content)

    def covered(self, start: int, end: int) -> int:
        """Characters of [start, end) inside this record's CONTENT spans."""
        if not self.content or end <= self.content[0][0] or self.content_end <= start:
            return 0  # most records are elsewhere in the article: skip the sum
        return sum(max(0, min(end, e) - max(start, s)) for s, e in self.content)

    @cached_property
    def content_end(self) -> int:
        return max((e for _, e in self.content), default=0)


def carries(record_cover: int, start: int, end: int) -> bool:
    """Rule 1: CONTENT covers at least half of the span's characters (and at least one)."""
    return record_cover > 0 and 2 * record_cover >= end - start


def _field(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)


def _value(item: Any, key: str) -> Any:
    found = _field(item, key)
    return getattr(found, "value", found)


def _records(row: Mapping[str, Any] | Any) -> list[_Record]:
    doc_id = str(_field(row, "doc_id"))
    spans = {
        _field(s, "id"): (_field(s, "start"), _field(s, "end"), _value(s, "role"))
        for s in _field(row, "attribution_spans") or []
    }

    def offsets(span_id: Any, role: Role) -> tuple[int, int] | None:
        found = spans.get(span_id)
        return (found[0], found[1]) if found and found[2] == role.value else None

    records = []
    for i, rec in enumerate(_field(row, "attributions") or []):
        content = tuple(
            o for span_id in _field(rec, "content") or [] if (o := offsets(span_id, Role.CONTENT))
        )
        records.append(
            _Record(
                index=i,
                id=_field(rec, "id") or f"{doc_id}-R{i + 1}",
                source=offsets(_field(rec, "source"), Role.SOURCE),
                cue=offsets(_field(rec, "cue"), Role.CUE),
                content=tuple(sorted(content)),
                attributes={
                    k: _value(rec, k) for k in ("source_kind", "source_anonymity", "quote_type")
                },
            )
        )
    return records


def carrier(records: Sequence[_Record], start: int, end: int, *, skip: int = -1) -> _Record | None:
    """Rule 2: the innermost record carrying [start, end), or None (``skip``: a record index)."""
    found = [r for r in records if r.index != skip and carries(r.covered(start, end), start, end)]
    return min(found, key=lambda r: (r.content_chars, r.index), default=None)


def chain_of(records: Sequence[_Record], record: _Record) -> list[_Record]:
    """Rule 3: the records around ``record``, nearest first (cycles in a prediction stop it)."""
    chain: list[_Record] = []
    seen = {record.index}
    current: _Record | None = record
    while current is not None:
        anchor = current.cue or current.source
        outer = carrier(records, *anchor, skip=current.index) if anchor else None
        if outer is None or outer.index in seen:
            break
        chain.append(outer)
        seen.add(outer.index)
        current = outer
    return chain


def _piece(offsets: tuple[int, int] | None, text: str | None) -> TextSpan | None:
    if offsets is None:
        return None
    start, end = offsets
    return TextSpan(start=start, end=end, text=text[start:end] if text is not None else None)


def _speaker(record: _Record, text: str | None) -> Speaker:
    return Speaker(
        record_id=record.id,
        source=_piece(record.source, text),
        cue=_piece(record.cue, text),
        **{k: v for k, v in record.attributes.items() if v is not None},
    )


def _sentences(text: str) -> list[tuple[int, int]]:
    from nkworkers.loaders.text.segment import segment

    return [(s.start, s.end) for s in segment(text)]


def _sentence_of(sentences: Sequence[tuple[int, int]], start: int) -> tuple[int, int] | None:
    return next(((s, e) for s, e in sentences if s <= start < e), None)


def derive_claims(
    row: Mapping[str, Any] | Any,
    *,
    text: str | None = None,
    sentences: Sequence[tuple[int, int]] | None = None,
) -> list[Claim]:
    """The claims of one row, in control-span order, then category order.

    ``row`` holds ``doc_id``, ``control_measures`` [{start, end, labels, id?}],
    ``attribution_spans`` [{id, start, end, role}] and ``attributions``
    [{source, cue, content, source_kind?, source_anonymity?, quote_type?,
    id?}] as dicts or as the models of loaders.model / loaders.predictions; a
    row without attributions gives claims in the reporter's voice, one
    without control measures none. Ids that do not resolve are ignored (the
    predictions reader refuses them first). ``text``: the article, to give
    every span its text and each claim its sentence. ``sentences``: the
    article's sentences as (start, end), when the caller has cut them already
    (the build does); by default loaders.text.segment cuts ``text``.
    """
    records = _records(row)
    if sentences is None:
        sentences = _sentences(text) if text is not None else []
    claims = []
    for measure in _field(row, "control_measures") or []:
        start, end = _field(measure, "start"), _field(measure, "end")
        carried = carrier(records, start, end)
        if carried is None:
            voice, speaker, chain = Voice.REPORTER, None, []
        else:
            voice = Voice.SOURCE if carried.source else Voice.UNNAMED_SOURCE
            speaker = _speaker(carried, text)
            chain = [_speaker(r, text) for r in chain_of(records, carried)]
        sentence = _sentence_of(sentences, start)
        for category in _categories(_field(measure, "labels") or []):
            claims.append(
                Claim(
                    doc_id=str(_field(row, "doc_id")),
                    control_id=_field(measure, "id"),
                    start=start,
                    end=end,
                    text=text[start:end] if text is not None else None,
                    category=category,
                    voice=voice,
                    record=speaker,
                    chain=chain,
                    sentence=_piece(sentence, text),
                )
            )
    return claims


def _categories(labels: Iterable[Any]) -> list[ControlCategory]:
    """The span's categories in ControlCategory order, each once."""
    named = {ControlCategory(getattr(label, "value", label)) for label in labels}
    return [c for c in ControlCategory if c in named]
