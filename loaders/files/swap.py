"""Put a built data/ tree and its generated files in place, safe at every instant.

A build writes data/ (a folder of parquet files) and two generated files
(README.md's YAML block, annotations/schema.json). No file system replaces a
folder and two files in one step, so the swap is made recoverable instead:

1. The new tree and files are written into ``.data-build-<random>/``. Killed
   here, that folder is garbage: the next start deletes it.
2. Commit point: the complete staging folder is renamed to ``.data-swap/``.
3. data/ and the new tree are exchanged in one ``renameat2(RENAME_EXCHANGE)``
   where the kernel offers it (else: data/ moved aside, the new tree moved in),
   then each generated file is renamed over its target, then ``.data-swap/``
   is renamed to garbage and deleted.

Every start of ``build`` or ``build --check`` first rolls a left-over
``.data-swap/`` forward (each step above can be redone: whether data/ is
already the new tree is told by its fingerprint), so after a kill at any
instant the next command finds data/, README.md and schema.json consistent.
An exclusive ``flock`` on the checkout folder itself (the kernel drops it
when its holder dies; no lock file is left) keeps two builds of one checkout
apart, and a build apart from an ``ls pull``, which takes the same lock
(nkworkers.loaders.labelstudio.swap): a build never reads a pull's half-done work.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nkworkers.loaders.corpus import CorpusError, Problem
from nkworkers.loaders.files.atomic import target_mode

DATA = "data"
SWAP = ".data-swap"
STAGING_PREFIX = ".data-build-"
FINGERPRINT = "fingerprint"
#: Generated files a build publishes: name inside the swap folder -> target.
GENERATED = {"README.md": "README.md", "schema.json": "annotations/schema.json"}
#: Left by earlier versions or killed runs; never hold anything to keep.
_STALE = (f"{STAGING_PREFIX}*", ".data-check-*")


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the checkout's lock (flock on the folder), or refuse with one clear problem.

    Raises:
        CorpusError: another build, check or pull holds the lock.
    """
    fd = os.open(root, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CorpusError(
                [
                    Problem(
                        str(root),
                        "<lock>",
                        "another nkworkers command is writing this corpus "
                        "(`build`, `build --check`, `ls pull` or `add-article`)",
                        "wait for it to finish, then run the command again",
                    )
                ]
            ) from None
        yield
    finally:
        os.close(fd)  # closing drops the flock


def new_staging(root: Path) -> Path:
    """An empty staging folder beside data/ (same file system, so renames work)."""
    return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))


def stage_file(root: Path, staging: Path, name: str, data: bytes) -> None:
    """Write a generated file into ``staging`` with the mode its target has now."""
    path = staging / name
    with path.open("wb") as handle:
        handle.write(data)
        os.fchmod(handle.fileno(), target_mode(root / GENERATED[name]))
        handle.flush()
        os.fsync(handle.fileno())


def publish(root: Path, staging: Path, fingerprint: str) -> None:
    """Commit a complete staging folder (data/ plus GENERATED) and swap it in."""
    (staging / FINGERPRINT).write_text(fingerprint, encoding="ascii")
    _fsync_tree(staging)
    os.rename(staging, root / SWAP)  # the commit point
    fsync_dir(root)
    _apply(root, root / SWAP, installed=False)


def tree_fingerprint(out: Path) -> str:
    """sha256 over the relative paths and contents of every parquet file under ``out``."""
    digest = hashlib.sha256()
    for path in sorted(out.rglob("*.parquet")):
        digest.update(path.relative_to(out).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def recover(root: Path) -> list[str]:
    """Finish or clean up what a killed build left; say what was done.

    A committed swap (``.data-swap/``) is rolled forward; staging folders
    and leftovers of older versions are deleted (an old ``.data-old/`` is
    moved back when data/ is missing: that build was killed mid-swap).
    """
    done = []
    old = root / ".data-old"
    if old.is_dir() and not (root / DATA).exists():
        os.rename(old, root / DATA)
        done.append("restored data/ from .data-old/ (a build was killed mid-swap)")
    for pattern in (*_STALE, ".data-old"):
        for path in sorted(root.glob(pattern)):
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"removed {path.name}/ left by a killed build")
    swap = root / SWAP
    if swap.is_dir():
        _apply(root, swap, installed=None)
        done.append("finished the swap of a build that was killed while swapping")
    return done


def _apply(root: Path, swap: Path, installed: bool | None) -> None:
    """Redo every step of the swap that is not done yet (idempotent).

    ``installed``: whether data/ already is the new tree; None to find out
    from the fingerprint (only a recovery pays for reading data/ again).
    """
    new = swap / DATA
    if new.is_dir():
        target = root / DATA
        if installed is None:
            recorded = (swap / FINGERPRINT).read_text(encoding="ascii")
            installed = target.is_dir() and tree_fingerprint(target) == recorded
        if not installed:
            _install(target, new, swap / "old")
    for name, target_name in GENERATED.items():
        if (swap / name).exists():
            os.replace(swap / name, root / target_name)
    garbage = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}done-", dir=root))
    os.rename(swap, garbage / SWAP)  # from here on, any leftover is plain garbage
    fsync_dir(root)
    shutil.rmtree(garbage, ignore_errors=True)


def _install(target: Path, new: Path, aside: Path) -> None:
    """Make ``new`` the folder at ``target``; data/ never goes missing where the kernel helps."""
    if target.is_dir() and exchange(target, new):
        return
    if target.exists():
        shutil.rmtree(aside, ignore_errors=True)
        os.rename(target, aside)
    os.rename(new, target)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
# errno values meaning "this system or file system cannot exchange": fall back.
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP}


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE).

    Returns False where the system or file system cannot exchange (callers then
    fall back to renames). Raises OSError for any other failure (permissions,
    a missing path).
    """
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (renames into it) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """Flush every file and folder under ``folder`` before it is committed."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        else:
            fsync_dir(path)
    fsync_dir(folder)
