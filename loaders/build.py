"""Build data/<config>/<split>.parquet and the README's generated YAML.

Deterministic (same inputs, same bytes: rows in doc_id then sentence order,
fixed writer options, no timestamps) and atomic (everything is written into a
temporary folder beside data/ and swapped in only when complete; a build that
fails leaves data/ and README.md as they were). Rows are streamed to the
writers one document at a time, so memory does not grow with the corpus.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from loaders import card
from loaders.corpus import CorpusError, Problem, read_corpus, read_document, read_index
from loaders.encode import compile_features
from loaders.features import CONFIGS, FEATURES
from loaders.labels import Split
from loaders.model import Document
from loaders.validate import check_document, check_index, validate_loaded
from loaders.views import ViewReport, documents_row, sentence_rows

DATA = "data"
SPLITS = tuple(s.value for s in Split)
_BATCH_DOCS = 64  # documents per row group: bounds memory, keeps files compact


@dataclass
class BuildResult:
    counts: dict[str, dict[str, int]]  # config -> split -> rows
    report: ViewReport
    fingerprint: str
    readme: str


def load_valid(root: Path) -> tuple[list[Document], dict[str, str], dict[str, int]]:
    """Annotated documents in splits, doc -> split, doc -> fold; refuses a bad corpus."""
    loaded = read_corpus(root)
    problems = validate_loaded(loaded)
    if problems:
        raise CorpusError(problems)
    assert loaded.splits is not None
    split_of, fold_of = loaded.splits.split_of(), loaded.splits.fold_of()
    docs = [d for d in loaded.documents() if d.doc_id in split_of]
    return docs, split_of, fold_of


def checked_documents(root: Path, problems: list[Problem]) -> Iterator[tuple[str, int, Document]]:
    """(split, fold, document) in build order, one article in memory at a time.

    Every article is read and checked, those outside the splits too; problems
    go into ``problems``, and once there is one nothing more is yielded, so
    the caller writes nothing from a bad corpus (and raises at the end).
    """
    index = read_index(root)
    problems += check_index(index)
    split_of = index.splits.split_of() if index.splits else {}
    fold_of = index.splits.fold_of() if index.splits else {}
    order = [(s, d) for s in SPLITS for d in sorted(split_of) if split_of[d] == s]
    order += [("", d) for d in sorted(set(index.manifest) - set(split_of))]
    for split, doc_id in order:
        raw, annotation, parse_problems = read_document(root, doc_id)
        problems += parse_problems + check_document(index, doc_id, raw, annotation)
        if problems or not split or raw is None or annotation is None:
            continue
        meta = index.manifest[doc_id]
        doc = Document(meta=meta, text=raw.decode("utf-8"), annotation=annotation)
        yield split, fold_of[doc_id], doc


class _Writers:
    """One ParquetWriter per (config, split), fed in row batches."""

    def __init__(self, out: Path, stack: ExitStack):
        self.out, self.stack = out, stack
        self.features = {name: FEATURES[name]() for name in CONFIGS}
        self.encoders = {name: compile_features(f) for name, f in self.features.items()}
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
        encode = self.encoders[config]
        table = pa.Table.from_pylist(
            [encode(row) for row in rows], schema=self.features[config].arrow_schema
        )
        self._writer(config, split).write_table(table)
        self.counts[config][split] += len(rows)

    def close_empty(self) -> None:
        """Every split gets a file, empty where no document is in it."""
        for config in CONFIGS:
            for split in SPLITS:
                if (config, split) not in self.writers:
                    self._writer(config, split)


def write_tree(root: Path, out: Path) -> BuildResult:
    """Write every parquet file into ``out``; return counts and the new README."""
    problems: list[Problem] = []
    report = ViewReport()
    with ExitStack() as stack:
        writers = _Writers(out, stack)
        pending: dict[tuple[str, str], list[dict]] = {}
        for split, fold, doc in checked_documents(root, problems):
            batch = pending.setdefault(("documents", split), [])
            batch.append(documents_row(doc, fold))
            for name, doc_rows in sentence_rows(doc, fold, report).items():
                pending.setdefault((name, split), []).extend(doc_rows)
            if len(batch) >= _BATCH_DOCS:
                _flush(writers, pending)
        if problems:
            raise CorpusError(problems)
        _flush(writers, pending)
        writers.close_empty()
    fingerprint = tree_fingerprint(out)
    readme = card.update_front_matter(
        (root / "README.md").read_text(encoding="utf-8"),
        card.generated_yaml(writers.features, writers.counts, fingerprint),
    )
    return BuildResult(writers.counts, report, fingerprint, readme)


def _flush(writers: _Writers, pending: dict[tuple[str, str], list[dict]]) -> None:
    for (config, split), rows in pending.items():
        if rows:
            writers.write(config, split, rows)
    pending.clear()


def tree_fingerprint(out: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(out.rglob("*.parquet")):
        digest.update(path.relative_to(out).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def build(root: Path) -> BuildResult:
    """Build and swap data/ and README.md in; on any error nothing changes."""
    staging = Path(tempfile.mkdtemp(prefix=".data-build-", dir=root))
    try:
        result = write_tree(root, staging / DATA)
        old = root / f".{DATA}-old"
        shutil.rmtree(old, ignore_errors=True)
        target = root / DATA
        if target.exists():
            target.rename(old)
        (staging / DATA).rename(target)
        card.write_readme(root / "README.md", result.readme)
        shutil.rmtree(old, ignore_errors=True)
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check(root: Path) -> list[str]:
    """Differences between the committed data/ + README and a fresh build (empty: none)."""
    staging = Path(tempfile.mkdtemp(prefix=".data-check-"))
    try:
        result = write_tree(root, staging / DATA)
        fresh, committed = staging / DATA, root / DATA
        names = {p.relative_to(fresh).as_posix() for p in fresh.rglob("*.parquet")}
        names |= {p.relative_to(committed).as_posix() for p in committed.rglob("*.parquet")}
        diffs = [
            f"data/{name} differs from a fresh build"
            for name in sorted(names)
            if not (fresh / name).exists()
            or not (committed / name).exists()
            or (fresh / name).read_bytes() != (committed / name).read_bytes()
        ]
        if (root / "README.md").read_text(encoding="utf-8") != result.readme:
            diffs.append("README.md front matter differs from a fresh build")
        return diffs
    finally:
        shutil.rmtree(staging, ignore_errors=True)
