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
# what a claims row takes from the claim (the features' order: loaders.dataset.features)
CLAIM_KEYS = ("control_id", "start", "end", "text", "category", "ilo_indicators", "sentence",
              "voice", "record", "chain")  # fmt: skip


def document_claims(doc: Document, sentences: Sequence[tuple[int, int]] | None = None) -> list[Row]:
    """The article's claims as :func:`claim_json` rows; ``sentences``: its (start, end)
    sentences, if already cut."""
    claims = derive_claims(doc.annotation, text=doc.text, sentences=sentences)
    return [claim_json(c) for c in claims]


def claim_json(claim: Claim) -> Row:
    """A claim as the ``documents`` config holds it: labels as strings, a valid Claim again."""
    return {**claim.model_dump(mode="json"), "ilo_indicators": claim.ilo_indicators}


def claims_rows(doc: Document, fold: int, claims: Sequence[Row]) -> list[Row]:
    """The ``claims`` config rows of one article from its :func:`claim_json` rows (label
    names; the build encodes them). A row's id is ``<control span id>-<CATEGORY>``: unique
    in the corpus, as control span ids are."""
    meta = {"doc_id": doc.doc_id, "outlet": doc.meta.outlet, "published": doc.meta.published}
    return [
        {
            "id": f"{claim['control_id']}-{claim['category']}",
            **meta,
            **{key: claim[key] for key in CLAIM_KEYS},
            "fold": fold,
        }
        for claim in claims
    ]


def claim_counts(claims: Sequence[Row]) -> Counter[str]:
    """What the card tables per split: ``category/X``, ``voice/X``, ``anonymity/X``.

    Anonymity is the carrying record's ``source_anonymity``; a claim in the
    reporter's voice counts under ``anonymity/reporter``.
    """
    counts: Counter[str] = Counter()
    for claim in claims:
        counts[f"category/{claim['category']}"] += 1
        counts[f"voice/{claim['voice']}"] += 1
        anonymity = claim["record"]["source_anonymity"] if claim["record"] else "reporter"
        counts[f"anonymity/{anonymity}"] += 1
    return counts
