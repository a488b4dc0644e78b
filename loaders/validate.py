"""Check the corpus and report every problem (file, record, what, how to fix).

The checks are pure functions over parsed data; ``validate_corpus`` is the one
entry point that reads the disk (through ``nkworkers.loaders.corpus``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from nkworkers.loaders.corpus import (
    ANNOTATIONS,
    MANIFEST,
    SPLITS,
    CorpusError,
    Index,
    Loaded,
    Problem,
    annotation_path,
    parse,
    read_corpus,
    read_index,
    read_plain,
    sha256,
)
from nkworkers.loaders.files.jsonio import clip
from nkworkers.loaders.labels import CONTENT_ZONES, Role, SourceAnonymity, Split
from nkworkers.loaders.model import (
    SCHEMA_VERSION,
    Annotation,
    Document,
    ManifestEntry,
    text_faults,
)

SPLIT_NAMES = tuple(s.value for s in Split)


class _Span(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


def _text_spans(annotation: Annotation) -> list[tuple[str, int, int, str]]:
    """(id, start, end, stored text) of every span that stores its text."""
    return [
        (s.id, s.start, s.end, s.text)
        for layer in (
            annotation.entities,
            annotation.attribution_spans,
            annotation.control_measures,
        )
        for s in layer
    ]


def check_spans(file: str, text: str, annotation: Annotation) -> list[Problem]:
    problems = []
    for span_id, start, end, stored in _text_spans(annotation):
        if not 0 <= start < end <= len(text):
            problems.append(
                Problem(
                    file,
                    span_id,
                    f"offsets [{start}, {end}) out of range 0..{len(text)}",
                    "end must be > start and <= len(text); ends are exclusive",
                )
            )
            continue
        actual = text[start:end]
        if actual != stored:
            problems.append(
                Problem(
                    file,
                    span_id,
                    f"text[{start}:{end}] is {clip(actual)}, stored {clip(stored)}",
                    "relocate the span in code (nkworkers.loaders.text.locate.find) and rewrite it",
                )
            )
        elif actual != actual.strip():
            problems.append(
                Problem(
                    file,
                    span_id,
                    f"span {clip(actual)} starts or ends on whitespace",
                    "trim the offsets to the first and last non-space character",
                )
            )
    return problems


def check_zones(file: str, text: str, annotation: Annotation) -> list[Problem]:
    if not annotation.zones:
        if annotation.is_empty():
            return []
        return [
            Problem(file, "zones", "annotated document has no zones", "add zones tiling the text")
        ]
    problems, cursor = [], 0
    for i, zone in enumerate(annotation.zones):
        if zone.start != cursor:
            problems.append(
                Problem(
                    file,
                    f"zones.{i}",
                    f"zone starts at {zone.start}, expected {cursor}",
                    "zones must tile the text: each starts where the previous ends",
                )
            )
        if zone.end <= zone.start:
            problems.append(
                Problem(file, f"zones.{i}", "empty or reversed zone", "fix its offsets")
            )
        cursor = zone.end
    if cursor != len(text):
        problems.append(
            Problem(
                file,
                "zones",
                f"zones end at {cursor}, text length is {len(text)}",
                "the last zone must end at len(text)",
            )
        )
    return problems


def overlapping(spans: Sequence[tuple[str, _Span]]) -> Iterable[tuple[str, str]]:
    """(earlier id, later id) for each span that overlaps or nests in an earlier one."""
    ordered = sorted(spans, key=lambda item: (item[1].start, -item[1].end))
    reach_id, reach_end = "", -1
    for span_id, span in ordered:
        if span.start < reach_end:
            yield reach_id, span_id
        if span.end > reach_end:
            reach_id, reach_end = span_id, span.end


def crossing(spans: Sequence[tuple[str, _Span]]) -> Iterable[tuple[str, str]]:
    """Pairs that partially overlap; a span wholly inside another is fine here."""
    open_spans: list[tuple[str, _Span]] = []
    for span_id, span in sorted(spans, key=lambda item: (item[1].start, -item[1].end)):
        while open_spans and open_spans[-1][1].end <= span.start:
            open_spans.pop()
        if open_spans and span.end > open_spans[-1][1].end:
            yield open_spans[-1][0], span_id
        open_spans.append((span_id, span))


def check_overlaps(file: str, annotation: Annotation) -> list[Problem]:
    problems = []
    layers: dict[str, list[tuple[str, _Span]]] = {
        "entities": [(e.id, e) for e in annotation.entities],
        "control measures": [(c.id, c) for c in annotation.control_measures],
    }
    for role in (Role.SOURCE, Role.CUE):
        layers[f"{role.value} spans"] = [
            (s.id, s) for s in annotation.attribution_spans if s.role is role
        ]
    for layer, spans in layers.items():
        for id_a, id_b in overlapping(spans):
            problems.append(
                Problem(
                    file,
                    id_b,
                    f"{layer} {id_a} and {id_b} overlap or nest",
                    "shorten one of them or merge them into one span",
                )
            )
    # An inner record's content nests in its outer record's content; crossing is an error.
    contents = [(s.id, s) for s in annotation.attribution_spans if s.role is Role.CONTENT]
    for id_a, id_b in crossing(contents):
        problems.append(
            Problem(
                file,
                id_b,
                f"CONTENT spans {id_a} and {id_b} cross (overlap without nesting)",
                "a content span lies wholly inside another or apart from it",
            )
        )
    return problems


def check_zone_layers(file: str, annotation: Annotation) -> list[Problem]:
    """Attribution and control spans lie only in HEADLINE, CAPTION and BODY."""
    problems = []
    spans = [(s.id, s) for s in annotation.attribution_spans] + [
        (c.id, c) for c in annotation.control_measures
    ]
    for span_id, span in spans:
        zone = next((z for z in annotation.zones if z.start <= span.start < z.end), None)
        if zone is not None and (zone.label not in CONTENT_ZONES or span.end > zone.end):
            problems.append(
                Problem(
                    file,
                    span_id,
                    f"span lies in or crosses into a {zone.label.value} zone",
                    "attribution and control measures belong only in HEADLINE, CAPTION, BODY",
                )
            )
    return problems


def check_references(file: str, annotation: Annotation) -> list[Problem]:
    problems = []
    roles = {s.id: s.role for s in annotation.attribution_spans}
    records = {r.id: r for r in annotation.attributions}
    used: set[str] = set()

    def expect(record: str, ref: str, role: Role) -> None:
        used.add(ref)
        if ref not in roles:
            problems.append(
                Problem(
                    file,
                    record,
                    f"refers to missing span {clip(ref)}",
                    "point at an existing attribution span id",
                )
            )
        elif roles[ref] is not role:
            problems.append(
                Problem(
                    file,
                    record,
                    f"{ref} is a {roles[ref].value} span, expected {role.value}",
                    "link the span with the right role",
                )
            )

    for r in annotation.attributions:
        expect(r.id, r.cue, Role.CUE)
        for ref in r.content:
            expect(r.id, ref, Role.CONTENT)
        if not r.content:
            problems.append(
                Problem(file, r.id, "record has no content span", "link one or more CONTENT spans")
            )
        if r.source is not None:
            expect(r.id, r.source, Role.SOURCE)
        no_source = r.source is None
        if no_source != (r.source_anonymity is SourceAnonymity.NOT_APPLICABLE):
            problems.append(
                Problem(
                    file,
                    r.id,
                    f"source is {clip(r.source)} but source_anonymity is "
                    f"{r.source_anonymity.value}",
                    "use not_applicable exactly when the record has no source",
                )
            )
        if no_source != (r.source_id is None):
            problems.append(
                Problem(
                    file,
                    r.id,
                    "source_id must be set exactly when source is",
                    "give the source a coreference id, or drop it",
                )
            )
        if r.parent is not None and r.parent not in records:
            problems.append(
                Problem(
                    file,
                    r.id,
                    f"parent {clip(r.parent)} does not exist",
                    "point at an attribution record id of this document",
                )
            )
    for span_id in sorted(set(roles) - used):
        problems.append(
            Problem(
                file,
                span_id,
                "attribution span belongs to no record",
                "link it into a record or delete it",
            )
        )
    return problems + check_acyclic(file, {r.id: r.parent for r in annotation.attributions})


def check_acyclic(file: str, parent_of: dict[str, str | None]) -> list[Problem]:
    problems = []
    for start in sorted(parent_of):
        seen, node = {start}, parent_of[start]
        while node is not None and node in parent_of:
            if node in seen:
                problems.append(
                    Problem(
                        file,
                        start,
                        "parent chain loops back on itself",
                        "an inner record's parent must be an outer record",
                    )
                )
                break
            seen.add(node)
            node = parent_of[node]
    return problems


def all_ids(annotation: Annotation) -> list[str]:
    return [s[0] for s in _text_spans(annotation)] + [r.id for r in annotation.attributions]


def check_ids(file: str, annotation: Annotation) -> list[Problem]:
    """Ids carry their doc_id prefix and are unique in the document.

    Together with unique doc_ids this makes every id unique across the corpus
    without holding the whole corpus's ids in memory.
    """
    prefix = f"{annotation.doc_id}-"
    ids = all_ids(annotation)
    problems = [
        Problem(file, i, f"id used {n} times in the document", "give every record its own id")
        for i, n in sorted(Counter(ids).items())
        if n > 1
    ]
    refs = ids + [r.source_id for r in annotation.attributions if r.source_id]
    return problems + [
        Problem(
            file, i, f"id does not start with {clip(prefix)}", "prefix every id with the doc_id"
        )
        for i in sorted(set(refs))
        if not i.startswith(prefix)
    ]


def validate_document(
    meta: ManifestEntry, raw: bytes, annotation: Annotation, file: str
) -> list[Problem]:
    """Every check of one article; pure."""
    problems = []
    if annotation.schema_version != SCHEMA_VERSION:
        # A file of another format version read as this one would change meaning silently.
        problems.append(
            Problem(
                file,
                annotation.doc_id,
                f"schema_version {annotation.schema_version}; this nkworkers reads "
                f"{SCHEMA_VERSION}",
                f"convert the file to schema_version {SCHEMA_VERSION}, or update nkworkers",
            )
        )
    digest = sha256(raw)
    if meta.sha256 != digest:
        problems.append(
            Problem(
                MANIFEST,
                meta.doc_id,
                f"sha256 {meta.sha256} != raw bytes' {digest}",
                "raw texts are never edited: restore the raw file",
            )
        )
    if annotation.text_sha256 != digest:
        problems.append(
            Problem(
                file,
                annotation.doc_id,
                "text_sha256 does not match the raw bytes",
                "re-anchor the annotation against the current raw text",
            )
        )
    if annotation.doc_id != meta.doc_id:
        problems.append(
            Problem(
                file,
                annotation.doc_id,
                f"doc_id differs from file name {meta.doc_id}",
                "rename the file or fix doc_id",
            )
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [
            *problems,
            Problem(
                f"raw/{meta.doc_id}.txt",
                meta.doc_id,
                f"not UTF-8: byte {raw[exc.start : exc.start + 1]!r} at byte offset {exc.start}",
                "restore the raw file as it was added (raw texts are UTF-8 and never edited)",
            ),
        ]
    for fault in text_faults(text):
        problems.append(
            Problem(
                f"raw/{meta.doc_id}.txt",
                meta.doc_id,
                fault,
                "remove the article (its manifest line, raw file and annotation) and add it "
                "again as plain UTF-8 text without BOM with nkworkers add-article",
            )
        )
    return (
        problems
        + check_spans(file, text, annotation)
        + check_zones(file, text, annotation)
        + check_overlaps(file, annotation)
        + check_zone_layers(file, annotation)
        + check_references(file, annotation)
        + check_ids(file, annotation)
    )


def check_presence(index: Index) -> list[Problem]:
    problems = []
    for doc_id in sorted(index.raw_ids - set(index.manifest)):
        problems.append(
            Problem(
                MANIFEST,
                doc_id,
                f"raw/{doc_id}.txt has no manifest line",
                "add its line (nkworkers add-article does)",
            )
        )
    for doc_id in sorted(set(index.manifest) - index.raw_ids):
        problems.append(
            Problem(MANIFEST, doc_id, f"raw/{doc_id}.txt is missing", "restore the raw file")
        )
    for doc_id in sorted(set(index.manifest) - index.annotation_ids):
        problems.append(
            Problem(
                f"{ANNOTATIONS}/{doc_id}.json",
                doc_id,
                "annotation file missing",
                "restore it (an unannotated article has an empty annotation)",
            )
        )
    for doc_id in sorted(index.annotation_ids - set(index.manifest)):
        problems.append(
            Problem(
                f"{ANNOTATIONS}/{doc_id}.json",
                doc_id,
                "annotation for an unknown article",
                "add the article to raw/ and the manifest, or delete the file",
            )
        )
    return problems


def check_splits(index: Index) -> list[Problem]:
    if index.splits is None:
        return []
    problems = [
        Problem(
            SPLITS,
            name,
            "split is empty (the build would give it no rows)",
            "move at least one annotated article into it",
        )
        for name in SPLIT_NAMES
        if not getattr(index.splits, name)
    ]
    listed: dict[str, list[str]] = {}
    for name in SPLIT_NAMES:
        for doc_id in getattr(index.splits, name):
            listed.setdefault(doc_id, []).append(name)
    for doc_id, names in sorted(listed.items()):
        if len(set(names)) > 1:
            problems.append(
                Problem(
                    SPLITS,
                    doc_id,
                    f"article is in more than one split ({', '.join(sorted(set(names)))})",
                    "keep it in one",
                )
            )
        elif len(names) > 1:
            problems.append(
                Problem(
                    SPLITS,
                    doc_id,
                    f"article is listed {len(names)} times in {names[0]}",
                    "list it once",
                )
            )
        if doc_id not in index.manifest:
            problems.append(Problem(SPLITS, doc_id, "split names an unknown article", "remove it"))
    return problems


def check_index(index: Index) -> list[Problem]:
    """Everything that can be checked without reading texts and annotations."""
    return list(index.problems) + check_presence(index) + check_splits(index)


def check_document(
    index: Index, doc_id: str, raw: bytes | None, annotation: Annotation | None
) -> list[Problem]:
    """Every check of one article that the index and its own files allow."""
    if raw is None or annotation is None or doc_id not in index.manifest:
        return []  # reported by check_presence or by the parser
    file = f"{ANNOTATIONS}/{doc_id}.json"
    problems = validate_document(index.manifest[doc_id], raw, annotation, file)
    in_split = index.splits is not None and doc_id in index.splits.split_of()
    if index.splits is not None and not in_split and not annotation.is_empty():
        problems.append(
            Problem(
                SPLITS,
                doc_id,
                "an annotated article is in no split (the build would leave it out of data/)",
                "add it to train, validation or test in annotations/splits.json",
            )
        )
    if in_split and annotation.is_empty():
        problems.append(
            Problem(
                SPLITS,
                doc_id,
                "an unannotated article is in a split",
                "annotate it first, or take it out of the split",
            )
        )
    return problems


def validate_loaded(loaded: Loaded) -> list[Problem]:
    problems = check_index(loaded)
    for doc_id in sorted(loaded.annotations):
        problems += check_document(
            loaded, doc_id, loaded.raw_bytes.get(doc_id), loaded.annotations[doc_id]
        )
    return problems


def validate_corpus(root: Path) -> list[Problem]:
    return validate_loaded(read_corpus(root))


def load_valid(root: Path) -> tuple[list[Document], dict[str, str], dict[str, int]]:
    """Annotated documents in splits, doc -> split, doc -> fold; refuses a bad corpus.

    Here, not in the build, so that the viewer and the report read the corpus
    without importing what a build needs (spaCy, datasets).

    Raises:
        CorpusError: every problem ``validate`` finds.
    """
    loaded = read_corpus(root)
    problems = validate_loaded(loaded)
    if problems:
        raise CorpusError(problems)
    assert loaded.splits is not None
    split_of, fold_of = loaded.splits.split_of(), loaded.splits.fold_of()
    docs = [d for d in loaded.documents() if d.doc_id in split_of]
    return docs, split_of, fold_of


def unannotated(root: Path) -> list[str]:
    """Articles waiting for annotation: in the manifest, in no split, empty annotation.

    Reads only the annotations of articles outside the splits. An unreadable
    or missing annotation is left to ``validate`` to report.
    """
    index = read_index(root)
    in_split = index.splits.split_of() if index.splits else {}
    waiting = []
    for doc_id in sorted(set(index.manifest) - set(in_split)):
        path = annotation_path(root, doc_id)
        data, _ = read_plain(path, path.name, doc_id)  # no symlink, no huge file
        if data is not None:
            annotation, _ = parse(path.name, data, Annotation)
            if annotation is not None and annotation.is_empty():
                waiting.append(doc_id)
    return waiting


def waiting_note(doc_ids: list[str]) -> str:
    """One info line for articles waiting for annotation ("" when none)."""
    if not doc_ids:
        return ""
    shown = ", ".join(doc_ids[:10]) + (
        f" and {len(doc_ids) - 10} more" if len(doc_ids) > 10 else ""
    )
    return (
        f"info: {len(doc_ids)} article(s) not annotated yet, kept out of data/: {shown}. "
        "Annotate in Label Studio (ls push, ls pull), add to a split, then build."
    )
