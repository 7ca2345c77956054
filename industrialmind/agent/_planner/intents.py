"""Routing by meaning: a small softmax classifier over MiniLM embeddings, trained at bind time on examples
GENERATED from each bound tool's name, docstring and argument schema (request frames x entity slots).

No tool is named here: bind a different set of tools and the router learns them. Besides the tools there are two
classes of our own: `out_of_scope` (trained on generic requests a plant assistant does not serve) and `help`
(questions about what the assistant can do). Entity-type cues (an asset, a sensor, a time, several assets...) are
appended to the embedding as features, and a trained router is cached under IM_HOME keyed by a hash of what it is
trained on (the examples generated from the tools' schemas, the pools, the thesaurus) and of the lexicon files
(lexicon/*.yaml), so only the first bind pays for embedding the examples and any change to them retrains it.
"""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from industrialmind.agent._planner.entities import norm
from industrialmind.agent._planner.examples import (
    _HELP,
    _OUT_OF_SCOPE,
    cues_of_example,
    generate_examples,
    prototypes,
)
from industrialmind.agent._planner.framing import (
    CAUSE,
    DOCS,
    frames_of,
    synonym_text,
    themes_of,
    with_synonyms,
)
from industrialmind.agent._planner.lexicon import digest as lexicon_digest
from industrialmind.agent._planner.lexicon import stopwords, table
from industrialmind.agent._planner.specs import ToolSpec, param_kind  # noqa: F401 - re-exported
from industrialmind.agent._planner.text import stem

if TYPE_CHECKING:
    import numpy as np

# bump when the training code changes; the training material and the lexicon files are hashed into the cache key
GENERATOR_VERSION = "24"
OUT_OF_SCOPE = "out_of_scope"
HELP = "help"
CUE_NAMES = ("asset", "multi_asset", "scope", "type", "sensor", "time", "priority", "cause", "docs", "health")
CUE_WEIGHT = 0.6
KNN_K = 7
KNN_WEIGHT = 0.3
PROTO_WEIGHT = 0.25
LEX_WEIGHT = 0.2
LEX_SHARPNESS = 1.0
PROTO_TEMPERATURE = 0.05
KNN_SHARPNESS = 20.0
KNN_CUE_PENALTY = 0.05


def cue_vector(cues: dict[str, float]) -> list[float]:
    """The cue features in a fixed order."""
    return [float(cues.get(name, 0.0)) * CUE_WEIGHT for name in CUE_NAMES]


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

        texts, labels, cues, classes = training_examples(specs, per_tool)
        proto_texts, proto_y = training_prototypes(specs, classes)
        # the lexical channel also knows the words engineers use for a docstring's words ('sop' for 'procedures');
        # the pools are not docstrings ('write an essay about history' must not teach it 'trend')
        lex_texts = [f"{t} {synonym_text(t)}" if y < len(specs) else t for t, y in zip(proto_texts, proto_y)]
        key = cache_key([texts, labels, cues, lex_texts, proto_y, classes], embedder)
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
        emb = embedder.embed(texts)
        x = np.hstack([emb, np.asarray(cues, dtype=np.float32)]).astype(np.float32)
        y = np.asarray(labels, dtype=np.int64)
        weights, bias = _train_softmax(x, y, len(classes))
        cue_arr = np.asarray(cues, dtype=np.float32)
        router = cls(classes, weights, bias, emb.astype(np.float32), y, embedder, cue_arr)
        router.proto_x = embedder.embed(proto_texts).astype(np.float32)
        router.proto_y = np.asarray(proto_y, dtype=np.int64)
        router.lexicon = _lexicon(lex_texts, proto_y, len(classes))
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
        if not hasattr(self, "_by_letters"):
            self._by_letters: dict[str, list[str]] = {}
            for v in self._vocab:
                self._by_letters.setdefault("".join(sorted(v)), []).append(v)

        def fix(m: re.Match) -> str:
            word = m.group(0)
            if word in known or len(word) < 5 or (protected and word in protected):
                return word
            if any(v.startswith(word[:5]) or word.startswith(v[:5]) for v in self._vocab if len(v) >= 5):
                return word  # an inflection of a known word ('retraining'), not a typo
            found = process.extractOne(word, self._vocab, scorer=fuzz.ratio, score_cutoff=84)
            if found and found[0][0] == word[0]:  # typos rarely hit the first letter ('using' is not 'sing')
                return found[0]
            # two letters swapped ('alrams'): same letters, same first letter, same length
            swapped = [v for v in self._by_letters.get("".join(sorted(word)), []) if v[0] == word[0]]
            return swapped[0] if len(swapped) == 1 else word

        return re.sub(r"[a-z]+", fix, text)

    def scores(self, text: str, cues: dict[str, float], entity_words: set[str] | frozenset[str] = frozenset()
               ) -> tuple[list[tuple[str, float]], float]:
        """Classes with probabilities (best first) and the best cosine similarity to any training example.
        entity_words (sensor words the linker took) say what the question is about, not which tool it wants,
        so the lexical channel skips them ('flow' is a reading, not the process flow of a topology tool)."""
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
        for key in {_lex_key(w) for w in re.findall(r"[a-z]+", text)
                    if w not in _STOPWORDS and len(w) > 2 and w not in entity_words}:
            if key in self._lex_index:
                lex += self._lex_index[key]
        lexp = np.exp(LEX_SHARPNESS * (lex - lex.max()))
        lexp /= lexp.sum()
        p = ((1 - KNN_WEIGHT - PROTO_WEIGHT - LEX_WEIGHT) * p + KNN_WEIGHT * votes + PROTO_WEIGHT * proto
             + LEX_WEIGHT * lexp)
        order = np.argsort(-p)
        return [(self.classes[i], float(p[i])) for i in order], float(raw.max())


