"""A semantic parser from an analytic question to the arguments of the query_data tool.

The mechanism, in order:
1. entities come from the planner's linker (`entities.Registry`): assets in any spelling, lines, sites, kinds of
   equipment, sensor words, a time range; a bare year, month or day ('in 2017', 'June 2020', '2 June 2020') is a
   calendar `period` read in the site's time zone by the query layer;
2. operators come from one domain-independent lexicon (`lexicon/operators.yaml`): aggregates, comparisons,
   grouping, top N, order, negation, 'which';
3. n-grams of the question are linked against the data's own values (`datavocab.DataVocabulary`): category
   values (exactly, then fuzzily), phrases of short text fields, dataset nouns and field names; longest first, and a
   span linked once is not linked again;
4. the dataset is the one whose nouns, fields and values the question uses most (entities count for the datasets
   that have them); the filters, aggregate, grouping, order and limit are built from what was linked for it.

    parse("how many corrective work orders did CH-6 have in 2019", ents, registry, vocab)
    # Parsed(args={'dataset': 'work_orders', 'filters': [{'field': 'asset', 'op': 'eq', 'value': 'CHILLER-6'},
    #        {'field': 'kind', 'op': 'eq', 'value': 'corrective'}], 'period': '2019', 'aggregate': 'count'}, ...)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from industrialmind.agent._planner.datavocab import MAX_FUZZY_VALUES, DataVocabulary
from industrialmind.agent._planner.lexicon import stopwords, table
from industrialmind.agent._planner.text import norm

_OPS = table("operators")
_STOP = stopwords("arguments")  # "line", "period" are words here, as for the argument filler
_MONTHS = [m for m in table("time")["months"] if m != "sept"]
_MONTH_RE = r"(" + "|".join(table("time")["months"]) + r")[a-z]*\.?"
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_NUMBER_WORDS = {k: v for k, v in table("time")["numbers"].items() if k not in ("a", "an", "few", "couple",
                                                                                 "couple of")}
# datasets a tie goes to, in order (lexicon/datasets.yaml)
_PREFERENCE: list[str] = list(table("datasets")["preference"])
# where each kind of registry entity is filtered, per dataset whose rows are that entity itself
_SELF_FIELD = {("assets", "asset"): "id", ("assets", "asset_type"): "type", ("sites", "site"): "id",
               ("lines", "line"): "id"}


@dataclass
class Span:
    start: int
    end: int
    what: str  # 'op', 'noun', 'value', 'phrase', 'field', 'entity', 'period', 'number'
    dataset: str | None = None
    name: str | None = None  # op name, field name
    value: Any = None


@dataclass
class Parsed:
    """query_data arguments and the evidence they rest on."""

    args: dict[str, Any]
    analytic: bool  # an aggregate, comparison, grouping or ranking was asked, or a value with its dataset's noun
    score: float  # how much of the question the dataset choice rests on
    spans: list[Span] = field(default_factory=list)
    valued: list[str] = field(default_factory=list)  # fields filtered by a value of the data (not an entity)


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


def find_period(t: str) -> tuple[dict[str, str], tuple[int, int]] | None:
    """A calendar period said in the question: a day, 'the first week of' a month, a month, or a year."""
    mon = r"(?P<mon>" + _MONTH_RE + r")"
    day = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
    year = r"(?P<year>(?:19|20)\d\d)"
    patterns = [
        (rf"\b(?P<iso>(?:19|20)\d\d-\d\d-\d\d)\b", "day"),
        (rf"\b{mon}\s+{day},?\s+{year}\b", "day"),
        (rf"\b{day}\s+(?:of\s+)?{mon},?\s+{year}\b", "day"),
        (rf"\b(?:the\s+)?(?P<ord>first|second|third|fourth|last)\s+week\s+of\s+{mon},?\s+{year}\b", "week"),
        (rf"\b{mon}\s+(?:of\s+)?{year}\b", "month"),
        (rf"\b(?P<ym>(?:19|20)\d\d-\d\d)\b", "month"),
        (rf"(?<![\w-]){year}(?![\w-])", "year"),
    ]
    for pattern, kind in patterns:
        m = re.search(pattern, t)
        if not m:
            continue
        g = m.groupdict()
        if kind == "day":
            if g.get("iso"):
                return {"period": g["iso"]}, m.span()
            return {"period": f"{g['year']}-{_month(g['mon']):02d}-{int(g['day']):02d}"}, m.span()
        if kind == "week":
            import calendar

            y, mo = int(g["year"]), _month(g["mon"])
            last = calendar.monthrange(y, mo)[1]
            n = _ORDINALS[g["ord"]]
            first_day = 1 + 7 * (n - 1) if n > 0 else last - 6
            end_day = first_day + 7
            end = f"{y}-{mo:02d}-{end_day:02d}" if end_day <= last else (
                f"{y + (mo == 12)}-{mo % 12 + 1:02d}-01")
            return {"start": f"{y}-{mo:02d}-{first_day:02d}", "end": end}, m.span()
        if kind == "month":
            if g.get("ym"):
                return {"period": g["ym"]}, m.span()
            return {"period": f"{g['year']}-{_month(g['mon']):02d}"}, m.span()
        return {"period": g["year"]}, m.span()
    return None


def _month(word: str) -> int:
    w = word.lower()[:3]
    return [m[:3] for m in _MONTHS].index(w) + 1


def _number(word: str) -> float | None:
    if word in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[word])
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
    return tuple(_singular(w) for w in t.split() if w not in _STOP)


_COMPARISON_PHRASES = sorted(((p, op) for op, ps in _OPS["comparisons"].items() if op != "eq" for p in ps),
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


def parse(text: str, ents: Any, registry: Any, vocab: DataVocabulary, index: Index | None = None) -> Parsed:
    """query_data arguments for one question (see the module's docstring)."""
    from industrialmind.agent._planner.text import expand_shorthand

    index = index or Index(vocab)
    t = expand_shorthand(norm(text)).rstrip("?.! ")
    t = re.sub(r"[?!,;:()\"]", " ", t)
    t = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", t)  # 'highest-risk', 'sub-codes': two words
    t = re.sub(r"\s+", " ", t).strip()
    lk = Linker(t)
    lk.sensor_re = getattr(registry, "_sensor_re", None)
    # 1. entities: their spans are taken, their ids become filters; a period or time range
    _block_entities(lk, ents, registry)
    window: dict[str, str] = {}
    found = find_period(t)
    if found is not None:
        window, (a, b) = found
        lk.block(a, b, "period")
    elif ents.time is not None and not _compares(t, norm(ents.time.text).strip(), vocab):
        i = t.find(norm(ents.time.text).strip())
        if i >= 0:
            lk.block(i, i + len(norm(ents.time.text).strip()), "period")
        window = {"start": ents.time.start.isoformat()}
        if ents.time.end is not None:
            window["end"] = ents.time.end.isoformat()
    blocked = list(lk.spans)
    # 2. operators, longest phrase first
    for phrase, name in _OPERATOR_PHRASES:
        lk.take(phrase, "op", name=name)
    # 3. nouns, fields, values and phrases by canonical n-grams, longest first; an operator inside a longer
    #    value or phrase is part of it ('above upper bound')
    tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[a-z0-9%][a-z0-9%'-]*", t)]
    linked: list[Span] = []
    kinds = {" ".join(canon(k)) for k in registry.type_nouns}

    def open_span(a: int, b: int) -> bool:
        return all(b <= s.start or a >= s.end for s in blocked + linked)

    for n in range(min(index.longest + 3, 8), 0, -1):
        for i in range(len(tokens) - n + 1):
            a, b = tokens[i][1], tokens[i + n - 1][2]
            if not open_span(a, b) or tokens[i][0] in _STOP or tokens[i + n - 1][0] in _STOP:
                continue
            key = canon(t[a:b])
            if not key or " ".join(key) in kinds:
                continue  # a kind of equipment is the registry's word ('chillers'), not a dataset's value
            readings = index.keys.get(key)
            fuzzy = False
            if not readings and n <= 4 and len(" ".join(key)) >= 6 and index.fuzzy_list:
                from rapidfuzz import fuzz, process

                hit = process.extractOne(" ".join(key), index.fuzzy_list, scorer=fuzz.ratio, score_cutoff=88)
                readings = index.keys[index.fuzzy[hit[0]]] if hit else None
                fuzzy = True
            if not readings:
                continue
            ops_inside = [s for s in lk.spans if s.what == "op" and s.start < b and a < s.end]
            if ops_inside and fuzzy:
                continue  # a slip is forgiven in a value, not an operator taken for one
            longer = n >= 2 and all(b - a > s.end - s.start for s in ops_inside)
            if ops_inside and not (any(r[0] in ("value", "phrase") for r in readings) or longer):
                continue  # an operator word is no field or noun ('count', 'total'); 'risk priority number' is
            for s in ops_inside:
                lk.spans.remove(s)
            for what, kw in readings:
                linked.append(Span(a, b, what, **kw))
    nouns = {(x.start, x.end, x.dataset) for x in linked if x.what == "noun"}
    lk.spans += [x for x in linked if not (x.what == "field" and (x.start, x.end, x.dataset) in nouns)]
    # numbers not inside an entity or a period
    for m in re.finditer(r"(?<![\w.-])(\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")(?![\w-])", t):
        if lk.free(m.start(), m.end()):
            v = _number(m.group(1))
            if v is not None:
                lk.spans.append(Span(m.start(), m.end(), "number", value=v))
    return _build(t, lk, ents, registry, vocab, window)


def _compares(t: str, time_text: str, vocab: DataVocabulary) -> bool:
    """'severity between 3 and 5': a range of bare numbers right after a number field is a comparison, not the
    clock times the time parser reads in it."""
    i = t.find(time_text)
    if i < 0 or not re.match(r"between\s+\d+(?:\.\d+)?\s+and\s+\d+(?:\.\d+)?$", time_text):
        return False
    before = t[:i].split()[-3:]
    words = {w for fields in vocab.fields.values() for f in fields.values() if f.type == "number" for w in f.words}
    return any(_singular(w) in words or w in words for w in before)


def _operator_phrases() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for fn, phrases in _OPS["aggregates"].items():
        out += [(p, f"agg:{fn}") for p in phrases]
    for op, phrases in _OPS["comparisons"].items():
        out += [(p, f"cmp:{op}") for p in phrases if op != "eq"]
    out += [(p, "group") for p in _OPS["grouping"]]
    out += [(p, f"order:{d}") for d, ps in _OPS["order"].items() for p in ps]
    out += [(p, "not") for p in _OPS["negation"]]
    return sorted(out, key=lambda c: -len(c[0]))


_OPERATOR_PHRASES = _operator_phrases()



def _block_entities(lk: Linker, ents: Any, registry: Any) -> None:
    """Take the spans of the assets, lines and sites the linker found, so their words link nothing else."""
    t = lk.t
    names = []
    for aid in ents.assets:
        a = registry.assets.get(aid)
        names += [aid, *([a.name, *a.aliases] if a is not None else [])]
    names += list(ents.lines) + [registry.lines[i].name for i in ents.lines if i in registry.lines] + list(ents.sites)
    for name in sorted({norm(n) for n in names if n}, key=len, reverse=True):
        for m in re.finditer(_phrase_re(name), t):
            if lk.free(m.start(), m.end()):
                lk.block(m.start(), m.end())
    # ids as spelled ('ch-6', 'chiller #9', 'line 1')
    for m in re.finditer(r"\b([a-z]{1,8})(?:[ _#-]{0,3})(\d{1,5}[a-z]?)\b", t):
        key = m.group(1) + m.group(2)
        if key in registry.id_keys and registry.id_keys[key] in ents.assets and lk.free(m.start(), m.end()):
            lk.block(m.start(), m.end())
    for m in re.finditer(r"\bline\s*\d+\b", t):
        if ents.lines and lk.free(m.start(), m.end()):
            lk.block(m.start(), m.end())


def _choose_dataset(lk: Linker, ents: Any, vocab: DataVocabulary, windowed: bool,
                    named_sites: bool = False) -> tuple[str | None, float]:
    scores: dict[str, float] = {ds: 0.0 for ds in vocab.fields}
    weight = {"noun": 3.0, "value": 2.0, "phrase": 1.5, "field": 1.0}
    per_span: dict[tuple[int, int, str], float] = {}  # one span counts once per dataset, by its strongest reading
    for s in lk.spans:
        if s.dataset in scores and s.what in weight:
            key = (s.start, s.end, s.dataset)
            per_span[key] = max(per_span.get(key, 0.0), weight[s.what])
    for (_, _, ds), w in per_span.items():
        scores[ds] += w
    aggs = {s.name for s in lk.of("op")}
    reading_ops = {"agg:max", "agg:min", "agg:mean", "agg:first", "agg:last"}
    sensor_said = _sensor_words_free(lk, ents) or any(s.what == "value" and s.dataset == "sensors" and s.name == "quantity"
                                            for s in lk.spans)
    if sensor_said:
        # a sensor word with an extreme, a mean or a window asks for its readings
        scores["readings"] += (2.5 if ents.assets else 0.5) + (1.5 if aggs & reading_ops else 0.0) + (
            1.5 if windowed else 0.0)
        scores["sensors"] += 1.0
    for ds, fields in vocab.fields.items():
        kinds = {f.entity for f in fields.values() if f.entity}
        if ents.assets and "asset" in kinds and scores[ds] > 0:
            scores[ds] += 1.0  # a named asset: the datasets whose rows are about an asset
        elif ents.assets and "asset" not in kinds and ds != "assets":
            scores[ds] -= 2.0  # ...and not those that cannot be filtered by it
        if ents.lines and "line" not in kinds:
            scores[ds] -= 2.0  # a named line likewise
        if ents.asset_types and not ents.assets and "asset_type" in kinds and ds in ("assets", "failure_modes"):
            scores[ds] += 1.5 if ds == "assets" else 0.5
        if (ents.lines or ents.sites or named_sites) and not ents.assets and ds in ("assets", "lines"):
            scores[ds] += 0.5
    best = max(scores.items(), key=lambda kv: (kv[1], -_PREFERENCE.index(kv[0]) if kv[0] in _PREFERENCE else -99))
    return (best[0], best[1]) if best[1] > 0 else (None, 0.0)


_ENTITY_KINDS = {"asset": {"asset", "scope"}, "line": {"line", "scope"}, "site": {"site", "scope"},
                 "asset_type": {"asset_type"}, "sensor": {"sensor"}}


def within(parsed: Parsed, kinds: set[str], vocab: DataVocabulary) -> bool:
    """Whether a narrower tool whose parameters take these entity kinds can ask all of a parsed query: it names
    only entities the tool takes and at most a relative window ('yesterday', 'this month'), with no value of a
    dataset, comparison, grouping, ranking, lookup or first/last, and no calendar period (read in the site's own
    time zone, which only query_data does). Then the router's tool answers, as it did before query_data."""
    args = parsed.args
    if args.get("period") or args.get("group_by") or args.get("order_by") or args.get("fields") or \
            args.get("aggregate") in ("first", "last", "percentage", "count_distinct") or "limit" in args:
        return False
    if ("start" in args or "end" in args) and "time" not in kinds:
        return False
    fields = vocab.fields.get(args.get("dataset"), {})
    if parsed.valued:
        return False
    for f in args.get("filters") or []:
        entity = fields[f["field"]].entity if f["field"] in fields else None
        if f["op"] not in ("eq", "in") or entity is None or not (_ENTITY_KINDS.get(entity, set()) & kinds):
            return False
    return True


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


def _build(t: str, lk: Linker, ents: Any, registry: Any, vocab: DataVocabulary, window: dict[str, str]) -> Parsed:
    named_sites = _site_names(t, lk, vocab)
    asks_field = False
    ds, score = _choose_dataset(lk, ents, vocab, bool(window), bool(named_sites))
    if len(ents.assets) == 1 and "assets" in vocab.fields:
        # 'which line is P-101 on': a registry noun asked of one asset is that asset's field
        for s in lk.of("noun"):
            before = t[: s.start].split()
            if s.dataset in ("lines", "sites") and before and before[-1] in _OPS["which"]:
                ds, score, asks_field = "assets", score + 1, True
    if ds is None:
        return Parsed({}, False, 0.0, lk.spans)
    fields = vocab.fields[ds]
    args: dict[str, Any] = {"dataset": ds}
    filters: list[dict[str, Any]] = []
    ops = lk.of("op")
    negations = [s for s in ops if s.name == "not"]

    def negated(span: Span) -> bool:
        return any(0 <= span.start - n.end <= 12 for n in negations)

    # registry entities
    def entity_filter(kind: str, values: list[str]) -> None:
        fname = _SELF_FIELD.get((ds, kind)) or next((f.name for f in fields.values() if f.entity == kind), None)
        if fname and values:
            filters.append({"field": fname, "op": "eq" if len(values) == 1 else "in",
                            "value": values[0] if len(values) == 1 else values})

    entity_filter("asset", list(ents.assets))
    entity_fields: set[str] = set()
    entity_filter("line", list(ents.lines))
    sites = list(ents.sites) + named_sites
    entity_filter("site", list(dict.fromkeys(sites)))
    values = [s for s in lk.spans if s.dataset == ds and s.what in ("value", "phrase")]
    kind_said = [n for n in ents.asset_types[:1] if not any(
        re.search(_phrase_re(n) + "|" + _phrase_re(n + "s"), t[s.start:s.end]) for s in values)]
    if kind_said and not ents.assets:  # 'the fuel tank' of an FMEA is its sub-component, not a kind of equipment
        entity_filter("asset_type", [_registry_type(registry, n) for n in kind_said])
    quantities = [s.value for s in lk.spans if s.what == "value" and s.dataset == "sensors" and s.name == "quantity"]
    if (ents.sensors or quantities) and ds == "readings":
        sensor = ents.sensors[0] if ents.sensors else quantities[0]
        if len(ents.assets) == 1:
            sensor = _best_sensor(t, lk, registry, ents.assets[0], sensor)
        filters.append({"field": "sensor", "op": "eq", "value": sensor})
    # values of the chosen dataset's fields; a span is one field's value
    used_fields: set[str] = {f["field"] for f in filters}
    entity_fields = set(used_fields)
    used_spans: set[tuple[int, int]] = set()
    readings = [s for s in lk.spans if s.dataset == ds and s.what in ("value", "phrase")]
    fields_of = {}  # span -> the value fields it could be, so a span that can only be one field takes it first
    for s in readings:
        if s.what == "value":
            fields_of.setdefault((s.start, s.end), set()).add(s.name)
    for s in sorted(readings, key=lambda s: (s.what != "value", len(fields_of.get((s.start, s.end), ())),
                                             -(s.end - s.start))):
        if (s.what == "value" and s.name in used_fields) or (s.start, s.end) in used_spans:
            continue
        used_spans.add((s.start, s.end))
        if s.what == "value":
            # every spelling the data holds of the same value ('Wearing', 'Wearing,')
            same = sorted({r.value for r in readings if r.what == "value" and r.name == s.name
                           and (r.start, r.end) == (s.start, s.end)})
            if len(same) > 1:
                filters.append({"field": s.name, "op": "not_in" if negated(s) else "in", "value": same})
            else:
                filters.append({"field": s.name, "op": "ne" if negated(s) else "eq", "value": s.value})
        else:
            filters.append({"field": s.name, "op": "not_contains" if negated(s) else "contains", "value": s.value})
        used_fields.add(s.name)
    # numbers compared with a number field
    number_fields = [s for s in lk.of("field") if s.dataset == ds and fields[s.name].type == "number"]
    numbers = lk.of("number")
    top_n = None
    for n in numbers:
        before = t[: n.start].split()
        if before and before[-1] in _OPS["top"]:
            top_n = int(n.value)
            continue
        nf = _nearest(n, number_fields)
        if nf is None:
            continue
        cmp = _comparison_before(n, ops, t)
        if cmp == "between":
            nxt = [m for m in numbers if m.start > n.start]
            if nxt:
                filters.append({"field": nf.name, "op": "between", "value": [n.value, nxt[0].value]})
                break
        elif cmp:
            filters.append({"field": nf.name, "op": cmp, "value": n.value})
        elif _said_as_equal(nf, n, t):
            filters.append({"field": nf.name, "op": "eq", "value": n.value})
    if filters:
        args["filters"] = filters
    if window:
        args.update(window)
    # aggregate, grouping, order
    aggs = [s.name.split(":", 1)[1] for s in ops if s.name.startswith("agg:")]
    grouping = _group_field(t, lk, ds, vocab, ents, registry)
    if grouping is not None and grouping in {f for (d, _), f in _SELF_FIELD.items() if d == ds}:
        grouping = None  # one group per row of the dataset itself ('which motor is most at risk') ranks nothing
    noun_spans = [(s.start, s.end) for s in lk.of("noun") if s.dataset == ds]
    asked_fields = [s.name for s in lk.of("field") if s.dataset == ds and s.name not in used_fields
                    and fields[s.name].type in ("text", "category") and (s.start, s.end) not in noun_spans]
    superlative = next((a for a in aggs if a in ("max", "min")), None)
    measured = number_fields[0].name if number_fields else None
    time_field = vocab.time_fields.get(ds)
    plural = any(s.dataset == ds and s.what == "noun" and t[s.start:s.end].endswith("s") for s in lk.spans)
    analytic = bool(aggs or grouping or any(f["op"] not in ("eq", "in") for f in filters))
    if ds == "readings":
        # an extreme, a mean, a total or a count of a sensor's readings; its latest value is another tool's
        fn = next((a for a in aggs if a in ("max", "min", "mean", "sum")), None)
        if fn is None and "count" in aggs and any(x.dataset == "readings" and x.what == "noun" for x in lk.spans):
            fn = "count"  # 'how many readings'; 'how many amps' asks the value
        if fn:
            args["aggregate"] = fn
            args["field"] = "value"
        analytic = bool(fn)
    elif "count" in aggs or (superlative and grouping and not measured):
        args["aggregate"] = "count"
        if superlative and grouping:
            args["order"] = "desc" if superlative == "max" else "asc"
    elif "mean" in aggs and measured:
        args.update(aggregate="mean", field=measured)
    elif "sum" in aggs and measured:
        args.update(aggregate="sum", field=measured)
    elif "percentage" in aggs:
        args["aggregate"] = "percentage"
    elif superlative and measured:
        # 'which item has the highest RPN': the rows ordered by it, the top one (or N)
        args.update(order_by=measured, order="desc" if superlative == "max" else "asc", limit=top_n or 1)
        grouping = None
        from industrialmind.query.datasets import DATASETS

        if ds in DATASETS:  # the top row itself, with what it says (its action, cause, effect)
            texts = [f.name for f in fields.values() if f.type == "text" and f.name not in ("id", "name")]
            asked_fields = list(dict.fromkeys(asked_fields + texts))
    elif any(a in ("first", "last") for a in aggs) and time_field:
        fn = next(a for a in aggs if a in ("first", "last"))
        if plural:  # 'the latest work orders': a listing, newest (or oldest) first
            args.update(order_by=time_field, order="desc" if fn == "last" else "asc")
            analytic = bool(set(aggs) - {"first", "last"} or grouping)
        else:  # 'the most recent work order', 'last serviced': the time itself
            args.update(aggregate=fn, field=time_field)
    if grouping:
        args["group_by"] = grouping
        if superlative or top_n:
            args["limit"] = top_n or 1
            args.setdefault("order", "desc" if superlative != "min" else "asc")
    for s in ops:
        if s.name.startswith("order:"):
            args["order"] = s.name.split(":")[1]
    if top_n and "limit" not in args:
        args["limit"] = top_n
    if asked_fields and "aggregate" not in args:
        from industrialmind.query.datasets import DATASETS

        shown = list(DATASETS[ds].default_fields) if ds in DATASETS else []
        args["fields"] = list(dict.fromkeys(shown + asked_fields))
    lookup = _lookup_field(t, lk, ds, vocab)
    if lookup and "aggregate" not in args and "group_by" not in args:
        from industrialmind.query.datasets import DATASETS

        shown = ["id", "name"] if ds == "assets" else list(DATASETS[ds].default_fields) if ds in DATASETS else []
        args["fields"] = list(dict.fromkeys([*shown, *args.get("fields", []), *lookup]))
    said_values = any(s.dataset == ds and s.what in ("value", "phrase") for s in lk.spans)
    nouns = any(s.dataset == ds and s.what == "noun" for s in lk.spans)
    # a listing of a dataset's rows by a value ('open work orders on P-101') is the narrower tools' job; a lookup
    # of a field of rows named by their values ('the recommended action for ...') is analytic
    # what was asked beyond a listing: a figure, a grouping, a ranking or a comparison that made it into the query
    # ('which asset needs attention first' names no time to take the first of)
    analytic = bool(args.get("aggregate") or args.get("group_by") or (args.get("order_by") and superlative)
                    or any(f["op"] not in ("eq", "in") for f in filters))
    analytic = analytic or bool((lookup or asked_fields) and said_values) or bool(lookup and asks_field)
    valued = sorted({f["field"] for f in filters if f["field"] in used_fields - entity_fields})
    return Parsed(args, analytic, score, lk.spans, valued)


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
        if s.name.startswith("cmp:") and 0 <= n.start - s.end <= 16:
            if best is None or s.end > best.end:
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
        if s.name != "group" and not (s.name == "agg:max" and False):
            continue
        after = [m.group(0) for m in re.finditer(r"[a-z0-9']+", t[s.end:])
                 if all(not (x.start <= s.end + m.start() < x.end) for x in lk.spans if x.what in ("entity", "period"))]
        for w in [w.removesuffix("'s") for w in after[:3]]:
            if w in ("day", "week", "month", "year", "days", "weeks", "months", "years"):
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
        if name and words and words[-1] in _OPS["which"]:
            out.append(name)
        elif name and fields[name].type == "text" and s.dataset == ds:
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


def _registry_type(registry: Any, noun: str) -> str:
    types = sorted({a.type for a in registry.assets.values()})
    for t in types:
        if t == noun or t.replace("_", " ") == noun or t.split("_")[-1] == noun:
            return t
    return noun
