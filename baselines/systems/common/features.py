"""Hand-made token features shared by the CRF and the token logistic regression.

:func:`base_features`: word identity, casing, shape, prefixes and suffixes
of the token and of its neighbours two either side, whether it is inside a
quotation. :func:`entity_features` adds the lower-cased words three either
side, the next-word bigram, a four-letter suffix and the previous/current
shape pair. :func:`attribution_features` adds the words three either side
and what attribution depends on:

- quotation marks: inside an open quote, a quote character itself, the
  parity of quote marks before the token, the distance (bucketed) to the
  nearest mark on each side, a comma right before a quote;
- reporting verbs: a suffix-rule stem of every word (``says``, ``said``,
  ``saying`` -> ``say``) and whether it is in :data:`REPORTING`, a generic
  list of English reporting verbs written by hand (not learned from the
  corpus), for the token and its neighbours, and where the nearest one in the
  sentence is (side, bucketed distance), whether a ``that`` after one precedes
  the token; "according to" and "told";
- the token's relative position in the sentence (fifths).

Features are ``{name: value}`` dicts, the input sklearn-crfsuite and
scikit-learn's DictVectorizer both take.
"""

from __future__ import annotations

import functools
import re

from nkworkers.baselines.systems.common.sequences import Sentence

Features = dict[str, str | float]

QUOTES = frozenset({'"', "“", "”", "‘", "’", "'", "«", "»"})
OPEN_QUOTES = frozenset({"“", "«", "‘"})
CLOSE_QUOTES = frozenset({"”", "»", "’"})
WINDOW = 2
WORD_WINDOW = 3  # lower-cased words only, beyond WINDOW

IRREGULAR = {
    "said": "say", "says": "say", "told": "tell", "thought": "think", "wrote": "write",
    "written": "write", "felt": "feel", "knew": "know", "known": "know", "spoke": "speak",
    "spoken": "speak", "heard": "hear",
}  # fmt: skip
# Common English reporting verbs (a writing-guide list), stemmed by :func:`stem`.
REPORTING_WORDS = (
    "accept acknowledge add admit advise agree allege announce answer argue ask assert "
    "assure believe boast claim comment complain concede conclude confirm contend declare "
    "deny describe disclose doubt emphasize emphasise estimate explain feel hear hint hope "
    "indicate inform insist maintain mention observe point predict promise propose "
    "recall recommend remark repeat reply report respond reveal say speak speculate state "
    "stress suggest suspect tell testify think urge warn write according"
)


def stem(word: str) -> str:
    """A crude suffix-rule stem: inflections and -ly go, so cue forms generalise."""
    w = word.lower()
    w = IRREGULAR.get(w, w)
    for suffix in ("edly", "ingly", "ly", "ing", "ed", "es", "s"):
        least = 5 if suffix == "ly" else 3
        if w.endswith(suffix) and len(w) - len(suffix) >= least and not w.endswith("ss"):
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiou":
        w = w[:-1]
    if len(w) > 3 and w[-1] == "e":
        w = w[:-1]
    return w[:-1] + "i" if len(w) > 3 and w[-1] == "y" else w


REPORTING = frozenset(stem(w) for w in REPORTING_WORDS.split())
TELL = stem("tell")


@functools.lru_cache(maxsize=1 << 16)  # pure; news vocabulary repeats (a quarter of tag time)
def shape(word: str) -> str:
    """Collapsed character classes: 'Kim' -> 'Xx', '2019' -> 'd', 'U.S.' -> 'X.X.'."""
    mapped = re.sub(r"[0-9]", "d", re.sub(r"[A-Z]", "X", re.sub(r"[a-z]", "x", word)))
    return re.sub(r"(.)\1+", r"\1", mapped)


def _word_features(word: str, prefix: str) -> Features:
    lower = word.lower()
    return {
        f"{prefix}lower": lower,
        f"{prefix}shape": shape(word),
        f"{prefix}title": float(word[:1].isupper()),
        f"{prefix}upper": float(word.isupper()),
    }


def _own_features(word: str) -> Features:
    lower = word.lower()
    feats: Features = {
        "bias": 1.0,
        "digit": float(any(c.isdigit() for c in word)),
        "punct": float(not any(c.isalnum() for c in word)),
        "quote": float(word in QUOTES),
    }
    for n in (1, 2, 3):
        feats[f"pre{n}"] = lower[:n]
        feats[f"suf{n}"] = lower[-n:]
    return feats


