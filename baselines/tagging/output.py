"""Where ``nkworkers tag`` writes: parts while running, one file at the end, records beside it.

While a run goes, each tagged batch is committed as its own part file
(``.OUT.parts/part-NNNNNN.jsonl``, written atomically), so a crash loses at
most the batch in flight and ``--resume`` finds every doc_id already done in
the parts and in OUT. At the end the previous OUT (when resuming) and the
parts are merged (nkworkers.baselines.tagging.merge) into one staged file
that is renamed onto OUT: OUT is either the old file or the complete new
one, never half-written. Beside OUT:

- ``OUT-stem.rejects.jsonl``: one JSON object per rejected input row
  (source, line, doc_id, reason), rewritten by each run;
- ``OUT-stem.models.json``: the model set that tagged OUT (each model's
  system, task and the sha256 of its model.json). ``--resume`` compares it
  with the models it is given and refuses another set: rows with different
  layers or from different weights must not end up in one file.

A run holds an exclusive lock (``flock``) on the parts folder from start to
end, so a second run on the same OUT, resuming or not, is refused at once
instead of interleaving its parts and rejects with the first one's.

Refused before anything is written (:class:`Output` raises OutputError): an
OUT that is the input (also through a symlink, a hard link or another
spelling), an input that is one of the files the run writes (the rejects
file, the models record, the parts), and any of those inside a corpus
checkout's raw/, annotations/ or data/ (as ``predict`` refuses them).

OUT is JSONL or parquet by its suffix. Parquet gets a fixed schema for the
prediction layers and ``claims`` (nkworkers.baselines.tagging.merge);
carried-through columns keep the types pyarrow infers, or become JSON text
when the rows disagree on a column's type. Control measures have a ``score``
field only when a system scored them, and ``control_scores`` keeps each
sentence's scores as a map (category -> score), which pyarrow reads back as
(key, value) pairs.

A row tagged with both an attribution and a control model carries ``claims``
(:func:`add_claims`): who reports which measure, by the one carrying rule
(nkworkers.loaders.claims), each span with its text and each claim with its
sentence, in the shape of the ``documents`` config's claims column.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nkworkers.baselines.tagging import merge
from nkworkers.loaders.corpus import (
    ANNOTATIONS,
    MANIFEST,
    CorpusError,
    refuse_writing_into_corpus,
)
from nkworkers.loaders.files.atomic import dumps_json, write_bytes, write_text, writes_through

Row = dict[str, Any]
RECORD_FORMAT = "nkworkers-tag-models"


def add_claims(row: Row, text: str) -> None:
    """Give ``row`` its ``claims`` when it holds the attribution and the control layers."""
    if "attributions" in row and "control_measures" in row:
        from nkworkers.loaders.claims import derive_claims
        from nkworkers.loaders.dataset.claim_rows import claim_json

        row["claims"] = [claim_json(c) for c in derive_claims(row, text=text)]


def rejects_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.rejects.jsonl")


def record_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.models.json")


def model_set(metas: Sequence[tuple[Path, dict[str, Any]]]) -> list[dict[str, str]]:
    """What the models record holds for (folder, model.json) pairs, sorted by task."""
    entries = [
        {
            "task": str(meta.get("task")),
            "system": str(meta.get("system")),
            "model_json_sha256": hashlib.sha256(
                json.dumps(meta, sort_keys=True, ensure_ascii=False).encode("utf-8")
            ).hexdigest(),
            "folder": str(folder),
        }
        for folder, meta in metas
    ]
    return sorted(entries, key=lambda e: (e["task"], e["system"]))


def _same_models(a: list[dict[str, str]], b: list[dict[str, str]]) -> bool:
    def key(entries: list[dict[str, str]]) -> list[tuple[str, str, str]]:
        return sorted((e["task"], e["system"], e["model_json_sha256"]) for e in entries)

    return key(a) == key(b)


def _describe(entries: list[dict[str, str]]) -> str:
    return ", ".join(f"{e['system']} ({e['model_json_sha256'][:12]})" for e in entries)


class OutputError(ValueError):
    """An OUT refused (see the module docstring): one line naming it, with the fix."""


class Output:
    """The output of one run; see the module docstring. Raises OutputError on a refused OUT."""

    def __init__(self, out: Path, *, resume: bool, input_path: Path | None = None) -> None:
        self.out, self.resume = out, resume
        self.kind = out.suffix.lower().lstrip(".")
        if self.kind not in ("jsonl", "parquet"):
            raise OutputError(f"{out}: write .jsonl or .parquet (the suffix picks the format)")
        self.parts = out.with_name(f".{out.name}.parts")
        self.staged = out.with_name(f".{out.name}.staged")
        self.rejects = self.parts / "rejects.jsonl"
        self.record = self.parts / "models.json"
        try:
            self._refuse(input_path)
        except OSError as exc:  # a name too long, a folder that cannot be searched
            raise OutputError(f"{out}: cannot use this path ({exc.strerror or exc})") from None
        self.count = 0
        self.rejected = 0
        self.done: set[str] = set()

    def _refuse(self, input_path: Path | None) -> None:
        out = self.out
        self._refuse_paths(input_path)
        if out.is_dir():
            raise OutputError(f"{out}: is a folder; --out names a .jsonl or .parquet file")
        if not self.resume and out.exists():
            raise OutputError(f"{out}: already exists; pass --resume to add to it, or remove it")
        if self.parts.exists():
            if _locked(self.parts):
                raise OutputError(
                    f"{out}: another nkworkers tag run is writing it now; wait for it"
                )
            if not self.resume:
                raise OutputError(
                    f"{self.parts}: left by an interrupted run; pass --resume to continue it, "
                    "or remove the folder"
                )

    def written(self) -> list[Path]:
        """Every path this run may write or replace."""
        return [self.out, rejects_path(self.out), record_path(self.out), self.parts, self.staged]

    def _refuse_paths(self, input_path: Path | None) -> None:
        targets = self.written()
        if input_path is not None and input_path.exists():
            inside = self.parts.resolve() in input_path.resolve().parents
            for target in targets:
                if inside or _same(input_path, target):
                    raise OutputError(
                        f"{self.out}: the run would overwrite its own input {input_path}; "
                        "choose another --out"
                    )
        for root in _checkouts_above(targets):
            try:
                refuse_writing_into_corpus(root, self.out, targets)
            except CorpusError as exc:
                raise OutputError(str(exc.problems[0])) from None

    def check_models(self, models: list[dict[str, str]]) -> None:
        """Refuse (OutputError) a model set other than the one that wrote OUT or the parts."""
        part_files = self._part_files() if self.parts.exists() else []
        for path, holds, needed in (
            (record_path(self.out), self.out, self.out.exists()),
            (self.record, self.parts, bool(part_files)),
        ):
            if not needed:
                continue
            recorded = _read_record(path)
            if recorded is None:
                raise OutputError(
                    f"{holds}: no record of the models that wrote it ({path.name} is missing "
                    "or unreadable); --resume needs it: write to a new --out instead"
                )
            if not _same_models(recorded, models):
                raise OutputError(
                    f"{holds} was tagged by {_describe(recorded)}, not by the models given "
                    f"({_describe(models)}); resume with the same --model folders, "
                    "or write to a new --out"
                )

    @contextmanager
    def running(self, models: list[dict[str, str]]) -> Iterator[Output]:
        """Create and lock the parts folder for the run, record the models, read the doc_ids
        already done (``self.done``); on an error before any part was written, remove what
        this run created, so that nothing blocks the next run. Raises OutputError."""
        created = not self.parts.exists()
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # FileExistsError too: a file where a folder of the path goes
            raise OutputError(
                f"{self.out}: cannot make its folder {self.out.parent} "
                f"({exc.strerror or exc}); choose another --out"
            ) from None
        try:
            self.parts.mkdir(exist_ok=self.resume)
            fd = os.open(self.parts, os.O_RDONLY | os.O_DIRECTORY)
        except FileExistsError:
            raise OutputError(f"{self.out}: another nkworkers tag run started on it") from None
        except OSError as exc:
            raise OutputError(f"{self.out}: cannot write there ({exc.strerror})") from None
        locked, first_part = False, 0
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise OutputError(
                    f"{self.out}: another nkworkers tag run is writing it now; wait for it"
                ) from None
            locked = True
            self.check_models(models)  # again, under the lock
            with _writing(self.out):
                write_text(self.record, dumps_json({"format": RECORD_FORMAT, "models": models}))
                self.rejects.write_bytes(b"")
            self.count = first_part = len(self._part_files())
            self.done = self._done_ids()
            yield self
        except BaseException:
            if locked and created and self.count == first_part and self.parts.exists():
                shutil.rmtree(self.parts, ignore_errors=True)
            raise
        finally:
            os.close(fd)

    def _part_files(self) -> list[Path]:
        return sorted(self.parts.glob("part-*.jsonl"))

    def _done_ids(self) -> set[str]:
        """doc_ids already in OUT or in the parts of an interrupted run."""
        sources = [*([self.out] if self.out.exists() else []), *self._part_files()]
        try:
            return {str(row["doc_id"]) for source in sources for row in merge.rows(source)}
        except Exception as exc:  # a hand-edited or damaged OUT or part (pyarrow, JSON, keys)
            raise OutputError(
                f"{self.out}: cannot read the rows already written ({_first_line(exc)}); "
                "it was changed since a run wrote it: restore it, or write to a new --out"
            ) from None

    def write_part(self, rows: list[Row]) -> None:
        if not rows:
            return
        # default=str: carried-through values JSON cannot hold (dates, bytes) as text,
        # as the Ray engine sends them.
        data = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
        with _writing(self.out):
            write_bytes(self.parts / f"part-{self.count:06d}.jsonl", data.encode("utf-8"))
        self.count += 1

    def add_rejects(self, rejects: list[dict[str, Any]]) -> None:
        if not rejects:
            return
        self.rejected += len(rejects)
        with _writing(self.out), self.rejects.open("a", encoding="utf-8") as handle:
            for reject in rejects:
                handle.write(json.dumps(reject, ensure_ascii=False) + "\n")

    def finish(self) -> int:
        """Merge into OUT atomically, records beside it; return OUT's row count."""
        with _writing(self.out):
            return self._finish()

    def _finish(self) -> int:
        sources = [*([self.out] if self.out.exists() else []), *self._part_files()]
        if self.kind == "jsonl":
            written = merge.write_jsonl(self.staged, sources)
        else:
            written = merge.write_parquet(self.staged, sources)
        # The record first: a crash after it leaves OUT old or new, both of these models.
        write_bytes(record_path(self.out), self.record.read_bytes())
        if writes_through(self.out):  # --out /dev/stdout: renaming over it replaced the link
            with self.staged.open("rb") as source, self.out.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            self.staged.unlink()
        else:
            os.replace(self.staged, self.out)
        target = rejects_path(self.out)
        if self.rejected:
            os.replace(self.rejects, target)
        else:
            target.unlink(missing_ok=True)
        shutil.rmtree(self.parts)
        return written


