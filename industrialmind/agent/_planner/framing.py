"""How a request is framed, independent of the plant: asking for a cause ('why', 'root cause', 'what could make'),
asking for a document ('SOP', 'procedure', 'manual', 'how do I'), or asking how something is right now ('how is X
looking'). Frames are English, not tools: a tool takes part in a frame when its own docstring speaks that way
(a docstring about causes gets causal paraphrases, one about manuals and procedures gets document-noun
paraphrases), so binding other tools keeps working. Docstrings that speak of the process flow (upstream,
downstream), of what equipment is (make and model, components) or of abnormal behaviour get the shapes engineers
ask those in ('where does X discharge to', 'which instruments are fitted on X', 'is X playing up'); one about
abnormal behaviour also gets the shapes of ranking equipment by health ('which pump is in the worst shape').

Also a small thesaurus of maintenance words, used to paraphrase docstring phrases into the words engineers use
('procedure' -> 'SOP', 'checklist', 'work instruction'; 'current value' -> 'live data', 'numbers').

The words are data: the frames and the docstring themes in lexicon/frames.yaml, the shapes and their slot words in
shapes.yaml, the thesaurus and the verb synonyms in synonyms.yaml.
"""

from __future__ import annotations

import random
import re

from industrialmind.agent._planner.entities import ASSET_SLOT, LINE_SLOT, TIME_SLOT, TYPE_SLOT
from industrialmind.agent._planner.lexicon import table

CAUSE = "cause"
DOCS = "docs"
NOW = "now"
FLOW = "flow"
DESCRIBE = "describe"
ANOMALY = "anomaly"
HEALTH = "health"
FRAMES = (CAUSE, DOCS)  # the frames that change how tools fit (see intents.fit_to_entities)

_FRAMES = table("frames")  # lexicon/frames.yaml


def _words_re(patterns: list[str]) -> re.Pattern[str]:
    """One regular expression for a list of whole-word alternatives."""
    return re.compile(r"\b(" + "|".join(patterns) + r")\b")


# Asking for an explanation. A sensor word in such a question names the symptom, not a reading to fetch.
_CAUSE_RE = _words_re(_FRAMES["cause"])
# Asking for written guidance: a document noun, or 'how do I ...' / 'steps to ...'.
_DOCS_RE = _words_re(_FRAMES["docs"])
# Asking which equipment is in the worst health, or what to look at first: a ranking by condition, not a list.
_HEALTH_RE = _words_re(_FRAMES["health"])
# Docstring words that mark a tool as the one for a frame.
_THEMES = {frame: re.compile(pattern) for frame, pattern in _FRAMES["themes"].items()}


def frames_of(text: str) -> set[str]:
    """The frames a (normalised) request is in."""
    out = set()
    if _CAUSE_RE.search(text):
        out.add(CAUSE)
    if _DOCS_RE.search(text):
        out.add(DOCS)
    return out


def frame_cues(text: str) -> dict[str, float]:
    """Frames as classifier cue features (1.0 when present)."""
    found = frames_of(text)
    return {**{f: float(f in found) for f in FRAMES}, HEALTH: float(bool(_HEALTH_RE.search(text)))}


def themes_of(description: str) -> set[str]:
    """The frames a tool serves, read from its own docstring."""
    d = description.lower()
    return {frame for frame, pattern in _THEMES.items() if pattern.search(d)}


_SYNONYMS = table("synonyms")  # lexicon/synonyms.yaml
# Words of docstrings and the words engineers use for the same thing. Generic maintenance vocabulary.
THESAURUS: dict[str, list[str]] = {k: list(v) for k, v in _SYNONYMS["thesaurus"].items()}
_THESAURUS_RE = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(THESAURUS, key=len, reverse=True))
                           + r")\b")
# Verbs engineers use for the verbs an action's docstring lists ('refit the model' asks to retrain it).
VERB_SYNONYMS: dict[str, list[str]] = {k: list(v) for k, v in _SYNONYMS["verbs"].items()}


def with_synonyms(verbs: set[str]) -> set[str]:
    """The verbs and the first word of each of their synonyms."""
    return set(verbs) | {syn.split()[0] for v in verbs for syn in VERB_SYNONYMS.get(v, [])}


