"""The ``train`` and ``tag`` commands: thin typer layers, mounted by ``register``.

Cheap to import (``nkworkers --help`` imports it): models, torch and Ray load
inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

ENGINES = ("local", "ray")


def _fail(message: str) -> typer.Exit:
    # escape: a path or doc_id holding "[/x]" is text, not rich markup (it raised MarkupError)
    Console(stderr=True).print(
        f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True
    )
    return typer.Exit(1)


def train_command(
    system: Annotated[str, typer.Option(help="a baseline (see `nkworkers systems`)")],
    out: Annotated[Path, typer.Option(help="model folder to create (must not exist)")],
    seed: Annotated[int, typer.Option(help="training seed")] = 0,
    device: Annotated[str, typer.Option(help="cpu|cuda")] = "cpu",
    root: Annotated[Path, typer.Option(help="corpus checkout holding data/")] = Path("."),
    data: Annotated[
        str,
        typer.Option(
            help="splits: the committed train split, choices on validation; all: every annotated "
            "article, with the choices leave-one-document-out made (for tagging an archive)"
        ),
    ] = "splits",
) -> None:
    """Fit a system on the committed train split (choices on validation) and save a model folder.

    With --data all: on all five annotated articles, with the settings that
    leave-one-document-out cross-validation chose; model.json then carries
    the LODO figures instead of validation figures.

    The folder holds model.json (system, package version, corpus data
    fingerprint, seed, settings, validation figures) and the weights in safe
    formats only (safetensors, JSON, crfsuite's model file); never pickle.
    """
    from nkworkers.baselines.benchmark.cli import _check_device, _systems
    from nkworkers.baselines.tagging.model_folder import ModelError
    from nkworkers.baselines.tagging.train import train

    try:
        meta = train(
            name=system, systems=_systems(), out=out, root=root, seed=seed,
            device=_check_device(device), data=data,
        )  # fmt: skip
    except ModelError as exc:
        raise _fail(str(exc)) from None
    shown = meta["validation"] if "validation" in meta else meta["lodo"]["mean"]
    where = "validation" if "validation" in meta else "leave-one-document-out mean"
    figures = where + ": " + ", ".join(f"{k} {v:.3f}" for k, v in shown.items())
    Console().print(f"wrote {out} ({meta['system']}); {figures}", highlight=False)


def tag_command(
    model: Annotated[
        list[Path], typer.Option("--model", help="model folder from `nkworkers train`; repeat")
    ],
    input_path: Annotated[
        Path,
        typer.Option("--input", help="JSONL or parquet with doc_id and text, or a .txt folder"),
    ],
    out: Annotated[Path, typer.Option(help="predictions file: .jsonl or .parquet")],
    resume: Annotated[
        bool, typer.Option("--resume", help="skip doc_ids already in OUT (or left by a crash)")
    ] = False,
    batch_size: Annotated[int, typer.Option(min=1, help="articles per batch")] = 64,
    engine: Annotated[str, typer.Option(help="local|ray")] = "local",
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address (default: a local Ray for the run)")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Ray actors (each loads the models)")] = 2,
) -> None:
    """Tag a collection of articles with saved models, one predictions row per article.

    Bad rows (missing or duplicate doc_id, empty or non-text text, bad
    encoding) go to OUT-stem.rejects.jsonl with the reason; they never stop
    the run. OUT is written atomically.
    """
    from nkworkers.baselines.tagging.local import TagError, run_local

    if engine not in ENGINES:
        raise typer.BadParameter(f"{engine!r}; choose one of {ENGINES}", param_hint="--engine")
    if address is not None and engine != "ray":
        raise typer.BadParameter("--address needs --engine ray", param_hint="--address")
    try:
        if engine == "local":
            summary = run_local(
                models=model, input_path=input_path, out=out, resume=resume,
                batch_size=batch_size,
            )  # fmt: skip
        else:
            try:
                from nkworkers.baselines.tagging.ray_engine import run_ray
            except ModuleNotFoundError as exc:
                raise _fail(
                    f"--engine ray needs {exc.name}: pip install -e '.[scale]' (ray[data]==2.60.0)"
                ) from None

            summary = run_ray(
                models=model, input_path=input_path, out=out, resume=resume,
                batch_size=batch_size, address=address, workers=workers,
            )  # fmt: skip
    except TagError as exc:
        raise _fail(str(exc)) from None
    rate = summary.tagged / summary.seconds if summary.seconds else 0.0
    Console().print(
        f"tagged {summary.tagged} articles in {summary.seconds:.1f} s ({rate:.1f} articles/s); "
        f"skipped {summary.skipped} already done; {summary.rows} rows in {summary.out}",
        highlight=False,
    )
    if summary.rejected:
        Console(stderr=True).print(
            f"rejected {summary.rejected} rows; reasons in {summary.rejects}", highlight=False
        )


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
    app.command("tag")(tag_command)
