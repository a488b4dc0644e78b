"""Bounded memos of parses and embeddings, and tagging that keeps none of an archive's.

Regression: the parse and embedding memos were unbounded process-wide dicts,
so tagging an archive kept every sentence's spaCy Doc: memory grew with the
archive. (Repeats within one batch are still parsed once: ``parse`` and
``embed`` de-duplicate the texts of each call.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nkworkers.baselines.systems.attribution import parse as attribution_parse
from nkworkers.baselines.systems.common import memo
from nkworkers.baselines.systems.common.memo import Memo
from nkworkers.baselines.systems.registry import SYSTEMS
from nkworkers.baselines.tagging.input import Article
from nkworkers.baselines.tagging.local import load_systems, tag_articles
from nkworkers.baselines.tagging.train import train

ROOT = Path(__file__).resolve().parent.parent


def test_memo_drops_the_least_recently_used_entry_beyond_its_bound() -> None:
    m: Memo[int] = Memo(maxsize=2)
    m.put("a", 1)
    m.put("b", 2)
    assert m.get("a") == 1  # "a" is now the most recent
    m.put("c", 3)
    assert len(m) == 2 and m.get("b") is None and m.get("a") == 1 and m.get("c") == 3


def test_memo_off_neither_reads_nor_writes_and_is_restored() -> None:
    m: Memo[int] = Memo(maxsize=4)
    m.put("a", 1)
    with memo.off():
        assert m.get("a") is None
        m.put("b", 2)
    assert m.get("a") == 1 and m.get("b") is None and len(m) == 1


@pytest.fixture(scope="module")
def deps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("deps")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_DATASETS_OFFLINE", "1")
        train(name="attribution-deps", systems=SYSTEMS, out=base / "deps", root=ROOT, seed=0,
              cache_dir=base / "hf")  # fmt: skip
    return base / "deps"


def test_tagging_keeps_no_parse_of_the_articles_it_tags(deps: Path) -> None:
    systems = load_systems([deps])
    before = len(attribution_parse._PARSES)
    # Sentences the corpus never had, so no parse of them can be in the memo already.
    articles = [
        Article(f"new-{i}", f"Officials said that {i} workers left, a source told Daily NK.")
        for i in range(20)
    ]
    rows = tag_articles(systems, articles)
    assert len(attribution_parse._PARSES) == before
    kept = [words for words, _ in attribution_parse._PARSES._items]
    assert not [
        w for w in kept if w[:4] in {("Officials", "said", "that", str(i)) for i in range(20)}
    ]
    assert [r["doc_id"] for r in rows] == [a.doc_id for a in articles]
    assert all(r["attributions"] for r in rows)  # the parses were made, and used


def test_tagging_adds_no_word_to_spacy_vocabularies_after_the_first_batch(deps: Path) -> None:
    # Regression: spaCy keeps every new word it meets in the pipeline's vocabulary, so
    # an archive of news (new names, new numbers) grew the tagging process without end.
    systems = load_systems([deps])

    def batch(tag: str) -> list[Article]:
        text = "Zorblax{0} said that Quen{0} left, a source told RFA."
        return [Article(f"{tag}-{i}", text.format(f"{tag}{i}"))
                for i in range(8)]  # fmt: skip

    tag_articles(systems, batch("a"))  # loads the parser; it joins the zones from now on
    strings = len(attribution_parse.pipeline().vocab.strings)
    rows = tag_articles(systems, batch("b"))
    assert len(attribution_parse.pipeline().vocab.strings) == strings
    assert all(r["attributions"] for r in rows)
