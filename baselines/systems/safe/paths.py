"""A folder from elsewhere, listed with ``lstat`` and read without following links.

:func:`walk` lists every entry under a folder before any file is opened: each
is a plain file or a plain folder (a symbolic link, FIFO, socket or device is
refused, wherever it points, so a link to ``/etc/shadow`` is never opened),
and each name is a plain relative name (:data:`NAME` per part: no ``..``, no
absolute path). Files are then opened only through
:func:`open_regular` (``O_NOFOLLOW | O_NONBLOCK``, checked with ``fstat``), so
a file swapped for a link or a FIFO after the listing is refused too, and a
FIFO never blocks the reader.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from nkworkers.loaders.files import jsonio

#: One part of a name inside a folder: what train, spaCy's ``to_disk`` and
#: transformers' ``save_pretrained`` write (``ner/model``, ``1_Pooling/config.json``).
NAME = re.compile(r"(?!\.\.?$)[A-Za-z0-9._-]{1,128}")
MAX_ENTRIES = 20_000  # files and folders under one model folder
MAX_DEPTH = 8
#: A JSON or config file a loader reads whole (model.json, config.json, config.cfg).
MAX_SMALL_FILE = 16 * 1024 * 1024
_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


class FolderError(ValueError):
    """A folder or a file in it that is refused: one line with the folder, the file and the fix."""


class MissingFile(FolderError, FileNotFoundError):
    """A file a loader needs is not in the folder (a FileNotFoundError too, as System.load says)."""


@dataclass(frozen=True)
class Listing:
    """What :func:`walk` found: relative posix names of plain files (with sizes) and folders."""

    root: Path
    files: dict[str, int]
    folders: frozenset[str]

    def has(self, name: str) -> bool:
        return name in self.files

    def under(self, prefix: str) -> list[str]:
        """The files under the sub-folder ``prefix`` (names relative to the root)."""
        return sorted(n for n in self.files if n.startswith(prefix.rstrip("/") + "/"))


def plain_name(name: object) -> bool:
    """Whether ``name`` is a relative posix path of plain parts (no ``..``, ``/x``, ``\\``)."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return False
    parts = name.split("/")
    return len(parts) <= MAX_DEPTH and all(NAME.fullmatch(p) for p in parts)


def check_name(folder: Path, name: object, where: str, fix: str) -> str:
    """``name`` itself if it is a plain name inside folder; FolderError naming ``where`` if not."""
    if not plain_name(name):
        raise FolderError(
            f"{folder}: {where} names {_show(name)}, which is not a plain file name inside "
            f"the folder (no '..', no absolute path, no link); {fix}"
        )
    assert isinstance(name, str)
    return name


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "..."


def walk(folder: Path, fix: str) -> Listing:
    """Every entry under folder, by ``lstat``; FolderError for anything but plain files and folders.

    The folder itself may be reached through a link (``models/current``);
    nothing inside it may be one. Nothing is opened.
    """
    try:
        top = os.stat(folder)
    except FileNotFoundError:
        raise MissingFile(f"{folder}: missing; {fix}") from None
    except OSError as exc:
        raise FolderError(f"{folder}: cannot be read ({exc.strerror}); {fix}") from None
    if not stat.S_ISDIR(top.st_mode):
        raise FolderError(f"{folder}: not a folder; {fix}")
    files: dict[str, int] = {}
    folders: set[str] = set()
    pending = [PurePosixPath()]
    while pending:
        relative = pending.pop()
        try:
            entries = sorted(os.scandir(folder / relative), key=lambda e: e.name)
        except OSError as exc:
            raise FolderError(
                f"{folder}: {relative} cannot be listed ({exc.strerror}); {fix}"
            ) from None
        for entry in entries:
            name = (relative / entry.name).as_posix()
            if not plain_name(name):
                raise FolderError(
                    f"{folder}: holds {_show(name)}, which is not a plain file name "
                    f"(letters, digits, '._-', not '.' or '..', at most {MAX_DEPTH} levels); {fix}"
                )
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                folders.add(name)
                pending.append(relative / entry.name)
            elif stat.S_ISREG(mode):
                files[name] = entry.stat(follow_symlinks=False).st_size
            else:
                kind = _KINDS.get(stat.S_IFMT(mode), "not a plain file")
                raise FolderError(
                    f"{folder}: {name} is {kind}; a model folder holds plain files only "
                    f"and is never read through links; {fix}"
                )
            if len(files) + len(folders) > MAX_ENTRIES:
                raise FolderError(f"{folder}: more than {MAX_ENTRIES} entries; {fix}")
    return Listing(folder, files, frozenset(folders))


