"""Exports of the corpus to other formats: a registry of pure converters.

Each converter takes the validated documents and their splits and returns the
files to write as ``{relative path: text}``; nothing in a converter touches
the disk. :func:`export` is the IO edge: it reads and validates the corpus,
runs one converter and writes its files atomically. A new format is one
module with a ``convert`` function and one line in :data:`CONVERTERS`.

    brat   <doc_id>.txt + <doc_id>.ann per article, annotation.conf, visual.conf
    conll  <tagset>/<split>.conll: CoNLL-2003-style IOB2, one tag column per file
           (entities, attribution_source/_cue/_content, control_measures);
           option comments=True adds # doc_id/sent_id/text lines and offsets
    jsonl  documents.jsonl (one article per line) + annotations.jsonl (one annotation per line)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from pathlib import Path
from typing import Any

from nkworkers.loaders.corpus import refuse_writing_into_corpus
from nkworkers.loaders.files.atomic import write_many
from nkworkers.loaders.model import Document

Files = dict[str, str]
Converter = Callable[..., Files]  # (docs, split_of, **options) -> files


# Format -> the module whose ``convert`` writes it. Modules load on use: conll
# needs spaCy, which `nkworkers --help` must not import.
CONVERTERS: dict[str, str] = {
    "brat": "nkworkers.loaders.exports.brat",
    "conll": "nkworkers.loaders.exports.conll",
    "jsonl": "loaders.exports.jsonl",
}
FORMATS: tuple[str, ...] = tuple(CONVERTERS)


def convert(
    fmt: str, docs: Sequence[Document], split_of: Mapping[str, str], **options: Any
) -> Files:
    """The files of one format, in memory (pure); ``options`` go to its converter
    (conll: ``comments``). Raises ValueError for an unknown format or option."""
    try:
        module = CONVERTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {list(FORMATS)}") from None
    converter: Converter = import_module(module).convert
    try:
        return converter(docs, split_of, **options)
    except TypeError as exc:
        if options and "unexpected keyword argument" in str(exc):
            raise ValueError(f"{fmt} takes no option {sorted(options)}") from None
        raise


def write_files(out: Path, files: Mapping[str, str]) -> list[Path]:
    """Write every file under ``out``, or none of them (loaders.files.atomic.write_many)."""
    data = {out / rel: text.encode("utf-8") for rel, text in sorted(files.items())}
    write_many(data)
    return list(data)


def export(*, root: Path, fmt: str, out: Path, **options: Any) -> list[Path]:
    """Read and validate the corpus at ``root``, convert it, write under ``out``.

    Raises CorpusError (invalid corpus, or ``out`` inside raw/, annotations/
    or data/) or ValueError (a document the format
    cannot carry, or an unknown option); nothing is written then.
    """
    from nkworkers.loaders.validate import load_valid

    docs, split_of, _ = load_valid(root)
    files = convert(fmt, docs, split_of, **options)
    refuse_writing_into_corpus(root, out, (out / rel for rel in files))
    return write_files(out, files)
