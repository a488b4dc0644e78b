"""Put a pull's files into annotations/ in one step that no crash can split.

``write_many`` alone is all or nothing against errors, but a process killed
between two of its renames leaves some files new and some old. So a pull
builds the whole new annotations/ beside the old one and swaps the two
folders with one ``renameat2(RENAME_EXCHANGE)`` call (Linux 3.15+, on ext4,
xfs, btrfs, tmpfs): at every instant annotations/ is the old tree or the new
one. Where the exchange is not available (another OS, a file system without
it, annotations/ being a mount point or a symlink), the files are written
with ``nkworkers.loaders.files.atomic.write_many``: all or nothing against errors, not
against a kill.

The staging folder, ``.nkw-pull.*`` at the checkout's root, holds the new
tree (unchanged files hard-linked, so staging costs no copy) and, after the
swap, the old one until it is removed; a killed pull leaves it behind, and
the next pull removes it. A pull holds the checkout's lock (an exclusive
``flock`` on the checkout folder, shared with ``build``) from reading the
corpus to the swap, so no other pull or build interleaves.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from nkworkers.loaders.corpus import ANNOTATIONS, RAW, CorpusError, Problem
from nkworkers.loaders.files.atomic import write_many
from nkworkers.loaders.files.swap import exchange, fsync_dir
from nkworkers.loaders.files.swap import locked as checkout_lock

STAGING_PREFIX = ".nkw-pull."


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the checkout's lock, the one ``build`` takes (``loaders.files.swap.locked``), and
    remove what a killed pull left behind. Raises CorpusError if another command holds it.
    """
    with checkout_lock(root):
        remove_stale(root)
        yield


def remove_stale(root: Path) -> list[Path]:
    """Remove staging folders of pulls that were killed; call with the lock held."""
    stale = sorted(root.glob(f"{STAGING_PREFIX}*"))
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def replace_files(
    root: Path, files: dict[str, bytes], check: Callable[[Path], list[Problem]]
) -> None:
    """Write ``files`` (paths relative to annotations/ -> bytes) into root/annotations/.

    ``check(staged_root)`` sees a checkout-shaped folder (raw/ and the new
    annotations/) before anything is swapped in; problems it returns abort the
    write. Raises CorpusError (from ``check``) or OSError; in both cases
    annotations/ is unchanged.
    """
    target = root / ANNOTATIONS
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
    try:
        staged = staging / ANNOTATIONS
        shutil.copytree(target, staged, symlinks=True, copy_function=_link_or_copy)
        # Writing over a hard link would change the old file too: write_many renames.
        write_many({staged / rel: data for rel, data in files.items()})
        (staging / RAW).symlink_to((root / RAW).resolve(), target_is_directory=True)
        problems = check(staging)
        if problems:
            raise CorpusError(problems)
        if target.is_symlink() or not exchange(staged, target):
            write_many({target / rel: data for rel, data in files.items()})
        fsync_dir(root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
