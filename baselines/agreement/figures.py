"""Inter-annotator agreement between two full annotations of the same articles.

Any two folders of annotation files compare (``folder_agreement``): the
committed annotators (annotations/agreement/annotator_a, annotator_b), the
folders ``nkworkers ls pull --annotators`` writes per Label Studio user, or
the gold (``gold``).

Span-level figures reuse the scorer (one annotation plays gold, the other
predictions; F1 is symmetric), and so do the claims figures (who reports which
control measure, both sides derived by the one carrying rule).
Chance-corrected figures are computed here: Cohen's kappa and Krippendorff's alpha
(nominal) over tokens for entities (each token's IOB2 tag from
``nkworkers.loaders.dataset.views``' tokenisation), and Cohen's kappa over
sentences for control-measure categories (per category, and pooled over every
sentence x category decision).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np

from nkworkers.baselines.evaluation.scorer import evaluate_rows
from nkworkers.loaders.corpus import ANNOTATIONS, Loaded, Problem, parse, read_corpus
from nkworkers.loaders.labels import ControlCategory
from nkworkers.loaders.model import Annotation
from nkworkers.loaders.text.iob import LabeledSpan, spans_to_tags
from nkworkers.loaders.text.segment import segment
from nkworkers.loaders.validate import validate_document

Row = dict[str, Any]


class AgreementError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two label sequences; 1.0 when both are constant and equal."""
    if len(a) != len(b) or not a:
        raise ValueError("kappa needs two non-empty sequences of equal length")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return 1.0 if expected == 1.0 else (observed - expected) / (1.0 - expected)


