"""Which annotation of an exported task to take: the latest, overall or per annotator.

Label Studio writes ``updated_at`` as ISO 8601 text, usually with
microseconds and ``Z`` but not always (a whole-second stamp, another UTC
offset), so stamps are parsed into aware datetimes before they are compared;
compared as text, ``...:00Z`` loses to an earlier ``...:00.5Z`` and
``+03:00`` sorts as if it were UTC. A stamp without an offset is taken as
UTC, which is what the server stores. An annotation without ``updated_at``
falls back on ``created_at``; one with neither sorts before every dated one.
Ties are broken by the higher annotation id (the later one saved).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nkworkers.loaders.corpus import CorpusError, Problem
from nkworkers.loaders.files.jsonio import CLIP, clip

NEVER = datetime.min.replace(tzinfo=UTC)
# Folder names an annotator may not take: the adjudication notes live beside them.
RESERVED = frozenset({"adjudication", "gold", "notes"})


@dataclass(frozen=True)
class Picked:
    """Which of a task's annotations was taken, for the report."""

    task_id: Any
    annotation_id: Any
    updated_at: str
    completed_by: Any
    of: int

    def __str__(self) -> str:
        # Every part comes from the export: cut each as any stored value.
        task, annotation, by, stamp = map(
            _plain, (self.task_id, self.annotation_id, self.completed_by, self.updated_at or "?")
        )
        return (
            f"task {task}: annotation {annotation} (updated {stamp} by {by}; latest of {self.of})"
        )


def _plain(value: Any) -> str:
    """Short strings and numbers as they are; anything else clipped."""
    if (isinstance(value, str) and len(value) <= CLIP) or isinstance(value, int):
        return str(value)
    return clip(value)


def parse_stamp(value: Any, where: str) -> datetime:
    """An aware datetime from an ISO 8601 stamp (naive ones are UTC).

    Raises CorpusError naming ``where`` if the value is not ISO 8601 text.
    """
    if value is None or value == "":
        return NEVER
    try:
        if not isinstance(value, str):
            raise ValueError
        stamp = datetime.fromisoformat(value)
    except ValueError:
        raise CorpusError(
            [
                Problem(
                    where,
                    "updated_at",
                    f"{clip(value)} is not an ISO 8601 time",
                    "re-save the annotation in Label Studio, or repair the export's stamp",
                )
            ]
        ) from None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


def _key(task_id: Any, annotation: dict[str, Any]) -> tuple[datetime, int]:
    ident = annotation.get("id")
    where = f"task {task_id} annotation {clip(ident)}"
    stamp = annotation.get("updated_at") or annotation.get("created_at")
    number = ident if isinstance(ident, int) and not isinstance(ident, bool) else -1
    return parse_stamp(stamp, where), number


def live_annotations(task: dict[str, Any]) -> list[dict[str, Any]]:
    """The task's annotations that were not cancelled (skipped) by their annotator."""
    listed = task.get("annotations")
    return [
        a
        for a in (listed if isinstance(listed, list) else [])
        if isinstance(a, dict) and not a.get("was_cancelled")
    ]


def annotator_of(annotation: dict[str, Any]) -> Any:
    """The Label Studio user who saved it: the email when the export has it, else the id."""
    by = annotation.get("completed_by")
    if isinstance(by, dict):
        return by.get("email") or by.get("id")
    return by


def latest_of(
    task: dict[str, Any], annotations: list[dict[str, Any]]
) -> tuple[dict[str, Any], Picked]:
    """The most recently updated of ``annotations`` (non-empty); CorpusError on a bad stamp."""
    problems: list[Problem] = []
    keys = []
    for annotation in annotations:
        try:
            keys.append((_key(task.get("id"), annotation), annotation))
        except CorpusError as exc:
            problems += exc.problems
    if problems:
        raise CorpusError(problems)
    latest = max(keys, key=lambda pair: pair[0])[1]
    return latest, Picked(
        task.get("id"),
        latest.get("id"),
        str(latest.get("updated_at") or latest.get("created_at") or ""),
        annotator_of(latest),
        len(annotations),
    )


def pick_latest(task: dict[str, Any]) -> tuple[dict[str, Any] | None, Picked | None]:
    """The most recently updated annotation of a task, skipping cancelled ones."""
    annotations = live_annotations(task)
    if not annotations:
        return None, None
    return latest_of(task, annotations)


def folder_name(annotator: Any) -> str:
    """A safe folder name for an annotator: the email lower-cased, every character
    outside ``[a-z0-9._-]`` replaced by ``_`` (``@`` by ``_at_``); a bare user
    id becomes ``user_<id>``. Never empty, never starting with a dot."""
    if isinstance(annotator, int) and not isinstance(annotator, bool):
        return f"user_{annotator}"
    text = str(annotator).strip().lower().replace("@", "_at_")
    name = re.sub(r"[^a-z0-9._-]", "_", text).lstrip(".")[:100]
    return name or "user_unknown"


def latest_per_annotator(task: dict[str, Any]) -> dict[str, tuple[dict[str, Any], Picked]]:
    """Folder name -> that annotator's latest annotation of the task.

    Raises CorpusError for a bad stamp, an annotation whose annotator is not
    named, or two annotators whose names give the same folder.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    owners: dict[str, set[str]] = {}
    problems = []
    for annotation in live_annotations(task):
        who = annotator_of(annotation)
        if who is None or who == "" or isinstance(who, (dict, list, bool, float)):
            problems.append(
                Problem(
                    f"task {task.get('id')} annotation {clip(annotation.get('id'))}",
                    "completed_by",
                    f"annotator not named ({clip(who)})",
                    "export from Label Studio with user details (the full JSON export)",
                )
            )
            continue
        name = folder_name(who)
        groups.setdefault(name, []).append(annotation)
        owners.setdefault(name, set()).add(str(who))
    for name, who in sorted(owners.items()):
        if len(who) > 1 or name in RESERVED:
            problems.append(
                Problem(
                    f"task {task.get('id')}",
                    "completed_by",
                    f"annotator(s) {sorted(who)} give the folder name {name!r}, "
                    + ("which is reserved" if name in RESERVED else "which is taken twice"),
                    "rename one of the Label Studio users (their email)",
                )
            )
    if problems:
        raise CorpusError(problems)
    return {name: latest_of(task, found) for name, found in sorted(groups.items())}
