"""crfsuite's model file, checked in Python before the C library reads a byte of it.

crfsuite trusts every count and offset in a model file (no magic, size or
bounds check: crfsuite pull request #24), so a truncated or corrupted file
crashes the process with a segmentation fault, and a bucket table without an
empty slot loops forever. :func:`check` mirrors every read the library
makes, from its source (chokkan/crfsuite, the code python-crfsuite 0.9
compiles): ``crf1dm_new``, ``crf1dm_get_labelref``, ``crf1dm_get_attrref``,
``crf1dm_get_feature`` and ``crf1dt_transition_score`` /
``crf1dt_state_score`` in lib/crf/src/crf1d_model.c and crf1d_tag.c, and
``cqdb_reader``, ``cqdb_to_id``, ``cqdb_to_string`` in lib/cqdb/src/cqdb.c.
A file that passes can only make the library read inside the file and write
inside its L x L and T x L score tables:

- header (48 bytes, little-endian): magic ``lCRF``, the file size it records
  equal to the real size, type ``FOMC``, version 100;
- ``FEAT``: as many records of 20 bytes as the chunk counts (type, src, dst, weight);
  type 0 (state: src an attribute) or 1 (transition: src a label); every
  dst a label (crfsuite adds to ``state[dst]`` and sets ``trans[dst]`` unchecked);
- the label and attribute string databases (CQDB): header, 256 bucket
  tables inside the chunk, each with an empty slot; every record inside the
  chunk with its key NUL-terminated there and its id in range; a backward
  array naming a record of each id;
- ``LFRF`` / ``AFRF``: an offset per label / attribute to a list of feature
  ids inside the file, each naming a transition feature from that label / a
  state feature of that attribute.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from nkworkers.baselines.systems.safe import paths

HEADER = struct.Struct("<4sI4s9I")  # 48 bytes
CHUNK = struct.Struct("<4sII")  # chunk id, size, count: 12 bytes
CQDB_HEADER = struct.Struct("<4s5I")  # id, size, flag, byte order, bwd size, bwd offset
CQDB_TABLES = 256
CQDB_DATA = CQDB_HEADER.size + 8 * CQDB_TABLES  # first record
BYTE_ORDER = 0x62445371
FEATURE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])
MAX_LABELS = 10_000  # crfsuite allocates L x L tables; our layers have at most 37 tags
MAX_FILE = 2 * 1024**3


class CrfFileError(ValueError):
    """What is wrong with a crfsuite model file (the caller adds the path and the fix)."""


def check(path: Path) -> list[str]:
    """The label strings of a crfsuite model file, in id order, once its structure is checked.

    Raises CrfFileError, FileNotFoundError, or FolderError for a file that is
    not plain (a link, a FIFO).
    """
    return check_bytes(paths.read_bytes(path, MAX_FILE))


def check_bytes(data: bytes) -> list[str]:
    """:func:`check` on the bytes of a model file."""
    if len(data) < HEADER.size:
        raise CrfFileError(f"{len(data)} bytes, shorter than crfsuite's 48-byte header")
    magic, size, kind, version, n_feat, n_lab, n_attr, *offsets = HEADER.unpack_from(data)
    off_feat, off_lab, off_attr, off_labref, off_attref = offsets
    if magic != b"lCRF":
        raise CrfFileError(f"starts with {magic!r}, not crfsuite's magic b'lCRF'")
    if size != len(data):
        raise CrfFileError(
            f"the header records {size} bytes, the file has {len(data)} (cut short?)"
        )
    if kind != b"FOMC" or version != 100:
        raise CrfFileError(f"model type {kind!r} version {version}, not b'FOMC' version 100")
    if not 1 <= n_lab <= MAX_LABELS:
        raise CrfFileError(f"{n_lab} labels (1 to {MAX_LABELS} expected)")
    buf = np.frombuffer(data, dtype=np.uint8)
    features = _features(data, off_feat, n_feat, n_lab, n_attr)
    labels = _cqdb(buf, off_lab, n_lab, "label")
    _cqdb(buf, off_attr, n_attr, "attribute")
    _refs(data, buf, off_labref, b"LFRF", features, kind=1, n=n_lab)
    _refs(data, buf, off_attref, b"AFRF", features, kind=0, n=n_attr)
    return labels


def _u32(buf: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Little-endian uint32 at each (unaligned) byte position; positions already bounded."""
    at = at.astype(np.int64)
    out = np.zeros(len(at), dtype=np.uint64)
    for i in range(4):
        out |= buf[at + i].astype(np.uint64) << np.uint64(8 * i)
    return out


def _inside(start: int, length: int, limit: int) -> bool:
    return start >= 0 and length >= 0 and start + length <= limit


def _chunk(data: bytes, offset: int, name: bytes, items: int, item_size: int) -> None:
    """A chunk header at offset, and room for ``items`` items after it.

    crfsuite's trainer writes label references for L + 2 labels (BOS, EOS),
    so a chunk may count more items than the reader uses, never fewer.
    """
    if not _inside(offset, CHUNK.size + items * item_size, len(data)):
        raise CrfFileError(f"the {name.decode()} chunk at {offset} runs past the end of the file")
    got, _, count = CHUNK.unpack_from(data, offset)
    if got != name or count < items:
        raise CrfFileError(f"at {offset}: chunk {got!r} of {count} items, not {name!r} of {items}")