def inside_quotes(words: list[str]) -> list[bool]:
    """Whether each token lies between an opening and a closing quotation mark."""
    inside, state = [], False
    for i, word in enumerate(words):
        if word in OPEN_QUOTES or (word == '"' and not state):
            state = True
        elif (word in CLOSE_QUOTES and word != "’") or (word == '"' and state):
            inside.append(state)
            state = False
            continue
        elif word == "’" and state and i + 1 < len(words) and not words[i + 1][:1].isalpha():
            state = False  # a closing single quote, not an apostrophe
        inside.append(state)
    return inside


def _bucket(distance: int | None) -> str:
    if distance is None:
        return "none"
    return str(distance) if distance <= 2 else "3-5" if distance <= 5 else "6+"


def _nearest(flags: list[bool], i: int, step: int) -> int | None:
    j = i + step
    while 0 <= j < len(flags):
        if flags[j]:
            return abs(j - i)
        j += step
    return None


def base_features(sentence: Sentence) -> list[Features]:
    """Word, casing, shape and affix features of the token and its neighbours."""
    words = sentence.words
    quoted = inside_quotes(words)
    n = len(words)
    out = []
    for i, word in enumerate(words):
        feats = {**_word_features(word, ""), **_own_features(word)}
        feats["in_quote"] = float(quoted[i])
        feats["position"] = "first" if i == 0 else "last" if i == n - 1 else "mid"
        for offset in range(-WINDOW, WINDOW + 1):
            j = i + offset
            if offset == 0:
                continue
            if 0 <= j < n:
                feats.update(_word_features(words[j], f"{offset:+d}:"))
            else:
                feats[f"{offset:+d}:edge"] = 1.0
        feats["-1:word|word"] = f"{words[i - 1].lower() if i else '<s>'}|{word.lower()}"
        out.append(feats)
    return out


def _far_words(lower: list[str], i: int, feats: Features) -> None:
    for offset in (-WORD_WINDOW, WORD_WINDOW):
        j = i + offset
        feats[f"{offset:+d}:lower"] = lower[j] if 0 <= j < len(lower) else "<edge>"


def entity_features(sentence: Sentence) -> list[Features]:
    """The base features plus the next-word bigram, a 4-suffix and words three away."""
    words = sentence.words
    lower = [w.lower() for w in words]
    out = base_features(sentence)
    for i, feats in enumerate(out):
        _far_words(lower, i, feats)
        feats["word|+1:word"] = f"{lower[i]}|{lower[i + 1] if i + 1 < len(words) else '</s>'}"
        feats["suf4"] = lower[i][-4:]
        feats["-1:shape|shape"] = f"{shape(words[i - 1]) if i else '<s>'}|{shape(words[i])}"
    return out


def attribution_features(sentence: Sentence) -> list[Features]:
    """The base features plus quotation, reporting-verb and position features."""
    words = sentence.words
    lower = [w.lower() for w in words]
    is_quote = [w in QUOTES and w != "’" for w in words]
    stems = [stem(w) for w in words]
    reporting = [s in REPORTING for s in stems]
    n = len(words)
    out = base_features(sentence)
    quotes_before = 0
    after_that = False
    for i, feats in enumerate(out):
        _far_words(lower, i, feats)
        for offset in range(-WINDOW, WINDOW + 1):
            if 0 <= i + offset < n:
                feats[f"{offset:+d}:report"] = float(reporting[i + offset])
        feats["fifth"] = str(5 * i // n)
        feats["stem"] = stems[i]
        feats["report_left"] = _bucket(_nearest(reporting, i, -1))
        feats["report_right"] = _bucket(_nearest(reporting, i, 1))
        feats["quote_parity"] = str(quotes_before % 2)
        feats["quote_left"] = _bucket(_nearest(is_quote, i, -1))
        feats["quote_right"] = _bucket(_nearest(is_quote, i, 1))
        feats["sentence_quoted"] = float(any(is_quote))
        feats["comma_then_quote"] = float(
            i > 0 and lower[i - 1] == "," and i + 1 < n and is_quote[i + 1]
        )
        feats["after_comma"] = float(i > 0 and lower[i - 1] == ",")
        feats["according_to"] = float(
            (lower[i] == "according" and i + 1 < n and lower[i + 1] == "to")
            or (lower[i] == "to" and i > 0 and lower[i - 1] == "according")
        )
        feats["told"] = float(stems[i] == TELL)
        feats["after_report_that"] = float(after_that)
        if lower[i] == "that" and i > 0 and reporting[i - 1]:
            after_that = True
        if is_quote[i]:
            quotes_before += 1
    return out
