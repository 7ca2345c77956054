"""Compound requests: one message that asks for two things ('what causes cavitation in a pump and what does the
manual say', 'plot C-201 vibration and check for anomalies', 'P-101 readings plus any open work orders on it').

The message is cut at coordinating conjunctions ('and', 'plus', 'also', 'as well as', ';'); a piece counts as a
request of its own when it says something besides entities AND opens like one (a question word, an auxiliary, an
imperative, a possessive 'its ...') or is in a request frame (a cause, a document), or else routes confidently to
a tool of its own (a bare noun phrase: 'open work orders and MTTR for P-201'). Pieces that are not
requests ('P-102' in 'compare P-101 and P-102', 'fans' in 'pumps and fans') stay with the piece before them, so
fan-out over several assets is untouched. Entities are shared: a clause that names no asset, line, site or kind of
equipment takes the whole message's ('list its work orders'); a clause with nothing to search for ('what does the
manual say') borrows the topic words of the others ('cavitation'). The words (request openers, frame words) are in
lexicon/requests.yaml and frames.yaml; the conjunctions that cut a message are the structure below.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from industrialmind.agent._planner.entities import Entities, Registry, norm
from industrialmind.agent._planner.framing import frames_of
from industrialmind.agent._planner.lexicon import table

# where one request may end and the next begin; 'or' is left out (it lists alternatives: 'P-101, P-102 or P-103')
_SPLIT_RE = re.compile(r"\s*(?:;|,?\s+and\s+(?:then\s+|also\s+)?|,?\s+plus\s+|,?\s+as well as\s+|,?\s+then\s+"
                       r"|,\s+also\s+|\s+&\s+)\s*")
_REQUESTS = table("requests")
_LEADING_RE = re.compile(r"^(?:" + "|".join(_REQUESTS["clause_leaders"]) + r")\s+")
_STARTER_RE = re.compile(r"^(?:" + "|".join(_REQUESTS["starters"]) + r")\b")
# words that frame a request without saying what it is about: never the topic of a borrowed search
FRAME_WORDS = frozenset(table("frames")["frame_words"])


def split_clauses(text: str) -> list[str]:
    """The pieces of a message between coordinating conjunctions (normalised, trailing punctuation dropped)."""
    t = norm(text).strip(" ?.!")
    parts = [_LEADING_RE.sub("", p.strip(" ,?.!")) for p in _SPLIT_RE.split(t)]
    return [p for p in parts if p]


def says_something(registry: Registry, words: list[str]) -> bool:
    """Whether a piece says more than entities: a content word that is no sensor word nor kind of equipment."""
    sensor_words = set(registry.sensor_words)
    nouns = set(registry.type_nouns)
    return any(w not in sensor_words and w.rstrip("s") not in nouns and w not in nouns
               and not any(w in sw.split() for sw in sensor_words) for w in words)


def opens_like_request(clause: str) -> bool:
    """Whether a piece opens like a request (question word, auxiliary, imperative, 'its ...') or is framed as one."""
    return bool(_STARTER_RE.search(clause) or frames_of(clause))


def is_request(clause: str, ents: Entities, registry: Registry, words: list[str]) -> bool:
    """Whether a piece asks for something by itself (see the module docstring); words: its content words."""
    return says_something(registry, words) and opens_like_request(clause)


def share_entities(clause_ents: Entities, whole: Entities) -> Entities:
    """A clause's entities, with the whole message's assets/scope/kind when the clause names none. A time stays
    with the clause that says it ('current flow and its alarms since midnight': the flow is current)."""
    out = copy.copy(clause_ents)
    names_target = (out.assets or out.ambiguous or out.unknown_ids or out.lines or out.sites or out.asset_types)
    if not names_target:
        out.assets, out.ambiguous, out.unknown_ids = list(whole.assets), list(whole.ambiguous), list(whole.unknown_ids)
        out.lines, out.sites = list(whole.lines), list(whole.sites)
        out.asset_types, out.modifiers = list(whole.asset_types), list(whole.modifiers)
    return out


def topic_words(words: list[str]) -> list[str]:
    """Content words that say what a clause is about (frame words dropped)."""
    return [w for w in words if w not in FRAME_WORDS]


def with_borrowed_topic(clause: str, own_words: list[str], others: list[list[str]]) -> str:
    """The clause, plus the other clauses' topic words when it has none of its own ('what does the manual say')."""
    if topic_words(own_words):
        return clause
    borrowed = list(dict.fromkeys(w for ws in others for w in topic_words(ws)))
    if not borrowed:
        return clause
    # the frame words ('manual', 'say') routed the clause already; as search words they only dilute the topic
    bare = " ".join(w for w in clause.split() if w not in FRAME_WORDS)
    return f"{bare} {' '.join(borrowed)}".strip()


def route_pairs(clauses: list[tuple[str, Any, str]]) -> bool:
    """Whether routed clauses (text, entities, tool) make a compound: at least two different tools."""
    return len({tool for _, _, tool in clauses}) >= 2
