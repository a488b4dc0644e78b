"""Reading and checking predictions (and gold rows) against the gold texts.

The file is read by nkworkers.loaders.predictions (the one reader of the format);
this module decides what each row means for one evaluation: scored (an
article of the split being evaluated), ignored with a reason (an annotated
article of another split, or an article without gold), or an error (a
doc_id the corpus does not know, offsets past the text). The first problem
stops the evaluation: a half-read predictions file would give scores that
look valid and are not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from nkworkers.loaders.predictions import (
    DEFAULT_MAX_LINE_BYTES,
    DEFAULT_MAX_SPANS,
    PredictionProblem,
    PredictionRow,
    check_offsets,
    parse_row,
    read_predictions,
)

OFFSET_FIX = "give half-open character offsets into that article's text"


class PredictionError(ValueError):
    """A predictions file (or gold row) that cannot be scored; the message is one line."""


class Ignored(StrEnum):
    """Why a well-formed row is not scored."""

    OUTSIDE_SPLIT = "outside_split"  # annotated, but in another split
    UNANNOTATED = "unannotated"  # a corpus article without gold annotations


@dataclass(frozen=True)
class Scope:
    """The articles being scored and the other articles the corpus knows.

    ``texts``: doc_id -> text of the gold articles of the evaluated split.
    ``outside``: doc_ids annotated but in other splits; ``unannotated``:
    doc_ids of the corpus without gold. Rows for either are ignored and
    counted; any other doc_id is an error.
    """

    texts: Mapping[str, str]
    outside: frozenset[str] = frozenset()
    unannotated: frozenset[str] = frozenset()
    split: str | None = None

    def reason(self, doc_id: str) -> Ignored | None:
        """Why a row for doc_id is not scored (None: it is scored).

        Raises:
            KeyError: the corpus does not know doc_id.
        """
        if doc_id in self.texts:
            return None
        if doc_id in self.outside:
            return Ignored.OUTSIDE_SPLIT
        if doc_id in self.unannotated:
            return Ignored.UNANNOTATED
        raise KeyError(doc_id)

    def unknown(self) -> tuple[str, str]:
        """(message, fix) for a doc_id the corpus does not know."""
        split = f"the {self.split} split" if self.split else "the gold being evaluated"
        return (
            f"doc_id is not an article of the corpus (neither in {split}, another split nor "
            "the manifest)",
            "predict corpus articles only, or pass --root of the checkout they come from",
        )


@dataclass
class Accepted:
    """The rows to score, and the doc_ids of the rows ignored, by reason."""

    rows: list[PredictionRow] = field(default_factory=list)
    ignored: dict[Ignored, list[str]] = field(default_factory=dict)


def _fail(problem: PredictionProblem) -> PredictionError:
    return PredictionError(str(problem))


def admit(
    row: PredictionRow, scope: Scope, accepted: Accepted, where: tuple[str, int | None]
) -> None:
    """Add row to accepted.rows or accepted.ignored; raise PredictionError if it is wrong."""
    file, line = where
    try:
        reason = scope.reason(row.doc_id)
    except KeyError:
        raise _fail(PredictionProblem(file, line, row.doc_id, *scope.unknown())) from None
    if reason is not None:
        accepted.ignored.setdefault(reason, []).append(row.doc_id)
        return
    problem = check_offsets(row, scope.texts[row.doc_id])
    if problem:
        raise _fail(PredictionProblem(file, line, row.doc_id, problem, OFFSET_FIX))
    accepted.rows.append(row)


def validate_rows(rows: Iterable[tuple[int | None, Any]], *, scope: Scope, source: str) -> Accepted:
    """Rows given in memory (gold, or a system's output) checked as a file's lines are."""
    accepted = Accepted()
    first_line: dict[str, int | None] = {}
    for line, obj in rows:
        parsed = parse_row(obj)
        doc_id = obj.get("doc_id") if isinstance(obj, dict) else None
        shown = doc_id if isinstance(doc_id, str) else None
        if isinstance(parsed, tuple):
            raise _fail(PredictionProblem(source, line, shown, *parsed))
        if parsed.doc_id in first_line:
            message = f"duplicate doc_id (first seen at line {first_line[parsed.doc_id]})"
            raise _fail(PredictionProblem(source, line, shown, message, "keep one row per article"))
        first_line[parsed.doc_id] = line
        admit(parsed, scope, accepted, (source, line))
    return accepted


def read_file(
    path: Path,
    scope: Scope,
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    max_spans: int = DEFAULT_MAX_SPANS,
) -> Accepted:
    """A predictions file's rows for this scope; PredictionError at the first problem."""
    if not path.is_file():
        raise PredictionError(
            f"{path}: no such predictions file. Fix: pass the JSONL file that predict, tag "
            "or your system wrote"
        )
    accepted = Accepted()
    for read in read_predictions(path, max_line_bytes=max_line_bytes, max_spans=max_spans):
        if read.problem is not None:
            raise _fail(read.problem)
        assert read.row is not None
        admit(read.row, scope, accepted, (str(path), read.line))
    return accepted


def describe_ignored(ignored: Mapping[str, int], split: str | None) -> str:
    """'ignored 4 articles outside test, 2 unannotated' (empty when nothing was ignored)."""
    parts = []
    outside = ignored.get(Ignored.OUTSIDE_SPLIT, 0)
    if outside:
        parts.append(f"{outside} article{'s' * (outside != 1)} outside {split or 'the split'}")
    unannotated = ignored.get(Ignored.UNANNOTATED, 0)
    if unannotated:
        parts.append(f"{unannotated} unannotated")
    return f"ignored {', '.join(parts)}" if parts else ""
