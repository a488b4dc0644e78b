"""``attribution-textacy``: textacy's direct quotations, the attribution tool a user already has.

Zero-shot: ``textacy.extract.triples.direct_quotations`` (textacy 0.13.0,
rule-based, "loosely inspired by Krestel, Bergler, Witte, *Minding the
Source*") over the parse of spaCy's en_core_web_sm 3.8.0 (the ``reference``
extra), never trained on this corpus; ``fit`` reads nothing. Each
(speaker, cue, content) triple becomes one record: SOURCE the speaker's
tokens, CUE the cue's tokens (each from its first to its last token), CONTENT
the quotation with its quotation marks (as the gold marks direct quotes),
``quote_type`` ``direct`` (all it extracts), source anonymity and kind null
(it does not say). By construction it finds no indirect or mixed
quotation: most of the corpus's records (the README's attribution table).

It runs paragraph by paragraph (each non-blank line, as loaders.text.segment
cuts sentences within lines): textacy refuses a text with an odd number of quotation marks
(apostrophes such as "workers’" count) with a ValueError, which on whole
articles rejected two of the five; a paragraph it refuses gives no record.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from nkworkers.baselines.systems.attribution.parse import pipeline
from nkworkers.baselines.systems.base import CorpusData, Row, Task
from nkworkers.loaders.labels import QuoteType, Role

VERSION = "0.13.0"
QUOTES = frozenset("\"'‘’“”«»„‟‹›")  # a paragraph without any of these holds no quotation
PARAGRAPH = re.compile(r"[^\n]*\S[^\n]*")  # a non-blank line


def _quotations() -> Any:
    """textacy's extractor (raises ImportError naming the extra if textacy is missing)."""
    try:
        import textacy
        from textacy.extract.triples import direct_quotations
    except ImportError as error:  # an optional extra
        raise ImportError(
            f"attribution-textacy needs textacy {VERSION}: pip install 'nkworkers[reference]' "
            f"(or textacy=={VERSION})"
        ) from error
    if textacy.__version__ != VERSION:
        raise RuntimeError(f"textacy {textacy.__version__} is installed; this system is {VERSION}")
    return direct_quotations


def _hull(tokens: list[Any], offset: int) -> tuple[int, int]:
    return offset + tokens[0].idx, offset + tokens[-1].idx + len(tokens[-1])


def triples_of(text: str) -> list[tuple[tuple[int, int], tuple[int, int], tuple[int, int]]]:
    """(source, cue, content) character offsets of every direct quotation, in text order."""
    extract, nlp = _quotations(), pipeline()
    paragraphs = [m.span() for m in PARAGRAPH.finditer(text) if QUOTES & set(m.group())]
    found = []
    for (offset, _), doc in zip(paragraphs, nlp.pipe(text[s:e] for s, e in paragraphs),
                                strict=True):  # fmt: skip
        try:
            triples = list(extract(doc))
        except ValueError:  # an odd number of quotation marks: textacy bails out
            continue
        for t in triples:
            content = (offset + t.content.start_char, offset + t.content.end_char)
            found.append((_hull(t.speaker, offset), _hull(t.cue, offset), content))
    return found


def to_row(doc_id: str, text: str) -> Row:
    """A predictions row; a span found twice (one speaker, two quotes) is one span."""
    spans: dict[tuple[int, int, str], str] = {}

    def span_id(offsets: tuple[int, int], role: Role) -> str:
        key = (*offsets, role.value)
        return spans.setdefault(key, f"{doc_id}-Q{len(spans) + 1}")

    records = [
        {
            "source": span_id(source, Role.SOURCE),
            "cue": span_id(cue, Role.CUE),
            "content": [span_id(content, Role.CONTENT)],
            "source_anonymity": None,
            "source_kind": None,
            "quote_type": QuoteType.DIRECT.value,
        }
        for source, cue, content in triples_of(text)
    ]
    return {
        "doc_id": doc_id,
        "attribution_spans": [
            {"id": i, "start": s, "end": e, "role": role} for (s, e, role), i in spans.items()
        ],
        "attributions": records,
    }


class TextacyQuotations:
    """textacy 0.13.0's direct quotations over en_core_web_sm: zero-shot."""

    name = "attribution-textacy"
    task: Task = "attribution"
    zero_shot = True

    def fit(self, data: CorpusData, *, seed: int = 0, device: str = "cpu") -> None:
        """Nothing to learn; load now, so a missing package fails at fit, not at predict."""
        _quotations()
        pipeline()

    def predict(self, documents: list[Row]) -> list[Row]:
        return [to_row(doc["doc_id"], doc["text"]) for doc in documents]

    def save(self, directory: Path) -> dict[str, Any]:
        """Only the settings: the rules are the installed packages, named and versioned."""
        return {"package": "textacy", "version": VERSION, "training": "none (zero-shot)"}

    def load(self, directory: Path) -> None:
        _quotations()
        pipeline()
