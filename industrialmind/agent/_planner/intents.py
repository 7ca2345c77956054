"""Routing by meaning: a small softmax classifier over MiniLM embeddings, trained at bind time on examples
GENERATED from each bound tool's name, docstring and argument schema (request frames x entity slots).

No tool is named here: bind a different set of tools and the router learns them. Besides the tools there are two
classes of our own: `out_of_scope` (trained on generic requests a plant assistant does not serve) and `help`
(questions about what the assistant can do). Entity-type cues (an asset, a sensor, a time, several assets...) are
appended to the embedding as features, and a trained router is cached under IM_HOME keyed by a hash of the tools'
schemas, so only the first bind pays for embedding the examples.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from industrialmind.agent._planner.entities import ASSET_SLOT, LINE_SLOT, TIME_SLOT, TYPE_SLOT

if TYPE_CHECKING:
    import numpy as np

GENERATOR_VERSION = "14"
OUT_OF_SCOPE = "out_of_scope"
HELP = "help"
CUE_NAMES = ("asset", "multi_asset", "scope", "type", "sensor", "time", "priority")
CUE_WEIGHT = 0.6
KNN_K = 7
KNN_WEIGHT = 0.3
PROTO_WEIGHT = 0.25
LEX_WEIGHT = 0.2
LEX_SHARPNESS = 1.0
PROTO_TEMPERATURE = 0.05
KNN_SHARPNESS = 20.0
KNN_CUE_PENALTY = 0.05


# Generic request frames: how people wrap any request. {np} is a noun phrase, {vp} a verb phrase.
_NP_FRAMES = ["{np}", "show me {np}", "what are {np}", "what is {np}", "give me {np}", "i need {np}",
              "can i see {np}", "pull up {np}", "{np} please", "check {np}", "get {np}", "{np}?", "tell me {np}",
              "any {np}", "list {np}", "quick look at {np}", "i'd like {np}", "need {np} asap"]
_VP_FRAMES = ["{vp}", "please {vp}", "can you {vp}", "could you {vp}", "i want to {vp}", "help me {vp}",
              "go ahead and {vp}", "i need you to {vp}", "how do i {vp}", "{vp} for me", "let's {vp}"]
_LEADING_VERBS = ("return", "returns", "list", "lists", "find", "finds", "describe", "describes", "show", "shows",
                  "get", "gets", "give", "fetch", "read", "reads", "search", "searches", "detect", "detects",
                  "summarise", "summarize", "compute", "computes", "create", "creates", "open", "opens", "train",
                  "trains", "retrain", "tail", "check", "checks", "report", "reports", "look up", "plot", "chart")
# Requests outside the plant: the negative class. Generic on purpose (no tool is described here).
_OUT_OF_SCOPE = [
    "what's the weather tomorrow", "tell me a joke", "write a poem about the sea", "who won the football game",
    "book me a flight to paris", "what is the capital of france", "translate this into spanish",
    "recommend a good restaurant nearby", "what's the stock price of apple", "help me write a cover letter",
    "play some music", "order a pizza", "what movies are showing tonight", "how do i bake bread",
    "solve this equation x squared plus 2", "write python code to sort a list", "who is the president",
    "what's your favourite colour", "set an alarm for 7am tomorrow", "send an email to my boss",
    "what's the meaning of life", "how tall is mount everest", "give me a recipe for lasagna",
    "summarise the news today", "what time is it in tokyo", "how do i fix my car's brakes at home",
    "can you do my tax return", "what's a good name for a cat", "write an essay about history",
    "recommend a book to read", "how many calories in a banana", "plan my holiday to italy",
    "tell me about dinosaurs", "who painted the mona lisa", "buy me new shoes", "what's bitcoin worth",
    "draw me a picture of a dog", "how do i lose weight", "sing me a song", "what's the best phone to buy",
    "explain quantum physics to me", "give me dating advice", "what's the score of the cricket",
    "convert 100 dollars to euros", "write a limerick", "call my mom", "who are you dating",
]
_HELP = [
    "what can you do", "help", "what are you able to help with", "how do i use you", "what questions can i ask",
    "hi", "hello", "hey there", "good morning", "thanks", "thank you", "who are you", "what do you know about",
    "what kind of things can you answer", "show me your capabilities", "are you there", "ok thanks", "cheers",
]
# Generic nouns for equipment, so a docstring's example 'what was done on the compressor' becomes a slot.
_EQUIPMENT_NOUNS = ("pump", "motor", "compressor", "fan", "valve", "tank", "chiller", "conveyor", "boiler", "blower",
                    "turbine", "heat exchanger", "exchanger", "agitator", "mixer", "dryer", "reactor", "machine")
_SENSOR_WORDS = ["vibration", "temperature", "pressure", "flow", "current", "temp", "vib", "amps", "speed",
                 "bearing temp", "discharge pressure", "level", "power", "readings"]


@dataclass
class ToolSpec:
    """What the router and the argument filler know of one bound tool: its name, description and parameters."""

    name: str
    description: str
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)

    @property
    def is_action(self) -> bool:
        """Actions change the world; their docstring says so first (the tools' contract: 'ACTION (...)')."""
        return self.description.lstrip().upper().startswith("ACTION")

    def action_verbs(self) -> set[str]:
        """The verbs that ask for this action: its name's verb, its docstring's leading verbs and the verbs of
        'asks to open, raise or create ...'."""
        verbs = {self.name.split("_")[0]}
        desc = re.sub(r"\((re|un|pre)\)", r"\1", self.description.lower())
        for m in re.finditer(r"\b(?:asks? to|wants? to)\s+((?:[a-z]+,?\s+(?:or\s+)?){1,4})", desc):
            verbs |= {w for w in re.findall(r"[a-z]+", m.group(1)) if w not in ("or", "and", "a", "the", "an")}
        for m in re.finditer(r"\b(?:that|which)\s+([a-z]+?)s\b", desc):
            verbs.add(m.group(1))
        first = re.sub(r"^action \([^)]*\):\s*", "", desc).split()
        if first:
            verbs.add(first[0])
        return {v for v in verbs if len(v) > 2}

    @classmethod
    def from_tool(cls, tool: Any) -> "ToolSpec":
        """Read a LangChain tool, a plain function or an OpenAI tool dict."""
        from langchain_core.utils.function_calling import convert_to_openai_tool

        fn = convert_to_openai_tool(tool)["function"]
        params = fn.get("parameters", {}) or {}
        return cls(name=fn["name"], description=fn.get("description", "") or "",
                   params=dict(params.get("properties", {}) or {}), required=list(params.get("required", []) or []))

    def kinds(self) -> set[str]:
        """The entity kinds this tool's parameters take ('asset', 'sensor', 'time', 'priority', ...)."""
        return {k for p in self.params for k in [param_kind(p, self.params[p])] if k}

    def schema_json(self) -> str:
        """A stable text of the schema, for the cache key."""
        return json.dumps({"n": self.name, "d": self.description, "p": self.params, "r": self.required},
                          sort_keys=True, default=str)


def param_kind(name: str, schema: dict[str, Any] | None = None) -> str | None:
    """What a parameter holds, read from its name: asset, scope, sensor, time, priority, text, ..."""
    n = name.lower()
    if n in ("asset_id", "asset", "equipment", "equipment_id"):
        return "asset"
    if n in ("scope_id", "scope"):
        return "scope"
    if n in ("sensor", "sensors", "sensor_id", "sensor_ids"):
        return "sensor"
    if n in ("start", "end", "since", "until", "from", "to"):
        return "time"
    if n == "priority":
        return "priority"
    if n in ("line", "line_id"):
        return "line"
    if n in ("site", "site_id"):
        return "site"
    if n in ("asset_type", "type"):
        return "asset_type"
    if n in ("query", "symptom", "question", "text", "title", "description"):
        return "text"
    return None


# ------------------------------------------------------------------------------------------------------------
def _sentences(description: str) -> list[str]:
    description = re.sub(r"^ACTION \([^)]*\):\s*", "", description.strip())
    description = re.sub(r"\((re|un|pre)\)", r"\1", description)
    text = re.sub(r"\s+", " ", description.split("\n\n")[0] if "Args:" in description else description)
    text = text.split("Args:")[0]
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
    return re.sub(r"\b(?:last month|yesterday|overnight|today|last week)\b", TIME_SLOT, text)


def _phrases(spec: ToolSpec) -> tuple[list[str], list[str]]:
    """Noun phrases and verb phrases describing what the tool does, from its name and docstring."""
    nps: list[str] = []
    vps: list[str] = []
    name_words = spec.name.replace("_", " ").lower()
    first = name_words.split()[0]
    if first in _LEADING_VERBS or first in ("detect", "create", "train", "search", "tail", "find", "list"):
        vps.append(name_words)
        nps.append(" ".join(name_words.split()[1:]))
    else:
        nps.append(name_words)
    # quoted examples in the docstring ("Use it for 'what is X doing now'") are requests in the user's words
    for quoted in re.findall(r"'([^']{6,80})'", spec.description):
        if len(quoted.split()) >= 2:
            nps.append(_delexicalise(quoted.lower()))
    for sentence in _sentences(spec.description):
        s = re.sub(r"^(?:use (?:it|this) (?:to|when|for)|use to|call (?:it|this) to|this tool)\s+", "", sentence)
        words = s.split()
        if not words:
            continue
        if words[0] in _LEADING_VERBS or words[0].endswith("e") and words[0] in ("describe", "compute", "create"):
            verb = {"returns": "return", "lists": "list", "finds": "find", "describes": "describe",
                    "shows": "show", "gets": "get", "reads": "read", "searches": "search", "detects": "detect",
                    "computes": "compute", "creates": "create", "opens": "open", "trains": "train",
                    "checks": "check", "reports": "report"}.get(words[0], words[0])
            rest = " ".join(words[1:])
            vps.append(f"{verb} {rest}")
            if rest:
                nps.append(rest)
        else:
            nps.append(s)
        # 'a job that retrains the model of an asset' -> 'retrain the model of an asset'
        for m in re.finditer(r"\b(?:that|which)\s+([a-z]+?)s\s+(.+)$", s):
            vps.append(f"{m.group(1)} {m.group(2)}")
        for clause in re.split(r",\s+|\s+or\s+|\s+and\s+(?=[a-z]+s?\b)", s):
            n = len(clause.split())
            if clause.split()[0] in _LEADING_VERBS:
                continue
            if 2 <= n <= 9 or (n == 1 and len(clause) >= 5 and clause.isalpha()):
                nps.append(clause)
    if spec.is_action:
        # an action is asked for with one of its verbs and an object: 'raise a ticket', 'retrain the model'
        objects = [p for p in nps if 1 <= len(p.split()) <= 8 and p.split()[0] not in _LEADING_VERBS
                   and not p.startswith(("someone", "a person"))]
        vps += [f"{verb} {obj}" for verb in sorted(spec.action_verbs()) for obj in objects]
    one = bool({"asset", "scope"} & spec.kinds())
    return ([p for p in dict.fromkeys(_slot_asset(p, one) for p in nps) if _informative(p)],
            [p for p in dict.fromkeys(_slot_asset(p, one) for p in vps) if _informative(p)])


def _informative(phrase: str) -> bool:
    """A phrase that says something besides its slots (the asset slot alone would match every question)."""
    rest = phrase
    for slot in (ASSET_SLOT, LINE_SLOT, TYPE_SLOT, TIME_SLOT):
        rest = rest.replace(slot, " ")
    words = [w for w in re.findall(r"[a-z]+", rest) if w not in ("the", "a", "an", "one", "of", "for", "on", "its")]
    return bool(words)


def generate_examples(spec: ToolSpec, per_tool: int = 140, seed: int = 0) -> list[str]:
    """Training sentences for one tool: its phrases in request frames, with asset, line, type, sensor and time
    slots filled according to its parameters. Quoted examples from the docstring weigh more (several framings)."""
    rng = random.Random(f"{seed}:{spec.name}")
    nps, vps = _phrases(spec)
    quoted = [_delexicalise(q.lower()) for q in re.findall(r"'([^']{6,80})'", spec.description) if len(q.split()) >= 2]
    kinds = spec.kinds()
    required = {param_kind(p) for p in spec.required}
    out: list[str] = []
    for q in quoted:
        out.append(q)
        for frame in rng.sample(_NP_FRAMES, 4):
            out.append(frame.format(np=q))
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
            if "asset_type" in kinds:
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
    return list(dict.fromkeys(out))


def prototypes(spec: ToolSpec) -> list[str]:
    """A tool's own words, unframed: its name, each docstring sentence and each quoted example (slots filled)."""
    one = bool({"asset", "scope"} & spec.kinds())
    out = [spec.name.replace("_", " ")]
    out += [_slot_asset(s, one) for s in _sentences(spec.description)]
    out += [_delexicalise(q.lower()) for q in re.findall(r"'([^']{6,80})'", spec.description) if len(q.split()) >= 2]
    # the description of a free-text parameter says what questions it serves ('what to look for in manuals...')
    for name, schema in spec.params.items():
        desc = str(schema.get("description") or "")
        if param_kind(name) == "text" and name in spec.required and len(desc.split()) >= 3:
            out.append(desc.lower())
    return list(dict.fromkeys(p for p in out if p))


def cue_vector(cues: dict[str, float]) -> list[float]:
    """The cue features in a fixed order."""
    return [float(cues.get(name, 0.0)) * CUE_WEIGHT for name in CUE_NAMES]


def cues_of_example(text: str, spec_kinds: set[str] | None = None) -> dict[str, float]:
    """Cues of a generated example, read from its slots (examples carry placeholders, not real entities)."""
    from industrialmind.plant.vocabulary import canonical_quantity

    words = re.findall(r"[a-z]+(?: temp| pressure)?", text)
    return {
        "asset": float(bool(re.search(rf"\b{ASSET_SLOT}\b", text))),
        "multi_asset": float(len(re.findall(rf"\b{ASSET_SLOT}\b", text)) > 1),
        "scope": float(LINE_SLOT in text or "the site" in text),
        "type": float(TYPE_SLOT in text),
        "sensor": float(any(canonical_quantity(w) for w in words if len(w) > 2)),
        "time": float(TIME_SLOT in text),
        "priority": float(bool(re.search(r"\b(urgent|priority|high|low)\b", text))),
    }


# ------------------------------------------------------------------------------------------------------------
class IntentRouter:
    """Softmax regression over [embedding, cues]; classes are the bound tools plus out_of_scope and help."""

    def __init__(self, classes: list[str], weights: "np.ndarray", bias: "np.ndarray", train_x: "np.ndarray",
                 train_y: "np.ndarray", embedder: Any, train_cues: "np.ndarray | None" = None) -> None:
        import numpy as np

        self.train_cues = train_cues if train_cues is not None else np.zeros((len(train_y), len(CUE_NAMES)))
        self.classes = classes
        self.weights = weights
        self.bias = bias
        self.train_x = train_x
        self.train_y = train_y
        self.embedder = embedder

    @classmethod
    def build(cls, specs: Sequence[ToolSpec], embedder: Any, cache_dir: Path | None = None,
              per_tool: int = 140) -> "IntentRouter":
        """Train (or load from the cache) a router for these tools."""
        import numpy as np

        key = hashlib.sha256(("|".join(s.schema_json() for s in specs) + GENERATOR_VERSION + str(per_tool)
                              + getattr(embedder, "name", type(embedder).__name__)).encode()).hexdigest()[:16]
        path = cache_dir / f"router-{key}.npz" if cache_dir is not None else None
        if path is not None and path.is_file():
            try:
                data = np.load(path, allow_pickle=False)
                router = cls([str(c) for c in data["classes"]], data["weights"], data["bias"], data["train_x"],
                             data["train_y"], embedder, data["train_cues"])
                router.vocabulary = [str(w) for w in data["vocabulary"]]
                router.proto_x, router.proto_y = data["proto_x"], data["proto_y"]
                router.lexicon = data["lexicon"]
                return router
            except (OSError, KeyError, ValueError):
                pass  # a corrupt cache file is rebuilt below
        texts: list[str] = []
        labels: list[int] = []
        cues: list[list[float]] = []
        classes = [s.name for s in specs] + [OUT_OF_SCOPE, HELP]
        for i, spec in enumerate(specs):
            for text in generate_examples(spec, per_tool=per_tool):
                texts.append(text)
                labels.append(i)
                cues.append(cue_vector(cues_of_example(text)))
        for label, pool in ((OUT_OF_SCOPE, _OUT_OF_SCOPE), (HELP, _HELP)):
            for text in pool:
                texts.append(text)
                labels.append(classes.index(label))
                cues.append(cue_vector(cues_of_example(text)))
        emb = embedder.embed(texts)
        x = np.hstack([emb, np.asarray(cues, dtype=np.float32)]).astype(np.float32)
        y = np.asarray(labels, dtype=np.int64)
        weights, bias = _train_softmax(x, y, len(classes))
        cue_arr = np.asarray(cues, dtype=np.float32)
        router = cls(classes, weights, bias, emb.astype(np.float32), y, embedder, cue_arr)
        proto_texts, proto_y = [], []
        for i, spec in enumerate(specs):
            for text in prototypes(spec):
                proto_texts.append(text)
                proto_y.append(i)
        for label, pool in ((OUT_OF_SCOPE, _OUT_OF_SCOPE), (HELP, _HELP)):
            proto_texts += pool
            proto_y += [classes.index(label)] * len(pool)
        router.proto_x = embedder.embed(proto_texts).astype(np.float32)
        router.proto_y = np.asarray(proto_y, dtype=np.int64)
        router.lexicon = _lexicon(proto_texts, proto_y, len(classes))
        router.vocabulary = sorted({w for t in texts for w in re.findall(r"[a-z]+", t)})
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{random.randrange(1 << 30)}.tmp.npz")
            np.savez(tmp, classes=np.asarray(classes), weights=weights, bias=bias, train_x=router.train_x,
                     train_y=y, train_cues=cue_arr, vocabulary=np.asarray(router.vocabulary),
                     proto_x=router.proto_x, proto_y=router.proto_y, lexicon=router.lexicon)
            tmp.replace(path)
        return router

    @property
    def _lex_index(self) -> dict[str, "np.ndarray"]:
        if not hasattr(self, "_lex_cache"):
            import numpy as np

            index: dict[str, np.ndarray] = {}
            for row in getattr(self, "lexicon", []):
                stem, cls, weight = str(row[0]), int(row[1]), float(row[2])
                index.setdefault(stem, np.zeros(len(self.classes)))[cls] += weight
            self._lex_cache = index
        return self._lex_cache

    def correct(self, text: str, protected: set[str] | None = None) -> str:
        """Fix typos in intent words against the words of the training examples ('anomolies' -> 'anomalies')."""
        from rapidfuzz import fuzz, process

        if not hasattr(self, "_vocab"):
            self._vocab = sorted(set(getattr(self, "vocabulary", []) or []))
        if not self._vocab:
            return text
        known = set(self._vocab)

        def fix(m: re.Match) -> str:
            word = m.group(0)
            if word in known or len(word) < 5 or (protected and word in protected):
                return word
            if any(v.startswith(word[:5]) or word.startswith(v[:5]) for v in self._vocab if len(v) >= 5):
                return word  # an inflection of a known word ('retraining'), not a typo
            found = process.extractOne(word, self._vocab, scorer=fuzz.ratio, score_cutoff=84)
            return found[0] if found else word

        return re.sub(r"[a-z]+", fix, text)

    def scores(self, text: str, cues: dict[str, float]) -> tuple[list[tuple[str, float]], float]:
        """Classes with probabilities (best first) and the best cosine similarity to any training example."""
        import numpy as np

        emb = self.embedder.embed([text])[0].astype(np.float32)
        x = np.concatenate([emb, np.asarray(cue_vector(cues), dtype=np.float32)])
        logits = x @ self.weights + self.bias
        p = np.exp(logits - logits.max())
        p /= p.sum()
        # blend with a similarity-weighted vote of the nearest examples: a near-verbatim match of a docstring
        # example should win over the broad strokes of the linear model
        raw = self.train_x @ emb
        # neighbours with the same entity profile count more: a mismatch of each cue costs a little similarity
        mismatch = (np.abs(self.train_cues - np.asarray(cue_vector(cues), dtype=np.float32)) > 0.01).sum(axis=1)
        sims = raw - KNN_CUE_PENALTY * mismatch
        k = min(KNN_K, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        votes = np.zeros(len(self.classes), dtype=np.float64)
        for i in top:
            votes[self.train_y[i]] += np.exp(KNN_SHARPNESS * (sims[i] - sims[top].max()))
        votes /= votes.sum()
        # zero-shot part: the best similarity to each tool's own words (name, docstring sentences, examples)
        best = np.full(len(self.classes), -1.0)
        np.maximum.at(best, self.proto_y, self.proto_x @ emb)
        proto = np.exp((best - best.max()) / PROTO_TEMPERATURE)
        proto /= proto.sum()
        # lexical part: words of the question that a tool's own docstring uses, weighted by their rarity
        lex = np.zeros(len(self.classes))
        for stem in {_stem5(w) for w in re.findall(r"[a-z]+", text) if w not in _STOPWORDS and len(w) > 2}:
            if stem in self._lex_index:
                lex += self._lex_index[stem]
        lexp = np.exp(LEX_SHARPNESS * (lex - lex.max()))
        lexp /= lexp.sum()
        p = ((1 - KNN_WEIGHT - PROTO_WEIGHT - LEX_WEIGHT) * p + KNN_WEIGHT * votes + PROTO_WEIGHT * proto
             + LEX_WEIGHT * lexp)
        order = np.argsort(-p)
        return [(self.classes[i], float(p[i])) for i in order], float(raw.max())


_STOPWORDS = set("""a an the of on in at for to by with from about and or is are was were be been do does did can
could would should will what whats which who how when where any some me my our i we you your please show tell give
get list find check see it its this that these those there here now right x machines line over period use each
one not no if than then them they their has have had as into out up""".split())


def _stem5(word: str) -> str:
    return word[:5]


def _lexicon(texts: list[str], labels: list[int], n_classes: int) -> "np.ndarray":
    """(stem, class, idf) rows: which class's own words use each word stem, weighted by how few classes do."""
    import math

    import numpy as np

    owners: dict[str, set[int]] = {}
    for text, label in zip(texts, labels):
        for w in re.findall(r"[a-z]+", text.lower()):
            if w not in _STOPWORDS and len(w) > 2:
                owners.setdefault(_stem5(w), set()).add(label)
    rows = [(stem, c, math.log(n_classes / len(cs))) for stem, cs in owners.items() for c in cs]
    return np.asarray(rows, dtype=object).astype(str) if rows else np.zeros((0, 3), dtype=str)


def _train_softmax(x: "np.ndarray", y: "np.ndarray", n_classes: int, epochs: int = 400, lr: float = 2.0,
                   l2: float = 1e-4) -> tuple["np.ndarray", "np.ndarray"]:
    """Full-batch gradient descent on the cross-entropy; classes are weighted to balance their counts."""
    import numpy as np

    n, d = x.shape
    w = np.zeros((d, n_classes), dtype=np.float32)
    b = np.zeros(n_classes, dtype=np.float32)
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    counts = np.bincount(y, minlength=n_classes).astype(np.float32)
    sample_w = (n / (n_classes * np.maximum(counts, 1)))[y][:, None]
    for _ in range(epochs):
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad = (p - onehot) * sample_w / n
        w -= lr * (x.T @ grad + l2 * w)
        b -= lr * grad.sum(axis=0)
    return w, b
