"""Push the corpus to a project and pull a project's export back.

Planning is pure (corpus + export in, plan out); only ``apply_pull`` writes,
and only after every task converted and validated, so a bad export leaves
annotations/ untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loaders.corpus import ANNOTATIONS, CorpusError, Loaded, Problem, read_corpus, write_annotation
from loaders.labelstudio import client
from loaders.labelstudio.client import Project
from loaders.labelstudio.config import DOC_ID, label_config, same_config
from loaders.labelstudio.convert import Picked, Result, document_to_task, task_to_annotation
from loaders.labelstudio.predictions import read_predictions
from loaders.model import Annotation, Document
from loaders.validate import validate_document

LAYERS = ("zones", "entities", "attribution_spans", "attributions", "control_measures")


def load(root: Path) -> Loaded:
    """The corpus, refusing to go on if it does not read cleanly."""
    loaded = read_corpus(root)
    problems = [p for p in loaded.problems if not p.file.startswith("annotations/splits")]
    if problems:
        raise CorpusError(problems)
    return loaded


def texts_of(loaded: Loaded) -> dict[str, str]:
    return {d: b.decode("utf-8") for d, b in loaded.raw_bytes.items() if d in loaded.manifest}


def push_tasks(loaded: Loaded, *, skip: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """One task per article not in ``skip``, gold (if any) as its annotation."""
    return [document_to_task(doc) for doc in loaded.documents() if doc.doc_id not in skip]


def documents_without_annotation(loaded: Loaded) -> list[str]:
    return sorted(set(loaded.manifest) - set(loaded.annotations))


def attach_predictions(
    tasks: list[dict[str, Any]], predictions: dict[str, Result], model_version: str
) -> None:
    for task in tasks:
        result = predictions.get(task["data"][DOC_ID])
        if result is not None:
            task["predictions"] = [{"model_version": model_version, "result": result}]


# ---------------------------------------------------------------- pull


@dataclass(frozen=True)
class Change:
    doc_id: str
    old: Annotation | None
    new: Annotation
    picked: Picked

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


def plan_pull(loaded: Loaded, export: Any, project_config: str, project: str) -> PullPlan:
    """Convert and validate a full JSON export against the corpus; pure."""
    plan = PullPlan()
    if not same_config(project_config):
        plan.problems.append(
            Problem(
                f"project {project}",
                "label_config",
                "the project's labeling config is not the one `nkworkers ls config` generates",
                "push to it again (updates the config) or pull from the right project",
            )
        )
        return plan
    if not isinstance(export, list):
        plan.problems.append(Problem(f"project {project}", "<export>", "export is not a task list"))
        return plan
    texts = texts_of(loaded)
    seen: dict[str, Any] = {}
    for task in export:
        task_id = task.get("id") if isinstance(task, dict) else None
        data = task.get("data") if isinstance(task, dict) else None
        doc_id = data.get(DOC_ID) if isinstance(data, dict) else None
        where = f"task {task_id} ({doc_id})"
        if not isinstance(doc_id, str) or doc_id not in texts:
            plan.problems.append(
                Problem(
                    where, DOC_ID, f"unknown article {doc_id!r}", "add it with add-article first"
                )
            )
            continue
        if doc_id in seen:
            plan.problems.append(
                Problem(
                    where,
                    doc_id,
                    f"second task for the article (first: task {seen[doc_id]})",
                    "delete the duplicate task in Label Studio",
                )
            )
            continue
        seen[doc_id] = task_id
        _plan_task(plan, loaded, task, doc_id, texts[doc_id])
    return plan


def _plan_task(plan: PullPlan, loaded: Loaded, task: dict, doc_id: str, text: str) -> None:
    meta, raw = loaded.manifest[doc_id], loaded.raw_bytes[doc_id]
    try:
        new, picked = task_to_annotation(task, text=text, text_sha256=meta.sha256)
    except CorpusError as exc:
        plan.problems += exc.problems
        return
    if new is None or picked is None:
        plan.unannotated.append(doc_id)
        return
    problems = validate_document(meta, raw, new, f"{picked} -> {ANNOTATIONS}/{doc_id}.json")
    if problems:
        plan.problems += problems
        return
    old = loaded.annotations.get(doc_id)
    if old == new:
        plan.unchanged.append(picked)
    else:
        plan.changes.append(Change(doc_id, old, new, picked))


def apply_pull(root: Path, plan: PullPlan) -> list[Path]:
    """Write the changed annotations (atomically, one file at a time)."""
    if plan.problems:
        raise CorpusError(plan.problems)
    for change in plan.changes:
        write_annotation(root, change.new)
    return [root / ANNOTATIONS / f"{c.doc_id}.json" for c in plan.changes]


def document_of(loaded: Loaded, doc_id: str) -> Document:
    return next(d for d in loaded.documents() if d.doc_id == doc_id)


# ---------------------------------------------------------------- against a server


@dataclass
class PushReport:
    project: Project
    created: bool
    imported: dict[str, int] = field(default_factory=dict)  # doc_id -> task id
    already: list[str] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)


def push(
    *,
    root: Path,
    url: str,
    project: str,
    predictions: Path | None = None,
    model_version: str | None = None,
    token: str | None = None,
) -> PushReport:
    """Create or update the project; import a task for each article not there yet;
    attach predictions (to new and existing tasks)."""
    loaded = load(root)
    predicted = read_predictions(predictions, texts_of(loaded)) if predictions else {}
    version = model_version or (predictions.stem if predictions else "")
    ls = client.connect(url, token)
    proj, created = client.ensure_project(ls, project, label_config())
    existing = client.task_ids_by_doc(ls, proj.id)
    tasks = push_tasks(loaded, skip=frozenset(existing))
    attach_predictions(tasks, predicted, version)
    task_ids = client.import_tasks(ls, proj.id, tasks)
    report = PushReport(proj, created, already=sorted(existing))
    report.imported = {t["data"][DOC_ID]: i for t, i in zip(tasks, task_ids, strict=False)}
    report.predicted = sorted(d for d in predicted if d in report.imported)
    for doc_id in sorted(set(predicted) & set(existing)):
        for task_id in existing[doc_id]:
            client.add_prediction(ls, task_id, predicted[doc_id], version)
        report.predicted.append(doc_id)
    return report


def fetch(*, url: str, project: str, token: str | None = None) -> tuple[Project, list[dict]]:
    ls = client.connect(url, token)
    proj = client.find_project(ls, project)
    if proj is None:
        raise client.ClientError(f"no project {project!r} on {url}")
    return proj, client.export_tasks(ls, proj.id)


def pull(
    *, root: Path, url: str, project: str, dry_run: bool = False, token: str | None = None
) -> tuple[PullPlan, list[Path]]:
    """Plan from the server's export; write unless dry_run or a problem was found."""
    loaded = load(root)
    proj, export = fetch(url=url, project=project, token=token)
    plan = plan_pull(loaded, export, proj.label_config, f"{proj.title} (id {proj.id})")
    if dry_run or plan.problems:
        return plan, []
    return plan, apply_pull(root, plan)
