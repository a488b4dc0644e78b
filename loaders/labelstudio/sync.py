"""Push the corpus to a project and pull a project's export back.

Planning is pure (corpus + export in, plan out: ``plan`` and ``annotators``);
only ``apply_pull`` writes, and only after every task converted and the
corpus as it would be validated, in one swap (``swap``), so a bad export or
a killed pull leaves annotations/ as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nkworkers.loaders.corpus import CorpusError, Loaded, Problem, read_corpus
from nkworkers.loaders.files.jsonio import JsonError, load_file
from nkworkers.loaders.labelstudio import client, swap
from nkworkers.loaders.labelstudio.annotators import plan_annotators
from nkworkers.loaders.labelstudio.client import Project
from nkworkers.loaders.labelstudio.config import DOC_ID, label_config
from nkworkers.loaders.labelstudio.convert import Result, document_to_task
from nkworkers.loaders.labelstudio.plan import (
    LAYERS,
    Change,
    PullPlan,
    apply_pull,
    plan_pull,
    texts_of,
)
from nkworkers.loaders.labelstudio.predictions import read_predictions
from nkworkers.loaders.model import Document

__all__ = ["LAYERS", "Change", "PullPlan", "apply_pull", "plan_pull", "pull", "push"]


def load(root: Path) -> Loaded:
    """The corpus, refusing to go on if it does not read cleanly."""
    loaded = read_corpus(root)
    problems = [p for p in loaded.problems if not p.file.startswith("annotations/splits")]
    if problems:
        raise CorpusError(problems)
    return loaded


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
    export = client.export_tasks(ls, proj.id)
    client.name_annotators(ls, export)
    return proj, export


def read_export(path: Path) -> Any:
    """A saved full JSON export, read strictly; CorpusError naming the file."""
    try:
        return load_file(path)
    except JsonError as exc:
        raise CorpusError([Problem(str(path), "<file>", exc.message, exc.fix)]) from None
    except OSError as exc:
        raise CorpusError(
            [Problem(str(path), "<file>", f"cannot read: {exc.strerror}", "check the path")]
        ) from None


def pull(
    *,
    root: Path,
    url: str | None = None,
    project: str | None = None,
    export_file: Path | None = None,
    dry_run: bool = False,
    token: str | None = None,
    allow_removal: bool = False,
    annotators: bool = False,
) -> tuple[PullPlan, list[Path]]:
    """Plan from the server's export (or a saved one, ``export_file``); write unless
    dry_run or a problem was found. ``annotators``: write each annotator's latest
    annotation to annotations/agreement/<annotator>/ instead of the gold.

    Holds the checkout's pull lock throughout. Raises CorpusError for an
    unreadable corpus or export file, or a held lock.
    """
    with swap.locked(root):
        loaded = load(root)
        config: str | None = None
        if export_file is not None:
            export, name = read_export(export_file), str(export_file)
        else:
            if url is None or project is None:
                raise ValueError("pull needs url and project, or export_file")
            proj, export = fetch(url=url, project=project, token=token)
            config, name = proj.label_config, f"{proj.title} (id {proj.id})"
        if annotators:
            plan = plan_annotators(root, loaded, export, config, name, allow_removal=allow_removal)
        else:
            plan = plan_pull(loaded, export, config, name, allow_removal=allow_removal)
        if dry_run or plan.problems:
            return plan, []
        return plan, apply_pull(root, plan)
