"""Commands other packages add to ``nkworkers``, found through entry points.

Loaders never import baselines. The baselines declare their commands in the
``nkworkers.commands`` entry-point group of pyproject.toml, each entry a
``register(app: typer.Typer) -> None`` function, the way spaCy's registries
find plugins through ``importlib.metadata``. ``nkworkers --help`` imports every
register module, so those modules must be cheap: heavy libraries (torch,
transformers, datasets, matplotlib) are imported inside the commands.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

import typer

GROUP = "nkworkers.commands"
# Packages of this distribution: a missing module among them is a bug, not a
# missing extra, and must surface as the ImportError it is.
OWN_PACKAGES = frozenset({"nkworkers"})


def register_plugins(app: typer.Typer, *, group: str = GROUP) -> list[str]:
    """Mount every entry point of ``group`` on ``app``, in name order.

    An entry point whose module needs a library that is not installed (an
    optional extra) is mounted as a command of the same name that says which
    extra to install and exits 1, so the core commands keep working.
    Returns the names of the entry points mounted that way.

    Raises ImportError when the missing module belongs to this distribution.
    """
    unavailable = []
    for entry in sorted(entry_points(group=group), key=lambda e: e.name):
        try:
            register = entry.load()
        except ImportError as exc:
            missing = (exc.name or "").partition(".")[0]
            if not missing or missing in OWN_PACKAGES:
                raise
            _mount_unavailable(app, entry, missing)
            unavailable.append(entry.name)
            continue
        register(app)
    return unavailable


def extra_for(entry: EntryPoint) -> str:
    """The extra that installs what ``entry``'s package needs.

    By this project's convention the extra is named after the folder under
    ``nkworkers`` (``nkworkers.baselines`` code needs the ``baselines``
    extra); "" when no extra is.
    """
    package = entry.module.removeprefix("nkworkers.").partition(".")[0]
    extras = entry.dist.metadata.get_all("Provides-Extra") if entry.dist else None
    return package if package in (extras or []) else ""


def _mount_unavailable(app: typer.Typer, entry: EntryPoint, missing: str) -> None:
    extra = extra_for(entry)
    fix = f"pip install -e '.[{extra}]'" if extra else "reinstall nkworkers with its extras"
    message = f"error: `nkworkers {entry.name}` needs {missing}, which is not installed: {fix}"

    # Any arguments are accepted so that the message, not a usage error, answers.
    @app.command(
        entry.name,
        help=f"(unavailable: {fix})",
        add_help_option=False,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def unavailable() -> None:
        typer.echo(message, err=True)
        raise typer.Exit(1)
