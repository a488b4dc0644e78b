"""Plan a pull of every annotator's work: ``nkworkers ls pull --annotators``.

Each annotator's latest annotation of each task goes to
``annotations/agreement/<annotator>/<doc_id>.json``, the layout of the
committed second annotation (annotator_a, annotator_b), so ``nkworkers
agreement`` and ``adjudicate`` can compare any two annotators. The folder is
the Label Studio user's email made safe (``latest.folder_name``). The gold
files are not touched: the gold is what adjudication decides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nkworkers.loaders.corpus import ANNOTATIONS, CorpusError, Loaded, parse
from nkworkers.loaders.labelstudio.convert import annotation_of, task_doc_id
from nkworkers.loaders.labelstudio.latest import latest_per_annotator
from nkworkers.loaders.labelstudio.plan import (
    Change,
    PullPlan,
    add_change,
    problems_after,
    tasks_of,
)
from nkworkers.loaders.model import Annotation

AGREEMENT = f"{ANNOTATIONS}/agreement"


def annotator_path(annotator: str, doc_id: str) -> str:
    return f"{AGREEMENT}/{annotator}/{doc_id}.json"


def _existing(root: Path, plan: PullPlan, path: str) -> Annotation | None:
    file = root / path
    if not file.exists():
        return None
    annotation, problems = parse(path, file.read_bytes(), Annotation)
    plan.problems += problems
    return annotation


def plan_annotators(
    root: Path,
    loaded: Loaded,
    export: Any,
    project_config: str | None,
    project: str,
    *,
    allow_removal: bool = False,
) -> PullPlan:
    """Changes to every annotator's folder; reads the folders' current files only."""
    plan = PullPlan()
    for task, doc_id in tasks_of(plan, loaded, export, project_config, project):
        text = loaded.raw_bytes[doc_id].decode("utf-8")
        digest = loaded.manifest[doc_id].sha256
        try:
            task_doc_id(task, text=text)
            latest = latest_per_annotator(task)
        except CorpusError as exc:
            plan.problems += exc.problems
            continue
        if not latest:
            plan.unannotated.append(doc_id)
        for name, (chosen, picked) in latest.items():
            try:
                new = annotation_of(task, chosen, doc_id=doc_id, text=text, text_sha256=digest)
            except CorpusError as exc:
                plan.problems += exc.problems
                continue
            path = annotator_path(name, doc_id)
            old = _existing(root, plan, path)
            change = Change(doc_id, old, new, picked, path)
            add_change(plan, change, loaded, allow_removal=allow_removal, file=path)
    # The gold is untouched, but a pull never writes into a corpus that does not validate.
    plan.problems += problems_after(loaded, [])
    return plan
