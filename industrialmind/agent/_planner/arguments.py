"""Filling a tool's arguments from the linked entities, then from the conversation, by what each parameter holds
(read from its name and schema, never from the tool's name). Words it does not take as a symptom, a search or a
title are in lexicon/ (stopwords.yaml, frames.yaml, entities.yaml, requests.yaml)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from industrialmind.agent._planner.context import Context
from industrialmind.agent._planner.entities import Entities, Registry, norm
from industrialmind.agent._planner.intents import ToolSpec, param_kind
from industrialmind.agent._planner.lexicon import stopwords, table
from industrialmind.agent._planner.text import stem

_STOP = stopwords("arguments")
_FRAMES = table("frames")
_REQUESTS = table("requests")
_ENTITY_WORDS = table("entities")
# words of a question that name no symptom however it is put (lexicon/frames.yaml)
_FRAME_WORDS = frozenset(_FRAMES["frame_words"])
_SYMPTOM_FRAME = frozenset(_FRAMES["failure_frame"])
_RANKING_WORDS = frozenset(_FRAMES["ranking_words"])
_PLACE_WORDS = frozenset(_ENTITY_WORDS["place_words"])
# auxiliaries between the words of an enum value's gloss ('what feeds it' ~ 'what does it feed')
_AUX = r"\s+(?:(?:" + "|".join(_REQUESTS["auxiliaries"]) + r")\s+)?"
_ACTION_WORDS = frozenset(_REQUESTS["action_words"])


class MissingArgument(Exception):
    """A required argument cannot be filled from the question or the conversation; the planner asks for it."""

    def __init__(self, kind: str, spec: ToolSpec) -> None:
        super().__init__(kind)
        self.kind = kind
        self.spec = spec


def content_words(text: str, ents: Entities, registry: Registry) -> list[str]:
    """Words of the question that are neither entities nor function words."""
    t = norm(text)
    for mention in [*ents.assets, *ents.lines]:
        t = t.replace(norm(mention), " ")
    if ents.time is not None:
        t = t.replace(ents.time.text.strip(), " ")
    words = re.findall(r"[a-z][a-z'-]+", t)
    return [w for w in words if w not in _STOP and w not in registry.id_prefixes]


def names_only(ents: Entities, registry: Registry) -> bool:
    """Whether a question says nothing but entities ('flow through P-901', 'vibration on the pump on line 1',
    'silo level?'): no word is left once the assets, lines, times, kinds of equipment, sensor words and function
    words are taken out. Such a question asks for the named reading."""
    from industrialmind.agent._planner.entities import ASSET_SLOT, LINE_SLOT, TIME_SLOT, TYPE_SLOT

    t = ents.masked or norm(ents.text)
    for slot in (TIME_SLOT, LINE_SLOT, "the site", TYPE_SLOT, ASSET_SLOT):
        t = t.replace(slot, " ")
    t = registry._sensor_re.sub(" ", t)
    words = re.findall(r"[a-z][a-z'-]+", t)
    return not [w for w in words if w not in _STOP and w not in _PLACE_WORDS and w.rstrip("s") not in
                registry.type_nouns and w not in registry.id_prefixes]


def _enum_choice(spec_param: dict[str, Any], text: str) -> str | None:
    values = _enum_values(spec_param)
    if not values:
        return None
    t = norm(text)
    for v in values:
        if re.search(rf"\b{re.escape(norm(str(v)))}\b", t):
            return v
    # glosses in the description: "'downstream' (what it feeds), 'upstream' (what feeds it)"
    desc = str(spec_param.get("description") or "")
    for value, gloss in re.findall(r"'([^']+)'\s*\(([^)]+)\)", desc):
        words = norm(gloss).split()
        pattern = r"\b" + _AUX.join(r"(?:\S+\s+){0,3}?\S+" if w in ("it", "them", "this")
                                    else re.escape(stem(w)) + r"\w*" for w in words) + r"(?!\w)"
        if value in values and re.search(pattern, t):
            return value
    return None


def _enum_values(schema: dict[str, Any]) -> list[Any]:
    if "enum" in schema:
        return list(schema["enum"])
    for sub in schema.get("anyOf", []) or []:
        if "enum" in sub:
            return list(sub["enum"])
    return []


def _quoted_examples(schema: dict[str, Any]) -> list[str]:
    return re.findall(r"'([a-z][a-z_]+)'", str(schema.get("description") or ""))


def _is_list(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        return True
    return any(sub.get("type") == "array" for sub in schema.get("anyOf", []) or [])


def fill(spec: ToolSpec, ents: Entities, ctx: Context, registry: Registry, text: str, now: datetime,
         follow_up: bool, asset: str | None) -> dict[str, Any]:
    """The arguments of one call of spec for one asset (or none); raises MissingArgument for a required gap."""
    args: dict[str, Any] = {}
    kinds = {p: param_kind(p, s) for p, s in spec.params.items()}
    time_args = ents.time.as_args(now) if ents.time is not None else (ctx.time_args if follow_up else {})
    for p, schema in spec.params.items():
        kind = kinds[p]
        required = p in spec.required
        value: Any = None
        if kind == "asset":
            value = asset
        elif kind == "scope":
            value = asset or (ents.lines[0] if ents.lines else None) or (ents.sites[0] if ents.sites else None)
            if value is None and follow_up and ctx.scope:
                value = ctx.scope
            if value is None and required and len(registry.sites) == 1:
                value = next(iter(registry.sites))
        elif kind == "sensor":
            words = list(ents.sensors)
            if not words and follow_up and ctx.sensor:
                words = [ctx.sensor]
            resolved = []
            for w in words:
                sid = registry.resolve_sensor(asset, w) if asset else w
                if sid and sid not in resolved:
                    resolved.append(sid)
            if resolved:
                value = resolved if _is_list(schema) else resolved[0]
        elif kind == "time":
            if p in ("start", "since", "from") and "start" in time_args:
                value = time_args["start"] if p != "since" else time_args.get("start")
            elif p in ("end", "until", "to") and "end" in time_args and ents.time is not None and ents.time.end:
                value = time_args["end"]
            elif p in ("end", "until", "to") and follow_up and ents.time is None and "end" in time_args:
                value = time_args["end"]
            if p == "since" and value is None and "since" in time_args:
                value = time_args["since"]
        elif kind == "priority":
            value = ents.priority
            if value is None and required:
                value = schema.get("default") or "medium"
        elif kind == "line":
            value = ents.lines[0] if ents.lines else None
        elif kind == "site":
            value = ents.sites[0] if ents.sites else None
        elif kind == "asset_type":
            if ents.asset_types and (not asset or asset not in registry.assets):  # a site is no asset
                value = registry.type_named(ents.asset_types[0])
        elif p == "symptom":
            words = [w for w in content_words(text, ents, registry) if w not in _not_symptom(ents, registry)
                     and w.rstrip("s") not in registry.type_nouns]
            sensors = [s.replace("_", " ") for s in ents.sensors]
            symptom = " ".join(dict.fromkeys([*words[:4]] + sensors)).strip()
            value = symptom or None
        elif p == "query":
            if spec.required and p in spec.required:
                value = " ".join(content_words(text, ents, registry)) or norm(text)
            elif not (ents.asset_types or ents.lines or ents.sites or asset):
                words = content_words(text, ents, registry)
                value = " ".join(words) if words else None
        elif _enum_values(schema):
            plain = norm(text).replace(ents.time.text.strip(), " ") if ents.time is not None else text
            value = _enum_choice(schema, plain)
        elif p in ("topic",):
            examples = _quoted_examples(schema)
            said = [e for e in examples if re.search(rf"\b{e}", norm(text))]
            value = said[0] if said else (examples[0] if required and examples else None)
        elif p.endswith("job_id") or p == "job":
            m = re.search(r"\b(job[-_ ]?[0-9a-f]{3,}|[0-9a-f]{8,})\b", norm(text))
            value = m.group(1).replace(" ", "-") if m else (ctx.job_id if follow_up or ctx.job_id else None)
        if value is None and required:
            if p in ("title", "description"):
                continue  # filled by the planner from the conversation
            raise MissingArgument(kind or p, spec)
        if value is not None:
            args[p] = value
    return args


def _not_symptom(ents: Entities, registry: Registry) -> set[str]:
    """Words of a question that name no symptom: the kinds of equipment (every word of every type, so
    'centrifugal' goes with 'pump'), the named assets' names and aliases, and the words that frame a request
    ('causes', 'manual', 'what does it say')."""
    out = set(registry.type_nouns) | _FRAME_WORDS | _SYMPTOM_FRAME | _RANKING_WORDS
    for a in registry.assets.values():
        out.update(a.type.lower().split("_"))
    for aid in ents.assets:
        a = registry.assets.get(aid)
        if a is not None:
            for name in [a.name, *a.aliases]:
                out.update(re.findall(r"[a-z]+", norm(name)))
    return out




def describe_action(spec: ToolSpec, args: dict[str, Any], text: str, ents: Entities, ctx: Context,
                    registry: Registry) -> dict[str, Any]:
    """Title and description of an action from the request, and from the last findings for 'that'."""
    tool_words = set(re.findall(r"[a-z]+", (spec.name + " " + spec.description).lower()))
    from industrialmind.agent._planner.entities import PRIORITY_WORDS

    said_of_entities = set(registry.type_nouns) | set(PRIORITY_WORDS) | set(_ENTITY_WORDS["entity_words"])
    words = [w for w in content_words(text, ents, registry) if w not in tool_words
             and w.rstrip("s") not in said_of_entities and w not in said_of_entities
             and w not in _ACTION_WORDS]
    evidence = [o.result.get("summary") for o in ctx.last_outcomes
                if o.result and o.result.get("summary") and "error" not in o.result]
    sensor = (ents.sensors[0] if ents.sensors else ctx.sensor or "").replace("_", " ")
    if "title" in spec.params and not args.get("title"):
        if words:
            title = " ".join(words[:6])
        elif sensor:
            title = f"investigate {sensor}"
        elif ctx.last_tool:
            title = f"follow up on {ctx.last_tool.replace('_', ' ')} findings"
        else:
            title = "inspection requested"
        asset = args.get("asset_id")
        args["title"] = (title[0].upper() + title[1:]) + (f" on {asset}" if asset else "")
    if "description" in spec.params and not args.get("description"):
        desc = f"Requested in chat: \"{text.strip()}\"."
        if evidence:
            desc += " Evidence: " + "; ".join(str(e) for e in evidence[:3])
        args["description"] = desc
    return args


def kind_for_tool(ents: Any, registry: Any, reuse_assets: bool = False) -> None:
    """'the compressor' when there are several, or 'compressor surge': for a tool that takes a kind of equipment,
    the kind is the answer (sets ents.asset_types; an ambiguous mention of one kind is then no longer ambiguous)."""
    if ents.ambiguous:
        kinds = {registry.assets[c].type for c in ents.ambiguous[0].candidates if c in registry.assets}
        if len(kinds) == 1:
            ents.asset_types = list(kinds)
            ents.ambiguous = []
    elif ents.modifiers and not (ents.lines or ents.sites or reuse_assets):
        ents.asset_types = list(ents.modifiers[:1])
