"""CoNLL as common readers read it: ``spacy convert -c ner`` and seqeval as oracles.

Both read the default (plain) export of the real corpus; the spans they read,
mapped back to characters, must be the gold spans except what IOB2 cannot
hold, as the README says: a span nested in another of its tagset is left out,
a span crossing a sentence boundary comes back as one span per sentence.
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from seqeval.metrics import classification_report, f1_score
from seqeval.scheme import IOB2, Entities
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from nkworkers.loaders.dataset.build import SPLITS
from nkworkers.loaders.exports import conll, convert, write_files
from nkworkers.loaders.model import Document, Entity
from nkworkers.loaders.text.locate import find
from nkworkers.loaders.text.segment import segment
from nkworkers.loaders.validate import load_valid

ROOT = Path(__file__).resolve().parent.parent
Spans = set[tuple[int, int, str]]


@cache
def corpus() -> tuple[tuple[Document, ...], dict[str, str]]:
    docs, split_of, _ = load_valid(ROOT)
    return tuple(docs), split_of


def expected_spans(doc: Document, tagset: str) -> Spans:
    """The gold spans of a tagset as IOB2 per sentence can hold them."""
    kept: list = []
    for span in sorted(conll.TAGSETS[tagset](doc.annotation), key=lambda s: (s.start, -s.end)):
        if not any(k.start <= span.start and span.end <= k.end for k in kept):  # else nested
            kept.append(span)
    out: Spans = set()
    for sentence in segment(doc.text):
        for span in kept:
            start, end = max(span.start, sentence.start), min(span.end, sentence.end)
            piece = doc.text[start:end]
            if piece.strip():
                start += len(piece) - len(piece.lstrip())
                end -= len(piece) - len(piece.rstrip())
                out.add((start, end, span.label))
    return out


def docs_in(split: str) -> list[Document]:
    docs, split_of = corpus()
    return [d for d in docs if split_of[d.doc_id] == split]


# `python -m spacy convert FILE OUT -c ner` for each FILE, in one process (spaCy's
# own CLI entry point; its import is what takes the time).
_CONVERT_EACH = """
import sys
from spacy.cli import setup_cli
pairs = sys.argv[1:]
for path, out in zip(pairs[::2], pairs[1::2]):
    sys.argv = ["spacy", "convert", path, out, "-c", "ner"]
    try:
        setup_cli()
    except SystemExit as exc:
        if exc.code:
            raise
