"""Ray for ``tag --engine ray``: joined or started quietly, and refused where it would hang.

- An ``--address`` is probed before ``ray.init`` is called: a TCP connection
  (5 s), then a GCS handshake in a child process that is killed after 15 s.
  ``ray.init`` itself retries an unreachable address for minutes (its C++
  client reconnects; with shorter Ray timeouts it ends the whole process), so
  a wrong address now fails in under 30 s with one line, before anything is
  written.
- Workers are counted against the cluster's CPUs: each actor asks for one
  CPU, and Ray Data waits forever for an actor pool that cannot fit (ray
  #44687). ``--workers`` above the cluster's CPUs is refused with both
  numbers; without ``--workers`` a run takes one worker per CPU (no more than
  it has units of input).
- Quiet by default: Ray's Python loggers (Ray Data's console handler; its
  log file keeps everything) are set to CRITICAL and its Python warnings
  ignored for the run, workers' output is not sent to the driver
  (``log_to_driver=False``), and actors are not restarted (Ray Data's
  default restarts print an error-level ``core_worker.cc`` line on every run
  and retry a failing batch forever). ``--ray-logs`` (``verbose=True``)
  leaves all of Ray's logging and warnings as Ray sets them; Ray's own
  ``RAY_*`` environment variables (e.g. ``RAY_BACKEND_LOG_LEVEL=debug``) are
  never overridden. Ray's log files stay in its session folder
  (``/tmp/ray/session_latest/logs``) either way.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from nkworkers.baselines.tagging.local import TagError

OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
# One thread per actor: a worker is one core's worth of tagging, so --workers
# scales the run; unpinned, each actor's torch and BLAS spread over every core
# and the actors fight over them.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
CONNECT_SECONDS = 5
PROBE_SECONDS = 15
# The child asks the GCS for the cluster id: what ray.init asks first.
_PROBE = "import sys, ray._raylet as r; print(r.GcsClient(address=sys.argv[1]).cluster_id.hex())"
# With these the child gives up by itself after about 8 s (Ray ends the process).
_PROBE_ENV = {
    "RAY_gcs_rpc_server_connect_timeout_s": "3",
    "RAY_gcs_rpc_server_reconnect_timeout_s": "5",
}


def _host_port(address: str) -> tuple[str, int]:
    bare = address.removeprefix("ray://")
    host, sep, port = bare.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise TagError(f"--address {address!r}: write HOST:PORT (e.g. 10.0.0.1:6379)")
    return host.strip("[]"), int(port)


def probe(address: str) -> None:
    """Refuse (TagError, one line, under 30 s) an address where no Ray cluster answers."""
    host, port = _host_port(address)
    try:
        socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TagError(
            f"--address {address}: no Ray cluster answers there ({reason}); start one with "
            "`ray start --head` or check the host and port"
        ) from None
    if address.startswith("ray://"):
        return  # Ray Client speaks its own protocol: the TCP answer is all we can check
    env = {**os.environ, **_PROBE_ENV}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, f"{host}:{port}"],
            capture_output=True, timeout=PROBE_SECONDS, env=env, check=False,
        )  # fmt: skip
        ok = done.returncode == 0
    except subprocess.TimeoutExpired:
        ok = False
    if not ok:
        raise TagError(
            f"--address {address}: something listens there, but no Ray cluster answered "
            f"within {PROBE_SECONDS} s; check the address (the head's GCS port, 6379 by default)"
        )


def fit_workers(requested: int | None, cpus: float, units: int) -> int:
    """Actors for the run: what was asked if the cluster's CPUs hold it, else TagError."""
    have = int(cpus)
    if have < 1:
        raise TagError(f"the Ray cluster has {cpus:g} CPUs; each worker needs one")
    if requested is not None and requested > have:
        raise TagError(
            f"--workers {requested} asks for {requested} CPUs (one per worker), but the Ray "
            f"cluster has {cpus:g}; pass --workers {have} or fewer"
        )
    return max(1, min(requested or have, units))


@contextmanager
def quiet(verbose: bool) -> Iterator[None]:
    """Ray's console logs and warnings silenced for the run (see the module docstring).

    Ray Data configures its loggers when it is first imported (a console
    handler and a file in the session folder), so it is imported here first;
    then only the console handlers are raised to CRITICAL, and Ray Data's log
    file keeps every record.
    """
    if verbose:
        yield
        return
    import ray.data  # noqa: F401 - its logging configuration must come before ours

    loggers = [logging.getLogger(name) for name in ("ray", "ray.train", "ray.tune")]
    consoles = [
        handler
        for handler in logging.getLogger("ray.data").handlers
        if isinstance(handler, logging.StreamHandler)
        and not isinstance(handler, logging.FileHandler)
    ]
    silenced: list[logging.Logger | logging.Handler] = [*loggers, *consoles]
    saved = [(x, x.level) for x in silenced]
    with ExitStack() as stack:
        stack.enter_context(warnings.catch_warnings())
        warnings.filterwarnings("ignore", module=r"ray(\.|$)")
        warnings.filterwarnings("ignore", message=".*ray_remote_args.*deprecated")
        for x, _ in saved:
            x.setLevel(logging.CRITICAL)
        try:
            yield
        finally:
            for x, level in saved:
                x.setLevel(level)


def connect(address: str | None, verbose: bool) -> bool:
    """Join ``address`` (probed by the caller) or start a local Ray; True when this run
    started it (and must stop it). The Ray this process is already connected to, if any,
    is used. Raises TagError.
    """
    import ray

    if ray.is_initialized():
        return False
    options: dict[str, Any] = {
        "runtime_env": {"env_vars": {**OFFLINE, **ONE_THREAD}},
        "log_to_driver": verbose,
    }
    if not verbose:
        options["logging_level"] = logging.CRITICAL
    try:
        if address:
            ray.init(address=address, **options)
        else:
            ray.init(num_cpus=os.cpu_count() or 1, include_dashboard=False, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"--address {address}" if address else "a local Ray"
        raise TagError(f"{where}: Ray did not start ({first_line(exc)})") from None
    return True


def cluster_cpus() -> float:
    import ray

    return float(ray.cluster_resources().get("CPU", 0.0))


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's text, without terminal colour codes."""
    import re

    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
