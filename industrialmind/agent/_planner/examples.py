"""Training sentences generated from a tool's own schema: its name, docstring sentences, quoted examples and
parameters, put in generic request frames with slots for assets, lines, kinds of equipment, sensors and times.
Also the negative pools (out of scope, small talk) and the cues a generated sentence carries. The frames, verbs,
nouns and pools are in lexicon/examples.yaml and pools.yaml."""

from __future__ import annotations

import random
import re

from industrialmind.agent._planner.entities import ASSET_SLOT, LINE_SLOT, TIME_SLOT, TYPE_SLOT
from industrialmind.agent._planner.framing import (
    VERB_SYNONYMS,
    frame_cues,
    frame_examples,
    paraphrase,
    themes_of,
)
from industrialmind.agent._planner.lexicon import stopwords, table
from industrialmind.agent._planner.specs import ToolSpec, param_kind

_EXAMPLES = table("examples")  # lexicon/examples.yaml
# Generic request frames: how people wrap any request. {np} is a noun phrase, {vp} a verb phrase.
_NP_FRAMES: list[str] = list(_EXAMPLES["noun_frames"])
_VP_FRAMES: list[str] = list(_EXAMPLES["verb_frames"])
_LEADING_VERBS = frozenset(_EXAMPLES["leading_verbs"])
_VERB_BASES: dict[str, str] = dict(_EXAMPLES["verb_bases"])  # 'returns' -> 'return'
# Requests outside the plant (the negative class) and questions about the assistant (lexicon/pools.yaml).
_OUT_OF_SCOPE: list[str] = list(table("pools")["out_of_scope"])
_HELP: list[str] = list(table("pools")["help"])
# Generic nouns for equipment, so a docstring's example 'what was done on the compressor' becomes a slot.
_EQUIPMENT_NOUNS: list[str] = list(_EXAMPLES["equipment_nouns"])
_SENSOR_WORDS: list[str] = list(_EXAMPLES["sensor_words"])
_TIME_WORDS_RE = re.compile(r"\b(?:" + "|".join(_EXAMPLES["time_words"]) + r")\b")
_PHRASE_FILLER = stopwords("phrases")


def quoted_examples(description: str) -> list[str]:
    """The requests a docstring quotes ("Use it for 'is data flowing', 'consumer lag'"); an apostrophe inside a
    word ("group's lag") opens no quote."""
    return [q for q in re.findall(r"(?<![\w])'([^']{6,80})'(?![\w])", description) if len(q.split()) >= 2]


def _sentences(description: str) -> list[str]:
    description = re.sub(r"^ACTION \([^)]*\):\s*", "", description.strip())
    description = re.sub(r"\((re|un|pre)\)", r"\1", description)
    text = re.sub(r"\s+", " ", description.split("\n\n")[0] if "Args:" in description else description)
    text = text.split("Args:")[0]
    text = re.sub(r"\b(\w+)/s\b", r"\1 per second", re.sub(r"\b(\w+)/h\b", r"\1 per hour", text))
    parts = re.split(r"(?<=[.!?])\s+|;\s+|:\s+", text)
    parts = [p for p in parts if not re.search(r"(?:^|\s)'[^']+'", p) and not re.match(r"(?i)use (it|this) (for|only)", p)]
    return [p.strip(" .").lower() for p in parts if len(p.split()) >= 2]


def _slot_asset(text: str, one_asset: bool = True) -> str:
    """Put the slot words in a docstring phrase: 'an asset' -> the asset slot, 'assets' -> the type slot."""
    text = re.sub(r"\b(?:an?|one|the|each|every|this|that)\s+(?:asset|piece of equipment|machine)\b|\basset\b",
                  ASSET_SLOT, text)
    text = re.sub(r"\b(?:all\s+)?(?:assets|machines)\b", TYPE_SLOT, text)
    return re.sub(r"(?<!the )\bequipment\b", ASSET_SLOT if one_asset else TYPE_SLOT, text)


def _delexicalise(text: str) -> str:
    """Replace the ids and placeholders of a docstring example with the asset slot ('P-101', 'X' -> X)."""
    text = re.sub(r"\b[a-z]{1,8}-?\d{1,5}[a-z]?\b", ASSET_SLOT, text)
    text = re.sub(r"\bx\b", ASSET_SLOT, text)
    text = re.sub(r"\b(?:the|this|that|a|an)\s+(?:" + "|".join(_EQUIPMENT_NOUNS) + r")\b", ASSET_SLOT, text)
    text = re.sub(r"\b(?:" + "|".join(_EQUIPMENT_NOUNS) + r")s\b", TYPE_SLOT, text)
    return _TIME_WORDS_RE.sub(TIME_SLOT, text)


