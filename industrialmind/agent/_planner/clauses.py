"""The parts of an analytic query beyond its filters: the field a breakdown or ranking is over, the fields a lookup
asks for, the comparison said before a number, the sensor of one asset the words name best, and the sites said by a
word of their name."""

from __future__ import annotations

import re
from typing import Any

from industrialmind.agent._planner.datavocab import DataVocabulary
from industrialmind.agent._planner.lexicon import table
from industrialmind.agent._planner.linking import OPS as _OPS
from industrialmind.agent._planner.linking import STOP as _STOP
from industrialmind.agent._planner.linking import Linker, Span, _phrase_re, _singular
from industrialmind.agent._planner.text import norm
from industrialmind.query.model import BUCKETS


def _best_sensor(t: str, lk: Linker, registry: Any, asset_id: str, word: str) -> str:
    """The sensor of one asset the question's words name best: each word of its id and name counts by how few of
    the asset's sensors share it (2x), a word of its aliases or quantity counts half, and each of its id's words
    the question does not say costs its weight; the planner's own resolution breaks ties. 'chilled water return
    temperature' is return_temperature, not condenser_water_return_to_tower_temperature."""
    from collections import Counter

    from industrialmind.agent._planner.text import stem

    asset = registry.assets.get(asset_id)
    default = registry.resolve_sensor(asset_id, word) or word
    if asset is None or not asset.sensors:
        return default
    chars = list(t)
    for s in lk.spans:
        if s.what in ("entity", "period", "op", "number"):
            chars[s.start:s.end] = " " * (s.end - s.start)
    said = {stem(_singular(w)) for w in re.findall(r"[a-z%]+", "".join(chars)) if w not in _STOP}

    def words(text: str) -> set[str]:
        return {stem(_singular(w)) for w in re.findall(r"[a-z%]+", norm(text)) if w not in _STOP}

    names = {s.id: words(s.id) | words(s.name) for s in asset.sensors}
    extra = {s.id: set().union(*(words(a) for a in s.aliases), words(str(getattr(s, "quantity", "") or "")))
             for s in asset.sensors}
    df = Counter(w for ws in names.values() for w in ws)

    def score(sid: str) -> float:
        idf = {w: 1.0 / df[w] for w in names[sid]}
        return (2 * sum(v for w, v in idf.items() if w in said) - sum(v for w, v in idf.items() if w not in said)
                + 0.5 * len(said & (extra[sid] - names[sid])) / max(1, len(said)) + (0.25 if sid == default else 0))

    best = max(names, key=score)
    return best if score(best) > 0 else default

def _nearest(n: Span, fields: list[Span]) -> Span | None:
    if not fields:
        return None
    return min(fields, key=lambda f: abs(f.start - n.start))

def _comparison_before(n: Span, ops: list[Span], t: str) -> str | None:
    """The comparison said just before a number ('above 16', 'greater than 12', 'an rpn of at least 7')."""
    best = None
    for s in ops:
        if s.name.startswith("cmp:") and 0 <= n.start - s.end <= 16 and (best is None or s.end > best.end):
            best = s
    return best.name.split(":")[1] if best else None

def _said_as_equal(f: Span, n: Span, t: str) -> bool:
    """'severity 4', 'a severity of 4', 'rated severity 2': the number right after its field."""
    between = t[f.end:n.start].split() if f.end <= n.start else ["x"] * 9
    return len(between) <= 2 and all(w in _OPS["comparisons"]["eq"] or w in ("a", "an") for w in between)

def _group_field(t: str, lk: Linker, ds: str, vocab: DataVocabulary, ents: Any, registry: Any) -> str | None:
    """The field a breakdown or a ranking is over: named after 'per'/'by'/'each' or 'which', or the kind of
    equipment asked about in the plural ('rank the chillers'). A time bucket (day, week, month, year) too."""
    fields = vocab.fields[ds]
    entity_fields = {f.entity: f.name for f in fields.values() if f.entity}
    ops = lk.of("op")
    aggs = {s.name for s in ops}
    ranks = bool(aggs & {"agg:max", "agg:min"}) or any(w in _OPS["top"] for w in t.split())
    for s in ops:
        if s.name != "group":
            continue
        after = [m.group(0) for m in re.finditer(r"[a-z0-9']+", t[s.end:])
                 if all(not (x.start <= s.end + m.start() < x.end) for x in lk.spans if x.what in ("entity", "period"))]
        for w in [w.removesuffix("'s") for w in after[:3]]:
            if _singular(w) in BUCKETS:  # per day, week, month, year: the query layer's time buckets
                return _singular(w)
            f = _field_named(w, fields) or _entity_noun(w, ents, entity_fields, registry)
            if f:
                return f
    which = [m for m in re.finditer(r"\b(" + "|".join(_OPS["which"]) + r")\s+(?:one\s+|of the\s+)?([a-z]+)", t)]
    if ranks:
        for m in which:
            f = _field_named(m.group(2), fields) or _entity_noun(m.group(2), ents, entity_fields, registry)
            if f:
                return f
        for s in lk.of("noun"):  # 'the top 3 assets by ...', 'which site has the most ...'
            kind = {"assets": "asset", "sites": "site", "lines": "line"}.get(s.dataset or "")
            if kind in entity_fields and s.dataset != ds:
                return entity_fields[kind]
        if ents.asset_types and not ents.assets and "asset" in entity_fields:
            return entity_fields["asset"]
    return None

