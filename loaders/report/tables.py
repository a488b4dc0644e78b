"""The report's tables, from a finished :class:`~nkworkers.loaders.report.tally.Tally` (pure).

Each :class:`Table` becomes ``tables/<name>.csv`` and an HTML table, and,
where it has a :class:`Chart`, ``charts/<name>.png``. Rows of labels follow
the Enums of loaders.labels (every category and indicator, even at zero);
periods run in time order; outlets, sources and cues by count, then name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from nkworkers.loaders.labels import (
    ILO_INDICATORS,
    ControlCategory,
    IloIndicator,
    SourceAnonymity,
    SourceKind,
    Voice,
    names,
)
from nkworkers.loaders.report.published import NONE, UNPARSEABLE
from nkworkers.loaders.report.tally import NOT_GIVEN, OTHER_OUTLETS, REPORTER, YEAR_ONLY, Tally

CATEGORIES = names(ControlCategory)
VOICES = names(Voice)
TOP = 50  # rows of the top sources and cues tables
CHART_ROWS = 20  # bars in the chart of a long table
MONTHS_CHARTED = 48  # with more months than this, the time chart is by year
Cell = str | int


@dataclass(frozen=True)
class Chart:
    series: tuple[str, ...]  # header names whose counts are stacked in each bar
    rows: int | None = None  # only the first rows


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    header: list[str]
    rows: list[list[Cell]]
    note: str = ""
    chart: Chart | None = None


def _ordered(present: Iterable[str], first: list[str]) -> list[str]:
    """The values of ``first`` that are present, in its order; then the others by name."""
    present = set(present)
    return [v for v in first if v in present] + sorted(present - set(first))


def _crosstab(tally: Tally, dim: str, title: str, values: list[str], **kw: object) -> Table:
    """Claims per value of a dimension: the value, [articles,] claims, then per category."""
    counts = tally.by[dim]
    totals: Counter[str] = Counter()
    for (value, _), n in counts.items():
        totals[value] += n
    with_articles = dim in ("month", "year", "outlet")
    rows: list[list[Cell]] = [
        [
            value,
            *([tally.articles[dim][value]] if with_articles else []),
            totals[value],
            *(counts[(value, c)] for c in CATEGORIES),
        ]
        for value in values
    ]
    header = [dim.replace("_", " "), *(["articles"] if with_articles else []), "claims"]
    return Table(f"claims_by_{dim}", title, header + CATEGORIES, rows, **kw)  # type: ignore[arg-type]


def _values(tally: Tally, dim: str) -> set[str]:
    return {value for value, _ in tally.by[dim]}


def category_table(tally: Tally) -> Table:
    voice, anonymity = tally.by["voice"], tally.by["anonymity"]
    rows: list[list[Cell]] = []
    for c in ControlCategory:
        indicators = ", ".join(i.ilo_name for i in ILO_INDICATORS[c]) or "(none)"
        rows.append(
            [
                c.value,
                indicators,
                sum(voice[(v, c.value)] for v in VOICES),
                tally.articles["category"][c.value],
                *(voice[(v, c.value)] for v in VOICES),
                anonymity[(SourceAnonymity.ANONYMOUS.value, c.value)],
            ]
        )
    return Table(
        "claims_by_category",
        "Claims per control category",
        ["category", "ILO indicators", "claims", "articles", *VOICES, "anonymous source"],
        rows,
        note="A claim is one (control span, category) and the attribution record that carries "
        "it (nkworkers.loaders.claims); articles: rows with at least one such claim.",
        chart=Chart(tuple(VOICES)),
    )


def indicator_table(tally: Tally) -> Table:
    per_category = Counter({c: sum(tally.by["voice"][(v, c)] for v in VOICES) for c in CATEGORIES})
    rows: list[list[Cell]] = []
    for indicator in IloIndicator:
        cats = [c.value for c, found in ILO_INDICATORS.items() if indicator in found]
        rows.append(
            [
                indicator.ilo_name,
                sum(per_category[c] for c in cats),
                tally.indicator_articles[indicator.value],
                ", ".join(cats) or "(none)",
            ]
        )
    return Table(
        "claims_by_ilo_indicator",
        "Claims per ILO indicator of forced labour",
        ["ILO indicator", "claims", "articles", "from categories"],
        rows,
        note="A claim counts for every ILO indicator of its category (ILO 2012, the table in "
        "loaders.labels), so the column does not sum to the claims.",
        chart=Chart(("claims",)),
    )


def source_tables(tally: Tally) -> list[Table]:
    extras = [NOT_GIVEN, REPORTER]
    note = (
        f"{REPORTER}: a claim in the reporter's voice; {NOT_GIVEN}: its record has no such "
        "attribute (a prediction may lack it)."
    )
    return [
        _crosstab(
            tally,
            "voice",
            "Claims by source voice",
            VOICES,
            chart=Chart(("claims",)),
            note="source: a record with a SOURCE span carries the claim; unnamed_source: "
            'a record without one ("reportedly"); reporter: no record does.',
        ),
        *(
            _crosstab(tally, dim, title, _ordered(_values(tally, dim), names(enum) + extras),
                      note=note, chart=Chart(("claims",)))
            for dim, title, enum in (
                ("source_kind", "Claims by source kind", SourceKind),
                ("anonymity", "Claims by source anonymity", SourceAnonymity),
            )
        ),
    ]  # fmt: skip


def time_tables(tally: Tally) -> list[Table]:
    months, years = sorted(_values(tally, "month")), sorted(_values(tally, "year"))
    by_month = len(months) <= MONTHS_CHARTED
    skipped = tally.articles["reason"]
    note = (
        f"From the published column; {skipped[NONE]:,} row(s) without one and "
        f"{skipped[UNPARSEABLE]:,} with an unparseable one are left out"
    )
    return [
        _crosstab(
            tally,
            "month",
            "Claims per month published",
            months,
            note=f"{note}, and {skipped[YEAR_ONLY]:,} giving a year only.",
            chart=Chart(tuple(CATEGORIES)) if by_month and months else None,
        ),
        _crosstab(
            tally,
            "year",
            "Claims per year published",
            years,
            note=note + ".",
            chart=Chart(tuple(CATEGORIES)) if years and not by_month else None,
        ),
    ]


def outlet_table(tally: Tally) -> Table:
    claims: Counter[str] = Counter()
    for (outlet, _), n in tally.by["outlet"].items():
        claims[outlet] += n
    outlets = set(tally.articles["outlet"])
    order = sorted(outlets - {OTHER_OUTLETS}, key=lambda o: (-claims[o], o))
    order += [OTHER_OUTLETS] if OTHER_OUTLETS in outlets else []
    note = "From the outlet column."
    if OTHER_OUTLETS in outlets:
        note += f" Outlets after the first {len(tally.outlets):,} seen count as {OTHER_OUTLETS}."
    chart = Chart(tuple(CATEGORIES), CHART_ROWS)
    return _crosstab(tally, "outlet", "Claims per outlet", order, chart=chart, note=note)


def text_tables(tally: Tally) -> list[Table]:
    out = []
    for name, title, counter in (
        ("top_sources", "Top sources", tally.sources),
        ("top_cues", "Top cues", tally.cues),
    ):
        note = "Claims per source text, normalised (case, spaces, quotes and end punctuation)."
        if not counter.exact:
            note += (
                f" More distinct texts than {counter.capacity:,} were seen: each count may "
                f"be up to {counter.error:,} low (Misra-Gries summary)."
            )
        rows: list[list[Cell]] = [[text, n] for text, n in counter.most_common(TOP)]
        out.append(
            Table(
                name,
                title,
                [title.split()[1][:-1], "claims"],
                rows,
                note=note,
                chart=Chart(("claims",), CHART_ROWS),
            )
        )
    return out


def skipped_table(tally: Tally) -> Table:
    shown = ", ".join(repr(v)[:40] for v in tally.unparseable)
    examples = f" (e.g. {shown})" if shown else ""
    reasons = {
        NONE: "no published value (missing or empty)",
        UNPARSEABLE: "published not a date" + examples,
        YEAR_ONLY: "a year only: in the year table, not the month table",
    }
    rows: list[list[Cell]] = [
        [text, tally.articles["reason"][r], tally.skipped_claims[r]] for r, text in reasons.items()
    ]
    return Table(
        "published_skipped",
        "Rows left out of the time tables",
        ["published", "rows", "claims"],
        rows,
    )


EXAMPLE_HEADER = [
    "category",
    "doc_id",
    "sentence",
    "source",
    "cue",
    "voice",
    "source kind",
    "anonymity",
    "outlet",
    "published",
]


def example_table(tally: Tally) -> Table:
    rows: list[list[Cell]] = []
    for category, sample in tally.examples.items():
        for e in sample.items():
            rows.append(
                [
                    category,
                    e["doc_id"],
                    e["sentence_text"],
                    e["source_text"] or "",
                    e["cue_text"] or "",
                    e["voice"],
                    e["source_kind"] or "",
                    e["anonymity"] or "",
                    e["outlet"] or "",
                    e["published"] or "",
                ]
            )
    return Table(
        "examples",
        "Example claims",
        EXAMPLE_HEADER,
        rows,
        note="A uniform sample of the claims whose sentence is known, per category.",
    )


def tables(tally: Tally) -> list[Table]:
    """Every table of the report, in page order."""
    return [
        category_table(tally),
        indicator_table(tally),
        *source_tables(tally),
        *time_tables(tally),
        skipped_table(tally),
        outlet_table(tally),
        *text_tables(tally),
        example_table(tally),
    ]
