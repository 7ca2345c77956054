"""Turns that lean on the conversation: follow-ups ('and its temperature?', 'what about P-102?') that repeat the
previous tool with new slots, and replies to a question the planner asked ('B', 'P-103', 'the second one') that
resume the original question with the user's choice. The words (anaphora, openers, ordinals) are in
lexicon/requests.yaml."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from industrialmind.agent._planner.arguments import _enum_choice, content_words
from industrialmind.agent._planner.context import Context
from industrialmind.agent._planner.entities import Entities, Registry, norm
from industrialmind.agent._planner.lexicon import table
from industrialmind.agent._planner.specs import ToolSpec

_REQUESTS = table("requests")  # lexicon/requests.yaml
ANAPHORA = re.compile(r"\b(" + "|".join(_REQUESTS["anaphora"]) + r")\b")
FOLLOW_START = re.compile(r"^\s*(" + "|".join(_REQUESTS["follow_up_openers"]) + r")\b")
_ORDINALS: dict[str, int] = dict(_REQUESTS["ordinals"])


def is_follow_up(text: str, ents: Entities, ctx: Context) -> bool:
    """Whether a message continues the conversation rather than starting a new question."""
    if not ctx.has_history:
        return False
    t = norm(text)
    if FOLLOW_START.search(t) or ANAPHORA.search(t):
        return True
    return not (ents.assets or ents.lines or ents.sites or ents.ambiguous or ents.unknown_ids)


def repeat_previous(spec: ToolSpec | None, text: str, ents: Entities, registry: Registry) -> ToolSpec | None:
    """'and its temperature?', 'what about P-102?', 'and yesterday?': the previous tool (spec, None when it is
    not bound or is an action) when the message only swaps its slots."""
    if spec is None:
        return None
    sensor_words = set(registry.sensor_words)
    residual = [w for w in content_words(text, ents, registry) if w not in sensor_words
                and not any(w in sw.split() for sw in sensor_words)]
    if len(residual) > 1 or not (FOLLOW_START.search(norm(text)) or len(norm(text).split()) <= 4):
        return None
    kinds = spec.kinds()
    if ents.sensors and "sensor" not in kinds:
        return None
    if ents.time is not None and "time" not in kinds:
        return None
    said_choice = any(_enum_choice(schema, text) for schema in spec.params.values())
    if not (ents.sensors or ents.time or ents.assets or ents.lines or said_choice):
        return None
    return spec


def resume_clarification(text: str, ents: Entities, ctx: Context, registry: Registry,
                         now: datetime) -> tuple[str, Entities] | None:
    """The user answered our question: the original question with their choice, and its entities."""
    pending: dict[str, Any] = ctx.clarify or {}
    question = pending.get("question")
    if not question:
        return None
    if pending.get("line") and ents.lines:  # we asked which line: the question again, on the line named
        question = norm(question).replace(pending["line"], ents.lines[0].lower(), 1)
        return question, registry.link(question, now)
    candidates: list[str] = pending.get("candidates") or []
    chosen = [a for a in ents.assets if not candidates or a in candidates]
    if not chosen and candidates:
        chosen = _chosen_by_words(norm(text), candidates, registry)
    if pending.get("tools"):  # we asked which action; the reply names one
        return None
    if not chosen and not ents.assets:
        return None
    mention = pending.get("mention")
    target = (chosen or ents.assets)[0]
    if mention and mention in norm(question):
        question = norm(question).replace(mention, target, 1)
    original = registry.link(question, now)
    if not original.assets or original.ambiguous:
        original.assets = chosen or ents.assets
        original.ambiguous = []
    if ents.sensors and not original.sensors:
        original.sensors = ents.sensors
    if ents.time is not None and original.time is None:
        original.time = ents.time
    return question, original


def _chosen_by_words(t: str, candidates: list[str], registry: Registry) -> list[str]:
    """The candidate a reply picks by position ('the second one') or by a fuzzy name ('feed pump B')."""
    for word, index in _ORDINALS.items():
        if re.search(rf"\b{word}\b", t):
            return [candidates[index]]
    from rapidfuzz import fuzz

    scored = []
    for cid in candidates:
        a = registry.assets.get(cid)
        names = [cid, *(([a.name] + a.aliases) if a else [])]
        scored.append((max(fuzz.partial_ratio(t, norm(n)) for n in names), cid))
    scored.sort(reverse=True)
    if scored and scored[0][0] >= 80 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return [scored[0][1]]
    return []
