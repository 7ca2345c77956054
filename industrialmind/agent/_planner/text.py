"""Text normalisation before linking: case, dashes and quotes, chat shorthand engineers type ('rn', 'wo', 'gimme'),
spelling-insensitive id keys, the priority words of a work order, and the planner's one stemmer. The words are in
lexicon/shorthand.yaml, priorities.yaml and stemming.yaml."""

from __future__ import annotations

import re

from industrialmind.agent._planner.lexicon import table

_PRIORITIES = table("priorities")
# Priority words people use -> the canonical priority of a work order (lexicon/priorities.yaml).
PRIORITY_WORDS: dict[str, str] = dict(_PRIORITIES["words"])
_PRIORITY_RE = re.compile(r"\b(" + "|".join(PRIORITY_WORDS) + r")\b(?:\s*-?\s*(?:prio(?:rity)?|pri))?")
_NEEDS_CONTEXT = frozenset(_PRIORITIES["needs_context"])
_CONTEXT_RE = re.compile("|".join(_PRIORITIES["context"]))
_READING_RE = re.compile(r"\b(" + "|".join(_PRIORITIES["reading_levels"]) + r")\s+("
                         + "|".join(_PRIORITIES["readings"]) + ")")
# Chat shorthand engineers type, expanded before anything else reads the text (lexicon/shorthand.yaml).
_SHORTHAND: dict[str, str] = dict(table("shorthand")["shorthand"])
_SHORTHAND_RE = re.compile(r"(?<![\w/'-])(" + "|".join(re.escape(k) for k in sorted(_SHORTHAND, key=len, reverse=True))
                           + r")(?![\w/'-])")
_STEMMING = table("stemming")
_SUFFIX_RE = re.compile("(" + "|".join(_STEMMING["suffixes"]) + ")$")


def norm(text: str) -> str:
    """Lowercase, unify dashes/underscores/quotes and squeeze spaces."""
    text = text.lower().replace("_", " ").replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", " ", text).strip()


def expand_shorthand(text: str) -> str:
    """'whats P-101 doing rn' -> 'what is P-101 doing right now' (text already normalised)."""
    return _SHORTHAND_RE.sub(lambda m: _SHORTHAND[m.group(1)], text)


def id_key(text: str) -> str:
    """Spelling-insensitive key of an id: 'P 101', 'p-101', 'P_101' -> 'p101'."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def priority_of(t: str) -> str | None:
    """The work-order priority a (normalised) message asks for, or None ('high vibration' is no priority)."""
    m = _PRIORITY_RE.search(t)
    if not m:
        return None
    word = m.group(1)
    # 'high' or 'low' alone often describes a reading ('high vibration'): require a priority context
    if word in _NEEDS_CONTEXT:
        around = t[max(0, m.start() - 25): m.end() + 25]
        if not _CONTEXT_RE.search(around):
            return None
        if _READING_RE.search(t[m.start():]):
            return None
    return PRIORITY_WORDS[word]


def stem(word: str) -> str:
    """The planner's one stemmer: a word of five letters or more loses one common ending ('causes' -> 'caus',
    'feeds' -> 'feed', 'retraining' -> 'retrain'; lexicon/stemming.yaml)."""
    return _SUFFIX_RE.sub("", word) if len(word) >= _STEMMING["min_length"] else word
