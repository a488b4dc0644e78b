"""Plan a pull: a Label Studio export in, the files it would write out; pure.

A plan is refused whole (nothing is written) when any task fails to convert,
when the pull would empty a layer of an article that had records in it
(unless removal is allowed: an empty latest ``result`` must never wipe a gold
file by accident), or when the corpus as the pull would leave it does not
validate (every check of ``nkworkers.loaders.validate``, splits included).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nkworkers.loaders.corpus import ANNOTATIONS, CorpusError, Loaded, Problem, parse
from nkworkers.loaders.files.atomic import dumps_json
from nkworkers.loaders.files.jsonio import clip
from nkworkers.loaders.labelstudio import swap
from nkworkers.loaders.labelstudio.config import DOC_ID, same_config
from nkworkers.loaders.labelstudio.convert import Picked, task_to_annotation
from nkworkers.loaders.model import Annotation
from nkworkers.loaders.validate import validate_corpus, validate_document, validate_loaded

LAYERS = ("zones", "entities", "attribution_spans", "attributions", "control_measures")
ALLOW_REMOVAL = "--allow-removal"


@dataclass(frozen=True)
class Change:
    """One file the pull writes: ``path`` relative to the checkout."""

    doc_id: str
    old: Annotation | None
    new: Annotation
    picked: Picked
    path: str = ""

    def __post_init__(self) -> None:
        if not self.path:
            object.__setattr__(self, "path", f"{ANNOTATIONS}/{self.doc_id}.json")

    def emptied(self) -> list[str]:
        """Layers that had records before and have none after."""
        if self.old is None:
            return []
        return [n for n in LAYERS if getattr(self.old, n) and not getattr(self.new, n)]

    def summary(self) -> list[str]:
        """What differs, per layer, by id (zones by position)."""
        lines = []
        for layer in LAYERS:
            before = _keyed(getattr(self.old, layer) if self.old else [])
            after = _keyed(getattr(self.new, layer))
            added = [k for k in after if k not in before]
            removed = [k for k in before if k not in after]
            changed = [k for k in after if k in before and after[k] != before[k]]
            for verb, keys in (("added", added), ("removed", removed), ("changed", changed)):
                if keys:
                    lines.append(f"{layer}: {verb} {', '.join(keys)}")
        if self.old is not None and not lines:
            lines.append("record order or metadata changed")
        return lines


def _keyed(records: list[Any]) -> dict[str, Any]:
    return {
        getattr(r, "id", None) or f"{r.label.value}[{r.start},{r.end})": r.model_dump(mode="json")
        for r in records
    }


@dataclass
class PullPlan:
    changes: list[Change] = field(default_factory=list)
    unchanged: list[Picked] = field(default_factory=list)
    unannotated: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def texts_of(loaded: Loaded) -> dict[str, str]:
    return {d: b.decode("utf-8") for d, b in loaded.raw_bytes.items() if d in loaded.manifest}


def tasks_of(
    plan: PullPlan, loaded: Loaded, export: Any, project_config: str | None, project: str
) -> Iterator[tuple[dict[str, Any], str]]:
    """(task, doc_id) of each task of a known article; problems for the rest.

    ``project_config`` None (an export read from a file) skips the config check.
    """
    if project_config is not None and not same_config(project_config):
        plan.problems.append(
            Problem(
                f"project {project}",
                "label_config",
                "the project's labeling config is not the one `nkworkers ls config` generates",
                "push to it again (updates the config) or pull from the right project",
            )
        )
        return
    if not isinstance(export, list):
        plan.problems.append(
            Problem(
                project,
                "<export>",
                f"export is not a task list: {clip(export)}",
                "use Label Studio's full JSON export",
            )
        )
        return
    texts = texts_of(loaded)
    seen: dict[str, Any] = {}
    for task in export:
        task_id = task.get("id") if isinstance(task, dict) else None
        data = task.get("data") if isinstance(task, dict) else None
        doc_id = data.get(DOC_ID) if isinstance(data, dict) else None
        where = f"task {clip(task_id)} ({clip(doc_id)})"
        if not isinstance(task, dict) or not isinstance(doc_id, str) or doc_id not in texts:
            fix = "add it with add-article first, then push"
            plan.problems.append(Problem(where, DOC_ID, f"unknown article {clip(doc_id)}", fix))
            continue
        if doc_id in seen:
            plan.problems.append(
                Problem(
                    where,
                    doc_id,
                    f"second task for the article (first: task {clip(seen[doc_id])})",
                    "delete the duplicate task in Label Studio",
                )
            )
            continue
        seen[doc_id] = task_id
        yield task, doc_id


def add_change(
    plan: PullPlan, change: Change, loaded: Loaded, *, allow_removal: bool, file: str
) -> None:
    """Validate the new annotation of one article and file it as a change (or not)."""
    meta, raw = loaded.manifest[change.doc_id], loaded.raw_bytes[change.doc_id]
    problems = validate_document(meta, raw, change.new, f"{change.picked} -> {file}")
    if problems:
        plan.problems += problems
        return
    emptied = change.emptied()
    if emptied and not allow_removal:
        picked = change.picked
        plan.problems.append(
            Problem(
                f"task {clip(picked.task_id)} annotation {clip(picked.annotation_id)}",
                change.doc_id,
                f"the latest annotation would remove every record of {', '.join(emptied)} "
                f"from {file}",
                "restore the regions in Label Studio (or cancel that annotation), "
                f"or pass {ALLOW_REMOVAL} to remove them on purpose",
            )
        )
    if change.old == change.new:
        plan.unchanged.append(change.picked)
    else:
        plan.changes.append(change)


def plan_pull(
    loaded: Loaded,
    export: Any,
    project_config: str | None,
    project: str,
    *,
    allow_removal: bool = False,
) -> PullPlan:
    """Convert a full JSON export into changes of the gold annotations; pure."""
    plan = PullPlan()
    for task, doc_id in tasks_of(plan, loaded, export, project_config, project):
        meta = loaded.manifest[doc_id]
        try:
            new, picked = task_to_annotation(
                task, text=loaded.raw_bytes[doc_id].decode("utf-8"), text_sha256=meta.sha256
            )
        except CorpusError as exc:
            plan.problems += exc.problems
            continue
        if new is None or picked is None:
            plan.unannotated.append(doc_id)
            continue
        change = Change(doc_id, loaded.annotations.get(doc_id), new, picked)
        add_change(plan, change, loaded, allow_removal=allow_removal, file=change.path)
    plan.problems += problems_after(loaded, plan.changes)
    return plan


def problems_after(loaded: Loaded, changes: list[Change]) -> list[Problem]:
    """Every problem of the whole corpus as the changes to gold files would leave it."""
    gold = {c.doc_id: c for c in changes if c.path == f"{ANNOTATIONS}/{c.doc_id}.json"}
    after = dataclasses.replace(
        loaded,
        annotations={**loaded.annotations, **{d: c.new for d, c in gold.items()}},
        annotation_ids=loaded.annotation_ids | set(gold),
        problems=[p for p in loaded.problems if Path(p.file).stem not in gold],
    )
    named = []
    for problem in validate_loaded(after):
        change = gold.get(Path(problem.file).stem) or gold.get(problem.record)
        if change is not None:
            problem = dataclasses.replace(problem, file=f"{change.picked} -> {problem.file}")
        named.append(problem)
    return named


def staged_problems(plan: PullPlan) -> Callable[[Path], list[Problem]]:
    """The check of the staged checkout: the corpus validates, and so does every file written."""

    def check(staged: Path) -> list[Problem]:
        problems = validate_corpus(staged)
        for change in plan.changes:
            annotation, errors = parse(change.path, (staged / change.path).read_bytes(), Annotation)
            problems += errors
            if annotation is not None and annotation != change.new:
                problems.append(
                    Problem(
                        change.path,
                        change.doc_id,
                        "the staged file does not read back as the pulled annotation",
                        "report this as a bug in nkworkers; nothing was written",
                    )
                )
        return problems

    return check


def apply_pull(root: Path, plan: PullPlan) -> list[Path]:
    """Write every change at once (see ``swap``); CorpusError if the plan has problems."""
    if plan.problems:
        raise CorpusError(plan.problems)
    if not plan.changes:
        return []
    prefix = f"{ANNOTATIONS}/"
    files = {
        c.path.removeprefix(prefix): dumps_json(c.new.model_dump(mode="json")).encode("utf-8")
        for c in plan.changes
    }
    swap.replace_files(root, files, staged_problems(plan))
    return [root / c.path for c in plan.changes]