def training_examples(specs: Sequence[ToolSpec], per_tool: int = 140
                      ) -> tuple[list[str], list[int], list[list[float]], list[str]]:
    """The router's training set: generated examples per tool plus the out-of-scope and help pools, their labels
    (indexes into the classes), their cue vectors, and the classes."""
    texts: list[str] = []
    labels: list[int] = []
    classes = [s.name for s in specs] + [OUT_OF_SCOPE, HELP]
    for i, spec in enumerate(specs):
        for text in generate_examples(spec, per_tool=per_tool):
            texts.append(text)
            labels.append(i)
    for label, pool in ((OUT_OF_SCOPE, _OUT_OF_SCOPE), (HELP, _HELP)):
        texts += pool
        labels += [classes.index(label)] * len(pool)
    return texts, labels, [cue_vector(cues_of_example(t)) for t in texts], classes


def training_prototypes(specs: Sequence[ToolSpec], classes: list[str]) -> tuple[list[str], list[int]]:
    """Each class's own words (tool names, docstring sentences, quoted examples; the pools) for the zero-shot and
    lexical channels."""
    proto_texts: list[str] = []
    proto_y: list[int] = []
    for i, spec in enumerate(specs):
        for text in prototypes(spec):
            proto_texts.append(text)
            proto_y.append(i)
    for label, pool in ((OUT_OF_SCOPE, _OUT_OF_SCOPE), (HELP, _HELP)):
        proto_texts += pool
        proto_y += [classes.index(label)] * len(pool)
    return proto_texts, proto_y


def cache_key(material: list[Any], embedder: Any) -> str:
    """The router cache's key: a hash of everything it is trained on (examples, labels, cues, the lexical
    channel's texts, classes: so a change to the generated examples, the thesaurus or the pools retrains it), of
    the lexicon files (lexicon/*.yaml: a word list edited retrains it, whether or not it changes the examples),
    the training code's version and the embedder."""
    digest = hashlib.sha256()
    for part in material:
        digest.update(repr(part).encode())
        digest.update(b"\0")
    digest.update(lexicon_digest().encode() + b"\0")
    digest.update((GENERATOR_VERSION + getattr(embedder, "name", type(embedder).__name__)).encode())
    return digest.hexdigest()[:16]


