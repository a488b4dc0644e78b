"""Outside models as entity taggers: any spaCy pipeline, any local transformers token classifier.

Both run on the exact article text and take their spans from the model's own
character offsets (spaCy's ``Span.start_char``/``end_char``; the fast
tokenizer's offset mapping through the token-classification pipeline's
``aggregation_strategy``). Offsets are half-open character offsets into the
article text, as everywhere in the corpus, and each span is checked against
that text before it is kept. Foreign labels (``PER``, ``LOC``, ``ORG``,
``MISC``...) are mapped to ours with a label map; a label that is neither ours
nor mapped is dropped and counted, never guessed.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nkworkers.baselines.systems.safe import hf_folder, paths, spacy_config
from nkworkers.baselines.systems.safe.paths import FolderError
from nkworkers.loaders.files import jsonio
from nkworkers.loaders.labels import EntityType

OURS = frozenset(e.value for e in EntityType)
MAX_LABEL_MAP = 1024 * 1024
LABEL_MAP_FIX = 'pass --label-map a JSON file such as {"PER": "PERSON"}'
SPACY_FIX = "give a pipeline folder of plain files (nlp.to_disk) or an installed pipeline package"
Row = dict[str, Any]
Spans = list[tuple[int, int, str]]  # (start, end exclusive, label), characters


class OutsideModelError(ValueError):
    """A model, label map or output that cannot be used; the message says how to fix it."""


@dataclass
class Tagged:
    """Predictions rows (entities layer only) and the foreign labels that were dropped."""

    rows: list[Row]
    dropped: Counter[str] = field(default_factory=Counter)


def read_label_map(path: Path) -> dict[str, str]:
    """A JSON object {foreign label: one of our 18 entity types}; raises OutsideModelError.

    Read as a plain file of at most 1 MiB (a FIFO or /dev/zero is refused, not read).
    """
    try:
        # the user's own file: a link to it is followed, but only a plain file is read
        data = paths.read_bytes(path.resolve(), MAX_LABEL_MAP, LABEL_MAP_FIX)
        value = jsonio.loads(jsonio.decode(data))
    except FolderError as e:  # names the path and the fix itself
        raise OutsideModelError(f"cannot read the label map {e}") from None
    except (OSError, RuntimeError, jsonio.JsonError) as e:  # RuntimeError: a link loop
        raise OutsideModelError(f"{path}: cannot read the label map: {e}") from None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise OutsideModelError(
            f'{path}: a label map is a JSON object of strings, e.g. {{"PER": "PERSON"}}'
        )
    wrong = sorted(v for v in value.values() if v not in OURS)
    if wrong:
        raise OutsideModelError(
            f"{path}: {', '.join(map(repr, wrong))} not entity types of this corpus; "
            f"use one of {', '.join(sorted(OURS))}"
        )
    return dict(value)


def relabel(
    spans: Iterable[tuple[int, int, str]], label_map: Mapping[str, str]
) -> tuple[Spans, Counter[str]]:
    """Map labels (ours pass unchanged unless the map says otherwise); count what is dropped."""
    kept: Spans = []
    dropped: Counter[str] = Counter()
    for start, end, label in spans:
        ours = label_map.get(label, label if label in OURS else None)
        if ours is None:
            dropped[label] += 1
        else:
            kept.append((start, end, ours))
    return kept, dropped


def _add(out: Tagged, doc_id: str, spans: Spans, label_map: Mapping[str, str]) -> None:
    kept, dropped = relabel(spans, label_map)
    entities = [{"start": s, "end": e, "label": label} for s, e, label in kept]
    out.rows.append({"doc_id": doc_id, "entities": entities})
    out.dropped.update(dropped)


def checked(doc_id: str, text: str, start: int, end: int, surface: str | None) -> None:
    """Refuse a span outside the text, empty, or whose text is not what the model said."""
    if not 0 <= start < end <= len(text):
        raise OutsideModelError(
            f"{doc_id}: span [{start}, {end}) is empty or outside the text ({len(text)} chars)"
        )
    if surface is not None and text[start:end] != surface:
        raise OutsideModelError(
            f"{doc_id}: span [{start}, {end}) reads {text[start:end]!r} in the article "
            f"but {surface!r} in the model's output: its offsets are not into this text"
        )


def spacy_spans(doc: Any, doc_id: str, text: str) -> Spans:
    """doc.ents as character spans of ``text``; the doc must be of exactly that text."""
    if doc.text != text:
        raise OutsideModelError(
            f"{doc_id}: the spaCy pipeline changed the text (its tokenizer must keep it as is)"
        )
    spans = []
    for ent in doc.ents:
        checked(doc_id, text, ent.start_char, ent.end_char, ent.text)
        spans.append((ent.start_char, ent.end_char, ent.label_))
    return spans


def tag_with_spacy(
    nlp: Any, documents: Sequence[Row], label_map: Mapping[str, str] | None = None
) -> Tagged:
    """Run a loaded spaCy pipeline on each article's exact text; one row per article."""
    out = Tagged([])
    texts = [d["text"] for d in documents]
    for d, doc in zip(documents, nlp.pipe(texts), strict=True):
        _add(out, d["doc_id"], spacy_spans(doc, d["doc_id"], d["text"]), label_map or {})
    return out