FOLDER_FILES = "a model folder holds plain files only and is never read through links"


def open_regular(path: Path, why: str = FOLDER_FILES) -> int:
    """A read-only descriptor of a plain file: never through a link, never blocking on a FIFO.

    Raises FolderError for a link (ELOOP), FIFO, device or socket (the
    message ends with ``why``), and FileNotFoundError for a missing file.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise  # the caller says what it expected there
    except OSError as exc:  # ELOOP: a link; EACCES; ...
        raise FolderError(
            f"{path}: cannot be opened as a plain file ({exc.strerror}); {why}"
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise FolderError(f"{path}: not a plain file (a FIFO, device, socket or folder); {why}")
    return fd


def read_bytes(path: Path, limit: int = MAX_SMALL_FILE, why: str = FOLDER_FILES) -> bytes:
    """The whole of a plain file of at most ``limit`` bytes (FolderError otherwise)."""
    fd = open_regular(path, why)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FolderError(
            f"{path}: larger than {limit:,} bytes, more than such a file ever holds; {why}"
        )
    return data


def load_json(path: Path, fix: str) -> tuple[Any, str]:
    """A small JSON file parsed strictly (loaders.files.jsonio), and its text; FolderError."""
    try:
        text = jsonio.decode(read_bytes(path, why=fix))
        return jsonio.loads(text), text
    except FileNotFoundError:
        raise MissingFile(f"{path}: missing; {fix}") from None
    except jsonio.JsonError as exc:
        raise FolderError(f"{path}: {exc.message}; {fix}") from None


def read_json(path: Path, fix: str) -> Any:
    """A small JSON file parsed strictly; FolderError naming it and the fix."""
    return load_json(path, fix)[0]


def head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a plain file."""
    with os.fdopen(open_regular(path), "rb") as handle:
        return handle.read(size)


def sha256(path: Path) -> str:
    """sha256 hex digest of a plain file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with os.fdopen(open_regular(path), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def names_outside(listing: Listing, allowed: Iterable[str]) -> list[str]:
    """Files of the listing that are not among ``allowed`` (sorted)."""
    return sorted(set(listing.files) - set(allowed))


# Pickles ---------------------------------------------------------------------

# By suffix; ``.bin`` is not among them: spaCy's to_disk writes msgpack .bin
# files. A torch.save file (a zip holding data.pkl) is caught by its content.
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt")
# Pickle protocol 2+ starts with PROTO (0x80) and the protocol number.
PICKLE_MAGIC = tuple(bytes([0x80, n]) for n in range(2, 6))


def _zip_with_pickle(path: Path) -> bool:
    import zipfile

    try:
        with os.fdopen(open_regular(path), "rb") as handle, zipfile.ZipFile(handle) as archive:
            return any(n.endswith((".pkl", ".pickle")) for n in archive.namelist())
    except (zipfile.BadZipFile, OSError, FolderError):
        return False


def pickle_like(listing: Listing) -> list[str]:
    """Files of the listing that are, or hold, pickles: by suffix, magic bytes or zip content."""
    bad = []
    for name in sorted(listing.files):
        path = listing.root / name
        start = head(path, 2)
        # A safetensors file opens with its header length, which may look like
        # the magic; its reader never unpickles, so only the suffix counts there.
        magic = start in PICKLE_MAGIC and not name.endswith(".safetensors")
        zipped = start == b"PK" and _zip_with_pickle(path)
        if name.lower().endswith(PICKLE_SUFFIXES) or magic or zipped:
            bad.append(name)
    return bad