def fit_to_entities(ranked: list[tuple[str, float]], specs: list[ToolSpec], ents: Any, text: str,
                    ctx: Any = None, names_only: bool = False) -> list[tuple[str, float]]:
    """Weigh each tool by how well its parameters fit what the question names: a sensor, a time, a line or an
    asset the tool cannot take make it less likely (more so when the question names nothing else: names_only); an
    action needs one of its verbs. Only the tools' shares move: out of scope and help keep the classifier's
    probabilities."""
    words = re.findall(r"[a-z]+", norm(text))
    # asked why, or for a document: a sensor or time named is what the free text is about, not a value to read
    framed = frames_of(norm(text))
    out = []
    for name, p in ranked:
        spec = next((s for s in specs if s.name == name), None)
        if spec is None:
            out.append((name, p))
            continue
        kinds = spec.kinds()
        factor = 1.0
        takes_words = "text" in kinds and not spec.is_action
        if framed:
            if not takes_words:
                factor *= 0.5  # a reading or a list does not explain why, nor say how to do a job
            if spec.is_action and DOCS in framed:
                factor *= 0.5  # 'how do I open ...' asks how, not to do it
        themes = themes_of(spec.description)
        if framed & themes:
            factor *= 1.5  # asked why of a tool about causes, or for a procedure of a tool about procedures
        if CAUSE in themes and CAUSE not in framed and not _FAILURE_WORDS.search(" ".join(words)):
            factor *= 0.6  # a tool for explanations is asked with 'why', 'cause', 'fail', 'problem'...
        if ents.sensors and "sensor" not in kinds and not (framed and takes_words):
            factor *= 0.5
            if names_only:
                factor *= 0.15  # 'flow through P-901' says nothing but an asset and a sensor: it asks for the reading
        if ents.time is not None and "time" not in kinds and not (framed and takes_words):
            factor *= 0.5
        if ents.time is None and ents.sensors and "sensor" in {param_kind(p) for p in spec.required} \
                and "time" in kinds:
            factor *= 0.5 if names_only else 0.7  # a series tool is asked with a period; a sensor without one
            # means its value now
        if (ents.assets or ents.unknown_ids) and not ({"asset", "scope", "text"} & kinds):
            factor *= 0.5
        if ents.lines and not ({"scope", "line"} & kinds):
            factor *= 0.5
        if ents.priority and "priority" not in kinds:
            factor *= 0.7
        if spec.is_action and not any(w.startswith(v[:5]) for v in with_synonyms(spec.action_verbs()) for w in words):
            factor *= 0.4
        if ctx is not None and ctx.job_id and any(p.endswith("job_id") for p in spec.params):
            factor *= 2.0  # a follow-up right after a job started is most likely about that job
            if getattr(ctx, "job_pending", False) and not (ents.assets or ents.sensors or ents.lines or ents.time):
                factor *= 4.0  # ...and nothing new is named: 'is it done?', 'any progress?'

        out.append((name, p * factor))
    # the fit moves probability between tools only: whether the question is for the plant at all (out of scope,
    # help) stays what the classifier said, so a frame that suits a tool cannot pull in a question about baking
    tool_names = {s.name for s in specs}
    before = sum(p for n, p in ranked if n in tool_names)
    after = sum(p for n, p in out if n in tool_names) or 1.0
    out = [(n, p * before / after if n in tool_names else p) for n, p in out]
    return sorted(out, key=lambda x: -x[1])


# a tool for explanations is asked with 'why', 'cause' or one of these (lexicon/frames.yaml)
_FAILURE_WORDS = re.compile(r"\b(" + "|".join(table("frames")["failure_words"]) + r")\b")
# the function words the lexical channel skips (the one stop-word set, less the words it reads: lexicon/stopwords.yaml)
_STOPWORDS = stopwords("routing")
# the lexical channel keys a word by the first letters of its stem ('causes'/'cause' alike, 'procedure' and 'process'
# apart)
LEX_KEY_LETTERS = 6


def _lex_key(word: str) -> str:
    """The lexical channel's key of a word: the first letters of its stem."""
    return stem(word)[:LEX_KEY_LETTERS]


def _lexicon(texts: list[str], labels: list[int], n_classes: int) -> "np.ndarray":
    """(stem, class, idf) rows: which class's own words use each word stem, weighted by how few classes do."""
    import math

    import numpy as np

    owners: dict[str, set[int]] = {}
    for text, label in zip(texts, labels):
        for w in re.findall(r"[a-z]+", text.lower()):
            if w not in _STOPWORDS and len(w) > 2:
                owners.setdefault(_lex_key(w), set()).add(label)
    rows = [(key, c, math.log(n_classes / len(cs))) for key, cs in owners.items() for c in cs]
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