def paraphrase(phrase: str, rng: random.Random, n: int = 2) -> list[str]:
    """Up to n variants of a phrase with one thesaurus word swapped for a synonym."""
    hits = list(_THESAURUS_RE.finditer(phrase))
    out = []
    for _ in range(n * 2):
        if not hits or len(out) >= n:
            break
        m = rng.choice(hits)
        alt = rng.choice(THESAURUS[m.group(1)])
        out.append(phrase[:m.start()] + alt + phrase[m.end():])
    return list(dict.fromkeys(out))


def synonym_text(text: str) -> str:
    """The thesaurus synonyms of the words a text uses, as one string (feeds the lexical channel)."""
    return " ".join(" ".join(THESAURUS[m.group(1)]) for m in _THESAURUS_RE.finditer(text.lower()))


# Frame paraphrases: generic sentence shapes, slots filled at random (lexicon/shapes.yaml). {a}: one asset, {t}: a
# kind of equipment, {s}: a sensor word, {d}: a direction, {v}: a symptom verb, {k}: a document noun, {w}: a
# maintenance task...
_SHAPES = table("shapes")
_FILL = _SHAPES["fill"]
_SENSORS: list[str] = list(_FILL["s"])
_DIRECTIONS: list[str] = list(_FILL["d"])
_SYMPTOM_VERBS: list[str] = list(_FILL["v"])
_DOC_NOUNS: list[str] = list(_FILL["k"])
_TASKS: list[str] = list(_FILL["w"])
_TASK_VERBS: list[str] = list(_FILL["x"])
_USUAL: list[str] = list(_FILL["q"])  # 'common problems', 'typical faults': failure modes asked without 'why'
_FAULTS: list[str] = list(_FILL["f"])
_CAUSE_SHAPES: list[str] = list(_SHAPES["cause"])
_DOC_SHAPES: list[str] = list(_SHAPES["docs"])
_NOW_SHAPES: list[str] = list(_SHAPES["now"])
_COMPARE_SHAPES: list[str] = list(_SHAPES["compare"])  # comparing side by side asks for the numbers of each now
_FLOW_SHAPES: list[str] = list(_SHAPES["flow"])
_DESCRIBE_SHAPES: list[str] = list(_SHAPES["describe"])
_ANOMALY_SHAPES: list[str] = list(_SHAPES["anomaly"])
_HEALTH_SHAPES: list[str] = list(_SHAPES["health"])  # which equipment is in the worst health: ranked scores
_PERIODS = ["", TIME_SLOT]


def frame_examples(themes: set[str], rng: random.Random, n: int = 30) -> list[str]:
    """Paraphrases in the frames a tool serves (from its docstring), slots filled at random."""
    groups: list[tuple[list[str], int]] = []  # shapes and how many examples to draw from them
    shapes: list[str] = []
    if CAUSE in themes:
        shapes += _CAUSE_SHAPES
    if DOCS in themes:
        shapes += _DOC_SHAPES
    now_only = NOW in themes and not shapes
    if now_only:
        shapes += _NOW_SHAPES
    if shapes:
        groups.append((shapes, n))
    if now_only:
        groups.append((_COMPARE_SHAPES, n // 3))
    groups += [(more, n) for theme, more in ((FLOW, _FLOW_SHAPES), (DESCRIBE, _DESCRIBE_SHAPES),
                                             (ANOMALY, _ANOMALY_SHAPES), (ANOMALY, _HEALTH_SHAPES))
               if theme in themes]
    out = []
    for group, count in groups:  # every shape once before any twice, so none is left out by chance
        order = [shape for _ in range(count // len(group) + 1) for shape in rng.sample(group, len(group))]
        out += [_fill(shape, rng) for shape in order[:count]]
    return list(dict.fromkeys(re.sub(r"\s+", " ", o).strip() for o in out))


def _fill(shape: str, rng: random.Random) -> str:
    """A frame shape with its slots filled at random."""
    return shape.format(
        a=ASSET_SLOT, t=TYPE_SLOT, l=LINE_SLOT, s=rng.choice(_SENSORS), d=rng.choice(_DIRECTIONS),
        v=rng.choice(_SYMPTOM_VERBS),
        k=rng.choice(_DOC_NOUNS), w=rng.choice(_TASKS), x=rng.choice(_TASK_VERBS), p=rng.choice(_PERIODS),
        q=rng.choice(_USUAL), f=rng.choice(_FAULTS))
