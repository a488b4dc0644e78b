"""Attribution triples read off a dependency parse: the classic cue -> source / content rules.

Given a parsed sentence (:mod:`nkworkers.baselines.systems.attribution.parse`; parse token i
is sentence token i) and a set of cue lemmas, every token whose lemma is a cue
and that has somewhere to put a content opens one triple. Ranges are token
indices, half-open.

- Cue: the verb (or adjective, "concerned") with its auxiliaries and negation
  just before it, and, when it has a clausal complement, the direct object
  right after it ("told RFA", "warned the workers").
- Source: the cue's nominal subject (cut at the first comma or relative
  clause); for a verb joined by ``conj`` without its own subject, its head's
  subject; for a participle or relative clause hanging on a noun ("an order
  calling for", "the source, who said"), that noun phrase; the ``by`` agent of
  a passive; none for any other passive ("workers were warned", "are said").
- Content: the clausal complement (``ccomp``, else ``xcomp``; a leading
  "that" and edge punctuation dropped); else the object of ``for``/``about``
  ("called for ...", "warned about ..."); else the quotations of the sentence
  that do not hold the cue; else, when the next sentence opens with a quotation
  mark, that sentence.
- "according to X" and "based on X": X is the source, the rest of the
  sentence's main clause the content. A sentence adverb ("reportedly") is a
  cue with no source whose content is the clause it modifies.

These rules were written while reading the parses of all five articles, so a
leave-one-document-out figure of a system built on them is optimistic about
unseen text: only the cue lexicon and its settings are learned per fold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nkworkers.baselines.systems.attribution.rules import quotations
from nkworkers.baselines.systems.common.features import OPEN_QUOTES, QUOTES, inside_quotes

Range = tuple[int, int]  # token indices, end exclusive
PREPOSITIONAL = {"according": "to", "based": "on"}  # cue word -> its preposition
ADVERBIAL = frozenset({"reportedly", "allegedly", "reputedly", "purportedly"})
PASSIVE_SUBJECTS = frozenset({"nsubjpass", "csubjpass"})
CLAUSE_BREAKS = frozenset({",", ";", ":", "(", "—", "–"})
MIN_TOPIC = 3  # tokens of a noun object read as the content, not the addressee
MAX_SOURCE = 8  # words between a comma and a verb read as its subject


@dataclass(frozen=True)
class Triple:
    cue: Range
    source: Range | None
    content: tuple[Range, ...]
    content_in_next: bool = False  # content ranges index the next sentence


def _trim(doc: Any, a: int, b: int) -> Range | None:
    """Drop edge punctuation, quotation marks excepted, and a leading 'that'/'to' marker."""
    while a < b and (
        (doc[a].is_punct and doc[a].text not in OPEN_QUOTES and doc[a].text != '"')
        or doc[a].lower_ == "that"
    ):
        a += 1
    while b > a and doc[b - 1].is_punct and doc[b - 1].text not in QUOTES:
        b -= 1
    return (a, b) if b > a else None


def _subtree(doc: Any, token: Any) -> Range | None:
    return _trim(doc, token.left_edge.i, token.right_edge.i + 1)


def _noun_phrase(doc: Any, token: Any) -> Range | None:
    """The subtree of a noun cut before its first comma or relative clause after the noun."""
    end = token.i + 1
    for child in token.rights:
        if child.dep_ in ("relcl", "acl", "appos") or child.text in CLAUSE_BREAKS:
            break
        end = child.right_edge.i + 1
    return _trim(doc, token.left_edge.i, end)


def _cue_range(doc: Any, verb: Any, with_object: bool) -> Range:
    start = verb.i
    while (
        start > 0
        and doc[start - 1].dep_ in ("aux", "auxpass", "neg")
        and (doc[start - 1].head == verb)
    ):
        start -= 1
    end = verb.i + 1
    if with_object:
        for child in verb.rights:
            if child.dep_ in ("dobj", "dative") and child.left_edge.i == end:
                end = child.right_edge.i + 1
                break
    return start, end


def _source(doc: Any, verb: Any) -> Range | None:
    children = {c.dep_: c for c in verb.children}
    if "agent" in children:
        objects = [c for c in children["agent"].children if c.dep_ == "pobj"]
        return _noun_phrase(doc, objects[0]) if objects else None
    if children.keys() & PASSIVE_SUBJECTS:
        return None
    subject = children.get("nsubj")
    if subject is not None and subject.tag_ not in ("WP", "WDT"):
        return _noun_phrase(doc, subject)
    if verb.dep_ in ("acl", "relcl") or (subject is not None and verb.dep_ == "relcl"):
        return _noun_phrase(doc, verb.head)
    if verb.dep_ in ("conj", "advcl") and verb.head.pos_ in ("VERB", "AUX"):
        return _source(doc, verb.head)  # "he explained, adding that ...": the shared subject
    return None


def _complement(doc: Any, verb: Any, cue_end: int) -> Range | None:
    """The verb's clausal complement (one to its right first), a 'that' clause, a for-object."""
    for dep in ("ccomp", "xcomp"):
        found = sorted((c for c in verb.children if c.dep_ == dep), key=lambda c: c.i < verb.i)
        if found:
            return _subtree(doc, found[0])
    if cue_end < len(doc) and doc[cue_end].lower_ == "that":
        # "reminded the workers that ...": the parser often hangs the clause on the object.
        return _trim(doc, cue_end, max(verb.right_edge.i + 1, cue_end + 1))
    for child in verb.children:
        if child.dep_ == "prep" and child.lower_ in ("for", "about"):
            for grand in child.children:
                if grand.dep_ in ("pobj", "pcomp"):
                    return _subtree(doc, grand)
    return None


