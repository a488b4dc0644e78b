"""The ``benchmark`` and ``predict`` commands: thin typer layers, mounted by ``register``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

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


def _chosen(values: list[str] | None, systems: dict) -> list[str]:
    """Names from repeated and/or comma-separated values; all systems when none is given."""
    chosen = [n.strip() for v in values or [] for n in v.split(",") if n.strip()]
    unknown = [b for b in chosen if b not in systems]
    if unknown:
        raise typer.BadParameter(
            f"unknown {unknown}; choose from {sorted(systems)} (see `nkworkers systems`)",
            param_hint="--systems",
        )
    return chosen or list(systems)


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
    from nkworkers.baselines.benchmark.runner import Settings, StaleLeaderboard, run_benchmark

    systems = _systems()
    left_out = set(_chosen(exclude, systems)) if exclude else set()
    chosen = [name for name in _chosen(baselines, systems) if name not in left_out]
    settings = Settings(
        root=root, out=out, seed=seed, device=_check_device(device), bootstrap=bootstrap,
        folds=_folds(folds),
    )  # fmt: skip
    started = time.perf_counter()
    try:
        run_benchmark(
            systems={b: systems[b] for b in chosen}, settings=settings, cv=cv, update=update
        )
    except StaleLeaderboard as e:
        message = escape(f"{out / 'leaderboard.json'}: {e}")
        Console(stderr=True).print(f"[red]error:[/red] {message}")
        raise typer.Exit(1) from None
    except ValueError as e:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(e))}", highlight=False)
        raise typer.Exit(1) from None
    Console().print(
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
    from nkworkers.baselines.benchmark.predict import PredictError, predict, predict_outside
    from nkworkers.baselines.systems.entities.outside import OutsideModelError

    error = Console(stderr=True)
    try:
        if sum(x is not None for x in (system, spacy_model, hf_model)) != 1:
            raise PredictError("give exactly one of --system, --spacy-model and --hf-model")
        if label_map is not None:
            _check_label_map_file(label_map)
        if system is not None:
            if label_map is not None:
                raise PredictError("--label-map applies to --spacy-model and --hf-model only")
            rows = predict(
                name=system, systems=_systems(), out=out, root=root, doc_ids=docs,
                seed=seed, device=_check_device(device),
            )  # fmt: skip
            Console().print(f"wrote {len(rows)} rows to {out}")
            return
        tagged = predict_outside(
            spacy_model=spacy_model, hf_model=hf_model, label_map=label_map,
            out=out, root=root, doc_ids=docs,
        )  # fmt: skip
    except (PredictError, OutsideModelError) as e:
        # escape: a doc_id or path holding "[/x]" is text, not rich markup (MarkupError)
        error.print(f"[red]error:[/red] {escape(str(e))}", highlight=False)
        raise typer.Exit(1) from None
    Console().print(f"wrote {len(tagged.rows)} rows to {out}")
    if tagged.dropped:
        counts = ", ".join(f"{label} {n}" for label, n in tagged.dropped.most_common())
        error.print(
            f"dropped {sum(tagged.dropped.values())} spans with labels that are not ours "
            f"(map them with --label-map): {counts}",
            highlight=False,
        )


#: A label map is a small JSON object; anything larger is not one (``/dev/zero`` once
#: ended in MemoryError).
LABEL_MAP_MAX_BYTES = 1 << 20


def _check_label_map_file(path: Path) -> None:
    """PredictError for a --label-map that is not a regular file of at most 1 MiB, from its
    stat alone: a FIFO would block the reader forever and a device never ends."""
    import stat

    from nkworkers.baselines.benchmark.predict import PredictError

    try:
        st = path.stat()
    except FileNotFoundError:
        return  # the reader says "cannot read the label map" with the path
    except OSError as e:
        raise PredictError(f"{path}: cannot read the label map ({e.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise PredictError(f"{path}: not a regular file; pass --label-map a JSON file")
    if st.st_size > LABEL_MAP_MAX_BYTES:
        raise PredictError(
            f"{path}: {st.st_size:,} bytes; a label map is a JSON object of at most "
            f"{LABEL_MAP_MAX_BYTES:,} bytes"
        )


def systems_command() -> None:
    """List the baseline systems: name, task, zero-shot or trained, one line each."""
    from nkworkers.baselines.systems.catalog import CATALOG, line

    # the catalog, not the registry: importing every system takes seconds (a test keeps
    # the two equal)
    for name in CATALOG:
        typer.echo(line(name))


def register(app: typer.Typer) -> None:
    from nkworkers.baselines.systems.catalog import help_list

    listing = "Systems:\n\n" + help_list()
    app.command("benchmark", epilog=listing)(benchmark_command)
    app.command("predict", epilog=listing)(predict_command)
    app.command("systems")(systems_command)