def _phrases(spec: ToolSpec) -> tuple[list[str], list[str]]:
    """Noun phrases and verb phrases describing what the tool does, from its name and docstring."""
    nps: list[str] = []
    vps: list[str] = []
    objects: list[str] = []  # what an action acts on, read from 'a job that retrains <object>'
    name_words = spec.name.replace("_", " ").lower()
    first = name_words.split()[0]
    if first in _LEADING_VERBS:
        vps.append(name_words)
        nps.append(" ".join(name_words.split()[1:]))
    else:
        nps.append(name_words)
    # quoted examples in the docstring ("Use it for 'what is X doing now'") are requests in the user's words
    for quoted in quoted_examples(spec.description):
        nps.append(_delexicalise(quoted.lower()))
    for sentence in _sentences(spec.description):
        s = re.sub(r"^(?:use (?:it|this) (?:to|when|for)|use to|call (?:it|this) to|this tool)\s+", "", sentence)
        words = s.split()
        if not words:
            continue
        if words[0] in _LEADING_VERBS:
            verb = _VERB_BASES.get(words[0], words[0])
            rest = " ".join(words[1:])
            vps.append(f"{verb} {rest}")
            if rest:
                nps.append(rest)
        else:
            nps.append(s)
        # 'a job that retrains the model of an asset' -> 'retrain the model of an asset'; its object alone ('the
        # model of an asset', 'the model') is what other verbs act on too
        for m in re.finditer(r"\b(?:that|which)\s+([a-z]+?)s\s+(.+)$", s):
            vps.append(f"{m.group(1)} {m.group(2)}")
            head = re.split(r"\s+(?:or|on|over|using|with|from|for|in)\s+|,", m.group(2))[0]
            objects += [head, re.sub(r"\s+of\s+.*$", "", head)]
        for clause in re.split(r",\s+|\s+or\s+|\s+and\s+(?=[a-z]+s?\b)", s):
            n = len(clause.split())
            if clause.split()[0] in _LEADING_VERBS or clause.count("(") != clause.count(")"):
                continue  # a verb phrase, or a piece of a parenthesised list of returned fields
            if 2 <= n <= 9 or (n == 1 and len(clause) >= 5 and clause.isalpha()):
                nps.append(clause)
    if spec.is_action:
        # an action is asked for with one of its verbs and an object: 'raise a ticket', 'retrain the model'
        objects = list(dict.fromkeys(objects + [
            p for p in nps if 1 <= len(p.split()) <= 8 and p.split()[0] not in _LEADING_VERBS
            and not p.startswith(("someone", "a person"))]))
        vps += [f"{verb} {obj}" for verb in sorted(spec.action_verbs()) for obj in objects]
        # and with the verbs engineers use for those ('refit the model', 'raise a ticket')
        synonyms = sorted({s for v in spec.action_verbs() for s in VERB_SYNONYMS.get(v, [])})
        vps += [f"{verb} {obj}" for verb in synonyms for obj in objects[:6]]
    one = bool({"asset", "scope"} & spec.kinds())
    return ([p for p in dict.fromkeys(_slot_asset(p, one) for p in nps) if _informative(p)],
            [p for p in dict.fromkeys(_slot_asset(p, one) for p in vps) if _informative(p)])


def _informative(phrase: str) -> bool:
    """A phrase that says something besides its slots (the asset slot alone would match every question)."""
    rest = phrase
    for slot in (ASSET_SLOT, LINE_SLOT, TYPE_SLOT, TIME_SLOT):
        rest = rest.replace(slot, " ")
    words = [w for w in re.findall(r"[a-z]+", rest) if w not in _PHRASE_FILLER]
    return bool(words)