def _object_content(doc: Any, verb: Any) -> Range | None:
    """A long noun object is what was reported ("highlighted solidarity between A and B").

    Short objects and names are the addressee instead ("told RFA", "warned the workers").
    """
    for child in verb.rights:
        if child.dep_ == "dobj" and child.pos_ == "NOUN":
            found = _subtree(doc, child)
            if found is not None and found[1] - found[0] >= MIN_TOPIC:
                return found
    return None


def _postposed(doc: Any, verb: Any) -> tuple[Range, Range | None] | None:
    """'CLAUSE, SOURCE said' or 'CLAUSE, said SOURCE': (content, source) before the comma.

    The parser often makes such a verb a ``conj`` or ``parataxis`` of the content
    clause instead of its head, so the order of the words is read instead.
    """
    subjects = [c for c in verb.lefts if c.dep_ == "nsubj"]
    start = subjects[0].left_edge.i if subjects else verb.i
    source: Range | None = _noun_phrase(doc, subjects[0]) if subjects else None
    if not subjects:  # "..., a reporting partner in North Korea told" (subject mis-attached)
        j = verb.i
        while j > 0 and doc[j - 1].text not in CLAUSE_BREAKS and verb.i - j < MAX_SOURCE:
            if doc[j - 1].pos_ in ("VERB", "AUX"):
                break
            j -= 1
        if j < verb.i and j > 0 and doc[j - 1].text in CLAUSE_BREAKS:
            start, source = j, _trim(doc, j, verb.i)
    j = start
    while j > 0 and doc[j - 1].text in QUOTES:
        j -= 1
    if j == 0 or doc[j - 1].text != ",":
        return None
    clause_start = 0
    for k in range(j - 1):
        if doc[k].text in (";", ":"):
            clause_start = k + 1
    content = _trim(doc, clause_start, j - 1)
    if content is None or content[1] - content[0] < 3:
        return None
    if source is None:
        after = [c for c in verb.rights if c.dep_ == "nsubj"]
        source = _noun_phrase(doc, after[0]) if after else None
    return content, source


