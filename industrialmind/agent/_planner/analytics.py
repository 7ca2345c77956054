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

from industrialmind.agent._planner.clauses import (
    _best_sensor,
    _compares,
    _comparison_before,
    _group_field,
    _lookup_field,
    _nearest,
    _said_as_equal,
    _sensor_words_free,
    _site_names,
)
from industrialmind.agent._planner.datavocab import DataVocabulary
from industrialmind.agent._planner.lexicon import table
from industrialmind.agent._planner.linking import NUMBER_WORDS as _NUMBER_WORDS
from industrialmind.agent._planner.linking import OPERATOR_PHRASES as _OPERATOR_PHRASES
from industrialmind.agent._planner.linking import OPS as _OPS
from industrialmind.agent._planner.linking import STOP as _STOP
from industrialmind.agent._planner.linking import Index, Linker, Span, _number, _phrase_re, canon
from industrialmind.agent._planner.periods import find_period
from industrialmind.agent._planner.text import norm

# datasets a tie goes to, in order (lexicon/datasets.yaml)
_PREFERENCE: list[str] = list(table("datasets")["preference"])
# where each kind of registry entity is filtered, per dataset whose rows are that entity itself
_SELF_FIELD = {("assets", "asset"): "id", ("assets", "asset_type"): "type", ("sites", "site"): "id",
               ("lines", "line"): "id"}


@dataclass
class Parsed:
    """query_data arguments and the evidence they rest on."""

    args: dict[str, Any]
    analytic: bool  # an aggregate, comparison, grouping or ranking was asked, or a value with its dataset's noun
    score: float  # how much of the question the dataset choice rests on
    spans: list[Span] = field(default_factory=list)
    valued: list[str] = field(default_factory=list)  # fields filtered by a value of the data (not an entity)


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
        entity_filter("asset_type", [registry.type_named(n) for n in kind_said])
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
    valued_fields = used_fields - entity_fields
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
        # 'the share of corrective work orders for CH-9': the values said are the condition whose share is asked,
        # the entities the rows it is a share of
        args["aggregate"] = "percentage"
        where = [f for f in filters if f["field"] in valued_fields]
        if where:
            args["where"] = where
            filters[:] = [f for f in filters if f not in where]
            if not filters:
                args.pop("filters", None)
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
    # a listing of a dataset's rows by a value ('open work orders on P-101') is the narrower tools' job; a lookup
    # of a field of rows named by their values ('the recommended action for ...') is analytic
    # what was asked beyond a listing: a figure, a grouping, a ranking or a comparison that made it into the query
    # ('which asset needs attention first' names no time to take the first of)
    analytic = bool(args.get("aggregate") or args.get("group_by") or (args.get("order_by") and superlative)
                    or any(f["op"] not in ("eq", "in") for f in filters))
    analytic = analytic or bool((lookup or asked_fields) and said_values) or bool(lookup and asks_field)
    valued = sorted(valued_fields)
    return Parsed(args, analytic, score, lk.spans, valued)

