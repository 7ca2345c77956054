"""The planner's word lists, kept as data: `lexicon/*.yaml`, one file per concern (stop words, shorthand, frames and
their shapes, synonyms, ...). The modules hold the mechanism and read their words from here.

The files are read once (cached) and hashed into the router's cache key (`digest`), so editing a word list retrains
the router at the next bind. The rule the files' headers repeat: a new way of asking becomes a case of the routing
suite, and a fix goes into the mechanism, not into a phrase table.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DIRECTORY = Path(__file__).with_name("lexicon")


@cache
def _sources() -> tuple[tuple[str, bytes], ...]:
    """(name, bytes) of every lexicon file, by name: what is parsed and what is hashed are the same bytes."""
    return tuple((p.stem, p.read_bytes()) for p in sorted(DIRECTORY.glob("*.yaml")))


@cache
def table(name: str) -> dict[str, Any]:
    """The parsed file lexicon/<name>.yaml (shared: callers copy what they keep)."""
    for stem, raw in _sources():
        if stem == name:
            data = yaml.safe_load(raw.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError(f"lexicon/{name}.yaml must hold a mapping")
            return data
    raise FileNotFoundError(f"no lexicon file {name}.yaml in {DIRECTORY}")


def words(name: str, key: str) -> list[str]:
    """One word list of a lexicon file, in its written order."""
    return list(table(name)[key])


def stopwords(caller: str | None = None) -> frozenset[str]:
    """The one stop-word set, as one caller reads it: less the words it keeps (keep.<caller>), or only the few it
    drops (only.<caller>)."""
    data = table("stopwords")
    if caller in (data.get("only") or {}):
        return frozenset(data["only"][caller])
    return frozenset(data["words"]) - frozenset((data.get("keep") or {}).get(caller) or ())


def digest() -> str:
    """A hash of every lexicon file's contents (part of the router's cache key)."""
    h = hashlib.sha256()
    for name, raw in _sources():
        h.update(name.encode() + b"\0" + raw + b"\0")
    return h.hexdigest()[:16]


def reload() -> None:
    """Forget what was read (after the files or DIRECTORY changed; modules keep what they built at import)."""
    _sources.cache_clear()
    table.cache_clear()


def problems() -> list[str]:
    """What is wrong with the lexicon files: a list with a duplicate or a non-word, and contradictions between
    lists (a kept stop word that is no stop word, a subset that is not inside its set). Empty when all is well."""
    out: list[str] = []
    for name, _ in _sources():
        try:
            data = table(name)
        except (ValueError, yaml.YAMLError) as exc:
            out.append(f"{name}.yaml: {exc}")
            continue
        _check_lists(f"{name}.yaml", data, out)
    if out:
        return out

    def within(what: str, part: Any, whole: Any) -> None:
        missing = [w for w in part if w not in set(whole)]
        if missing:
            out.append(f"{what}: not in the set it narrows: {missing}")

    stop = table("stopwords")
    keep = stop.get("keep") or {}
    for caller, kept in keep.items():
        within(f"stopwords.yaml keep.{caller}", kept, stop["words"])
    if len(keep) > 1:
        everywhere = set.intersection(*(set(k) for k in keep.values()))
        if everywhere:
            out.append(f"stopwords.yaml: kept by every caller, so no stop word: {sorted(everywhere)}")
    for caller, only in (stop.get("only") or {}).items():
        within(f"stopwords.yaml only.{caller}", only, stop["words"])
    prio = table("priorities")
    within("priorities.yaml needs_context", prio["needs_context"], prio["words"])
    bad = sorted({v for v in prio["words"].values()} - {"low", "medium", "high", "urgent"})
    if bad:
        out.append(f"priorities.yaml: unknown priorities {bad}")
    ent = table("entities")
    for key in ("definite", "quantifying", "not_before_aliases"):
        within(f"entities.yaml {key}", ent[key], ent["determiners"])
    shapes = table("shapes")
    import string

    slots = {"a", "t", "l", "p"} | set(shapes["fill"])
    for key, group in shapes.items():
        if key == "fill":
            continue
        for shape in group:
            used = {f for _, f, _, _ in string.Formatter().parse(shape) if f is not None}
            if used - slots:
                out.append(f"shapes.yaml {key}: unknown slot {sorted(used - slots)} in {shape!r}")
    if len(table("time")["weekdays"]) != 7:
        out.append("time.yaml weekdays: seven days, Monday first")
    return out


def _check_lists(where: str, value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str) or not k:
                out.append(f"{where}: key {k!r} is no word (quote it)")
            _check_lists(f"{where} {k}", v, out)
    elif isinstance(value, list):
        seen: set[str] = set()
        for item in value:
            if isinstance(item, dict):
                _check_lists(where, item, out)
            elif not isinstance(item, str) or not item.strip() or item != item.strip():
                out.append(f"{where}: {item!r} is no word (quote a word YAML reads otherwise: 'on', 'no')")
            elif item in seen:
                out.append(f"{where}: {item!r} twice")
            else:
                seen.add(item)
    elif isinstance(value, bool) or value is None:
        out.append(f"{where}: {value!r} is no word (quote it)")
