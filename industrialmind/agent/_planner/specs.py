"""What the planner knows of a bound tool: its name, description and parameters, and what each parameter holds
(read from the parameter's name, never from the tool's name)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from industrialmind.agent._planner.lexicon import stopwords

_LIST_JOINERS = stopwords("verb_lists")  # 'asks to open, raise or create'


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
            verbs |= {w for w in re.findall(r"[a-z]+", m.group(1)) if w not in _LIST_JOINERS}
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
    """What a parameter holds: the kind its schema declares (`"x-kind": "asset"`, set by a tool with
    `Field(json_schema_extra={"x-kind": ...})`), else read from its name: asset, scope, sensor, time, priority,
    text, ..."""
    declared = (schema or {}).get("x-kind")
    if isinstance(declared, str) and declared:
        return declared
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


def mask_choices(text: str, specs: list[ToolSpec]) -> str:
    """A choice of a parameter named with the parameter's own noun ('the alarms topic', 'topic telemetry') is an
    argument, not what the request is about: keep the noun, drop the value, so 'messages per second on the alarms
    topic' routes as a question about topics, not about alarms."""
    from industrialmind.agent._planner.framing import THESAURUS

    for spec in specs:
        for name, schema in spec.params.items():
            if param_kind(name, schema):
                continue  # assets, sensors, times... are linked as entities
            values = re.findall(r"'([a-z][a-z_]+)'", str(schema.get("description") or ""))
            nouns = [name.replace("_", " "), *THESAURUS.get(name, [])]
            for value in values:
                for noun in nouns:
                    text = re.sub(rf"\b{re.escape(value)}\s+({re.escape(noun)})\b|\b({re.escape(noun)})\s+"
                                  rf"{re.escape(value)}\b", lambda m: m.group(1) or m.group(2), text)
    return text
