"""The ``benchmark`` and ``predict`` commands: thin typer layers, mounted by ``register``."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from nkworkers.baselines.benchmark.stages import Stages
from nkworkers.baselines.systems.catalog import CATALOG, unknown_system

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
        from nkworkers.baselines.systems.registry import SYSTEMS
    except ModuleNotFoundError as exc:
        typer.echo(
            f"error: {exc.name} is not installed: the baselines need the "
            "baselines extra (pip install -e '.[baselines]')",
            err=True,
        )
        raise typer.Exit(1) from None
    return SYSTEMS


def systems_loaded(stages: Stages) -> dict:
    """The registry, with a line while it imports (torch, transformers, scikit-learn: seconds)."""
    with stages.stage("loading the systems (torch, transformers, scikit-learn)", "systems loaded"):
        return _systems()


def require_built(root: Path) -> None:
    """Exit 1 with one line unless ``root`` is a built checkout that load_dataset reads.

    Asked before the systems import: outside a checkout, datasets answered
    after seconds with a traceback (``BuilderConfig 'documents' not found``).
    """
    from nkworkers.loaders.dataset.checkout import unbuilt

    if (problem := unbuilt(root)) is not None:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1)


def _chosen(values: list[str] | None, known: Iterable[str] = CATALOG) -> list[str]:
    """Names from repeated and/or comma-separated values; all systems when none is given.

    Checked against the catalog (every registry system, tests/test_systems_catalog.py),
    so a typo is refused before the systems import.
    """
    names = list(known)
    chosen = [n.strip() for v in values or [] for n in v.split(",") if n.strip()]
    unknown = [b for b in chosen if b not in names]
    if unknown:
        raise typer.BadParameter(
            f"unknown {unknown}; choose from {sorted(names)} (see `nkworkers systems`)",
            param_hint="--systems",
        )
    return chosen or names


def _folds(value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        return tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{value!r}: give fold ids such as 0,2", param_hint="--folds"
        ) from None


def benchmark_command(
    out: Annotated[Path, typer.Option(help="output folder")],
    cv: Annotated[
        bool, typer.Option("--cv", help="also leave-one-document-out folds (DIR/cv/fold-K/)")
    ] = False,
    baselines: Annotated[
        list[str] | None,
        typer.Option(
            "--systems",
            "--baselines",
            help="system names, comma-separated or repeated (default: all; listed below)",
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="system names to leave out, comma-separated or repeated"),
    ] = None,
    update: Annotated[
        bool,
        typer.Option(
            "--update", help="keep the other systems' rows of DIR/leaderboard.json (same settings)"
        ),
    ] = False,
    device: Annotated[str, typer.Option(help="|".join(DEVICES))] = "cpu",
    root: Annotated[Path, typer.Option(help="corpus checkout holding data/")] = Path("."),
    seed: Annotated[int, typer.Option(help="training and bootstrap seed")] = 0,
    bootstrap: Annotated[int, typer.Option(min=0, help="bootstrap replicates")] = 1000,
    folds: Annotated[
        str | None,
        typer.Option(help="with --cv: comma-separated fold ids to run (default: every fold)"),
    ] = None,
) -> None:
    """Train every baseline on train, predict validation and test, score, write the leaderboard."""
    left_out = set(_chosen(exclude)) if exclude else set()
    chosen = [name for name in _chosen(baselines) if name not in left_out]
    require_built(root)
    # spaCy, and through it torch: after the refusals
    from nkworkers.baselines.benchmark.combine import with_claims
    from nkworkers.baselines.benchmark.runner import Settings, StaleLeaderboard, run_benchmark

    settings = Settings(
        root=root, out=out, seed=seed, device=_check_device(device), bootstrap=bootstrap,
        folds=_folds(folds),
    )  # fmt: skip
    started = time.perf_counter()
    stages = Stages()
    systems = systems_loaded(stages)
    try:
        run_benchmark(
            systems={b: systems[b] for b in chosen}, settings=settings, cv=cv, update=update,
            finish=with_claims,
        )  # fmt: skip
    except StaleLeaderboard as e:
        _fail(f"{out / 'leaderboard.json'}: {e}")
    except ValueError as e:
        _fail(str(e))
    stages.say(
        f"wrote {out / 'leaderboard.json'} and {out / 'LEADERBOARD.md'} "
        f"in {time.perf_counter() - started:.0f} s"
    )


def predict_command(
    out: Annotated[Path, typer.Option(help="predictions JSONL to write")],
    system: Annotated[
        str | None, typer.Option(help="a baseline, trained on train first (listed below)")
    ] = None,
    spacy_model: Annotated[
        str | None,
        typer.Option(help="an installed spaCy pipeline or a pipeline folder (entities only)"),
    ] = None,
    hf_model: Annotated[
        Path | None,
        typer.Option(help="a local transformers token-classification folder (entities only)"),
    ] = None,
    label_map: Annotated[
        Path | None,
        typer.Option(help='JSON {"PER": "PERSON", ...}: the model\'s labels to ours'),
    ] = None,
    docs: Annotated[
        list[str] | None, typer.Option("--docs", help="doc_ids (default: every article in raw/)")
    ] = None,
    root: Annotated[Path, typer.Option(help="corpus checkout")] = Path("."),
    seed: Annotated[int, typer.Option(help="training seed")] = 0,
    device: Annotated[str, typer.Option(help="|".join(DEVICES))] = "cpu",
) -> None:
    """Predict any article, annotated or not, with a baseline or an outside model.

    Outside models keep only labels that are ours or mapped by --label-map;
    the others are dropped and counted.
    """
    error = Console(stderr=True)
    stages = Stages()
    if sum(x is not None for x in (system, spacy_model, hf_model)) != 1:
        _fail("give exactly one of --system, --spacy-model and --hf-model")
    if system is not None:
        # refusals before the systems import (seconds)
        if label_map is not None:
            _fail("--label-map applies to --spacy-model and --hf-model only")
        if (problem := unknown_system(system)) is not None:
            _fail(problem)
        require_built(root)
        device = _check_device(device)
        stages.say(
            f"predict trains {system} on the train split first, then predicts; "
            "rows of train articles are in-sample"
        )
        systems = systems_loaded(stages)
    from nkworkers.baselines.benchmark.predict import PredictError, predict, predict_outside
    from nkworkers.baselines.systems.entities.outside import OutsideModelError

    try:
        if system is not None:
            rows = predict(
                name=system, systems=systems, out=out, root=root, doc_ids=docs,
                seed=seed, device=device, stages=stages,
            )  # fmt: skip
            stages.say(f"wrote {len(rows)} rows to {out}")
            return
        tagged = predict_outside(
            spacy_model=spacy_model, hf_model=hf_model, label_map=label_map,
            out=out, root=root, doc_ids=docs,
        )  # fmt: skip
    except (PredictError, OutsideModelError) as e:
        _fail(str(e))
    stages.say(f"wrote {len(tagged.rows)} rows to {out}")
    if tagged.dropped:
        counts = ", ".join(f"{label} {n}" for label, n in tagged.dropped.most_common())
        # markup=False: the labels are the outside model's, "[/x]" included
        error.print(
            f"dropped {sum(tagged.dropped.values())} spans with labels that are not ours "
            f"(map them with --label-map): {counts}",
            markup=False, highlight=False,
        )  # fmt: skip


def _fail(message: str) -> NoReturn:
    # escape: a doc_id or path holding "[/x]" is text, not rich markup (MarkupError)
    Console(stderr=True).print(
        f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(1) from None


def systems_command(
    root: Annotated[
        Path, typer.Option(help="corpus checkout whose results/ give the cost hints")
    ] = Path("."),
) -> None:
    """List the baseline systems: name, task, zero-shot or trained, a cost hint, one line each."""
    from nkworkers.baselines.systems.catalog import COST_SOURCE, NO_COST, costs, header, line

    # the catalog, not the registry: importing every system takes seconds (a test keeps
    # the two equal)
    known = costs(root)
    typer.echo(header())
    for name in CATALOG:
        typer.echo(line(name, known.get(name, NO_COST)))
    typer.echo(f"\n{COST_SOURCE}")


def register(app: typer.Typer) -> None:
    from nkworkers.baselines.systems.catalog import help_list

    listing = "Systems:\n\n" + help_list()
    app.command("benchmark", epilog=listing)(benchmark_command)
    app.command("predict", epilog=listing)(predict_command)
    app.command("systems")(systems_command)
