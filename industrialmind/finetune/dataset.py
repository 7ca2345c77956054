"""The SFT dataset: chat-format tool-calling conversations for LoRA fine-tuning, taught by the offline planner.

Each example is what the agent's brain sees and should answer: the system prompt and the tool schemas exactly as
the agent sends them (`agent/prompts.py`, `LocalHFChatModel.bind_tools`), the user's request, the assistant's tool
call(s) in the chat template's tool-call form, the tool results (the eval's stand-in results: deterministic), and
the final answer written from those results.

Two sources, both run through the offline planner (the teacher):
- the routing suite's DEV split, kept only where the planner's turn passes the case's own expectation (so a
  teacher mistake is never taught). The held-out split is never read for examples: the eval must stay honest;
- requests generated from templates over the demo plant's assets and sensors, kept only where the planner calls
  the tool and the asset the template meant.

Any example whose user turn equals a held-out case's turn is dropped, so no held-out question leaks in by chance.
Rows are deduplicated by their normalised user turns and written in a stable order: the same inputs give the same
bytes.

JSONL row: {"id", "source": "suite-dev" | "teacher", "messages": [...], "tools": [...]}, where messages are
role/content dicts; an assistant tool call is {"type": "function", "id", "function": {"name", "arguments": {...}}}
and a tool result is {"role": "tool", "name", "tool_call_id", "content": "<result JSON>"}.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from industrialmind.errors import InvalidInputError, NotFoundError

SOURCES = ("suite-dev", "teacher")
SPLITS = ("dev",)  # the only split examples may come from; 'heldout' and 'all' are refused by name
TIME_PHRASES = ("over the last 6 hours", "since yesterday", "over the past 2 days", "this week", "since midnight",
                "in the last 24 hours")


def default_data_path(settings) -> Path:
    """Where `finetune data` writes and `finetune train` reads by default: <IM_HOME>/finetune/sft.jsonl."""
    return settings.home / "finetune" / "sft.jsonl"


@dataclass
class BuildReport:
    """Counts of one build: examples kept per source, and what was dropped and why."""

    examples: list[dict[str, Any]] = field(default_factory=list)
    suite_cases: int = 0
    suite_kept: int = 0
    suite_failed: list[str] = field(default_factory=list)
    suite_skipped: list[str] = field(default_factory=list)
    teacher_prompts: int = 0
    teacher_kept: int = 0
    teacher_rejected: int = 0
    duplicates: int = 0
    heldout_overlap: int = 0

    def counts(self) -> dict[str, Any]:
        """The JSON-able counts `industrialmind finetune data --json` prints."""
        by_source = {s: sum(1 for e in self.examples if e["source"] == s) for s in SOURCES}
        calls = sum(len(m.get("tool_calls") or []) for e in self.examples for m in e["messages"])
        return {"examples": len(self.examples), "by_source": by_source, "tool_calls": calls,
                "suite_cases": self.suite_cases, "suite_kept": self.suite_kept,
                "suite_failed": len(self.suite_failed), "suite_skipped": len(self.suite_skipped),
                "teacher_prompts": self.teacher_prompts, "teacher_kept": self.teacher_kept,
                "teacher_rejected": self.teacher_rejected, "duplicates": self.duplicates,
                "heldout_overlap": self.heldout_overlap}


def norm_text(text: str) -> str:
    """Lower case, single spaces, no trailing punctuation: the key for deduplication and held-out overlap."""
    return " ".join(re.sub(r"[^\w\s'-]", " ", text.lower()).split())


def tool_schemas(tools: Iterable[Any]) -> list[dict[str, Any]]:
    """The function schemas the hf brain renders into its chat template (the same conversion as bind_tools)."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    return [convert_to_openai_tool(t).get("function") for t in tools]


