"""Rows of the ``claims`` config and the ``claims`` column of ``documents`` (pure functions).

Both come from :func:`nkworkers.loaders.claims.derive_claims`, the one carrying
rule (annotations/GUIDELINES.md, "Claims"), run on the article's gold layers
with its text and the sentences the build has already cut, so every span
carries its text and every claim its sentence. A claims row is one (control
span, category): the span, its category and ILO indicators, the sentence it
starts in, the voice, the carrying record (null in the reporter's voice) and
the chain of outer records, nearest first, plus the article's outlet,
publication date and fold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from nkworkers.loaders.claims import Claim, derive_claims
from nkworkers.loaders.model import Document

Row = dict[str, Any]


def document_claims(
    doc: Document, sentences: Sequence[tuple[int, int]] | None = None
) -> list[Claim]:
    """The article's claims; ``sentences``: its (start, end) sentences, if already cut."""
    return derive_claims(doc.annotation, text=doc.text, sentences=sentences)


def claim_json(claim: Claim) -> Row:
    """A claim as the ``documents`` config holds it: labels as strings, a valid Claim again."""
    return {**claim.model_dump(mode="json"), "ilo_indicators": claim.ilo_indicators}


def claim_id(claim: Claim) -> str:
    """``<control span id>-<CATEGORY>``: unique in the corpus, as control span ids are."""
    return f"{claim.control_id}-{claim.category.value}"


def claims_rows(doc: Document, fold: int, claims: Sequence[Claim]) -> list[Row]:
    """The ``claims`` config rows of one article (label names; the build encodes them)."""
    rows = []
    for claim in claims:
        data = claim_json(claim)
        rows.append(
            {
                "id": claim_id(claim),
                "doc_id": doc.doc_id,
                "outlet": doc.meta.outlet,
                "published": doc.meta.published,
                "control_id": claim.control_id,
                "start": claim.start,
                "end": claim.end,
                "text": claim.text,
                "category": data["category"],
                "ilo_indicators": data["ilo_indicators"],
                "sentence": data["sentence"],
                "voice": data["voice"],
                "record": data["record"],
                "chain": data["chain"],
                "fold": fold,
            }
        )
    return rows


def claim_counts(claims: Sequence[Claim]) -> Counter[str]:
    """What the card tables per split: ``category/X``, ``voice/X``, ``anonymity/X``.

    Anonymity is the carrying record's ``source_anonymity``; a claim in the
    reporter's voice counts under ``anonymity/reporter``.
    """
    counts: Counter[str] = Counter()
    for claim in claims:
        counts[f"category/{claim.category.value}"] += 1
        counts[f"voice/{claim.voice.value}"] += 1
        anonymity = claim.record.source_anonymity if claim.record else None
        counts[f"anonymity/{anonymity.value if anonymity else 'reporter'}"] += 1
    return counts