"""


def spacy_convert(root: Path, out: Path) -> Path:
    """Every ``*.conll`` under ``root`` through ``spacy convert FILE DIR -c ner`` (the
    venv's spaCy, one subprocess); ``out/<relative path>.spacy`` as the CLI writes them."""
    args = []
    for path in sorted(root.rglob("*.conll")):
        folder = out / path.parent.relative_to(root)
        folder.mkdir(parents=True, exist_ok=True)
        args += [str(path), str(folder)]
    done = subprocess.run(
        [sys.executable, "-c", _CONVERT_EACH, *args], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def spacy_docs(path: Path) -> list:
    return list(DocBin().from_disk(path).get_docs(Vocab()))


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs, split_of = corpus()
    folder = tmp_path_factory.mktemp("conll")
    write_files(folder, convert("conll", docs, split_of))
    return folder


@pytest.fixture(scope="module")
def spacy_read(plain: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """spaCy's reading of every plain file: one ``spacy convert`` of the whole folder."""
    return spacy_convert(plain, tmp_path_factory.mktemp("spacy"))


@pytest.mark.parametrize("tagset", list(conll.TAGSETS))
def test_spacy_convert_reads_the_plain_export_with_the_gold_spans(
    tagset: str, spacy_read: Path
) -> None:
    checked = 0
    for split in SPLITS:
        docs = docs_in(split)
        if not docs:
            continue
        read = spacy_docs(spacy_read / tagset / f"{split}.spacy")
        assert len(read) == len(docs)  # one spaCy Doc per article (-DOCSTART- lines)
        for doc, spacy_doc in zip(docs, read, strict=True):
            offsets = conll.align([t.text for t in spacy_doc], doc.text)
            found = {(offsets[e.start][0], offsets[e.end - 1][1], e.label_) for e in spacy_doc.ents}
            assert found == expected_spans(doc, tagset), doc.doc_id
            checked += len(found)
    assert checked > 0


def _read_conll_2003(content: str) -> list[list[list[str]]]:
    """Documents -> sentences -> lines split on whitespace: the usual CoNLL-2003 loader."""
    docs: list[list[list[str]]] = []
    sentence: list[str] = []
    for line in content.split("\n"):
        if line.startswith("-DOCSTART-"):
            docs.append([])
        elif not line.strip():
            if sentence:
                docs[-1].append(sentence)
            sentence = []
        else:
            sentence.append(line)
    return docs


@pytest.mark.parametrize("tagset", list(conll.TAGSETS))
def test_seqeval_reads_the_plain_export_with_the_gold_spans(tagset: str, plain: Path) -> None:
    for split in SPLITS:
        docs = docs_in(split)
        if not docs:
            continue
        read = _read_conll_2003((plain / tagset / f"{split}.conll").read_text(encoding="utf-8"))
        assert len(read) == len(docs)
        for doc, sentences in zip(docs, read, strict=True):
            tags = [[line.split()[-1] for line in s] for s in sentences]
            words = [line.split()[0] for s in sentences for line in s]
            offsets = conll.align(words, doc.text)
            # strict IOB2: seqeval refuses an invalid tag sequence here
            entities = Entities(tags, IOB2).entities
            firsts = [sum(len(s) for s in sentences[:i]) for i in range(len(sentences))]
            found = {
                (offsets[firsts[i] + e.start][0], offsets[firsts[i] + e.end - 1][1], e.tag)
                for i, sent in enumerate(entities)
                for e in sent
            }
            assert found == expected_spans(doc, tagset), doc.doc_id
            if found:
                assert f1_score(tags, tags, mode="strict", scheme=IOB2) == 1.0
                assert classification_report(tags, tags, mode="strict", scheme=IOB2)


def test_plain_conll_has_no_comments_and_comments_come_only_on_request() -> None:
    docs, split_of = corpus()
    plain = convert("conll", docs, split_of)
    assert not any(line.startswith("#") for t in plain.values() for line in t.split("\n"))
    rich = convert("conll", docs, split_of, comments=True)
    assert sorted(rich) == sorted(plain)
    first = rich["entities/train.conll"].split("\n")
    assert first[0] == conll.HEADER and first[1] == conll.DOCSTART
    assert first[3].startswith("# doc_id = ")


def test_conll_text_that_looks_like_markup_stays_tokens(tmp_path: Path) -> None:
    real = corpus()[0][0]
    text = (
        "# doc_id = x\n-DOCSTART- -X- O O\nKim\u00a0Jong Un said # sent_id = y .\n"
        "North\u2028Korea\x85Russia\r\nSeoul\x0bTokyo.\n"
    )
    spans = [("Kim\u00a0Jong Un", "PERSON"), ("-DOCSTART-", "ORG"), ("#", "CARDINAL"),
             ("North\u2028Korea", "GPE"), ("Seoul\x0bTokyo", "LOC")]  # fmt: skip
    entities = []
    for i, (needle, label) in enumerate(spans):
        start, end = find(text, needle, nth=1)
        entities.append(Entity(id=f"x-E{i}", start=start, end=end, text=needle, label=label))
    annotation = real.annotation.model_copy(
        update={"entities": entities, "attribution_spans": [], "attributions": []}
    )
    annotation = annotation.model_copy(update={"control_measures": [], "zones": []})
    doc = real.model_copy(update={"text": text, "annotation": annotation})
    files = convert("conll", [doc], {doc.doc_id: "train"})
    write_files(tmp_path, files)
    out = spacy_convert(tmp_path, tmp_path / "out")
    (read,) = spacy_docs(out / "entities" / "train.spacy")
    offsets = conll.align([t.text for t in read], text)
    found = {(offsets[e.start][0], offsets[e.end - 1][1], e.label_) for e in read.ents}
    assert found == expected_spans(doc, "entities")
    assert ("Kim\u00a0Jong" not in [t.text for t in read]) and len(found) == len(spans)
    rich = conll.parse(
        convert("conll", [doc], {doc.doc_id: "train"}, comments=True)["entities/train.conll"]
    )
    assert {(s.start, s.end, s.label) for s in conll.to_spans(rich)[doc.doc_id]} == found


def test_export_command_writes_comments_only_with_the_flag(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nkworkers.loaders.cli import app

    runner = CliRunner()
    args = ["export", "--format", "conll", "--root", str(ROOT)]
    plain = runner.invoke(app, [*args, "--out", str(tmp_path / "plain")])
    rich = runner.invoke(app, [*args, "--out", str(tmp_path / "rich"), "--comments"])
    assert plain.exit_code == 0 and rich.exit_code == 0, plain.output + rich.output
    assert not (tmp_path / "plain/entities/train.conll").read_text().count("# doc_id")
    assert (tmp_path / "rich/entities/train.conll").read_text().count("# doc_id") > 10
    wrong = runner.invoke(
        app, ["export", "--format", "brat", "--comments", "--out", str(tmp_path / "b")]
    )
    assert wrong.exit_code != 0 and not (tmp_path / "b").exists()