def build_examples(settings: Any, split: str = "dev", suite_path: Path | str | None = None, teacher: bool = True,
                   data_dir: Path | None = None, planner: Any = None, max_cases: int | None = None,
                   max_teacher: int | None = None,
                   progress: Callable[[int, int], None] | None = None) -> BuildReport:
    """Build the SFT examples from a routing suite's dev split plus teacher traces on the demo plant.

    planner: an OfflinePlanner already bound to the project's tools (tests pass a warmed one); else one is built.
    max_cases / max_teacher cap each source (tests and quick runs)."""
    from industrialmind.evals.runner import load_suite, plant_registry
    from industrialmind.evals.toolbox import FakeToolbox
    from industrialmind.tools import build_tools

    if split not in SPLITS:
        raise InvalidInputError(f"unknown or forbidden split {split!r}; valid: {', '.join(map(repr, SPLITS))} "
                                "(the held-out split is never trained on, so the routing eval stays honest)")
    suite = load_suite(suite_path)
    assets, lines, plants = plant_registry(data_dir)
    tools = build_tools(settings)
    schemas = tool_schemas(tools)
    if planner is None:
        from industrialmind.evals.runner import make_model

        # the eval's own constructor: the same registry, the same fixed 'now', the same planner options
        planner = make_model("offline", settings, assets, lines, suite.now).bind_tools(tools)
    planner.warm_up()
    execute = FakeToolbox(assets)
    heldout = {norm_text(t) for c in suite.cases if c.split == "heldout" for t in c.turns}
    report = BuildReport()

    cases = [c for c in suite.cases if c.split == split]
    report.suite_skipped = [c.id for c in cases if c.plant not in plants]
    cases = [c for c in cases if c.plant in plants][:max_cases]
    report.suite_cases = len(cases)
    prompts = teacher_prompts(assets_of_demo(), lines_of_demo())[:max_teacher] if teacher else []
    report.teacher_prompts = len(prompts)
    total = len(cases) + len(prompts)
    seen: set[tuple[str, ...]] = set()

    def keep(example: dict[str, Any]) -> bool:
        users = tuple(norm_text(m["content"]) for m in example["messages"] if m["role"] == "user")
        if any(u in heldout for u in users):
            report.heldout_overlap += 1
            return False
        if users in seen:
            report.duplicates += 1
            return False
        seen.add(users)
        report.examples.append(example)
        return True

    from industrialmind.evals import metrics

    for i, case in enumerate(cases):
        messages, last_calls, tag, final = run_teacher(planner, case.turns, execute, suite.now)
        verdict = metrics.judge(case.expect, last_calls, tag, final, suite.now)
        if not (verdict["args_ok"] if verdict["has_args"] else verdict["tool_ok"]):
            report.suite_failed.append(case.id)
        elif keep(_example(f"dev:{case.id}", "suite-dev", suite.now, messages, schemas)):
            report.suite_kept += 1
        if progress:
            progress(i + 1, total)
    for j, prompt in enumerate(prompts):
        messages, last_calls, _, _ = run_teacher(planner, [prompt.text], execute, suite.now)
        if not prompt.accepts(last_calls):
            report.teacher_rejected += 1
        elif keep(_example(f"teacher:{prompt.key}", "teacher", suite.now, messages, schemas)):
            report.teacher_kept += 1
        if progress:
            progress(len(cases) + j + 1, total)
    return report


def run_teacher(planner: Any, turns: list[str], execute: Callable[[str, dict[str, Any]], dict[str, Any]],
                now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str | None, str]:
    """Play the turns through the planner as the eval does (tool calls, stand-in results, answer): the chat dicts
    of the whole conversation, the last turn's calls, the planner's tag for it and its final text."""
    from langchain_core.messages import HumanMessage, ToolMessage

    from industrialmind.agent.brains import to_chat_dicts

    history: list[Any] = []
    calls: list[dict[str, Any]] = []
    tag = None
    final = ""
    n_call = 0
    for text in turns:
        history.append(HumanMessage(text))
        reply = planner.invoke(history)
        # stable ids, so the same build gives the same bytes (the planner draws random ones)
        calls = []
        for c in reply.tool_calls or []:
            calls.append({**c, "id": f"call_{n_call}"})
            n_call += 1
        reply = reply.model_copy(update={"tool_calls": calls})
        history.append(reply)
        tag = (reply.response_metadata or {}).get("planner")
        final = _text(reply.content)
        if calls:
            for call in calls:
                result = execute(call["name"], dict(call.get("args") or {}))
                history.append(ToolMessage(json.dumps(result, default=str), tool_call_id=call["id"],
                                           name=call["name"]))
            answer = planner.invoke(history)
            history.append(answer.model_copy(update={"tool_calls": []}))
            final = _text(answer.content)
    last = [{"name": c["name"], "args": dict(c.get("args") or {})} for c in calls]
    return to_chat_dicts(history), last, tag, final