def _quotes_without(quotes: list[Range], cue: Range) -> tuple[Range, ...]:
    return tuple(q for q in quotes if not (q[0] <= cue[0] < q[1]))


def _prepositional(doc: Any, word: Any) -> Triple | None:
    """'according to X, CLAUSE': X is the source, the clause without the phrase the content."""
    nxt = doc[word.i + 1] if word.i + 1 < len(doc) else None
    if nxt is None or nxt.lower_ != PREPOSITIONAL[word.lower_]:
        return None
    objects = [c for c in nxt.children if c.dep_ == "pobj"]
    source = _noun_phrase(doc, objects[0]) if objects else None
    phrase_end = max(word.right_edge.i, nxt.right_edge.i) + 1
    phrase_start = word.left_edge.i
    after = _trim(doc, phrase_end, len(doc))
    before = _trim(doc, 0, phrase_start)
    content = tuple(r for r in (before, after) if r and r[1] - r[0] >= 3)
    if not content:
        return None
    return Triple((word.i, nxt.i + 1), source, content[:1] if after is None else (after,))


def _adverbial(doc: Any, word: Any) -> Triple | None:
    head = word.head
    parts = (_trim(doc, head.left_edge.i, word.i), _trim(doc, word.i + 1, head.right_edge.i + 1))
    content = tuple(r for r in parts if r)
    return Triple((word.i, word.i + 1), None, content) if content else None


def _next_quote(next_doc: Any | None) -> Range | None:
    if next_doc is None or not len(next_doc) or next_doc[0].text not in QUOTES:
        return None
    return _trim(next_doc, 0, len(next_doc))


def triple_at(doc: Any, token: Any, next_doc: Any | None = None) -> Triple | None:
    """The triple whose cue is ``token`` (a token of doc), or None when the parse holds none."""
    if token.lower_ in PREPOSITIONAL:
        return _prepositional(doc, token)
    if token.lower_ in ADVERBIAL:
        return _adverbial(doc, token)
    if token.pos_ in ("VERB", "AUX", "ADJ"):
        quotes = quotations([t.text for t in doc])
        return _verbal(doc, token, quotes, _next_quote(next_doc))
    return None


def triples(doc: Any, cues: frozenset[str], next_doc: Any | None = None) -> list[Triple]:
    """Every triple of one parsed sentence whose cue lemma is in ``cues`` (lower-cased)."""
    out = []
    for token in doc:
        if token.lemma_.lower() in cues or token.lower_ in cues:
            found = triple_at(doc, token, next_doc)
            if found is not None:
                out.append(found)
    return out


def _verbal(doc: Any, verb: Any, quotes: list[Range], next_quote: Range | None) -> Triple | None:
    bare_cue = _cue_range(doc, verb, with_object=False)
    object_cue = _cue_range(doc, verb, with_object=True)
    complement = _complement(doc, verb, object_cue[1])
    if complement is not None:
        inside = inside_quotes([t.text for t in doc])
        # A complement inside a quotation that the cue is outside of: the whole quote.
        if inside[complement[0]] and not inside[verb.i]:
            held = [q for q in quotes if q[0] <= complement[0] < q[1]]
            complement = held[0] if held else complement
        return Triple(object_cue, _source(doc, verb), (complement,))
    if verb.dep_ == "xcomp":  # an infinitive with nothing reported ("to speak freely")
        return None
    topic = _object_content(doc, verb)
    if topic is not None:
        return Triple(bare_cue, _source(doc, verb), (topic,))
    postposed = _postposed(doc, verb)
    if postposed is not None:
        return Triple(object_cue, postposed[1], (postposed[0],))
    source = _source(doc, verb)
    outside = _quotes_without(quotes, bare_cue)
    if outside and (source is not None or verb.dep_ == "ROOT"):
        return Triple(bare_cue, source, outside)
    if next_quote is not None and verb.dep_ == "ROOT":
        return Triple(bare_cue, source, (next_quote,), content_in_next=True)
    return None
