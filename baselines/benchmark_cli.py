"""The ``benchmark`` and ``predict`` commands: thin typer layers, mounted by ``register``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

DEVICES = ("cpu", "cuda")


def _check_device(device: str) -> str:
    if device not in DEVICES:
        raise typer.BadParameter(f"{device!r}; choose one of {DEVICES}", param_hint="--device")
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise typer.BadParameter("no CUDA device is visible; use --device cpu")
    return device


def _systems() -> dict:
    """The registry; its systems need the baselines extra, so say so if it is missing."""
    try:
        from baselines.systems.registry import SYSTEMS
    except ModuleNotFoundError as exc:
        typer.echo(
            f"error: {exc.name} is not installed: the baselines need the "
            "baselines extra (pip install -e '.[baselines]')",
            err=True,
        )
        raise typer.Exit(1) from None
    return SYSTEMS


def benchmark_command(
    out: Annotated[Path, typer.Option(help="output folder")],
    cv: Annotated[bool, typer.Option("--cv", help="leave-one-document-out folds")] = False,
    baselines: Annotated[
        list[str] | None, typer.Option("--baselines", help="system names (default: all)")
    ] = None,
    device: Annotated[str, typer.Option(help="|".join(DEVICES))] = "cpu",
    root: Annotated[Path, typer.Option(help="corpus checkout holding data/")] = Path("."),
    seed: Annotated[int, typer.Option(help="training and bootstrap seed")] = 0,
    bootstrap: Annotated[int, typer.Option(min=0, help="bootstrap replicates")] = 1000,
) -> None:
    """Train every baseline on train, predict validation and test, score, write the leaderboard."""
    from baselines.benchmark import Settings, run_benchmark

    systems = _systems()

    chosen = list(baselines or systems)
    unknown = [b for b in chosen if b not in systems]
    if unknown:
        raise typer.BadParameter(
            f"unknown {unknown}; choose from {sorted(systems)}", param_hint="--baselines"
        )
    settings = Settings(
        root=root, out=out, seed=seed, device=_check_device(device), bootstrap=bootstrap
    )
    started = time.perf_counter()
    run_benchmark(systems={b: systems[b] for b in chosen}, settings=settings, cv=cv)
    Console().print(
        f"wrote {out / 'leaderboard.json'} and {out / 'LEADERBOARD.md'} "
        f"in {time.perf_counter() - started:.0f} s"
    )


def predict_command(
    system: Annotated[str, typer.Option(help="system name (see `benchmark --baselines`)")],
    out: Annotated[Path, typer.Option(help="predictions JSONL to write")],
    docs: Annotated[
        list[str] | None, typer.Option("--docs", help="doc_ids (default: every article in raw/)")
    ] = None,
    root: Annotated[Path, typer.Option(help="corpus checkout")] = Path("."),
    seed: Annotated[int, typer.Option(help="training seed")] = 0,
    device: Annotated[str, typer.Option(help="|".join(DEVICES))] = "cpu",
) -> None:
    """Train a system on train and predict any article, annotated or not."""
    from baselines.predict import PredictError, predict

    systems = _systems()

    try:
        rows = predict(
            name=system,
            systems=systems,
            out=out,
            root=root,
            doc_ids=docs,
            seed=seed,
            device=_check_device(device),
        )
    except PredictError as e:
        Console(stderr=True).print(f"[red]error:[/red] {e}", highlight=False)
        raise typer.Exit(1) from None
    Console().print(f"wrote {len(rows)} rows to {out}")


def register(app: typer.Typer) -> None:
    app.command("benchmark")(benchmark_command)
    app.command("predict")(predict_command)
