"""Write files so that a crash or an error never leaves one half-written.

One file: written to a temporary file beside it, fsynced, renamed over it.
Several files (``write_many``): every file is staged first; then each target
is swapped in, the old one kept aside; if any swap fails, every swapped
target is put back, so the set is all new or all old. A staged file takes
the mode of the file it replaces, or the umask's default for a new file
(``mkstemp`` alone would leave 0600).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def target_mode(path: Path) -> int:
    """The mode a file written at ``path`` should have: the old file's, else 0666 & ~umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def stage_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to a fsynced temporary file beside ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), target_mode(path))
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def writes_through(path: Path) -> bool:
    """``path`` is a symlink, device, FIFO or socket: written through, not renamed over."""
    try:
        mode = path.lstat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename over it.

    A symlink, device, FIFO or socket (``/dev/null``, ``/dev/stdout``, a pipe)
    is written through, in place: renaming over it would replace the link or
    the device node itself with a regular file (run as root, the machine's
    /dev/null or /dev/stdout).
    """
    if writes_through(path):
        with path.open("wb") as handle:
            handle.write(data)
        return
    tmp = stage_bytes(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_many(files: dict[Path, bytes]) -> None:
    """Replace every file of ``files`` or none of them.

    Raises:
        OSError: staging or a swap failed; every target then holds its old
            content (or is absent again if it was new), and no staged or
            backup file is left behind.
    """
    staged: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            staged[path] = stage_bytes(path, data)
    except BaseException:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        raise
    done: list[tuple[Path, Path | None]] = []  # (target, its backup or None if new)
    try:
        for path, tmp in staged.items():
            backup = None
            if path.exists():
                backup = path.with_name(f".{path.name}.{os.getpid()}.bak")
                os.link(path, backup)
            done.append((path, backup))
            os.replace(tmp, path)
    except BaseException:
        _restore(done)
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        raise
    for _, backup in done:
        if backup is not None:
            backup.unlink(missing_ok=True)


def _restore(done: list[tuple[Path, Path | None]]) -> None:
    for path, backup in reversed(done):
        if backup is None:
            path.unlink(missing_ok=True)
        else:
            os.replace(backup, path)
            # rename() between two links of one file (the swap that failed) does
            # nothing and leaves the backup's name behind.
            backup.unlink(missing_ok=True)


def dumps_json(obj: Any) -> str:
    """The one JSON layout of committed files: stable keys order, UTF-8, newline at end."""
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def write_json(path: Path, obj: Any) -> None:
    write_text(path, dumps_json(obj))
