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
from datasets import Features

from loaders import card
from loaders.corpus import CorpusError, read_corpus
from loaders.features import CONFIGS, FEATURES
from loaders.labels import Split
from loaders.model import Document
from loaders.validate import validate_loaded
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
        features: Features = self.features[config]
        encoded = [features.encode_example(row) for row in rows]
        table = pa.Table.from_pylist(encoded, schema=features.arrow_schema)
        self._writer(config, split).write_table(table)
        self.counts[config][split] += len(rows)

    def close_empty(self) -> None:
        """Every split gets a file, empty where no document is in it."""
        for config in CONFIGS:
            for split in SPLITS:
                if (config, split) not in self.writers:
                    self._writer(config, split)


def _batches(
    docs: list[Document], split_of: dict[str, str]
) -> Iterator[tuple[str, list[Document]]]:
    for split in SPLITS:
        in_split = [d for d in docs if split_of[d.doc_id] == split]
        for i in range(0, len(in_split), _BATCH_DOCS):
            yield split, in_split[i : i + _BATCH_DOCS]


def write_tree(root: Path, out: Path) -> BuildResult:
    """Write every parquet file into ``out``; return counts and the new README."""
    docs, split_of, fold_of = load_valid(root)
    report = ViewReport()
    with ExitStack() as stack:
        writers = _Writers(out, stack)
        for split, batch in _batches(docs, split_of):
            rows: dict[str, list[dict]] = {name: [] for name in CONFIGS}
            for doc in batch:
                fold = fold_of[doc.doc_id]
                rows["documents"].append(documents_row(doc, fold))
                for name, doc_rows in sentence_rows(doc, fold, report).items():
                    rows[name] += doc_rows
            for name in CONFIGS:
                writers.write(name, split, rows[name])
        writers.close_empty()
    fingerprint = tree_fingerprint(out)
    readme = card.update_front_matter(
        (root / "README.md").read_text(encoding="utf-8"),
        card.generated_yaml(writers.features, writers.counts, fingerprint),
    )
    return BuildResult(writers.counts, report, fingerprint, readme)


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