def _field_named(word: str, fields: dict[str, Any]) -> str | None:
    w = _singular(word)
    for f in fields.values():
        if f.type in ("category",) and (w in f.words or word in f.words):
            return f.name
    return None

def _entity_noun(word: str, ents: Any, entity_fields: dict[str, str], registry: Any = None) -> str | None:
    """A noun of the assets dataset ('asset', 'equipment', 'machine') or a kind of equipment ('chiller') asks per
    asset."""
    w = _singular(word)
    kinds = set(ents.asset_types) | set(getattr(registry, "type_nouns", None) or ())
    nouns = {_singular(n) for n in table("datasets")["nouns"]["assets"]}
    if "asset" in entity_fields and (w in nouns or w in kinds):
        return entity_fields["asset"]
    return None

def _lookup_field(t: str, lk: Linker, ds: str, vocab: DataVocabulary) -> list[str]:
    """'which line is P-101 on', 'what category is it in': the fields asked for by name after 'which'/'what',
    and the text fields named anywhere ('its recommended action')."""
    fields = vocab.fields[ds]
    out = []
    for s in lk.of("field") + lk.of("noun"):
        words = t[: s.start].split()
        name = s.name if s.what == "field" and s.dataset == ds else None
        if s.what == "noun" and s.dataset != ds:
            # a dataset noun that is a field here ('which line is P-101 on' over the assets)
            name = next((f.name for f in fields.values() if norm(t[s.start:s.end]).rstrip("s") in
                         (f.name, *f.words)), None)
        if name and words and words[-1] in _OPS["which"] or name and fields[name].type == "text" and s.dataset == ds:
            out.append(name)
    # a verb of a text field's name asks for it ('what does the FMEA recommend' -> recommended_action)
    from industrialmind.agent._planner.text import stem

    for m in re.finditer(r"[a-z]{6,}", t):
        if lk.free(m.start(), m.end()):
            for f in fields.values():
                first = f.name.split("_")[0]
                if f.type == "text" and "_" in f.name and stem(first) == stem(m.group(0)):
                    out.append(f.name)
    return list(dict.fromkeys(out))

def _site_names(t: str, lk: Linker, vocab: DataVocabulary) -> list[str]:
    """Sites said by a word of their name that no other site's name has ('the Riverside plant')."""
    out = []
    words = {sid: set(re.findall(r"[a-z]{4,}", norm(name))) for sid, name in vocab.site_names.items()}
    for sid, ws in words.items():
        others = set().union(*(w for s, w in words.items() if s != sid)) if len(words) > 1 else set()
        for w in sorted(ws - others - _STOP):
            for m in re.finditer(_phrase_re(w), t):
                if lk.free(m.start(), m.end()) or any(s.what in ("noun", "field", "value") and s.start == m.start()
                                                      for s in lk.spans):
                    lk.spans = [s for s in lk.spans if not (s.start < m.end() and m.start() < s.end)]
                    end = m.end()
                    rest = re.match(r"\s+([a-z]+)", t[end:])
                    if rest and _singular(rest.group(1)) in {_singular(n) for n in vocab.nouns.get("sites", [])}:
                        end += rest.end()  # 'the Riverside plant': the noun is part of the site's name
                        lk.spans = [s for s in lk.spans if not (s.start < end and m.start() < s.end)]
                    lk.block(m.start(), end)
                    out.append(sid)
    return out


def _compares(t: str, time_text: str, vocab: DataVocabulary) -> bool:
    """'severity between 3 and 5': a range of bare numbers right after a number field is a comparison, not the
    clock times the time parser reads in it."""
    i = t.find(time_text)
    if i < 0 or not re.match(r"between\s+\d+(?:\.\d+)?\s+and\s+\d+(?:\.\d+)?$", time_text):
        return False
    before = t[:i].split()[-3:]
    words = {w for fields in vocab.fields.values() for f in fields.values() if f.type == "number" for w in f.words}
    return any(_singular(w) in words or w in words for w in before)

def _sensor_words_free(lk: Linker, ents: Any) -> bool:
    """Whether a sensor word of the question stands alone, not inside a value or phrase of a dataset ('filter' in
    'filter replacement work', 'refrigerant' in 'refrigerant addition' are work done, not sensors)."""
    if not ents.sensors:
        return False
    registry_re = getattr(lk, "sensor_re", None)
    if registry_re is None:
        return True
    spans = [s for s in lk.spans if s.what in ("value", "phrase") and s.dataset != "sensors"]
    for m in registry_re.finditer(lk.t):
        if not any(s.start <= m.start() and m.end() <= s.end and s.end - s.start > m.end() - m.start()
                   for s in spans):
            return True
    return False