@contextmanager
def _writing(out: Path) -> Iterator[None]:
    """A full disk or a vanished folder while writing: one line, the parts kept for --resume."""
    try:
        yield
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot write ({exc.strerror or exc}); the parts done so far are kept: "
            "fix it and rerun with --resume"
        ) from None


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _same(a: Path, b: Path) -> bool:
    """One file under two names: the same resolved path, or the same inode (a hard link)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _checkouts_above(targets: list[Path]) -> list[Path]:
    """Corpus checkouts (a raw/manifest.jsonl beside annotations/) that hold a target.

    Each target is followed through links first: an OUT outside any checkout
    that links into one (``o.jsonl -> corpus/raw/manifest.jsonl``) writes there.
    """
    found: dict[Path, None] = {}
    for target in targets:
        here = target.absolute().resolve().parent
        for d in (here, *here.parents):
            if (d / MANIFEST).is_file() and (d / ANNOTATIONS).is_dir():
                found[d] = None
    return list(found)


def _locked(folder: Path) -> bool:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock taken here
    return False


def _read_record(path: Path) -> list[dict[str, str]] | None:
    try:  # a regular file of reasonable size only: never block on a FIFO put there
        st = path.stat()
        if not stat.S_ISREG(st.st_mode) or st.st_size > 1 << 20:
            return None
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    models = value.get("models") if isinstance(value, dict) else None
    ok = isinstance(models, list) and all(isinstance(m, dict) for m in models)
    return models if ok else None
