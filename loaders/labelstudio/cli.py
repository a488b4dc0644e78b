"""``nkworkers ls ...``: the Label Studio bridge commands (mounted by nkworkers.loaders.cli)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from nkworkers.loaders.corpus import CorpusError, Problem
from nkworkers.loaders.labelstudio import sync
from nkworkers.loaders.labelstudio.client import ClientError, describe_server_error
from nkworkers.loaders.labelstudio.config import label_config

ls_app = typer.Typer(no_args_is_help=True, help="Label Studio bridge: config, push, pull.")

Root = Annotated[Path, typer.Option("--root", help="corpus checkout (default: current directory)")]
Url = Annotated[
    str, typer.Option("--url", help="Label Studio base URL, e.g. http://127.0.0.1:8080")
]


def _refuse(problems: list[Problem], what: str) -> None:
    typer.echo(f"{what}: refused, {len(problems)} problem(s); nothing was written:", err=True)
    for problem in problems:
        typer.echo(f"  {problem}", err=True)
    raise typer.Exit(1)


def _server_failure(exc: Exception, what: str) -> NoReturn:
    """Exit 2 with the reason if the server or network failed; re-raise bugs."""
    reason = str(exc) if isinstance(exc, ClientError) else describe_server_error(exc)
    if reason is None:
        raise exc
    typer.echo(f"{what}: {reason}", err=True)
    raise typer.Exit(2) from None


@ls_app.command("config")
def config_command(root: Root = Path(".")) -> None:
    """Print the labeling config XML (generated from the label Enums)."""
    typer.echo(label_config(), nl=False)


@ls_app.command("push")
def push_command(
    url: Url,
    project: Annotated[str, typer.Option("--project", help="project title (created if missing)")],
    predictions: Annotated[
        Path | None,
        typer.Option("--predictions", exists=True, dir_okay=False, help="predictions JSONL"),
    ] = None,
    model_version: Annotated[
        str | None, typer.Option("--model-version", help="default: the predictions file's stem")
    ] = None,
    root: Root = Path("."),
) -> None:
    """Create/update the project with the generated config and import one task per article
    (token from LABEL_STUDIO_API_KEY)."""
    started = time.perf_counter()
    try:
        report = sync.push(
            root=root,
            url=url,
            project=project,
            predictions=predictions,
            model_version=model_version,
        )
    except CorpusError as exc:
        _refuse(exc.problems, "push")
    except Exception as exc:
        _server_failure(exc, "push")
    verb = "created" if report.created else "updated"
    typer.echo(f"project {report.project.title!r} (id {report.project.id}) {verb}")
    for doc_id, task_id in report.imported.items():
        typer.echo(f"  imported {doc_id} as task {task_id}")
    for doc_id in report.already:
        typer.echo(f"  {doc_id} already has a task (left as it is)")
    if report.predicted:
        typer.echo(f"  predictions attached for {len(report.predicted)} article(s)")
    typer.echo(f"push took {time.perf_counter() - started:.2f} s")


@ls_app.command("pull")
def pull_command(
    url: Annotated[
        str | None, typer.Option("--url", help="Label Studio base URL, e.g. http://127.0.0.1:8080")
    ] = None,
    project: Annotated[
        str | None, typer.Option("--project", help="project title or numeric id")
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file", dir_okay=False, help="a saved full JSON export instead of a server"
        ),
    ] = None,
    annotators: Annotated[
        bool,
        typer.Option(
            "--annotators",
            help="write each annotator's latest annotation to "
            "annotations/agreement/<annotator>/ (the gold is left as it is)",
        ),
    ] = False,
    allow_removal: Annotated[
        bool,
        typer.Option(
            "--allow-removal", help="let the pull empty a layer that has records (else refused)"
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="print what would change, write nothing")
    ] = False,
    root: Root = Path("."),
) -> None:
    """Take the full JSON export, pick each task's latest annotation, validate the corpus
    as it would be, and write annotations/ (all or nothing, in one swap)."""
    if (from_file is None) == (url is None or project is None) or (from_file and (url or project)):
        typer.echo("pull: give --url and --project, or --from-file EXPORT.json", err=True)
        raise typer.Exit(2)
    started = time.perf_counter()
    try:
        plan, written = sync.pull(
            root=root,
            url=url,
            project=project,
            export_file=from_file,
            dry_run=dry_run,
            allow_removal=allow_removal,
            annotators=annotators,
        )
    except CorpusError as exc:
        _refuse(exc.problems, "pull")
    except OSError as exc:
        # A staging or swap failure (disk full, permissions): annotations/ is as it was.
        typer.echo(f"pull: could not write annotations/: {exc}; nothing was changed", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:
        _server_failure(exc, "pull")
    if plan.problems:
        _refuse(plan.problems, "pull")
    for picked in plan.unchanged:
        typer.echo(f"unchanged: {picked}")
    for doc_id in plan.unannotated:
        typer.echo(f"no annotation yet: {doc_id}")
    for change in plan.changes:
        typer.echo(f"{'would change' if dry_run else 'changed'} {change.path}: {change.picked}")
        for line in change.summary():
            typer.echo(f"    {line}")
    if not dry_run:
        typer.echo(f"wrote {len(written)} file(s)")
    typer.echo(f"pull took {time.perf_counter() - started:.2f} s")
