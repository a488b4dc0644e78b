"""A hand-made tagged file whose report counts are known (tests/test_report*.py).

Six rows, as ``tag`` writes them with carried-through ``outlet`` and
``published`` columns: four carry a ``claims`` list, one only its
attribution and control layers and its text (its claims are derived), one
neither. Every figure the tests expect is counted here by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nkworkers.loaders.claims import Claim, Speaker, TextSpan
from nkworkers.loaders.labels import ControlCategory, SourceAnonymity, SourceKind, Voice

_C = ControlCategory


def _claim(doc_id: str, sentence: str, measure: str, category: ControlCategory, voice: Voice,
           source: str | None = None, cue: str | None = None, kind: SourceKind | None = None,
           anonymity: SourceAnonymity | None = None) -> dict[str, Any]:  # fmt: skip
    """A claim of a one-sentence article (offsets located in the sentence, not typed)."""

    def span(text: str | None) -> TextSpan | None:
        if text is None:
            return None
        start = sentence.index(text)
        return TextSpan(start=start, end=start + len(text), text=text)

    at = span(measure)
    assert at is not None
    record = None
    if voice is not Voice.REPORTER:
        record = Speaker(record_id=f"{doc_id}-R1", source=span(source), cue=span(cue),
                         source_kind=kind, source_anonymity=anonymity)  # fmt: skip
    claim = Claim(
        doc_id=doc_id, control_id=None, start=at.start, end=at.end, text=measure,
        category=category, voice=voice, record=record,
        sentence=TextSpan(start=0, end=len(sentence), text=sentence),
    )  # fmt: skip
    return claim.model_dump(mode="json")


A = "The source said passports were taken and workers beaten."
B = "A Source told RFA that guards watch the dormitory, reportedly with cameras."
C = "The source. said documents are held."
E = "Officials said passports are confiscated."


def _at(text: str, span_id: str, words: str, role: str) -> dict[str, Any]:
    """A span located in the text (never typed by hand)."""
    start = text.index(words)
    return {"id": span_id, "start": start, "end": start + len(words), "role": role}


def rows() -> list[dict[str, Any]]:
    anonymous, named = SourceAnonymity.ANONYMOUS, SourceAnonymity.NAMED
    informant = SourceKind.LOCAL_INFORMANT
    return [
        {"doc_id": "a1", "outlet": "Daily NK", "published": "2023-05-03", "claims": [
            _claim("a1", A, "passports were taken", _C.DOCUMENT_CONFISCATION, Voice.SOURCE,
                   "The source", "said", informant, anonymous),
            _claim("a1", A, "workers beaten", _C.COERCION, Voice.REPORTER),
        ]},
        {"doc_id": "b1", "outlet": "RFA", "published": "2023-05", "claims": [
            _claim("b1", B, "guards watch the dormitory", _C.SURVEILLANCE, Voice.SOURCE,
                   "A Source", "told", SourceKind.REPORTING_PARTNER, anonymous),
            _claim("b1", B, "with cameras", _C.SURVEILLANCE, Voice.UNNAMED_SOURCE,
                   None, "reportedly", SourceKind.OTHER, SourceAnonymity.NOT_APPLICABLE),
        ]},
        {"doc_id": "c1", "published": "2024", "claims": [
            _claim("c1", C, "documents are held", _C.DOCUMENT_CONFISCATION, Voice.SOURCE,
                   "The source.", "said", SourceKind.DPRK_OFFICIAL, named),
        ]},
        {"doc_id": "d1", "outlet": "Daily NK", "published": "yesterday", "claims": []},
        {"doc_id": "e1", "text": E,
         "attribution_spans": [_at(E, "s", "Officials", "SOURCE"), _at(E, "c", "said", "CUE"),
                               _at(E, "t", "passports are confiscated", "CONTENT")],
         "attributions": [{"source": "s", "cue": "c", "content": ["t"],
                           "source_kind": "foreign_official", "source_anonymity": "named"}],
         "control_measures": [{"start": E.index("passports"), "end": len(E) - 1,
                               "labels": ["DOCUMENT_CONFISCATION"]}]},
        {"doc_id": "f1", "outlet": None, "entities": []},
    ]  # fmt: skip


#: What the report must count in rows() (by hand: see each row above).
EXPECTED = {
    "rows": 6, "claims": 6, "listed": 4, "derived": 1, "without": 1,
    "voice": {"source": 4, "unnamed_source": 1, "reporter": 1},
    "category": {"DOCUMENT_CONFISCATION": (3, 3), "COERCION": (1, 1), "SURVEILLANCE": (2, 1)},
    "indicator": {"retention of identity documents": (3, 3), "intimidation and threats": (3, 2),
                  "isolation": (2, 1), "physical and sexual violence": (1, 1)},
    "source_kind": {"local_informant": 1, "reporting_partner": 1, "dprk_official": 1,
                    "foreign_official": 1, "other": 1, "(reporter)": 1},
    "anonymity": {"anonymous": 2, "named": 2, "not_applicable": 1, "(reporter)": 1},
    "month": {"2023-05": (2, 4)},  # (articles, claims)
    "year": {"2023": (2, 4), "2024": (1, 1)},
    "outlet": {"Daily NK": (2, 2), "RFA": (1, 2), "(no outlet)": (3, 2)},
    "skipped": {"none": (2, 1), "unparseable": (1, 0), "year only": (1, 1)},  # (rows, claims)
    "sources": {"the source": 2, "a source": 1, "officials": 1},
    "cues": {"said": 3, "told": 1, "reportedly": 1},
}  # fmt: skip


def write_jsonl(path: Path) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows()), encoding="utf-8")
    return path
