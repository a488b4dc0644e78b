"""Claims as the viewer lists them: source -> measure, one row per (control span, category).

The claims come from nkworkers.loaders.claims (derived from the gold, from a
prediction's layers, or read from a ``tag`` row's ``claims`` list). Every
text is escaped; a claim whose texts are unknown shows its offsets.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from nkworkers.loaders.claims import Claim, Speaker, TextSpan
from nkworkers.loaders.labels import Voice


def _piece(span: TextSpan | None) -> str:
    if span is None:
        return ""
    return span.text if span.text is not None else f"[{span.start}, {span.end})"


def speaker_text(claim: Claim) -> str:
    """Who the claim is in the voice of: the source's words, the cue, or the reporter."""
    record = claim.record
    if claim.voice is Voice.REPORTER or record is None:
        return "(the reporter)"
    if claim.voice is Voice.UNNAMED_SOURCE:
        return f"(unnamed: {_piece(record.cue)})"
    return _piece(record.source)


def _chain(chain: Sequence[Speaker]) -> str:
    return " ← ".join(_piece(s.source) or f"(unnamed: {_piece(s.cue)})" for s in chain)


def claims_section(title: str, claims: Sequence[Claim], *, note: str = "") -> str:
    """A section with a table of claims: source, its kind and anonymity, -> measure, category."""
    rows = []
    for claim in claims:
        record = claim.record
        cells = [
            ("src", speaker_text(claim)),
            ("", (record.source_kind or "") if record else ""),
            ("", (record.source_anonymity or "") if record else ""),
            ("arrow", "→"),
            ("measure", claim.text if claim.text is not None else f"[{claim.start}, {claim.end})"),
            ("", claim.category.value),
            ("", _chain(claim.chain)),
        ]
        tds = "".join(f'<td class="{c}">{escape(v)}</td>' if c else f"<td>{escape(v)}</td>"
                      for c, v in cells)  # fmt: skip
        rows.append(f'<tr data-voice="{claim.voice.value}">{tds}</tr>')
    head = (
        "<tr><th>source</th><th>kind</th><th>anonymity</th><th></th><th>measure</th>"
        "<th>category</th><th>said within</th></tr>"
    )
    note_html = f'<p class="meta">{escape(note)}</p>' if note else ""
    return f"""<section class="claims"><h2>{escape(title)} ({len(claims)})</h2>{note_html}
<table class="claims"><thead>{head}</thead><tbody>
{chr(10).join(rows)}
</tbody></table></section>"""