def _features(data: bytes, offset: int, n_feat: int, n_lab: int, n_attr: int) -> np.ndarray:
    # crfsuite's writer leaves the header's num_features at 0: the chunk counts them
    if not _inside(offset, CHUNK.size, len(data)):
        raise CrfFileError(f"the FEAT chunk at {offset} runs past the end of the file")
    n_feat = n_feat or CHUNK.unpack_from(data, offset)[2]
    _chunk(data, offset, b"FEAT", n_feat, FEATURE.itemsize)
    feats = np.frombuffer(data, dtype=FEATURE, count=n_feat, offset=offset + CHUNK.size)
    kinds, src, dst = feats["type"], feats["src"], feats["dst"]
    wrong = (kinds > 1) | (dst >= n_lab) | np.where(kinds == 0, src >= n_attr, src >= n_lab)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise CrfFileError(
            f"feature {i} (type {kinds[i]}, {src[i]} -> {dst[i]}) names a label or attribute "
            f"beyond the {n_lab} labels and {n_attr} attributes"
        )
    if not np.isfinite(feats["weight"]).all():
        raise CrfFileError("a feature weight is NaN or infinite")
    return feats


def _cqdb(buf: np.ndarray, offset: int, n_ids: int, what: str) -> list[str]:
    """Check one string database; return its strings by id (labels are read, attributes not)."""
    if not _inside(offset, CQDB_DATA, len(buf)):
        raise CrfFileError(f"the {what} database at {offset} runs past the end of the file")
    chunk_id, size, _, order, bwd_size, bwd_offset = CQDB_HEADER.unpack_from(buf.data, offset)
    if chunk_id != b"CQDB" or order != BYTE_ORDER:
        raise CrfFileError(f"the {what} database at {offset} has no CQDB header")
    if not CQDB_DATA <= size <= len(buf) - offset:
        raise CrfFileError(f"the {what} database records {size} bytes, more than the file holds")
    chunk = buf[offset : offset + size]
    refs = np.frombuffer(chunk, dtype="<u4", count=2 * CQDB_TABLES, offset=CQDB_HEADER.size)
    records: list[np.ndarray] = []
    for table_offset, slots in refs.reshape(-1, 2).astype(np.int64):
        if (table_offset == 0) != (slots == 0) or not _inside(table_offset, 8 * slots, size):
            raise CrfFileError(f"a {what} hash table lies outside its database")
        if slots:
            buckets = np.frombuffer(chunk, "<u4", count=2 * slots, offset=table_offset)
            used = buckets[1::2]
            if used.all():  # cqdb_to_id probes until an empty slot: it would never stop
                raise CrfFileError(f"a {what} hash table has no empty slot")
            records.append(used[used != 0])
    found = np.concatenate(records) if records else np.zeros(0, np.uint32)
    if n_ids and (bwd_offset == 0 or bwd_size < n_ids or not _inside(bwd_offset, 4 * n_ids, size)):
        raise CrfFileError(f"the {what} database has no id -> string array for {n_ids} ids")
    backward = np.frombuffer(chunk, "<u4", count=n_ids, offset=bwd_offset) if n_ids else found[:0]
    ids = _records(chunk, np.concatenate([found, backward]).astype(np.int64), n_ids, what)
    if (ids[len(found) :] != np.arange(n_ids)).any():
        raise CrfFileError(f"the {what} database's id -> string array is not in id order")
    if what != "label":
        return []
    return [_key(chunk, int(r)) for r in backward]


def _records(chunk: np.ndarray, at: np.ndarray, n_ids: int, what: str) -> np.ndarray:
    """Each record (int32 id, uint32 key size, key with its NUL) inside the chunk; their ids."""
    if ((at < CQDB_DATA) | (at + 8 > len(chunk))).any():
        raise CrfFileError(f"a {what} record lies outside its database")
    ids, ksize = _u32(chunk, at), _u32(chunk, at + 4).astype(np.int64)
    end = at + 8 + ksize
    if ((ksize < 1) | (end > len(chunk))).any():
        raise CrfFileError(f"a {what} string runs past the end of its database")
    if (chunk[end - 1] != 0).any():
        raise CrfFileError(f"a {what} string is not NUL-terminated")
    if (ids >= n_ids).any():
        raise CrfFileError(f"a {what} record has an id beyond the {n_ids} {what}s")
    return ids


def _key(chunk: np.ndarray, record: int) -> str:
    size = int(_u32(chunk, np.array([record + 4]))[0])
    raw = chunk[record + 8 : record + 8 + size - 1].tobytes().split(b"\0", 1)[0]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CrfFileError(f"the label {raw[:40]!r} is not UTF-8") from None


def _refs(
    data: bytes,
    buf: np.ndarray,
    offset: int,
    name: bytes,
    features: np.ndarray,
    *,
    kind: int,
    n: int,
) -> None:
    """Per label (LFRF) or attribute (AFRF): a list of feature ids of that kind and source."""
    _chunk(data, offset, name, n, 4)
    starts = _u32(buf, offset + CHUNK.size + 4 * np.arange(n, dtype=np.int64)).astype(np.int64)
    if ((starts + 4) > len(buf)).any():
        raise CrfFileError(f"a {name.decode()} list starts past the end of the file")
    counts = _u32(buf, starts).astype(np.int64)
    if ((starts + 4 + 4 * counts) > len(buf)).any():
        raise CrfFileError(f"a {name.decode()} list runs past the end of the file")
    owner = np.repeat(np.arange(n, dtype=np.int64), counts)
    first = np.repeat(starts + 4, counts)
    step = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(counts) - counts, counts
    )
    fids = _u32(buf, first + 4 * step).astype(np.int64)
    if (fids >= len(features)).any():
        raise CrfFileError(f"a {name.decode()} list names a feature beyond the {len(features)}")
    picked = features[fids]
    if ((picked["type"] != kind) | (picked["src"] != owner)).any():
        raise CrfFileError(f"a {name.decode()} list names a feature of another kind or source")
