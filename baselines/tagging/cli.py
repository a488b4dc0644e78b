"""The ``train`` and ``tag`` commands: thin typer layers, mounted by ``register``.

Cheap to import (``nkworkers --help`` imports it): models, torch and Ray load
inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
    from nkworkers.baselines.benchmark.cli import _check_device, require_built, systems_loaded
    from nkworkers.baselines.benchmark.stages import Stages
    from nkworkers.baselines.tagging.train import refusal, train

    # refusals first: the systems take seconds to import (torch, scikit-learn)
    if (problem := refusal(system, out, data=data)) is not None:
        raise _fail(problem)
    require_built(root)
    device = _check_device(device)
    stages = Stages()
    systems = systems_loaded(stages)
    from nkworkers.baselines.tagging.model_folder import ModelError  # datasets: after the refusals

    try:
        meta = train(
            name=system, systems=systems, out=out, root=root, seed=seed, device=device,
            data=data, stages=stages,
        )  # fmt: skip
    except ModelError as exc:
        raise _fail(str(exc)) from None
    shown = meta["validation"] if "validation" in meta else meta["lodo"]["mean"]
    where = "validation" if "validation" in meta else "leave-one-document-out mean"
    figures = ", ".join(f"{k} {v:.3f}" for k, v in shown.items())
    stages.say(f"wrote {out} ({meta['system']}); {where}: {figures}")


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
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Ray actors, one CPU each (default: one per CPU of the cluster)"),
    ] = None,
    ray_logs: Annotated[
        bool, typer.Option("--ray-logs", help="show Ray's own logs and warnings (quiet by default)")
    ] = False,
) -> None:
    """Tag a collection of articles with saved models, one predictions row per article.

    Bad rows (missing or duplicate doc_id, empty or non-text text, bad
    encoding, unreadable files) go to OUT-stem.rejects.jsonl with the reason;
    they never stop the run. OUT is written atomically; OUT-stem.models.json
    records the models, and --resume refuses others.
    """
    from nkworkers.baselines.tagging.local import TagError, run_local

    if engine not in ENGINES:
        raise typer.BadParameter(f"{engine!r}; choose one of {ENGINES}", param_hint="--engine")
    if engine != "ray" and (address is not None or workers is not None or ray_logs):
        raise typer.BadParameter("--address, --workers and --ray-logs need --engine ray")
    try:
        if engine == "local":
            summary = run_local(
                models=model, input_path=input_path, out=out, resume=resume,
                batch_size=batch_size,
            )  # fmt: skip
        else:
            summary = _ray_engine()(
                models=model, input_path=input_path, out=out, resume=resume,
                batch_size=batch_size, address=address, workers=workers, ray_logs=ray_logs,
            )  # fmt: skip
    except TagError as exc:
        raise _fail(str(exc)) from None
    _say_tagged(summary)


def _ray_engine() -> Any:
    """run_ray, or one line when Ray is not installed (the import of ray sits in run_ray)."""
    import importlib.util

    try:
        found = importlib.util.find_spec("ray") and importlib.util.find_spec("ray.data")
    except (ModuleNotFoundError, ValueError):  # ValueError: sys.modules["ray"] is None
        found = None
    if not found:
        raise _fail("--engine ray needs ray: pip install -e '.[scale]' (ray[data]==2.60.0)")
    from nkworkers.baselines.tagging.ray_engine import run_ray

    return run_ray


def _say_tagged(summary: Any) -> None:
    # markup=False: OUT is a path, and "[/x]" in it is text, not rich markup (MarkupError)
    rate = summary.tagged / summary.seconds if summary.seconds else 0.0
    Console().print(
        f"tagged {summary.tagged} articles in {summary.seconds:.1f} s ({rate:.1f} articles/s); "
        f"skipped {summary.skipped} already done; {summary.rows} rows in {summary.out}",
        highlight=False, markup=False, soft_wrap=True,
    )  # fmt: skip
    if summary.rejected:
        Console(stderr=True).print(
            f"rejected {summary.rejected} rows; reasons in {summary.rejects}",
            highlight=False, markup=False, soft_wrap=True,
        )  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
    app.command("tag")(tag_command)
