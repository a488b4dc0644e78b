"""Add an article to the corpus: its raw text, its manifest line, an empty annotation.

The doc_id is ``NNN_<first 16 hex of the text's sha256>`` with NNN the next
free number. The new article stays out of annotations/splits.json until it
is annotated (a split is a decision about annotated articles only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from nkworkers.loaders.corpus import (
    MANIFEST,
    RAW,
    CorpusError,
    Loaded,
    Problem,
    annotation_path,
    missing_root,
    read_corpus,
    sha256,
)
from nkworkers.loaders.files.atomic import dumps_json, write_many
from nkworkers.loaders.files.jsonio import clip
from nkworkers.loaders.files.swap import locked
from nkworkers.loaders.model import PUBLISHED_FORMATS, Annotation, ManifestEntry, text_faults

DOC_ID = re.compile(r"^(\d{3})_[0-9a-f]{16}$")
DEFAULT_EVIDENCE = "as given to `nkworkers add-article`; not yet checked against the source"
#: Nobody has looked at the outlet's terms when an article is added: say so.
DEFAULT_RIGHTS = "unknown, not checked"
#: How to repair each option add-article turns into a manifest field.
_OPTION_FIXES = {
    "published": "write it as "
    + " or ".join(PUBLISHED_FORMATS.values())
    + ", e.g. --published 2023-09-14",
    "url": "give the article's web address, e.g. --url https://www.dailynk.com/english/...",
}


def next_steps(doc_id: str) -> list[str]:
    """What to do after add-article, as commands to run (printed by the CLI)."""
    return [
        "pre-annotate: nkworkers predict --system NAME --out preds.jsonl",
        "push: nkworkers ls push --url URL --project nkworkers --predictions preds.jsonl",
        "annotate in Label Studio, then: nkworkers ls pull --url URL --project nkworkers",
        f"add {doc_id} to train, validation or test in annotations/splits.json",
        "nkworkers validate && nkworkers build",
    ]


def _option_problems(fields: Mapping[str, object], error: ValidationError) -> list[Problem]:
    """Name the command-line option (not the manifest) behind each invalid field."""
    problems = []
    for err in error.errors():
        field = str(err["loc"][0]) if err["loc"] else "<options>"
        message = str(err["msg"]).removeprefix("Value error, ")
        problems.append(
            Problem(
                f"--{field.replace('_', '-')}",
                clip(fields.get(field)),
                message,
                _OPTION_FIXES.get(field, "correct the option's value"),
            )
        )
    return problems


def _text_problem(where: str, text: str) -> Problem | None:
    """A text that is not plain UTF-8 prose: offsets into it would differ between tools."""
    faults = text_faults(text)
    if not faults:
        return None
    bom = text.startswith("\ufeff")
    fix = "save it as UTF-8 without BOM" if bom else "save the article as plain UTF-8 text"
    return Problem(where, "<file>", faults[0], fix)


def _leftover(loaded: Loaded, data: bytes, where: str) -> str | None:
    """The doc_id of a raw file holding ``data`` but no manifest line, to finish adding it.

    An add-article killed between its renames leaves exactly that; adding the
    text again under a new number made a second copy and left the first one.

    Raises:
        CorpusError: that raw file already has a non-empty annotation (not a leftover).
    """
    for doc_id, raw in sorted(loaded.raw_bytes.items()):
        if doc_id in loaded.manifest or raw != data:
            continue
        annotation = loaded.annotations.get(doc_id)
        if annotation is not None and not annotation.is_empty():
            raise CorpusError(
                [
                    Problem(
                        where,
                        doc_id,
                        f"raw/{doc_id}.txt holds this text, annotated, with no manifest line",
                        "restore its manifest line from git instead of adding it again",
                    )
                ]
            )
        return doc_id
    return None


def next_number(doc_ids: list[str]) -> int:
    numbers = [int(m.group(1)) for d in doc_ids if (m := DOC_ID.match(d))]
    return max(numbers, default=-1) + 1


def add_article(
    *,
    root: Path,
    file: Path,
    outlet: str,
    published: str,
    url: str | None = None,
    headline: str | None = None,
    credits: str | None = None,
    published_confidence: str = "medium",
    published_evidence: str = DEFAULT_EVIDENCE,
    rights: str | None = None,
) -> ManifestEntry:
    """Write raw/<doc_id>.txt, an empty annotations/<doc_id>.json, then the manifest line.

    Raises:
        CorpusError: a missing root, a text that is not UTF-8, empty or already
            in the corpus, or an option that the manifest refuses (named as
            the option, e.g. ``--published``, with the accepted forms), or
            another command writing the corpus holds its lock.
    """
    if (problem := missing_root(root)) is not None:
        raise CorpusError([problem])
    data = file.read_bytes()
    where = str(file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            [Problem(where, "<file>", f"not UTF-8: {exc}", "save it as UTF-8")]
        ) from None
    if not text.strip():
        raise CorpusError([Problem(where, "<file>", "the text is empty", "give the article text")])
    if (problem := _text_problem(where, text)) is not None:
        raise CorpusError([problem])
    # Under the checkout's lock: two add-articles at once both read the manifest,
    # and the second write dropped the first one's line (its raw file stayed).
    with locked(root):
        loaded = read_corpus(root)
        digest = sha256(data)
        for entry in loaded.manifest.values():
            if entry.sha256 == digest:
                raise CorpusError(
                    [
                        Problem(
                            where,
                            entry.doc_id,
                            "this text is already in the corpus",
                            "nothing to do",
                        )
                    ]
                )
        taken = [*loaded.manifest, *loaded.raw_bytes]
        doc_id = _leftover(loaded, data, where) or f"{next_number(taken):03d}_{digest[:16]}"
        fields = {
            "doc_id": doc_id,
            "outlet": outlet,
            "headline": headline,
            "published": published,
            "published_confidence": published_confidence,
            "published_evidence": published_evidence,
            "credits": credits,
            "url": url,
            "sha256": digest,
            "rights": rights or DEFAULT_RIGHTS,
        }
        try:
            entry = ManifestEntry.model_validate(fields)
        except ValidationError as exc:
            raise CorpusError(_option_problems(fields, exc)) from None

        manifest = root / MANIFEST
        before = manifest.read_bytes() if manifest.exists() else b""
        if before and not before.endswith(b"\n"):
            before += b"\n"
        line = json.dumps(entry.model_dump(mode="json"), ensure_ascii=False) + "\n"
        empty = Annotation(doc_id=doc_id, text_sha256=digest).model_dump(mode="json")
        # All three or none: a raw text without its manifest line fails validate.
        write_many(
            {
                root / RAW / f"{doc_id}.txt": data,
                annotation_path(root, doc_id): dumps_json(empty).encode("utf-8"),
                manifest: before + line.encode("utf-8"),
            }
        )
        return entry
