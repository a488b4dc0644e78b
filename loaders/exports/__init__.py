"""Exports of the corpus to other formats: a registry of pure converters.

Each converter takes the validated documents and their splits and returns the
files to write as ``{relative path: text}``; nothing in a converter touches
the disk. :func:`export` is the IO edge: it reads and validates the corpus,
runs one converter and writes its files atomically. A new format is one
module with a ``convert`` function and one line in :data:`CONVERTERS`.

    brat   <doc_id>.txt + <doc_id>.ann per article, annotation.conf, visual.conf
    conll  <layer>/<split>.conll: IOB2 per layer (entities, attribution, control_measures)
    jsonl  documents.jsonl (one article per line) + annotations.jsonl (one annotation per line)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from pathlib import Path

from loaders.atomic import write_text
from loaders.model import Document

Files = dict[str, str]
Converter = Callable[[Sequence[Document], Mapping[str, str]], Files]


# Format -> the module whose ``convert`` writes it. Modules load on use: conll
# needs spaCy, which `nkworkers --help` must not import.
CONVERTERS: dict[str, str] = {
    "brat": "loaders.exports.brat",
    "conll": "loaders.exports.conll",
    "jsonl": "loaders.exports.jsonl",
}
FORMATS: tuple[str, ...] = tuple(CONVERTERS)


def convert(fmt: str, docs: Sequence[Document], split_of: Mapping[str, str]) -> Files:
    """The files of one format, in memory (pure)."""
    try:
        module = CONVERTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {list(FORMATS)}") from None
    converter: Converter = import_module(module).convert
    return converter(docs, split_of)


def write_files(out: Path, files: Mapping[str, str]) -> list[Path]:
    paths = []
    for rel, text in sorted(files.items()):
        path = out / rel
        write_text(path, text)
        paths.append(path)
    return paths


def export(*, root: Path, fmt: str, out: Path) -> list[Path]:
    """Read and validate the corpus at ``root``, convert it, write under ``out``."""
    from loaders.build import load_valid

    docs, split_of, _ = load_valid(root)
    return write_files(out, convert(fmt, docs, split_of))
