"""Text normalisation before linking: case, dashes and quotes, chat shorthand engineers type ('rn', 'wo', 'gimme'),
spelling-insensitive id keys, and the priority words of a work order."""

from __future__ import annotations

import re

# Priority words people use -> the canonical priority of a work order.
PRIORITY_WORDS = {
    "low": "low", "minor": "low", "whenever": "low", "p4": "low", "p3": "low",
    "medium": "medium", "normal": "medium", "routine": "medium", "med": "medium",
    "high": "high", "important": "high", "p2": "high", "soon": "high",
    "urgent": "urgent", "asap": "urgent", "critical": "urgent", "emergency": "urgent", "p1": "urgent",
    "immediately": "urgent",
}
# Chat shorthand engineers type, expanded before anything else reads the text.
_SHORTHAND = {"rn": "right now", "atm": "at the moment", "rite now": "right now", "pls": "please", "plz": "please",
              "u": "you", "ur": "your", "r": "are", "w/": "with", "w/o": "without", "b4": "before", "yday": "yesterday",
              "ystdy": "yesterday", "tmrw": "tomorrow", "wo": "work order", "wos": "work orders", "wo's": "work orders",
              "hrs": "hours", "mins": "minutes", "pmp": "pump", "thx": "thanks", "info": "information", "nvm": "never mind",
              "whats": "what is", "what's": "what is", "hows": "how is", "how's": "how is", "wheres": "where is",
              "isnt": "is not", "doesnt": "does not", "cant": "cannot", "pm'd": "maintained",
              "sup": "what is up", "wassup": "what is up", "whassup": "what is up", "wsup": "what is up",
              "gimme": "give me", "lemme": "let me", "lookin": "looking", "doin": "doing", "goin": "going",
              "runnin": "running", "wanna": "want to", "gotta": "have to", "gonna": "going to", "ya": "you",
              "yo": "", "dunno": "do not know", "ppl": "people",
              "tho": "though", "cuz": "because", "coz": "because", "bc": "because", "abt": "about",
              "w/e": "whatever", "smth": "something", "sth": "something", "approx": "approximately"}
_SHORTHAND_RE = re.compile(r"(?<![\w/'-])(" + "|".join(re.escape(k) for k in sorted(_SHORTHAND, key=len, reverse=True))
                           + r")(?![\w/'-])")


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
    m = re.search(r"\b(" + "|".join(PRIORITY_WORDS) + r")\b(?:\s*-?\s*(?:prio(?:rity)?|pri))?", t)
    if not m:
        return None
    word = m.group(1)
    # 'high' or 'low' alone often describes a reading ('high vibration'): require a priority context
    if word in ("high", "low", "medium", "normal", "critical", "soon", "important", "minor"):
        around = t[max(0, m.start() - 25): m.end() + 25]
        if not re.search(r"prio|priority|\bpri\b|work order|\bwo\b|ticket|job|as\s+(high|low|urgent)", around):
            return None
        if re.search(r"\b(high|low)\s+(vib|temp|press|flow|current|amps|level|speed|reading)", t[m.start():]):
            return None
    return PRIORITY_WORDS[word]