def _example(eid: str, source: str, now: datetime, messages: list[dict[str, Any]],
             schemas: list[dict[str, Any]]) -> dict[str, Any]:
    from industrialmind.agent.prompts import system_prompt

    clean = []
    for m in messages:
        m = {k: v for k, v in m.items() if v is not None}
        if m["role"] == "assistant" and not m.get("tool_calls"):
            m.pop("tool_calls", None)
        clean.append(m)
    return {"id": eid, "source": source,
            "messages": [{"role": "system", "content": system_prompt(now)}, *clean], "tools": schemas}


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return str(content or "")


# --- teacher prompts over the demo plant ---------------------------------------------------------------------------
@dataclass
class TeacherPrompt:
    """A generated request, the tool the teacher must call and the asset or scope it must name."""

    key: str
    text: str
    tool: str
    target: str

    def accepts(self, calls: list[dict[str, Any]]) -> bool:
        """True when every call is the intended tool on the intended asset/scope (else the trace is not taught)."""
        return bool(calls) and all(
            c["name"] == self.tool and self.target in (c["args"].get("asset_id"), c["args"].get("scope_id"))
            for c in calls)


def assets_of_demo() -> list[Any]:
    """The demo plant's assets (teacher prompts are written over them only)."""
    from industrialmind.plant.demo import demo_plant

    return list(demo_plant().assets)


def lines_of_demo() -> list[Any]:
    """The demo plant's lines."""
    from industrialmind.plant.demo import demo_plant

    return list(demo_plant().lines)


def _pick(options: tuple[str, ...] | list[str], *parts: Any) -> str:
    # a hash, not random: the same asset always gets the same phrasing, so builds are reproducible
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def teacher_prompts(assets: list[Any], lines: list[Any]) -> list[TeacherPrompt]:
    """Requests over every demo asset (by id, by name, by alias) for the read tools, plus line-wide scans."""
    out: list[TeacherPrompt] = []
    for a in assets:
        refs = [a.id, a.name.lower(), *(x for x in a.aliases[:2])]
        sensor = _pick([s.id for s in a.sensors] or ["status"], a.id, "sensor")
        word = sensor.replace("_", " ")
        when = _pick(TIME_PHRASES, a.id, "when")
        templates = [
            ("latest_readings", "what is {ref} reading right now"),
            ("latest_readings", "latest {word} on {ref}"),
            ("sensor_history", "show the {word} trend of {ref} " + when),
            ("detect_anomalies", "any anomalies on {ref} " + when + "?"),
            ("failure_modes", "what usually fails on {ref} and how do I spot it"),
            ("related_assets", "what is downstream of {ref}"),
            ("get_asset", "tell me about {ref}: type, line and sensors"),
            ("list_work_orders", "open work orders for {ref}"),
        ]
        for n, (tool, template) in enumerate(templates):
            ref = _pick(refs, a.id, n)
            out.append(TeacherPrompt(f"{tool}:{a.id}:{n}", template.format(ref=ref, word=word), tool, a.id))
    for line in lines:
        out.append(TeacherPrompt(f"detect_anomalies:{line.id}", f"is anything abnormal on {line.name.lower()}?",
                                 "detect_anomalies", line.id))
    return out


# --- files ---------------------------------------------------------------------------------------------------------
def write_jsonl(examples: list[dict[str, Any]], path: Path) -> Path:
    """Write examples as JSONL (one per line) atomically: a crash never leaves half a file. Keys keep their
    order: the chat template renders tool schemas and arguments in dict order, so sorting them would train the
    model on a prompt the agent never sends."""
    path = Path(path)
    if path.is_dir():
        raise InvalidInputError(f"--out {str(path)!r} is a folder; give a file path such as {str(path / 'sft.jsonl')!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for e in examples:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read and check an SFT file: every row has messages with a user turn and an assistant turn."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"dataset {str(path)!r} does not exist; build it with `industrialmind finetune data "
                            f"--out {path}`")
    rows: list[dict[str, Any]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InvalidInputError(f"{path}:{n} is not JSON ({exc})") from None
        roles = [m.get("role") for m in row.get("messages") or [] if isinstance(m, dict)]
        if "user" not in roles or "assistant" not in roles:
            raise InvalidInputError(f"{path}:{n} needs 'messages' with a user and an assistant turn; got roles {roles}")
        rows.append(row)
    if not rows:
        raise InvalidInputError(f"dataset {str(path)!r} is empty; build it with `industrialmind finetune data`")
    return rows
