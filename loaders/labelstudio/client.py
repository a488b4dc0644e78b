"""The thin edge that talks to a Label Studio server (SDK 2.1.2).

Only this module imports ``label_studio_sdk`` (an optional extra), and only
when a command needs the server. It moves plain dicts; all conversion is in
``convert``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

TOKEN_ENV = "LABEL_STUDIO_API_KEY"


class ClientError(RuntimeError):
    """The server or the SDK is not usable; the message says how to fix it."""


@dataclass(frozen=True)
class Project:
    id: int
    title: str
    label_config: str


def connect(url: str, token: str | None = None) -> Any:
    try:
        from label_studio_sdk import LabelStudio
    except ImportError as exc:
        raise ClientError(
            "label-studio-sdk is not installed: pip install 'nkworkers[labelstudio]'"
        ) from exc
    token = token or os.environ.get(TOKEN_ENV)
    if not token:
        raise ClientError(f"no API token: set {TOKEN_ENV} (Account & Settings > Access Token)")
    return LabelStudio(base_url=url, api_key=token)


def _project(raw: Any) -> Project:
    return Project(id=int(raw.id), title=str(raw.title), label_config=str(raw.label_config or ""))


def find_project(ls: Any, title_or_id: str) -> Project | None:
    """A project by numeric id, else by exact title (refuses an ambiguous title)."""
    if title_or_id.isdigit():
        try:
            return _project(ls.projects.get(id=int(title_or_id)))
        except Exception:  # the SDK raises its own NotFoundError; fall back to titles
            pass
    matches = [p for p in ls.projects.list(title=title_or_id) if p.title == title_or_id]
    if len(matches) > 1:
        ids = [p.id for p in matches]
        raise ClientError(
            f"{len(matches)} projects are titled {title_or_id!r} (ids {ids}): pass an id"
        )
    return _project(ls.projects.get(id=matches[0].id)) if matches else None


def ensure_project(ls: Any, title: str, label_config: str) -> tuple[Project, bool]:
    """Create the project, or update its config; (project, created)."""
    project = find_project(ls, title)
    if project is None:
        created = ls.projects.create(title=title, label_config=label_config)
        return _project(ls.projects.get(id=created.id)), True
    if project.label_config != label_config:
        ls.projects.update(id=project.id, label_config=label_config)
    return Project(project.id, project.title, label_config), False


def task_ids_by_doc(ls: Any, project_id: int) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for task in ls.tasks.list(project=project_id):
        doc_id = (task.data or {}).get("doc_id")
        found.setdefault(str(doc_id), []).append(int(task.id))
    return found


def import_tasks(ls: Any, project_id: int, tasks: list[dict[str, Any]]) -> list[int]:
    if not tasks:
        return []
    response = ls.projects.import_tasks(id=project_id, request=tasks, return_task_ids=True)
    return [int(i) for i in (response.task_ids or [])]


def add_prediction(ls: Any, task_id: int, result: list[dict], model_version: str) -> None:
    ls.predictions.create(task=task_id, result=result, model_version=model_version)


def export_tasks(ls: Any, project_id: int) -> list[dict[str, Any]]:
    """The full JSON export (relations included; CoNLL and JSON-MIN drop them)."""
    chunks: Iterable[bytes] = ls.projects.exports.download_sync(
        id=project_id, export_type="JSON", download_all_tasks=True
    )
    data = json.loads(b"".join(chunks))
    if not isinstance(data, list):
        raise ClientError(f"project {project_id}: the JSON export is not a list of tasks")
    return data


def describe_server_error(exc: BaseException) -> str | None:
    """A one-line reason when ``exc`` came from the server or the network, else None."""
    try:
        import httpx
        from label_studio_sdk.core.api_error import ApiError
    except ImportError:
        return None
    if isinstance(exc, ApiError):
        return f"the server answered {exc.status_code}: {str(exc.body)[:300]}"
    if isinstance(exc, httpx.HTTPError):
        return f"cannot talk to the server: {exc}"
    return None


def name_annotators(ls: Any, export: list[dict[str, Any]]) -> None:
    """Give each annotation's ``completed_by`` the user's email, in place.

    The JSON export names the annotator by user id only; the folders of
    ``pull --annotators`` are named by email, which is stable across servers.
    """
    emails = {int(u.id): str(u.email) for u in ls.users.list() if getattr(u, "email", None)}
    for task in export:
        listed = task.get("annotations") if isinstance(task, dict) else None
        for annotation in listed if isinstance(listed, list) else []:
            by = annotation.get("completed_by") if isinstance(annotation, dict) else None
            if isinstance(by, int) and not isinstance(by, bool) and by in emails:
                annotation["completed_by"] = {"id": by, "email": emails[by]}
