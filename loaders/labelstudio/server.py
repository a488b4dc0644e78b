"""Run a real Label Studio server on loopback, for the tests and the benchmarks.

The server lives in its own venv (it pins numpy 2.2 and pyarrow < 25, which
would downgrade the project's), listens on 127.0.0.1 on a free port
(``--internal-host``, not ``--host``, sets the address), uses a fresh data dir
and HOME, and is stopped through its process group, which its workers share.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 240
USERNAME = "admin@example.com"


class ServerError(RuntimeError):
    pass


@dataclass(frozen=True)
class Server:
    url: str
    token: str
    pid: int
    start_s: float  # seconds until the API answered


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str, token: str) -> bool:
    request = urllib.request.Request(
        f"{url}/api/projects", headers={"Authorization": f"Token {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def server_venv() -> Path:
    """NKW_LS_VENV or .cache/ls-venv, installed and checked by .ci/install-label-studio.sh.

    The script is run every time: it returns at once for a venv it has already
    seen start (from the committed constraints), and installs again otherwise.
    Raises ServerError with the script's one-line reason when the server
    cannot be installed or does not start.
    """
    venv = Path(os.environ.get("NKW_LS_VENV", REPO / ".cache" / "ls-venv"))
    script = REPO / ".ci" / "install-label-studio.sh"
    try:
        done = subprocess.run(
            ["bash", str(script), str(venv)], capture_output=True, text=True, timeout=1200
        )
    except subprocess.TimeoutExpired:
        raise ServerError(f"{script}: no answer in 1200 s installing Label Studio") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise ServerError(lines[-1] if lines else f"{script} exited {done.returncode}")
    return venv


def _stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _start_failure(url: str, log_path: Path) -> str:
    """One line: the server's last words (its log keeps the rest)."""
    tail = log_path.read_bytes()[-3000:].decode(errors="replace")
    last = [line.strip() for line in tail.splitlines() if line.strip()][-1:] or ["no output"]
    return f"Label Studio did not answer on {url}: {last[0][:300]} (full log: {log_path})"


@contextmanager
def _started(venv: Path, workdir: Path, token: str) -> Iterator[Server]:
    """A server on workdir/data (created, or a copy already there) and workdir/home."""
    home, data = workdir / "home", workdir / "data"
    home.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "HOME": str(home),
        "LABEL_STUDIO_BASE_DATA_DIR": str(data),
        "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '')}",
    }
    env.pop("VIRTUAL_ENV", None)
    command = [
        str(venv / "bin" / "label-studio"), "start",
        "--internal-host", "127.0.0.1", "--port", str(port), "--no-browser",
        "--username", USERNAME, "--password", secrets.token_hex(8),
        "--user-token", token, "--enable-legacy-api-token",
    ]  # fmt: skip
    log_path = home / "server.log"
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            while not answers(url, token):
                if proc.poll() is not None or time.perf_counter() - started > START_TIMEOUT_S:
                    raise ServerError(_start_failure(url, log_path))
                time.sleep(1)
            yield Server(url, token, proc.pid, time.perf_counter() - started)
        finally:
            _stop(proc)


def template_dir() -> Path:
    """Where a first start's data dir is kept: .cache/ls-data-<hash of the constraints file>,
    so a new resolution of the server gets a template of its own."""
    constraints = (REPO / ".ci" / "label-studio-constraints.txt").read_bytes()
    return REPO / ".cache" / f"ls-data-{hashlib.sha256(constraints).hexdigest()[:12]}"


def _make_template(venv: Path, workdir: Path, template: Path) -> None:
    """Start once on an empty data dir (the migrations: about 30 s), stop, keep the data dir
    and the admin's token (a loopback test credential) as the template."""
    token = secrets.token_hex(20)
    with _started(venv, workdir, token):
        pass
    staged = template.with_name(f"{template.name}.{os.getpid()}.tmp")
    shutil.copytree(workdir / "data", staged / "data")
    (staged / "token").write_text(token + "\n", encoding="utf-8")
    try:
        staged.rename(template)  # a template another session made meanwhile wins
    except OSError:
        shutil.rmtree(staged, ignore_errors=True)


@contextmanager
def running_server(workdir: Path, *, reuse_template: bool = False) -> Iterator[Server]:
    """Start a server with its data and HOME under workdir; stop it on exit.

    ``reuse_template``: start from a copy of the data dir a first start left
    (template_dir(), made on first use): the server answers after its
    restart time (about 5 s) instead of migrating an empty database (about
    30 s). The copy holds the admin user only; nothing of an earlier run.
    """
    venv = server_venv()
    if not reuse_template:
        with _started(venv, workdir, secrets.token_hex(20)) as server:
            yield server
        return
    template = template_dir()
    if not (template / "token").is_file():
        _make_template(venv, workdir / "first-start", template)
    shutil.copytree(template / "data", workdir / "data")
    token = (template / "token").read_text(encoding="utf-8").strip()
    with _started(venv, workdir, token) as server:
        yield server
