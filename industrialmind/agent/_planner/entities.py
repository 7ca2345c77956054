"""Entity linking against the asset registry: asset ids in any spelling, names and aliases (fuzzy), lines, sites,
equipment types, sensor words with synonyms, priorities and time expressions.

The registry is whatever plant the records store holds (the demo plant, an imported one such as AssetOpsBench's
chillers, or both); nothing here knows a particular plant. The words around entities (determiners, superlatives,
words that are no id) are in lexicon/entities.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Iterable

from industrialmind.agent._planner.lexicon import stopwords, table
from industrialmind.agent._planner.sensors import quantities_asked, resolve_sensor, sensor_word_index
from industrialmind.agent._planner.text import (  # noqa: F401 - norm, id_key, PRIORITY_WORDS re-exported
    PRIORITY_WORDS,
    expand_shorthand,
    id_key,
    norm,
    priority_of,
)
from industrialmind.agent._planner.timeparse import TimeRange, parse_time_range

# Slot words: what entity mentions become before intent classification; training examples carry the same.
ASSET_SLOT = "X"  # upper case: user text is lower-cased first, so a slot is never confused with a word
LINE_SLOT = "the line"
TYPE_SLOT = "machines"
TIME_SLOT = "over a period"

if TYPE_CHECKING:
    from industrialmind.domain.model import Asset, Line

_FILLER = stopwords("names")  # the few function words that may stand around a name
_WORDS = table("entities")  # lexicon/entities.yaml
_SUPERLATIVES = frozenset(_WORDS["superlatives"])
_NOT_ID_PREFIXES = frozenset(_WORDS["not_id_prefixes"])
# a kind of equipment after a determiner is equipment ('the pump', 'all pumps'), else a modifier ('pump seal')
_DETERMINED_RE = re.compile(r"\b(" + "|".join(_WORDS["determiners"])
                            + r")\s+(?:(?:most|least)\s+)?(?:[\w-]+\s+)?$")
_DEFINITE_RE = re.compile(r"\b(" + "|".join(_WORDS["definite"]) + r")\s+((?:[\w-]+\s+){0,2})$")
_BEFORE_ALIAS_RE = re.compile(r"\b(" + "|".join(w for w in _WORDS["determiners"]
                                                if w not in _WORDS["not_before_aliases"]) + r")\s+$")
_QUANTIFIED_RE = re.compile(r"\b(" + "|".join(_WORDS["quantifying"]) + r")\s+$")
_GENERIC_EQUIPMENT_RE = re.compile(r"(?<!the )\b(?:" + "|".join(_WORDS["generic_equipment"]) + r")\b")
_SLOT_DETERMINER_RE = re.compile(r"\b(?:" + "|".join(_WORDS["slot_determiners"])
                                 + r")\s+(" + "|".join((ASSET_SLOT, LINE_SLOT, "the site", TYPE_SLOT)) + r")\b")


def _ranks(words: str) -> bool:
    """Whether the words before a type noun rank the kind ('the sickest', 'the most worn') rather than name one."""
    said = [w for w in words.split() if w not in _FILLER]
    return bool(said) and all(w in _SUPERLATIVES or (w.endswith("est") and len(w) >= 6) for w in said[:1])


def _type_noun(asset_type: str) -> str:
    return asset_type.replace("_", " ").split()[-1]


@dataclass
class AssetMention:
    """One place in the text that names equipment: linked ids (one), or several candidates (ambiguous)."""

    text: str
    start: int
    candidates: list[str]
    how: str  # 'id', 'alias', 'fuzzy', 'type', 'unknown_id'

    @property
    def linked(self) -> str | None:
        """The asset id when exactly one candidate remains."""
        return self.candidates[0] if len(self.candidates) == 1 else None


@dataclass
class Entities:
    """Everything linked in one user message."""

    text: str
    assets: list[str] = field(default_factory=list)
    ambiguous: list[AssetMention] = field(default_factory=list)
    unknown_ids: list[str] = field(default_factory=list)
    unknown_lines: list[str] = field(default_factory=list)  # 'line 4' where the registry has no such line
    lines: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    asset_types: list[str] = field(default_factory=list)
    sensors: list[str] = field(default_factory=list)  # sensor words: canonical quantities or sensor ids
    time: TimeRange | None = None
    priority: str | None = None
    numbers: list[float] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)  # type nouns used as modifiers ('compressor surge')
    masked: str = ""  # the text with assets, lines and times replaced by neutral words, for the intent classifier

    def cues(self) -> dict[str, float]:
        """Entity-type features for the intent classifier."""
        return {
            "asset": float(bool(self.assets or self.ambiguous or self.unknown_ids)),
            "multi_asset": float(len(self.assets) > 1),
            "scope": float(bool(self.lines or self.sites or self.unknown_lines)),
            "type": float(bool(self.asset_types)),
            "sensor": float(bool(self.sensors)),
            "time": float(self.time is not None),
            "priority": float(self.priority is not None),
        }


class Registry:
    """The asset registry indexed for linking: id keys, name/alias phrases, lines, sites, types and sensor words."""

    def __init__(self, assets: Iterable["Asset"], lines: Iterable["Line"] = (), sites: Iterable[str] = ()) -> None:
        self.assets: dict[str, "Asset"] = {a.id: a for a in assets}
        self.lines: dict[str, "Line"] = {ln.id: ln for ln in lines}
        self.sites: set[str] = set(sites) | {a.site_id for a in self.assets.values()}
        self.id_keys: dict[str, str] = {}
        self.phrases: dict[str, set[str]] = {}
        for a in self.assets.values():
            self.id_keys[id_key(a.id)] = a.id
            for phrase in [a.name, *a.aliases]:
                p = norm(phrase)
                p = re.sub(r"^the ", "", p)
                if re.fullmatch(r"[a-z]{1,8}[- ]?\d{1,5}[a-z]?", p):  # an alias that is an id (FCV-101, R-201)
                    self.id_keys.setdefault(id_key(p), a.id)
                self.phrases.setdefault(p, set()).add(a.id)
        self.id_prefixes = {re.match(r"[a-z]*", k).group(0) for k in self.id_keys} - {""}
        self.type_nouns: dict[str, set[str]] = {}
        for a in self.assets.values():
            for noun in {_type_noun(a.type), a.type.replace("_", " ")}:
                self.type_nouns.setdefault(noun, set()).add(a.id)
        self.line_phrases: dict[str, str] = {}
        for ln in self.lines.values():
            for phrase in [ln.id, ln.name, *getattr(ln, "aliases", [])]:
                self.line_phrases[norm(phrase)] = ln.id
            self.line_phrases.setdefault(norm(ln.name.split(" - ")[0]), ln.id)
        # sensor words: the vocabulary's synonyms plus every sensor id, name and alias in the registry
        self.sensor_words: dict[str, str] = sensor_word_index(self.assets.values())
        self._sensor_re = re.compile(
            r"\b(" + "|".join(re.escape(w) for w in sorted(self.sensor_words, key=len, reverse=True)) + r")\b")
        self._phrase_list = sorted(self.phrases, key=len, reverse=True)

    # ------------------------------------------------------------------------------------------------------------
    def link(self, text: str, now: datetime) -> Entities:
        """Find every entity in one message."""
        ents = Entities(text=text)
        t = expand_shorthand(norm(text))
        taken: list[tuple[int, int]] = []

        def free(a: int, b: int) -> bool:
            return all(b <= s or a >= e for s, e in taken)

        ents.time = parse_time_range(t, now)
        if ents.time is not None:
            i = t.find(ents.time.text.strip())
            if i >= 0:
                taken.append((i, i + len(ents.time.text.strip())))

        mentions: list[AssetMention] = []
        masks: list[tuple[int, int, str]] = []
        # 1. names and aliases of assets and lines said exactly, longest first across both ('the cooling tower
        #    fan' is an asset even though 'cooling water' names a line; 'dryer line' is a line, 'dryer' an asset).
        #    A line alias that is only a plural type noun ('chillers') is left to the type step.
        phrases = [(p, "asset") for p in self._phrase_list] + [
            (p, "line") for p in self.line_phrases if p.rstrip("s") not in self.type_nouns]
        for phrase, what in sorted(phrases, key=lambda x: -len(x[0])):
            for m in re.finditer(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", t):
                if not free(m.start(), m.end()):
                    continue
                taken.append((m.start(), m.end()))
                if what == "asset":
                    mentions.append(AssetMention(m.group(0), m.start(), sorted(self.phrases[phrase]), "alias"))
                else:
                    masks.append((m.start(), m.end(), LINE_SLOT))
                    if self.line_phrases[phrase] not in ents.lines:
                        ents.lines.append(self.line_phrases[phrase])
        # 2. ids in any spelling: p101, P 101, p-1o1, chiller6, CWC04013
        for m in re.finditer(r"\b([a-z]{1,8})(?:[ _-]{0,2})([0-9oil]{0,1}[0-9][0-9oil]{0,5}[a-z]?)\b", t):
            if not free(m.start(), m.end()):
                continue
            prefix = m.group(1)
            digits = m.group(2).replace("o", "0").replace("i", "1").replace("l", "1")
            key = prefix + digits
            if key in self.id_keys:
                taken.append((m.start(), m.end()))
                mentions.append(AssetMention(m.group(0), m.start(), [self.id_keys[key]], "id"))
            elif prefix in self.id_prefixes and prefix not in _NOT_ID_PREFIXES \
                    and not re.search(r"\d[a-z]", digits):
                near = self._near_ids(key)
                taken.append((m.start(), m.end()))
                if len(near) == 1 and len(key) >= 4:
                    mentions.append(AssetMention(m.group(0), m.start(), near, "fuzzy"))
                else:
                    ents.unknown_ids.append(re.sub(r"^([a-z]+)(\d)", r"\1-\2", key).upper())
                    masks.append((m.start(), m.end(), ASSET_SLOT))
        # 3. lines by number and sites
        for m in re.finditer(r"\bline\s*(\d+)\b", t):  # 'line 2' when the registry names lines 'L2'
            if free(m.start(), m.end()):
                cand = [lid for lid in self.lines if id_key(lid) in (f"l{m.group(1)}", f"line{m.group(1)}")]
                if cand and cand[0] not in ents.lines:
                    ents.lines.append(cand[0])
                elif not cand and self.lines and m.group(0) not in ents.unknown_lines:
                    # a line the plant does not have: said and kept, so the question is asked back rather than
                    # quietly widened to the whole site
                    ents.unknown_lines.append(m.group(0))
                taken.append((m.start(), m.end()))
                masks.append((m.start(), m.end(), LINE_SLOT))
        for site in self.sites:
            for m in re.finditer(r"(?<![\w-])" + re.escape(norm(site)) + r"(?![\w-])", t):
                if free(m.start(), m.end()) and len(site) > 2:
                    taken.append((m.start(), m.end()))
                    masks.append((m.start(), m.end(), "the site"))
                    ents.sites.append(site)
        # 4. fuzzy names and aliases for typos ('feed pmup a', 'chiler 6' is caught as an id above)
        self._fuzzy_names(t, taken, mentions)
        # 5. sensors (before type nouns: 'pump vibration' names a sensor word, 'the pump' a type)
        # search the text with the spans already taken blanked out, so 'mix tank level' still finds 'level'
        blanked = list(t)
        for a, b in taken:
            blanked[a:b] = " " * (b - a)
        for m in self._sensor_re.finditer("".join(blanked)):
            if free(m.start(), m.end()):
                word = self.sensor_words[m.group(1)]
                if word not in ents.sensors:
                    ents.sensors.append(word)
                taken.append((m.start(), m.end()))
        ents.sensors += [q for q in quantities_asked(t, self.sensor_words) if q not in ents.sensors]
        # 5b. sensor words with a typo ('vibraton', 'temprature')
        from rapidfuzz import fuzz, process

        long_words = [w for w in self.sensor_words if len(w) >= 6 and " " not in w]
        for m in re.finditer(r"[a-z]{6,}", t):
            if free(m.start(), m.end()) and m.group(0) not in self.type_nouns:
                found = process.extractOne(m.group(0), long_words, scorer=fuzz.ratio, score_cutoff=85)
                if found:
                    word = self.sensor_words[found[0]]
                    if word not in ents.sensors:
                        ents.sensors.append(word)
                    taken.append((m.start(), m.end()))
        # 6. equipment types ('the pump on line 1', 'all compressors')
        for noun in sorted(self.type_nouns, key=len, reverse=True):
            for m in re.finditer(r"\b" + re.escape(noun) + r"(?:e?s)?\b", t):
                if free(m.start(), m.end()):
                    plural = t[m.end() - 1: m.end()] == "s" and not noun.endswith("s")
                    determined = _DETERMINED_RE.search(t[: m.start()])
                    if not plural and not determined:
                        if noun not in ents.modifiers:
                            ents.modifiers.append(noun)
                        continue  # a modifier ('motor insulation', 'compressor oil'), not equipment
                    taken.append((m.start(), m.end()))
                    if noun not in ents.asset_types:
                        ents.asset_types.append(noun)
                    ids = sorted(self.type_nouns[noun])
                    if ents.lines:
                        ids = [i for i in ids if self.assets[i].line_id in ents.lines]
                    before = _DEFINITE_RE.search(t[: m.start()])
                    if before and _ranks(before.group(2)):
                        before = None  # 'the sickest pump', 'the worst motor': a ranking over the kind, not one
                    if not (ids and not plural and before):
                        masks.append((m.start(), m.end(), TYPE_SLOT))
                    if ids and not plural and before:
                        # 'the feed pump': keep the candidates whose name or alias has the modifier words
                        mods = [w for w in before.group(2).split() if w not in _FILLER]
                        if mods:
                            named = [i for i in ids if all(
                                any(re.search(rf"\b{re.escape(w)}\b", ph) for ph in self._asset_phrases(i))
                                for w in mods)]
                            ids = named or ids
                        a = before.start() if not mods or named else m.start()
                        mentions.append(AssetMention(t[a:m.end()], a, ids, "type"))
        # narrow the candidates of an alias or type mention with a line said in the same message
        for mention in mentions:
            if len(mention.candidates) > 1 and ents.lines:
                on_line = [i for i in mention.candidates if self.assets[i].line_id in ents.lines]
                mention.candidates = on_line or mention.candidates
            # a one-word alias that is also the type noun of several assets is ambiguous ('the chiller')
            if mention.how == "alias" and len(mention.candidates) == 1 and mention.text in self.type_nouns:
                same = sorted(self.type_nouns[mention.text])
                bare = not _BEFORE_ALIAS_RE.search(t[: mention.start])
                if len(same) > 1 and not ents.lines and bare:
                    mention.how = "modifier"  # 'chiller condenser cleaning': a word about kind, not one asset
                    if mention.text not in ents.asset_types:
                        ents.asset_types.append(mention.text)
                elif len(same) > 1 and not ents.lines:
                    mention.candidates = same
                    mention.how = "type"
                    # 'a chiller', 'any chiller': the kind of equipment, not one of them
                    if _QUANTIFIED_RE.search(t[: mention.start]):
                        mention.how = "kind"
                        masks.append((mention.start, mention.start + len(mention.text), TYPE_SLOT))
                        if mention.text not in ents.asset_types:
                            ents.asset_types.append(mention.text)
        mentions = [m for m in mentions if m.how not in ("kind", "modifier")]
        for mention in sorted(mentions, key=lambda m: m.start):
            if mention.linked:
                if mention.linked not in ents.assets:
                    ents.assets.append(mention.linked)
            else:
                ents.ambiguous.append(mention)
        # a type mention whose candidates include an asset named elsewhere is not a separate question
        ents.ambiguous = [m for m in ents.ambiguous if not set(m.candidates) & set(ents.assets)]

        ents.priority = priority_of(t)
        ents.numbers = [float(x) for x in re.findall(r"(?<![\w-])(\d+(?:\.\d+)?)(?![\w-])", t)]
        ents.masked = self._mask(t, masks, mentions, ents)
        return ents

    def _asset_phrases(self, asset_id: str) -> list[str]:
        a = self.assets[asset_id]
        return [norm(p) for p in (a.name, *a.aliases)]

    def _near_ids(self, key: str) -> list[str]:
        from rapidfuzz.distance import Levenshtein

        prefix = re.match(r"[a-z]*", key).group(0)
        return sorted({aid for k, aid in self.id_keys.items()
                       if k.startswith(prefix) and Levenshtein.distance(k, key) <= 1})

    def _fuzzy_names(self, t: str, taken: list[tuple[int, int]], mentions: list[AssetMention]) -> None:
        from rapidfuzz import fuzz

        tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[a-z0-9][a-z0-9'-]*", t)]
        multi = [p for p in self.phrases if " " in p and len(p) >= 8]
        best: list[tuple[float, int, int, str]] = []
        for n in (4, 3, 2):
            for i in range(len(tokens) - n + 1):
                a, b = tokens[i][1], tokens[i + n - 1][2]
                if any(not (b <= s or a >= e) for s, e in taken):
                    continue
                words = [w for w, _, _ in tokens[i:i + n]]
                if words[0] in _FILLER or words[-1] in _FILLER:
                    continue
                gram = " ".join(words)
                for p in multi:
                    if abs(len(p) - len(gram)) > 3 or p.count(" ") != gram.count(" "):
                        continue
                    score = fuzz.ratio(gram, p)
                    if score >= 86:
                        best.append((score, a, b, p))
        for score, a, b, p in sorted(best, key=lambda x: -x[0]):
            if all(b <= s or a >= e for s, e in taken):
                taken.append((a, b))
                mentions.append(AssetMention(t[a:b], a, sorted(self.phrases[p]), "fuzzy"))

    def _mask(self, t: str, masks: list[tuple[int, int, str]], mentions: list[AssetMention], ents: Entities) -> str:
        """Replace entity mentions with neutral slot words (the same the training examples carry), so the
        classifier reads the intent words, not ids it has never seen."""
        spans = [(m.start, m.start + len(m.text), ASSET_SLOT) for m in mentions]
        spans += [s for s in masks if not any(s[0] < m.start + len(m.text) and m.start < s[1] for m in mentions)]
        if ents.time is not None:
            i = t.find(ents.time.text.strip())
            if i >= 0:
                spans.append((i, i + len(ents.time.text.strip()), TIME_SLOT))
        out = t
        for a, b, word in sorted(spans, key=lambda s: -s[0]):
            out = out[:a] + word + out[b:]
        # generic words for equipment in the plural are a kind, as in the training examples
        out = _GENERIC_EQUIPMENT_RE.sub(TYPE_SLOT, out)
        out = _SLOT_DETERMINER_RE.sub(r"\1", out)
        return re.sub(r"\s+", " ", out).strip()

    # ------------------------------------------------------------------------------------------------------------
    def type_named(self, noun: str) -> str:
        """The registry's asset type a kind-of-equipment noun names ('pump' -> 'centrifugal_pump'), else the noun."""
        for t in sorted({a.type for a in self.assets.values()}):
            if t == noun or t.replace("_", " ") == noun or t.split("_")[-1] == noun:
                return t
        return noun

    def resolve_sensor(self, asset_id: str, word: str) -> str | None:
        """The id of the asset's sensor a word means ('vibration' -> 'vibration_de', 'temp' -> 'bearing_temp')."""
        asset = self.assets.get(asset_id)
        return word if asset is None else resolve_sensor(asset, word)

    def describe(self, asset_id: str) -> str:
        """'P-101 (Feed pump A)' for clarification questions."""
        a = self.assets.get(asset_id)
        return f"{asset_id} ({a.name})" if a is not None and a.name != asset_id else asset_id
