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
"""

from __future__ import annotations

import random
import re

from industrialmind.agent._planner.entities import ASSET_SLOT, LINE_SLOT, TIME_SLOT, TYPE_SLOT

CAUSE = "cause"
DOCS = "docs"
NOW = "now"
FLOW = "flow"
DESCRIBE = "describe"
ANOMALY = "anomaly"
HEALTH = "health"
FRAMES = (CAUSE, DOCS)  # the frames that change how tools fit (see intents.fit_to_entities)

# Asking for an explanation. A sensor word in such a question names the symptom, not a reading to fetch.
_CAUSE_RE = re.compile(
    r"\b(why|causes?|caused|causing|reasons?|root[- ]?cause|explain|explains|explanation|how come|culprit"
    r"|what (?:would|could|might|can|does|do|will) (?:make|lead to|result in|trigger)|what makes"
    r"|(?:can|could|might|would|will|does) go wrong|goes wrong|go wrong|to blame|responsible for"
    r"|(?:common|typical|usual|frequent|known|recurring) (?:problems?|issues?|faults?|failures?|failure points"
    r"|breakdowns?))\b")
# Asking for written guidance: a document noun, or 'how do I ...' / 'steps to ...'.
_DOCS_RE = re.compile(
    r"\b(sops?|procedures?|manuals?|handbooks?|guides?|guidance|guidelines?|checklists?|instructions?"
    r"|documentation|documents?|docs|datasheets?|data sheets?|spec sheets?|literature|best practices?"
    r"|(?:maintenance|inspection|incident|service|shift|investigation|rca|failure|test) reports?"
    r"|how (?:do|should|can|would) (?:i|we|you|one)|how to|steps? (?:to|for)|according to|what does the \w+ say)\b")
# Asking which equipment is in the worst health, or what to look at first: a ranking by condition, not a list.
_HEALTH_RE = re.compile(
    r"\b(worst|riskiest|most at risk|healthiest|least healthy|unhealthiest|sickest|(?:bad|poor|worst|good|best) "
    r"(?:shape|condition|health)|needs? (?:\w+ )?attention|attention first|worr(?:y|ied|ying)|concerns?"
    r"|rank\w*(?: \w+){0,4} by (?:health|condition|risk)|health ranking|closest to (?:failing|failure|trouble)"
    r"|most likely to fail|prioriti[sz]e|most (?:problematic|worn|degraded|troubled)"
    r"|(?:go|look|start|focus|fix)(?: \w+)? first)\b")
# Docstring words that mark a tool as the one for a frame.
_DOC_THEME_RE = re.compile(r"\b(manuals|procedures|handbooks)\b")
_CAUSE_THEME_RE = re.compile(r"\b(causes?|why|failure modes?)\b")
_NOW_THEME_RE = re.compile(r"\b(current|latest)\b.{0,20}\bvalues?\b")
_FLOW_THEME_RE = re.compile(r"\b(upstream|downstream|process flow)\b")
_DESCRIBE_THEME_RE = re.compile(r"\b(make and model|components)\b")
_ANOMALY_THEME_RE = re.compile(r"\b(abnormal|behaving normally)\b")


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
    themes = ((DOCS, _DOC_THEME_RE), (CAUSE, _CAUSE_THEME_RE), (NOW, _NOW_THEME_RE), (FLOW, _FLOW_THEME_RE),
              (DESCRIBE, _DESCRIBE_THEME_RE), (ANOMALY, _ANOMALY_THEME_RE))
    return {frame for frame, pattern in themes if pattern.search(d)}


# Words of docstrings and the words engineers use for the same thing. Generic maintenance vocabulary.
THESAURUS: dict[str, list[str]] = {
    "manual": ["handbook", "guide", "sop", "documentation", "datasheet", "o&m manual", "vendor manual"],
    "manuals": ["handbooks", "guides", "sops", "documentation", "docs", "vendor manuals", "datasheets"],
    "procedure": ["sop", "checklist", "work instruction", "instructions", "method statement", "steps"],
    "procedures": ["sops", "checklists", "work instructions", "instructions", "method statements"],
    "causes": ["reasons for", "root causes of", "what leads to", "explanations for"],
    "cause": ["reason", "root cause", "explanation", "culprit"],
    "failure modes": ["usual problems", "typical faults", "ways it can fail", "known issues", "weak points",
                      "common problems", "common failures", "frequent faults", "typical failures", "weak spots"],
    "abnormal": ["off", "strange", "unusual", "out of the ordinary", "misbehaving", "acting up", "wrong"],
    "feeds": ["supplies", "sends to", "delivers to", "goes into"],
    "feeds this": ["supplies this", "goes into this", "comes into this"],
    "downstream": ["fed by", "receiving from", "further down the line from"],
    "upstream": ["supplying", "feeding", "sending to"],
    "retrains": ["refits", "rebuilds", "recalibrates", "relearns", "re-trains", "updates"],
    "anomaly model": ["anomaly detector", "detector", "anomaly detection model", "baseline model", "ml model",
                      "scoring model"],
    "messages per second": ["msgs per sec", "messages a second", "events per second", "message rate"],
    "topic": ["kafka topic", "stream", "queue"],
    "make and model": ["manufacturer", "vendor and model", "brand", "nameplate"],
    "components": ["parts", "sub-assemblies", "what it is made of"],
    "current": ["live", "present", "latest", "real-time"],
    "value": ["reading", "numbers", "data", "figures", "measurement"],
    "values": ["readings", "numbers", "data", "figures", "measurements"],
    "work orders": ["tickets", "maintenance jobs", "jobs done", "maintenance records"],
    "alarms": ["alerts", "trips", "warnings"],
    "anomalies": ["abnormal behaviour", "odd behaviour", "irregularities", "unusual patterns"],
    "history": ["trend", "log", "record over time"],
    "describe": ["tell me about", "details of", "spec of"],
    "sensors": ["instruments", "measurements", "tags", "transmitters"],
}
_THESAURUS_RE = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(THESAURUS, key=len, reverse=True))
                           + r")\b")


# Verbs engineers use for the verbs an action's docstring lists ('refit the model' asks to retrain it).
VERB_SYNONYMS: dict[str, list[str]] = {
    "retrain": ["refit", "rebuild", "recalibrate", "relearn", "refresh", "re-train", "update", "redo"],
    "train": ["fit", "teach"],
    "create": ["raise", "submit", "put in", "write up"],
    "open": ["raise", "submit", "put in", "write up"],
    "start": ["kick", "launch"],
}


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


# Frame paraphrases: generic sentence shapes, slots filled at random. {a}: one asset, {t}: a kind of equipment,
# {s}: a sensor word, {d}: a direction, {v}: a symptom verb, {k}: a document noun, {w}: a maintenance task.
_SENSORS = ["vibration", "temperature", "pressure", "flow", "current", "bearing temp", "discharge pressure",
            "amps", "level", "speed", "power", "oil temp", "torque", "airflow"]
_DIRECTIONS = ["high", "low", "rising", "dropping", "unstable", "erratic", "fluctuating", "increasing"]
_SYMPTOM_VERBS = ["vibrate", "overheat", "trip", "leak", "surge", "lose pressure", "run rough", "make noise",
                  "cavitate", "stall", "draw more current", "run hot", "seize"]
_DOC_NOUNS = ["sop", "procedure", "manual", "guide", "checklist", "work instruction", "instructions", "handbook",
              "documentation", "datasheet"]
_TASKS = ["replacing the seal", "starting up", "shutting down", "lubricating", "inspecting", "calibrating",
          "overhauling", "commissioning", "servicing", "repairing", "installing", "draining"]
_TASK_VERBS = ["replace the seal on", "start up", "shut down", "lubricate", "inspect", "calibrate", "overhaul",
               "commission", "service", "repair", "install", "drain"]

_CAUSE_SHAPES = [
    "why is {a} {s} so {d}", "why would {a} {v}", "what could make {a} {v}", "root cause of {d} {s} on {a}",
    "reasons for {d} {s} on {t}", "what makes {t} {v}", "{a} {s} keeps {d}, what is the likely cause",
    "what would explain {d} {s} on {a}", "why does {a} {v} so often", "what tends to go wrong with {a}",
    "what typically goes wrong on {t}", "what could be causing the {d} {s} on {a}", "why might {a} {s} be {d}",
    "what is causing the {s} on {a}", "how come {a} {s} is {d}",
    "possible causes when {t} {v}", "{t} {v}, what could cause it",
    "{q} {f} of {t}", "{q} {f} on {a}", "what are the {q} {f} of {t}", "{q} {f} for {t}", "what {f} do {t} have",
    "{q} {f} seen on {t}",
]
# 'common problems', 'typical faults', 'known issues': how people ask for failure modes without saying why
_USUAL = ["common", "typical", "usual", "frequent", "known", "recurring"]
_FAULTS = ["problems", "issues", "faults", "failures", "failure points", "breakdowns"]
_DOC_SHAPES = [
    "is there a {k} for {w} {a}", "{k} for {w} {t}", "where is the {k} for {a}", "do we have a {k} on {w}",
    "how do i {x} {a}", "how to {x} {t}", "steps to {x} {a}", "what does the {k} say about {w} {a}",
    "find me the {k} for {w}", "{k} on {w} {t}", "got a {k} for {a}", "show me the {k} for {x} {a}",
    "according to the {k} how do we {x} {t}", "instructions to {x} {a}",
]
_NOW_SHAPES = [
    "how is {a} looking", "what is up with {a}", "where is {a} at", "{a} status right now", "numbers on {a}",
    "live data from {a}", "what is {a} reading", "{a} right now", "what are the values on {a}", "{a} now",
    "how is {a} doing at the moment", "give me the numbers for {a}", "what is {a} showing", "{a} {s} now",
    "current {s} of {a}", "what is the {s} on {a}",
]
# comparing equipment side by side asks for the numbers of each now
_COMPARE_SHAPES = [
    "compare {a} with {a}", "{a} vs {a}", "{a} versus {a}", "how do {a} and {a} compare", "{a} compared to {a}",
    "difference between {a} and {a}", "{a} side by side with {a}", "compare {a} {s} with {a}",
]
_FLOW_SHAPES = [
    "where does {a} discharge to", "where does the product of {a} end up", "where does {a} send its output",
    "what does {a} feed", "what does {a} feed into", "what comes after {a}", "what comes before {a}",
    "what is next after {a} in the process",
    "what supplies {a}", "where does {a} get its supply from", "what is connected to {a}", "what is {a} connected to",
    "what sits upstream of {a}", "what sits downstream of {a}", "what would be hit if {a} goes down",
    "what loses supply if {a} stops", "trace the process from {a}", "what is fed by {a}", "what receives from {a}",
    "which equipment depends on {a}", "what is in line after {a}", "what is before {a} in the process",
]
_DESCRIBE_SHAPES = [
    "which instruments are fitted on {a}", "who makes {a}", "what model is {a}", "which components are in {a}",
    "specs of {a}", "what are the normal ranges for {a}", "nameplate data for {a}", "what tags are on {a}",
    "what parts make up {a}", "which sensors are installed on {a}", "what instruments does {a} carry",
    "list the sensors on {a}", "what is {a} fitted with", "what measurements are taken on {a}",
]
_ANOMALY_SHAPES = [
    "is {a} playing up", "is {a} misbehaving", "is something off with {a}", "is anything wrong with {a}",
    "is {a} behaving oddly", "has {a} been acting strange", "any weirdness on {a}", "does {a} look healthy",
    "is {a} running normally", "is {a} ok", "anything unusual about {a}", "is {a} doing anything weird",
    "is {a} out of whack", "does anything look off on {t}", "are {t} behaving", "is {a} healthy {p}",
]
# which equipment is in the worst health, what to look at first: the anomaly scores of a scope, ranked
_HEALTH_SHAPES = [  # the health words lead: 'which {t} on {l}' alone asks for a list of equipment
    "what is in the worst shape on {l}", "which of the {t} is in the worst shape {p}", "rank {t} by health on {l}",
    "health ranking for {l}", "riskiest {t} on {l}", "what is most at risk on {l} {p}", "needs attention first on {l}",
    "what should i look at first on {l}", "anything i should worry about on {l} {p}", "what should i worry about {p}",
    "anything to worry about on {l}", "which looks worst on {l} and why", "worst looking {t} and why",
    "healthiest of the {t}", "least healthy {t} on {l}", "what is in bad shape on {l}", "poor condition on {l} {p}",
    "most likely to fail next on {l}", "closest to failing on {l}", "highest anomaly score on {l}",
    "top concerns on {l} {p}", "what should we prioritise on {l}", "best and worst {t} by condition",
    "which {t} is in the worst shape", "which {t} is most at risk", "which {t} needs attention first",
    "which {t} looks worst", "riskiest asset on {l}", "worst asset on {l} right now",
]
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
