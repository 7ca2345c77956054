"""What the analytic parser links a question against, read from the data: for each dataset of the query layer its
nouns, its fields (names, synonyms, types), each category field's values and the phrases its short text fields
hold ('Chiller Cycling' in an alert's message), and the sites' names. Nothing here knows a plant: a newly imported
one's categories are linkable as they are.

    vocab = DataVocabulary.from_context(ctx)   # the bound tools' ToolContext (the stores they query)
    vocab.values["work_orders"]["kind"]        # ['preventive', 'corrective']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from industrialmind.agent._planner.lexicon import table
from industrialmind.agent._planner.text import norm

_EXTRA_NOUNS: dict[str, list[str]] = dict(table("datasets")["nouns"])
# a text field whose distinct values are more than this is prose (descriptions), not a set of phrases to link
MAX_TEXT_VALUES = 20000
# a category field with more values than this is linked only by exact match (ids, models), not fuzzily
MAX_FUZZY_VALUES = 400


@dataclass
class FieldInfo:
    """One field of a dataset as the parser sees it."""

    name: str
    type: str  # category, text, number, time
    words: list[str]  # its name and synonyms, normalised ('recommended action', 'rpn')
    entity: str | None = None


@dataclass
class DataVocabulary:
    """Datasets, their fields and the values the data holds, for linking."""

    nouns: dict[str, list[str]] = field(default_factory=dict)  # dataset -> words naming its rows
    fields: dict[str, dict[str, FieldInfo]] = field(default_factory=dict)  # dataset -> name -> field
    values: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # dataset -> category field -> values
    phrases: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # dataset -> text field -> phrases
    time_fields: dict[str, str | None] = field(default_factory=dict)  # dataset -> the time field a window is on
    site_names: dict[str, str] = field(default_factory=dict)  # site id -> its name

    @classmethod
    def from_datasets(cls, values: dict[str, dict[str, list[str]]] | None = None,
                      phrases: dict[str, dict[str, list[str]]] | None = None,
                      site_names: dict[str, str] | None = None) -> DataVocabulary:
        """The query layer's datasets with the given values (tests pass a small fake vocabulary)."""
        from industrialmind.query.datasets import _DATASET_SYNONYMS, DATASETS

        out = cls(values=dict(values or {}), phrases=dict(phrases or {}), site_names=dict(site_names or {}))
        for ds in DATASETS.values():
            words = {norm(ds.name), norm(ds.noun), norm(ds.plural), *(norm(w) for w in _EXTRA_NOUNS.get(ds.name, []))}
            words |= {norm(k) for k, v in _DATASET_SYNONYMS.items() if v == ds.name and len(k) > 2}
            out.nouns[ds.name] = sorted(words, key=len, reverse=True)
            out.fields[ds.name] = {f.name: FieldInfo(f.name, f.type, _field_words(f), f.entity) for f in ds.fields}
            out.time_fields[ds.name] = ds.time_field
        return out

    @classmethod
    def from_context(cls, ctx: Any) -> DataVocabulary:
        """Read the values from the stores a ToolContext opens (once per planner)."""
        from industrialmind.query.datasets import DATASETS
        from industrialmind.query.sources import Snapshot

        snap = Snapshot(ctx.records())
        values: dict[str, dict[str, list[str]]] = {}
        phrases: dict[str, dict[str, list[str]]] = {}
        for ds in DATASETS.values():
            if ds.kind == "readings":
                continue  # the readings' categories are the registry's, linked by the entity linker
            for f in ds.fields:
                if f.type not in ("category", "text") or (f.entity and f.entity != "asset_type") \
                        or f.name == ds.id_field:
                    continue  # registry entities are the linker's (kinds of equipment no asset has are values)
                try:
                    found = [str(v) for v, _ in snap.values(ds, f) if isinstance(v, str)]
                except Exception:  # noqa: BLE001, S112 - a dataset its store cannot serve links nothing
                    continue
                if f.type == "category" and found:
                    values.setdefault(ds.name, {})[f.name] = found
                elif f.type == "text" and found and len(found) <= MAX_TEXT_VALUES and not _registry(ds):
                    segs = sorted({s for v in found for s in segments(v)})
                    if segs:
                        phrases.setdefault(ds.name, {})[f.name] = segs
        names = {}
        try:
            names = {str(r.get("id")): str(r.get("name") or "") for r in snap.rows_of("sites")}
        except Exception:  # noqa: BLE001, S110 - no sites table: sites are linked by id only
            pass
        return cls.from_datasets(values, phrases, names)


def _registry(ds: Any) -> bool:
    """Whether a dataset is the asset registry itself, whose names and aliases the entity linker links."""
    return any(src in ("records:assets", "records:sites", "records:lines") for src in ds.sources)


def _field_words(f: Any) -> list[str]:
    words = {norm(f.name), *(norm(s) for s in f.synonyms)}
    return sorted((w for w in words if len(w) > 2), key=len, reverse=True)


_SPLIT_RE = re.compile(r"[:;,()\[\]\"'/|]| - |\.\s")


def segments(value: str) -> list[str]:
    """The phrases one short text holds: its parts between punctuation ('Alert RUL0022: Chiller - Chiller Cycling'
    -> 'alert rul0022', 'chiller', 'chiller cycling'), each normalised; words and numbers of a reading are no
    phrase."""
    out = []
    for part in _SPLIT_RE.split(value):
        p = norm(part).strip(" .-")
        if len(p) >= 4 and re.search(r"[a-z]{2}", p) and not re.fullmatch(r"[\d.\s-]+", p):
            out.append(p)
            words = p.split()
            if len(words) >= 2 and re.fullmatch(r"[a-z]+\d+[a-z]?", words[-1]):
                out.append(words[-1])  # 'alert rul0022': the code itself
    return out
