"""Build data/<config>/<split>.parquet and the README's generated YAML.

Deterministic (same inputs, same bytes: rows in doc_id then sentence order,
fixed writer options, no timestamps) and atomic (everything is written into a
temporary folder beside data/ and swapped in only when complete; a build that
fails leaves data/, README.md and annotations/schema.json as they were, and
one killed at any instant is finished by the next start: see nkworkers.loaders.files.swap).
Rows are streamed to the writers one document at a time, so memory does not
grow with the corpus.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from nkworkers.loaders import schema
from nkworkers.loaders.corpus import (
    CorpusError,
    Index,
    Problem,
    missing_root,
    read_document,
    read_index,
)
from nkworkers.loaders.dataset import card
from nkworkers.loaders.dataset.claim_rows import claim_counts, claims_rows, document_claims
from nkworkers.loaders.dataset.encode import compile_features
from nkworkers.loaders.dataset.features import CONFIGS, FEATURES
from nkworkers.loaders.dataset.views import ViewReport, documents_row, sentence_rows
from nkworkers.loaders.files import swap
from nkworkers.loaders.files.jsonio import clip
from nkworkers.loaders.files.swap import tree_fingerprint
from nkworkers.loaders.labels import Split
from nkworkers.loaders.model import Document
from nkworkers.loaders.text.segment import segment
from nkworkers.loaders.validate import check_document, check_index

DATA = "data"
README = "README.md"
SPLITS = tuple(s.value for s in Split)
_BATCH_DOCS = 64  # documents per row group: bounds memory, keeps files compact
_PARALLEL_FROM = 200  # articles; below this, forking workers costs more than it saves
_WORKERS = min(os.cpu_count() or 1, 4)


@dataclass
class BuildResult:
    counts: dict[str, dict[str, int]]  # config -> split -> rows
    report: ViewReport
    fingerprint: str
    readme: str
    recovered: list[str] = field(default_factory=list)  # what a killed build left, now fixed


@dataclass
class _DocResult:
    """What one article contributes: its problems, or its encoded rows per config."""

    split: str
    problems: list[Problem]
    rows: dict[str, list[dict]]
    report: ViewReport
    claims: Counter[str] = field(default_factory=Counter)  # the card's per-split counts


_INDEX: Index | None = None  # the corpus index, set in each worker before any job
_ROOT = Path(".")
_ENCODERS: dict = {}


def _init_worker(root: Path, index: Index) -> None:
    global _INDEX, _ROOT, _ENCODERS
    _INDEX, _ROOT = index, root
    _ENCODERS = {name: compile_features(FEATURES[name]()) for name in CONFIGS}


def _process(job: tuple[str, int, str]) -> _DocResult:
    """Read, check and turn one article into encoded rows (runs in a worker)."""
    split, fold, doc_id = job
    assert _INDEX is not None
    raw, annotation, problems = read_document(_ROOT, doc_id)
    problems += check_document(_INDEX, doc_id, raw, annotation)
    report = ViewReport()
    meta = _INDEX.manifest.get(doc_id)
    if problems or not split or raw is None or annotation is None or meta is None:
        return _DocResult(split, problems, {}, report)  # missing pieces: check_index reports
    doc = Document(meta=meta, text=raw.decode("utf-8"), annotation=annotation)
    sentences = segment(doc.text)
    claims = document_claims(doc, [(s.start, s.end) for s in sentences])
    rows = {
        "documents": [documents_row(doc, fold, claims)],
        **sentence_rows(doc, fold, report, sentences),
        "claims": claims_rows(doc, fold, claims),
    }
    encoded = {name: [_ENCODERS[name](row) for row in rows[name]] for name in CONFIGS}
    return _DocResult(split, [], encoded, report, claim_counts(claims))


def _jobs(index: Index) -> list[tuple[str, int, str]]:
    """(split, fold, doc_id) in build order; articles outside the splits are checked only."""
    split_of = index.splits.split_of() if index.splits else {}
    fold_of = index.splits.fold_of() if index.splits else {}
    jobs = [(s, fold_of[d], d) for s in SPLITS for d in sorted(split_of) if split_of[d] == s]
    return jobs + [("", -1, d) for d in sorted(set(index.manifest) - set(split_of))]


def processed_documents(root: Path, index: Index) -> Iterator[_DocResult]:
    """Every article's result in build order, one batch of articles in memory at a time.

    Large corpora are processed by a pool of forked workers (results keep
    their order, so the output is the same bytes as a serial build).
    """
    jobs = _jobs(index)
    _init_worker(root, index)
    if len(jobs) < _PARALLEL_FROM or _WORKERS < 2:
        yield from map(_process, jobs)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(_WORKERS, initializer=_init_worker, initargs=(root, index)) as pool:
        yield from pool.imap(_process, jobs, chunksize=8)


class _Writers:
    """One ParquetWriter per (config, split), fed in row batches."""

    def __init__(self, out: Path, stack: ExitStack):
        self.out, self.stack = out, stack
        self.features = {name: FEATURES[name]() for name in CONFIGS}
        self.writers: dict[tuple[str, str], pq.ParquetWriter] = {}
        self.counts = {name: dict.fromkeys(SPLITS, 0) for name in CONFIGS}

    def _writer(self, config: str, split: str) -> pq.ParquetWriter:
        key = (config, split)
        if key not in self.writers:
            path = self.out / config / f"{split}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writers[key] = self.stack.enter_context(
                pq.ParquetWriter(
                    path,
                    self.features[config].arrow_schema,
                    compression="zstd",
                    use_dictionary=True,
                    write_statistics=False,
                )
            )
        return self.writers[key]

    def write(self, config: str, split: str, rows: list[dict]) -> None:
        """Write rows already encoded (ClassLabel names as ints) as one row group."""
        table = pa.Table.from_pylist(rows, schema=self.features[config].arrow_schema)
        self._writer(config, split).write_table(table)
        self.counts[config][split] += len(rows)

    def close_empty(self) -> None:
        """Every split gets a file, empty where no document is in it."""
        for config in CONFIGS:
            for split in SPLITS:
                if (config, split) not in self.writers:
                    self._writer(config, split)


def write_tree(root: Path, out: Path) -> BuildResult:
    """Write every parquet file into ``out``; return counts and the new README.

    Every article is read and checked, those outside the splits too; once a
    problem is found nothing more is written, and the build raises at the end
    with every problem (the caller discards ``out``).
    """
    readme = read_readme(root)  # before the work: a bad README fails in a second
    index = read_index(root)
    problems: list[Problem] = check_index(index)
    report = ViewReport()
    claims: dict[str, Counter[str]] = {split: Counter() for split in SPLITS}
    with ExitStack() as stack:
        writers = _Writers(out, stack)
        pending: dict[tuple[str, str], list[dict]] = {}
        for result in processed_documents(root, index):
            problems += result.problems
            if problems or not result.rows:
                continue
            report.merge(result.report)
            claims[result.split].update(result.claims)
            for name, rows in result.rows.items():
                pending.setdefault((name, result.split), []).extend(rows)
            if len(pending[("documents", result.split)]) >= _BATCH_DOCS:
                _flush(writers, pending)
        if problems:
            raise CorpusError(problems)
        _flush(writers, pending)
        writers.close_empty()
    fingerprint = tree_fingerprint(out)
    block = card.generated_yaml(writers.features, writers.counts, fingerprint)
    try:
        readme = card.update_front_matter(readme, block)
        readme = card.update_claims_table(readme, card.claims_table(claims))
    except yaml.YAMLError as exc:
        raise CorpusError([_readme_problem(_yaml_message(exc))]) from None
    except card.CardError as exc:
        raise CorpusError([_readme_problem(str(exc))]) from None
    return BuildResult(writers.counts, report, fingerprint, readme)


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 2}" if mark is not None else ""  # the block starts at line 2
    return f"front matter is not valid YAML{where}: {clip(getattr(exc, 'problem', None) or exc)}"


def _readme_problem(message: str) -> Problem:
    return Problem(
        README,
        "<file>",
        message,
        "restore README.md (git restore README.md): it starts with a '---' YAML block",
    )


def read_readme(root: Path) -> str:
    """README.md as text, whose front matter the build rewrites.

    Raises:
        CorpusError: missing, not a file, not UTF-8, or without a front matter block.
    """
    try:
        readme = (root / README).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 ({exc.reason})"
        raise CorpusError([_readme_problem(f"cannot be read: {reason}")]) from None
    try:
        card.split_front_matter(readme)
        card.update_claims_table(readme, "")  # the markers are there
    except card.CardError as exc:
        raise CorpusError([_readme_problem(str(exc))]) from None
    return readme


def _flush(writers: _Writers, pending: dict[tuple[str, str], list[dict]]) -> None:
    for (config, split), rows in pending.items():
        if rows:
            writers.write(config, split, rows)
    pending.clear()


def _require_root(root: Path) -> None:
    if (problem := missing_root(root)) is not None:
        raise CorpusError([problem])


def build(root: Path) -> BuildResult:
    """Build and swap in data/, README.md's generated block and annotations/schema.json.

    On any error nothing changes; killed at any instant, the next ``build``
    or ``check`` finishes or discards what was left (nkworkers.loaders.files.swap).

    Raises:
        CorpusError: the corpus has problems, the root does not exist, or
            another build holds the lock.
    """
    _require_root(root)
    with swap.locked(root):
        recovered = swap.recover(root)
        staging = swap.new_staging(root)
        try:
            result = write_tree(root, staging / DATA)
            swap.stage_file(root, staging, "README.md", result.readme.encode("utf-8"))
            swap.stage_file(root, staging, "schema.json", schema.generate().encode("utf-8"))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        swap.publish(root, staging, result.fingerprint)
    result.recovered = recovered
    return result


def check(root: Path) -> list[str]:
    """Differences between the committed data/ + README and a fresh build (empty: none).

    First finishes a swap that a killed build left (see nkworkers.loaders.files.swap), so
    what is compared is what the next reader will find.

    Raises:
        CorpusError: as :func:`build`.
    """
    _require_root(root)
    with swap.locked(root):
        swap.recover(root)
        staging = Path(tempfile.mkdtemp(prefix=".data-check-"))
        try:
            result = write_tree(root, staging / DATA)
            return _differences(root, staging / DATA, result.readme)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _differences(root: Path, fresh: Path, readme: str) -> list[str]:
    committed = root / DATA
    names = {p.relative_to(fresh).as_posix() for p in fresh.rglob("*.parquet")}
    names |= {p.relative_to(committed).as_posix() for p in committed.rglob("*.parquet")}
    diffs = [
        f"data/{name} differs from a fresh build"
        for name in sorted(names)
        if not (fresh / name).exists()
        or not (committed / name).exists()
        or (fresh / name).read_bytes() != (committed / name).read_bytes()
    ]
    if read_readme(root) != readme:
        diffs.append("README.md front matter differs from a fresh build")
    return diffs