def alpha_nominal(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    codes = {v: i for i, v in enumerate(sorted({*a, *b}, key=str))}
    if len(codes) < 2:
        return 1.0
    data = np.array([[codes[x] for x in a], [codes[x] for x in b]], dtype=float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def read_annotations(folder: Path) -> dict[str, Annotation]:
    found, problems = {}, []
    for path in sorted(folder.glob("*.json")):
        annotation, errors = parse(str(path), path.read_bytes(), Annotation)
        problems += errors
        if annotation is not None:
            found[annotation.doc_id] = annotation
    if problems:
        raise AgreementError(problems)
    return found


def as_row(text: str, annotation: Annotation) -> Row:
    return {"text": text, **annotation.model_dump(mode="json")}


def token_tags(text: str, annotation: Annotation) -> list[str]:
    spans = [LabeledSpan(e.start, e.end, e.label.value) for e in annotation.entities]
    return [tag for s in segment(text) for tag in spans_to_tags(s.tokens, spans)]


def sentence_decisions(text: str, annotation: Annotation) -> dict[str, list[bool]]:
    """Per category, one yes/no per sentence: does a span with it overlap the sentence?"""
    sentences = segment(text)
    out: dict[str, list[bool]] = {}
    for category in ControlCategory:
        spans = [c for c in annotation.control_measures if category in c.labels]
        out[category.value] = [
            any(c.start < s.end and s.start < c.end for c in spans) for s in sentences
        ]
    return out


def compare(
    texts: Mapping[str, str], a: Mapping[str, Annotation], b: Mapping[str, Annotation]
) -> dict[str, Any]:
    """Agreement of annotation b with annotation a on the articles both cover."""
    doc_ids = sorted(set(a) & set(b) & set(texts))
    gold = [as_row(texts[d], a[d]) for d in doc_ids]
    other = [as_row(texts[d], b[d]) for d in doc_ids]
    scores = evaluate_rows(gold, other, bootstrap=0)
    tags_a = [t for d in doc_ids for t in token_tags(texts[d], a[d])]
    tags_b = [t for d in doc_ids for t in token_tags(texts[d], b[d])]
    per_category: dict[str, float] = {}
    pooled_a: list[bool] = []
    pooled_b: list[bool] = []
    for category in ControlCategory:
        da = [x for d in doc_ids for x in sentence_decisions(texts[d], a[d])[category.value]]
        db = [x for d in doc_ids for x in sentence_decisions(texts[d], b[d])[category.value]]
        per_category[category.value] = cohen_kappa(da, db)
        pooled_a += da
        pooled_b += db
    ctl = scores["control_measures"]
    return {
        "documents": doc_ids,
        "entities": {
            "strict_f1": scores["entities"]["strict"]["f1"],
            "token_kappa": cohen_kappa(tags_a, tags_b),
            "token_alpha": alpha_nominal(tags_a, tags_b),
            "tokens": len(tags_a),
        },
        "attribution": {
            **{
                role: {m: scores["attribution"][role][m]["f1"] for m in ("exact", "overlap")}
                for role in ("source", "cue", "content")
            },
            "records_f1": scores["attribution"]["records"]["f1"],
            "attributes_accuracy": {
                k: v["accuracy"] for k, v in scores["attribution"]["attributes"].items()
            },
        },
        "control_measures": {
            "spans_micro": {m: ctl["spans"]["micro"][m]["f1"] for m in ("exact", "overlap")},
            "spans_per_category": {
                cat: {m: v[m]["f1"] for m in ("exact", "overlap")}
                for cat, v in ctl["spans"]["per_category"].items()
            },
            "sentence_micro_f1": ctl["sentences"]["micro"]["f1"],
            "sentence_kappa_pooled": cohen_kappa(pooled_a, pooled_b),
            "sentence_kappa_per_category": per_category,
        },
        "claims": _claims(scores["claims"]),
    }


def _claims(found: dict[str, Any]) -> dict[str, Any]:
    """The claims figures of a pair (baselines/evaluation/claims.py), F1 symmetric."""
    return {
        "f1": found["with_source"]["f1"],
        "f1_without_source": found["without_source"]["f1"],
        "claims_in_a": found["with_source"]["tp"] + found["with_source"]["fn"],
        "source_agreement": found["source_agreement"]["accuracy"],
        "attributes_accuracy": {k: v["accuracy"] for k, v in found["attributes"].items()},
    }


AGREEMENT = "annotations/agreement"
PAIRS = (("annotator_a", "annotator_b"), ("gold", "annotator_a"), ("gold", "annotator_b"))


def corpus_agreement(root: Path) -> dict[str, Any]:
    """Every pair of annotations kept in the repo: A vs B (inter-annotator), gold vs each."""
    loaded = read_corpus(root)
    texts = {d: raw.decode("utf-8") for d, raw in loaded.raw_bytes.items()}
    sets = {
        "gold": {d: a for d, a in loaded.annotations.items() if not a.is_empty()},
        "annotator_a": read_annotations(root / AGREEMENT / "annotator_a"),
        "annotator_b": read_annotations(root / AGREEMENT / "annotator_b"),
    }
    return {f"{x} vs {y}": compare(texts, sets[x], sets[y]) for x, y in PAIRS}


GOLD = "gold"


def resolve_folder(root: Path, name: str | Path) -> Path:
    """A folder of annotation files: ``gold`` (annotations/), a path, or the name of a
    folder under annotations/agreement/ (``annotator_a``, an annotator's email folder).

    Raises AgreementError if there is no such folder.
    """
    if str(name) == GOLD:
        return root / ANNOTATIONS
    for candidate in (Path(name), root / AGREEMENT / str(name)):
        if candidate.is_dir():
            return candidate
    raise AgreementError(
        [
            Problem(
                str(name),
                "<folder>",
                "no such folder",
                f"give a folder of <doc_id>.json files, {GOLD!r}, "
                f"or the name of a folder under {AGREEMENT}",
            )
        ]
    )


def folder_annotations(loaded: Loaded, folder: Path) -> dict[str, Annotation]:
    """doc_id -> annotation of every article annotated in ``folder``, each validated
    against the corpus's raw text. Raises AgreementError listing every problem."""
    found: dict[str, Annotation] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.json")):
        if path.stem not in loaded.manifest:
            if path.name not in ("splits.json", "schema.json"):
                problems.append(
                    Problem(str(path), path.stem, "not an article of the corpus", "remove it")
                )
            continue
        annotation, errors = parse(str(path), path.read_bytes(), Annotation)
        if annotation is not None:
            meta, raw = loaded.manifest[path.stem], loaded.raw_bytes.get(path.stem, b"")
            errors += validate_document(meta, raw, annotation, str(path))
        problems += errors
        if annotation is not None and not errors and not annotation.is_empty():
            found[annotation.doc_id] = annotation
    if problems:
        raise AgreementError(problems)
    return found


def folder_sets(
    root: Path, a: str | Path, b: str | Path
) -> tuple[dict[str, str], dict[str, Annotation], dict[str, Annotation]]:
    """(doc_id -> text, folder a's annotations, folder b's annotations).

    Raises AgreementError for a missing folder, an invalid file, or no article in common.
    """
    loaded = read_corpus(root)
    texts = {d: raw.decode("utf-8") for d, raw in loaded.raw_bytes.items()}
    x, y = (folder_annotations(loaded, resolve_folder(root, f)) for f in (a, b))
    if not set(x) & set(y):
        raise AgreementError(
            [
                Problem(
                    f"{a} vs {b}",
                    "<documents>",
                    f"no article is annotated in both ({len(x)} and {len(y)} articles)",
                    "pull both annotators' work first (nkworkers ls pull --annotators)",
                )
            ]
        )
    return texts, x, y


def folder_agreement(root: Path, a: str | Path, b: str | Path) -> dict[str, Any]:
    """Every layer's agreement of folder ``b`` with folder ``a`` on the articles both
    annotate, keyed ``"<a> vs <b>"`` as ``corpus_agreement`` is (see ``folder_sets``)."""
    texts, x, y = folder_sets(root, a, b)
    return {f"{a} vs {b}": compare(texts, x, y)}