def load_spacy(name_or_path: str) -> Any:
    """A spaCy pipeline from a folder or an installed package's data folder, checked first.

    The folder (for a package name: the folder its ``load()`` would read,
    found without importing the package) must hold plain files only, no
    pickle, and a config.cfg that names only what the project's systems use
    (safe.spacy_config); then ``spacy.load`` reads that folder. Raises
    OutsideModelError (one line) for anything refused or unreadable.
    """
    import spacy

    try:
        given = Path(name_or_path)
        folder = (
            given
            if os.path.lexists(given)
            else spacy_config.package_folder(name_or_path, SPACY_FIX)
        )
        spacy_config.check_folder(folder, SPACY_FIX)
    except FolderError as e:
        raise OutsideModelError(str(e)) from None
    try:
        return spacy.load(folder)
    except Exception as e:  # spaCy and its msgpack readers raise many kinds on bad files
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:160]
        raise OutsideModelError(f"{folder}: spaCy cannot load it ({first}); {SPACY_FIX}") from None


def load_token_classifier(path: Path) -> Any:
    """A transformers token-classification pipeline from a local folder, checked first.

    safe.hf_folder: no link, no pickle, no code named by a config (auto_map),
    safetensors weights whose head fits the labels, a tokenizer vocabulary;
    loaded with trust_remote_code=False and local files only. Raises
    OutsideModelError (one line).
    """
    from transformers import AutoModelForTokenClassification, pipeline

    fix = "give a folder written by save_pretrained (a token classifier with a fast tokenizer)"
    try:
        hf_folder.check(path, fix)
        tokenizer = hf_folder.tokenizer(path, fix)
        model = hf_folder.model(AutoModelForTokenClassification, path, fix)
    except FolderError as e:
        raise OutsideModelError(str(e)) from None
    if not tokenizer.is_fast:
        raise OutsideModelError(f"{path}: the tokenizer is not a fast one: it gives no offsets")
    if len(tokenizer.get_vocab()) <= len(tokenizer.all_special_tokens) + 1:
        raise OutsideModelError(f"{path}: the tokenizer's vocabulary is empty; {fix}")
    if not isinstance(tokenizer.model_max_length, int) or tokenizer.model_max_length < 16:
        raise OutsideModelError(
            f"{path}: the tokenizer's model_max_length is {tokenizer.model_max_length!r} "
            f"(at least 16 sub-words are needed to tag a text); {fix}"
        )
    with hf_folder.quiet():
        return pipeline(
            "token-classification",
            model=model,
            tokenizer=tokenizer,
            aggregation_strategy="first",
            stride=min(128, tokenizer.model_max_length // 4),
            device="cpu",
            trust_remote_code=False,
        )


def _squash(text: str) -> str:
    """Without case, accents, spaces and word-piece marks (uncased tokenizers drop them)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+|##|▁|Ġ", "", kept)


def _same_surface(word: str, found: str, normalize: Callable[[str], str] | None = None) -> bool:
    """The pipeline's word is decoded from word pieces: compare them squashed.

    ``normalize`` is the tokenizer's own normaliser: what it drops (BERT's
    drops U+00AD and U+200B, tokenizers issue 1201) never reaches the word,
    though the offsets still span it, so the article's text is compared as
    the tokenizer saw it.
    """
    if "[UNK]" in word or "<unk>" in word:
        return True
    seen = normalize(found) if normalize else found
    return _squash(word) == _squash(seen) or _squash(word) == _squash(found)


def _normaliser(classifier: Any) -> Callable[[str], str] | None:
    backend = getattr(getattr(classifier, "tokenizer", None), "backend_tokenizer", None)
    normalizer = getattr(backend, "normalizer", None)
    return normalizer.normalize_str if normalizer is not None else None


def _groups(classifier: Any, doc_id: str, line: str) -> list[dict[str, Any]]:
    """The classifier's entity groups of one line; a failure inside the model is one line."""
    try:
        groups = list(classifier(line))
    except Exception as e:  # an outside model fails in its own ways (shapes, offsets, vocab)
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:160]
        raise OutsideModelError(
            f"{doc_id}: the model failed on this article ({type(e).__name__}: {first})"
        ) from None
    for group in groups:
        if not {"start", "end", "word", "entity_group"} <= set(group) or None in (
            group["start"],
            group["end"],
        ):
            raise OutsideModelError(f"{doc_id}: the model gave an entity without offsets")
    return groups


def transformer_spans(classifier: Any, doc_id: str, text: str) -> Spans:
    """Entity groups of each non-empty line, moved to article offsets and checked."""
    normalize = _normaliser(classifier)
    spans: Spans = []
    start = 0
    for line in text.split("\n"):
        if line.strip():
            for group in _groups(classifier, doc_id, line):
                s, e = start + int(group["start"]), start + int(group["end"])
                checked(doc_id, text, s, e, None)
                if not _same_surface(group["word"], text[s:e], normalize):
                    raise OutsideModelError(
                        f"{doc_id}: span [{s}, {e}) reads {text[s:e]!r} in the article but "
                        f"{group['word']!r} in the model's output"
                    )
                # trim edge whitespace some tokenizers include, keep offsets in the text
                s += len(text[s:e]) - len(text[s:e].lstrip())
                e -= len(text[s:e]) - len(text[s:e].rstrip())
                if s < e:
                    spans.append((s, e, str(group["entity_group"])))
        start += len(line) + 1
    return spans


def tag_with_transformer(
    classifier: Any, documents: Sequence[Row], label_map: Mapping[str, str] | None = None
) -> Tagged:
    """Run a token-classification pipeline on each article's text; one row per article."""
    out = Tagged([])
    for d in documents:
        spans = transformer_spans(classifier, d["doc_id"], d["text"])
        _add(out, d["doc_id"], spans, label_map or {})
    return out
