"""Linking the words of an analytic question: spans of what each phrase was taken for (an operator of
lexicon/operators.yaml, a dataset noun, a field name, a value or phrase of the data, an entity, a period, a number),
the canonical key phrases are linked by, and the index of every linkable phrase of a vocabulary."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from industrialmind.agent._planner.datavocab import MAX_FUZZY_VALUES, DataVocabulary
from industrialmind.agent._planner.lexicon import stopwords, table
from industrialmind.agent._planner.text import norm

OPS = table("operators")
STOP = stopwords("arguments")  # "line", "period" are words here, as for the argument filler
NUMBER_WORDS = {k: v for k, v in table("time")["numbers"].items() if k not in ("a", "an", "few", "couple",
                                                                                "couple of")}


@dataclass
class Span:
    start: int
    end: int
    what: str  # 'op', 'noun', 'value', 'phrase', 'field', 'entity', 'period', 'number'
    dataset: str | None = None
    name: str | None = None  # op name, field name
    value: Any = None


def _phrase_re(phrase: str) -> str:
    return r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])"


class Linker:
    """Finds operators, periods, nouns, fields and values in a normalised question, longest first."""

    def __init__(self, text: str) -> None:
        self.t = text
        self.spans: list[Span] = []
        self.sensor_re: Any = None

    def free(self, a: int, b: int) -> bool:
        return all(b <= s.start or a >= s.end for s in self.spans)

    def take(self, phrase: str, what: str, **kw: Any) -> list[Span]:
        found = []
        for m in re.finditer(_phrase_re(phrase), self.t):
            if self.free(m.start(), m.end()):
                s = Span(m.start(), m.end(), what, **kw)
                self.spans.append(s)
                found.append(s)
        return found

    def block(self, a: int, b: int, what: str = "entity") -> None:
        if a < b:
            self.spans.append(Span(a, b, what))

    def of(self, what: str) -> list[Span]:
        return sorted((s for s in self.spans if s.what == what), key=lambda s: s.start)

def _number(word: str) -> float | None:
    if word in NUMBER_WORDS:
        return float(NUMBER_WORDS[word])
    try:
        return float(word)
    except ValueError:
        return None

def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if re.search(r"(ss|sh|ch|x)es$", word):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word

def canon(text: str) -> tuple[str, ...]:
    """The key a phrase is linked by: its words singular, its comparisons as operators ('higher than' and 'above'
    are both 'cmp:gt') and its function words dropped, so 'alerts' links 'alert', 'work orders' links 'work order'
    and 'above upper bound' links 'is higher than the upper bound'."""
    t = " " + " ".join(re.findall(r"[a-z0-9%]+", norm(text))) + " "
    for phrase, op in _COMPARISON_PHRASES:
        t = t.replace(f" {phrase} ", f" cmp:{op} ")
    return tuple(_singular(w) for w in t.split() if w not in STOP)

_COMPARISON_PHRASES = sorted(((p, op) for op, ps in OPS["comparisons"].items() if op != "eq" for p in ps),
                             key=lambda x: -len(x[0]))

class Index:
    """Every linkable phrase of a vocabulary by its canonical key: dataset nouns, field names, category values and
    text phrases (built once per vocabulary)."""

    def __init__(self, vocab: DataVocabulary) -> None:
        self.keys: dict[tuple[str, ...], list[tuple[str, dict[str, Any]]]] = {}

        def add(phrase: str, what: str, **kw: Any) -> None:
            key = canon(phrase)
            if key and (len(key) > 1 or len(key[0]) >= 2) and (what, kw) not in self.keys.get(key, []):
                self.keys.setdefault(key, []).append((what, kw))

        for ds, nouns in vocab.nouns.items():
            for n in nouns:
                add(n, "noun", dataset=ds)
        for ds, fields in vocab.fields.items():
            for f in fields.values():
                for w in f.words:
                    add(w, "field", dataset=ds, name=f.name)
        for ds, by_field in vocab.values.items():
            for fname, values in by_field.items():
                for v in values:
                    add(v, "value", dataset=ds, name=fname, value=v)
        for ds, by_field in vocab.phrases.items():
            for fname, phrases in by_field.items():
                for p in phrases:
                    add(p, "phrase", dataset=ds, name=fname, value=p)
        self.longest = max((len(k) for k in self.keys), default=1)
        # fuzzy matching: values and phrases long enough that a slip is a slip (not ids, not long lists)
        self.fuzzy: dict[str, tuple[str, ...]] = {}
        for key, readings in self.keys.items():
            text = " ".join(key)
            many = any(len(vocab.values.get(kw.get("dataset"), {}).get(kw.get("name"), [])) > MAX_FUZZY_VALUES
                       for _, kw in readings)
            if len(text) >= 6 and not many and any(r[0] in ("value", "phrase") for r in readings):
                self.fuzzy[text] = key
        self.fuzzy_list = list(self.fuzzy)

def _operator_phrases() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for fn, phrases in OPS["aggregates"].items():
        out += [(p, f"agg:{fn}") for p in phrases]
    for op, phrases in OPS["comparisons"].items():
        out += [(p, f"cmp:{op}") for p in phrases if op != "eq"]
    out += [(p, "group") for p in OPS["grouping"]]
    out += [(p, f"order:{d}") for d, ps in OPS["order"].items() for p in ps]
    out += [(p, "not") for p in OPS["negation"]]
    return sorted(out, key=lambda c: -len(c[0]))

OPERATOR_PHRASES = _operator_phrases()