def generate_examples(spec: ToolSpec, per_tool: int = 140, seed: int = 0) -> list[str]:
    """Training sentences for one tool: its phrases in request frames, with asset, line, type, sensor and time
    slots filled according to its parameters. Quoted examples from the docstring weigh more (several framings)."""
    rng = random.Random(f"{seed}:{spec.name}")
    nps, vps = _phrases(spec)
    # the docstring's words and the words engineers use for them ('procedures' -> 'SOPs', 'checklists')
    nps = list(dict.fromkeys(nps + [v for p in nps for v in paraphrase(p, rng)]))
    vps = list(dict.fromkeys(vps + [v for p in vps for v in paraphrase(p, rng)]))
    quoted = [_delexicalise(q.lower()) for q in quoted_examples(spec.description)]
    kinds = spec.kinds()
    required = {param_kind(p) for p in spec.required}
    out: list[str] = []
    for q in quoted:
        out.append(q)
        for frame in rng.sample(_NP_FRAMES, 4):
            out.append(frame.format(np=q))
    # requests framed the way the docstring's theme is asked about (causes, documents, values now)
    out += frame_examples(themes_of(spec.description), rng, n=max(8, per_tool // 6))
    for _ in range(per_tool * 3):
        if len(out) >= per_tool:
            break
        # an action is asked for with a verb ('open a work order'); a noun phrase asks to see things
        if vps and (spec.is_action or rng.random() < 0.45):
            text = rng.choice(_VP_FRAMES).format(vp=rng.choice(vps))
        else:
            text = rng.choice(_NP_FRAMES).format(np=rng.choice(nps))
        has_slot = bool(re.search(rf"\b{ASSET_SLOT}\b", text)) or LINE_SLOT in text or TYPE_SLOT in text
        if not has_slot:
            options = []
            if "asset" in kinds:
                options += [f" for {ASSET_SLOT}", f" of {ASSET_SLOT}", f" on {ASSET_SLOT}", f" {ASSET_SLOT}"] * 2
                if rng.random() < 0.1:
                    options = [f" for {ASSET_SLOT} and {ASSET_SLOT}"]
            if "scope" in kinds:
                options += [f" on {ASSET_SLOT}", f" on {LINE_SLOT}", f" for {ASSET_SLOT}", f" across {LINE_SLOT}"]
            if "line" in kinds:
                options += [f" on {LINE_SLOT}"]
            if "asset_type" in kinds and "scope" not in kinds:
                # (a kind that only narrows a scope is asked with the scope: 'the pumps on line 1')
                options += [f" {TYPE_SLOT}", f" for {TYPE_SLOT}", f" all {TYPE_SLOT}"]
            need = bool({"asset", "scope"} & required)
            if options and rng.random() < (0.9 if need else 0.55):
                text += rng.choice(options)
        if "sensor" in kinds and rng.random() < (0.8 if "sensor" in required else 0.5):
            word = rng.choice(_SENSOR_WORDS)
            has_asset = re.search(rf"\b{ASSET_SLOT}\b", text)
            text = re.sub(rf"\b{ASSET_SLOT}\b", f"{ASSET_SLOT} {word}", text, count=1) if has_asset else f"{text} {word}"
        # a series tool (a required sensor and a time range) exists for periods: most requests for it name one
        p_time = 0.85 if ("sensor" in required or "time" in required) else 0.5
        if "time" in kinds and rng.random() < p_time:
            text += f" {TIME_SLOT}"
        out.append(re.sub(r"\s+", " ", text).strip())
    return list(dict.fromkeys(_without_sensor_words(spec, out)))


def prototypes(spec: ToolSpec) -> list[str]:
    """A tool's own words, unframed: its name, each docstring sentence and each quoted example (slots filled)."""
    one = bool({"asset", "scope"} & spec.kinds())
    out = [spec.name.replace("_", " ")]
    out += [_slot_asset(s, one) for s in _sentences(spec.description)]
    out += [_delexicalise(q.lower()) for q in quoted_examples(spec.description)]
    # the description of a free-text parameter says what questions it serves ('what to look for in manuals...')
    for name, schema in spec.params.items():
        desc = str(schema.get("description") or "")
        if param_kind(name) == "text" and name in spec.required and len(desc.split()) >= 3:
            out.append(desc.lower())
    return list(dict.fromkeys(p for p in _without_sensor_words(spec, out) if p))


def _without_sensor_words(spec: ToolSpec, texts: list[str]) -> list[str]:
    """A tool that takes no sensor (nor free text) must not learn that a sensor word points to it: its docstring's
    'process flow' or 'message rate' would pull every question about a flow or a rate reading."""
    if {"sensor", "text"} & spec.kinds():
        return texts
    from industrialmind.agent._planner.sensors import WEAK_SENSOR_WORDS
    from industrialmind.domain.vocabulary import canonical_quantity

    def strip(text: str) -> str:
        kept = [w for w in text.split() if not (len(w) > 2 and w.isalpha() and canonical_quantity(w)
                                                and w not in WEAK_SENSOR_WORDS)]
        return " ".join(kept)

    return [strip(t) for t in texts]


def cues_of_example(text: str, spec_kinds: set[str] | None = None) -> dict[str, float]:
    """Cues of a generated example, read from its slots (examples carry placeholders, not real entities)."""
    from industrialmind.domain.vocabulary import canonical_quantity

    words = re.findall(r"[a-z]+(?: temp| pressure)?", text)
    return {
        "asset": float(bool(re.search(rf"\b{ASSET_SLOT}\b", text))),
        "multi_asset": float(len(re.findall(rf"\b{ASSET_SLOT}\b", text)) > 1),
        "scope": float(LINE_SLOT in text or "the site" in text),
        "type": float(TYPE_SLOT in text),
        "sensor": float(any(canonical_quantity(w) for w in words if len(w) > 2)),
        "time": float(TIME_SLOT in text),
        "priority": float(bool(re.search(r"\b(urgent|priority|high|low)\b", text))),
        **frame_cues(text),
    }


# ------------------------------------------------------------------------------------------------------------
