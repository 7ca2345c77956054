"""Run a routing suite: drive a chat model (the offline planner by default) turn by turn with the bound tools,
execute its tool calls (against stand-in results, or the real tools), and score the turn under test.

Suite schema (YAML or JSONL; see suites/routing.yaml):

    version: 1
    now: "2026-11-26T10:00:00Z"        # the fixed 'now' of every relative time in the suite
    cases:
      - id: latest-slang-01            # unique
        plant: demo                    # demo | assetopsbench (a case of a plant whose data is absent is skipped)
        split: dev                     # dev | heldout (held-out cases are never looked at while developing)
        tags: [slang]                  # free labels: paraphrase, typo, time, multi, follow-up, clarify, refuse...
        turns: ["what's P-101 doing rn"]   # user turns; the LAST one is under test, earlier ones build context
        expect:                        # one of:
          tools: [latest_readings]     #   the multiset of tool names called in the last turn
          any_of: [[a], [b]]           #   or several acceptable multisets
          args: {asset_id: P-101}      #   key arguments every call must carry ("*" = any value, null = absent)
          calls: [{name: x, args: {}}] #   or per-call expectations (fan-out), matched one to one
          clarify: true                #   or: a question back, no tool call
          refuse: true                 #   or: a polite refusal, no tool call

Argument rules: ids compare exactly (case-insensitive); sensors match by id, id part or synonym ('vibration'
matches 'vibration_de'); times are ISO 8601 and match within 2 minutes; {contains: [...]} checks words in text.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from industrialmind.errors import InvalidInputError, NotFoundError
from industrialmind.evals import metrics

SUITES_DIR = Path(__file__).parent / "suites"
DEFAULT_SUITE = SUITES_DIR / "routing.yaml"
# keyword arguments for the offline planner under test (tests shrink examples_per_tool to train faster)
PLANNER_OPTIONS: dict[str, Any] = {}
_KEYS = {"id", "plant", "split", "tags", "turns", "expect", "note"}
_EXPECT_KEYS = {"tools", "any_of", "args", "calls", "clarify", "refuse"}


@dataclass
class Case:
    """One conversation whose last user turn is scored."""

    id: str
    turns: list[str]
    expect: dict[str, Any]
    plant: str = "demo"
    split: str = "dev"
    tags: list[str] = field(default_factory=list)


@dataclass
class Suite:
    """A list of cases and the fixed 'now' they are written against."""

    now: datetime
    cases: list[Case]
    path: str = ""


def load_suite(path: Path | str | None = None) -> Suite:
    """Read and validate a suite file (YAML or JSONL); errors name the case and the bad key."""
    path = Path(path) if path else DEFAULT_SUITE
    if path.is_dir():
        raise InvalidInputError(f"suite {str(path)!r} is a folder: give a suite file (.yaml or .jsonl)")
    if not path.is_file():
        raise NotFoundError(f"suite file {str(path)!r} does not exist; bundled suites: "
                            + ", ".join(sorted(p.name for p in SUITES_DIR.glob("*.y*ml"))))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError(f"suite file {str(path)!r} is not UTF-8 text: give a YAML or JSONL suite") from None
    if path.suffix == ".jsonl":
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InvalidInputError(f"{path.name} line {n} is not JSON: {exc.msg}") from None
        if not all(isinstance(r, dict) for r in rows):
            raise InvalidInputError(f"every line of {path.name} must be a JSON object (a case, or a first header "
                                    "line with 'now')")
        header = rows[0] if rows and "cases" not in rows[0] and "turns" not in rows[0] else {}
        data = {"now": header.get("now"), "cases": [r for r in rows if "turns" in r]}
    else:
        import yaml

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            # PyYAML's message quotes the line and points at it on more lines; one line is enough here
            raise InvalidInputError(f"{path.name} is not valid YAML: {' '.join(str(exc).split())}") from None
    if isinstance(data, list):  # a bare list of cases
        data = {"cases": data}
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path.name} must hold a mapping with 'cases' (and optionally 'now') or a list of "
                                f"cases, not a {type(data).__name__}")
    now_text = str(data.get("now") or "2026-11-26T10:00:00Z")
    try:
        now = datetime.fromisoformat(now_text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(f"'now' in {path.name} is {now_text!r}, not an ISO 8601 time such as "
                                "2026-11-26T10:00:00Z") from None
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    cases: list[Case] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("cases") or []):
        if not isinstance(raw, dict):
            raise InvalidInputError(f"case {i + 1} of {path.name} is a {type(raw).__name__}, not a mapping with "
                                    "id, turns and expect")
        cid = str(raw.get("id") or f"case-{i}")
        unknown = set(raw) - _KEYS
        if unknown:
            raise InvalidInputError(f"case {cid!r} has unknown key(s) {sorted(unknown)}; valid: {sorted(_KEYS)}")
        expect = raw.get("expect") or {}
        bad = set(expect) - _EXPECT_KEYS
        if bad or not expect:
            raise InvalidInputError(f"case {cid!r}: expect needs one of {sorted(_EXPECT_KEYS)}, got {sorted(expect)}")
        turns = raw.get("turns")
        if isinstance(turns, str):
            turns = [turns]
        if not turns:
            raise InvalidInputError(f"case {cid!r} has no turns")
        if cid in seen:
            raise InvalidInputError(f"case id {cid!r} appears twice in {str(path)!r}")
        seen.add(cid)
        cases.append(Case(cid, [str(t) for t in turns], expect, str(raw.get("plant", "demo")),
                          str(raw.get("split", "dev")), list(raw.get("tags") or [])))
    if not cases:  # an empty file would otherwise "pass" with 0 of 0 cases
        raise InvalidInputError(f"{path.name} has no cases: expected a list of cases, each with id, turns and "
                                "expect (see the bundled routing.yaml)")
    return Suite(now, cases, str(path))


def plant_registry(data_dir: Path | None = None) -> tuple[list[Any], list[Any], set[str]]:
    """Assets and lines of the demo plant plus the AssetOpsBench chiller plant when its data is present; the
    plants available."""
    from industrialmind.plant.demo import demo_plant

    demo = demo_plant()
    assets, lines, plants = list(demo.assets), list(demo.lines), {"demo"}
    folder = _assetopsbench_folder(data_dir)
    if folder is not None:
        from industrialmind.plant.importers.assetopsbench import read_chiller_plant

        plant, _, _ = read_chiller_plant(folder)
        assets += plant.assets
        lines += plant.lines
        plants.add("assetopsbench")
    return assets, lines, plants


def _assetopsbench_folder(data_dir: Path | None) -> Path | None:
    if data_dir:  # a folder named by a person must hold the data: never fall back to another one silently
        base = Path(data_dir).expanduser()
        if not base.is_dir():
            raise NotFoundError(f"data folder {str(data_dir)!r} does not exist: give the folder with the "
                                "AssetOpsBench sample data (or leave the option out)")
        for folder in (base, base / "assetopsbench" / "sample_data", base / "sample_data"):
            if (folder / "all_wo_with_code_component_events.csv").is_file():
                return folder
        raise InvalidInputError(f"no AssetOpsBench sample data in {str(data_dir)!r}: expected "
                                "'all_wo_with_code_component_events.csv' there, in sample_data/ or in "
                                "assetopsbench/sample_data/")
    candidates: list[Path | None] = []
    candidates.append(Path(__file__).resolve().parents[3] / "shared" / "data")
    for base in candidates:
        if base is None:
            continue
        for folder in (base, base / "assetopsbench" / "sample_data", base / "sample_data"):
            if (folder / "all_wo_with_code_component_events.csv").is_file():
                return folder
    return None


def build_tools_for_eval(settings: Any, mode: str, assets: list[Any], now: datetime) -> tuple[list[Any], Callable]:
    """The tools to bind and an executor (name, args) -> result dict. 'fake': stand-in results; 'real': the
    project's tools against the configured stores."""
    from industrialmind.tools import build_tools

    if mode == "real":
        from industrialmind.tools import ToolContext

        ctx = ToolContext(settings, now=lambda: now)
        tools = build_tools(settings, ctx)
        by_name = {t.name: t for t in tools}

        def run_real(name: str, args: dict[str, Any]) -> dict[str, Any]:
            out = by_name[name].invoke(args)
            return out if isinstance(out, dict) else {"summary": str(out)}

        return tools, run_real
    from industrialmind.evals.toolbox import FakeToolbox

    tools = build_tools(settings)
    return tools, FakeToolbox(assets)


def make_model(llm: str, settings: Any, assets: list[Any], lines: list[Any], now: datetime) -> Any:
    """The chat model under test: the offline planner (pinned to the suite's registry and now) or any brain."""
    if llm == "offline":
        from industrialmind.agent.planner import OfflinePlanner

        return OfflinePlanner(settings, now=now, assets=assets, lines=lines, **PLANNER_OPTIONS)
    from industrialmind.agent.brains import make_chat_model

    return make_chat_model(llm, settings)


def _graph_turns(settings: Any, model: Any, bound_tools: list[Any], execute: Callable) -> Callable:
    """A turn function that runs each question through the project's LangGraph graph (approving actions), with
    the tools answered by the eval's executor; returns the new messages of the turn and the time it took."""
    from langchain_core.messages import HumanMessage
    from langchain_core.tools import StructuredTool
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command

    from industrialmind.agent.graph import build_graph

    def wrap(tool: Any) -> Any:
        return StructuredTool.from_function(func=lambda **kw: execute(tool.name, kw), name=tool.name,
                                            description=tool.description, args_schema=tool.args_schema)

    graph = build_graph(settings, llm=model, checkpointer=InMemorySaver(), tools=[wrap(t) for t in bound_tools])

    def turn(thread: str, text: str) -> tuple[list[Any], float]:
        config = {"configurable": {"thread_id": thread}, "recursion_limit": 50}
        before = len(graph.get_state(config).values.get("messages", [])) if graph.get_state(config).values else 0
        t0 = time.perf_counter()
        graph.invoke({"messages": [HumanMessage(text)], "steps": 0}, config)
        while graph.get_state(config).interrupts:
            graph.invoke(Command(resume={"approved": True, "note": ""}), config)
        spent = time.perf_counter() - t0
        return graph.get_state(config).values["messages"][before:], spent

    return turn


def run_suite(settings: Any, suite: Suite, llm: str = "offline", tools: str = "fake", split: str | None = None,
              data_dir: Path | None = None, progress: Callable[[int, int], None] | None = None,
              via: str = "model") -> dict[str, Any]:
    """Run every case (of one split, or all) and return metrics overall and per split, plus each case's outcome.
    via='model' drives the chat model directly; via='graph' runs each turn through the agent graph (latency then
    includes the graph and the stand-in tools)."""
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from industrialmind.agent.brains import invoke_chat

    assets, lines, plants = plant_registry(data_dir)
    bound_tools, execute = build_tools_for_eval(settings, tools, assets, suite.now)
    raw_model = make_model(llm, settings, assets, lines, suite.now)
    model = raw_model.bind_tools(bound_tools)
    if hasattr(model, "warm_up"):
        model.warm_up()
    graph_turn = _graph_turns(settings, raw_model, bound_tools, execute) if via == "graph" else None
    cases = [c for c in suite.cases if split in (None, "all", c.split)]
    skipped = [c.id for c in cases if c.plant not in plants]
    cases = [c for c in cases if c.plant in plants]
    rows: list[dict[str, Any]] = []
    for i, case in enumerate(cases):
        if graph_turn is not None:
            rows.append(_graph_case(case, graph_turn, suite.now))
            if progress:
                progress(i + 1, len(cases))
            continue
        messages: list[Any] = []
        latencies: list[float] = []
        last_calls: list[dict[str, Any]] = []
        tag = None
        answer = ""
        results: list[dict[str, Any]] = []
        for turn_no, text in enumerate(case.turns):
            messages.append(HumanMessage(text))
            t0 = time.perf_counter()
            reply: AIMessage = invoke_chat(model, messages, raw_model)
            spent = time.perf_counter() - t0
            messages.append(reply)
            calls = list(reply.tool_calls or [])
            results = []
            if calls:
                for call in calls:
                    result = execute(call["name"], dict(call.get("args") or {}))
                    results.append(result)
                    messages.append(ToolMessage(json.dumps(result, default=str), tool_call_id=call.get("id")
                                                or uuid.uuid4().hex, name=call["name"], artifact=result))
                t0 = time.perf_counter()
                final = invoke_chat(model, messages, raw_model)
                spent += time.perf_counter() - t0
                messages.append(final)
                answer = _content(final)
            else:
                answer = _content(reply)
            latencies.append(spent * 1000)
            if turn_no == len(case.turns) - 1:
                last_calls = [{"name": c["name"], "args": dict(c.get("args") or {})} for c in calls]
                tag = (reply.response_metadata or {}).get("planner")
        verdict = metrics.judge(case.expect, last_calls, tag, answer, suite.now)
        is_grounded = metrics.grounded(answer, results) if last_calls else None
        rows.append({"id": case.id, "split": case.split, "plant": case.plant, "tags": case.tags,
                     "question": case.turns[-1], "expect": case.expect, **verdict, "tool_calls": last_calls,
                     "grounded": is_grounded,
                     "ungrounded": metrics.ungrounded_numbers(answer, results) if is_grounded is False else [],
                     "answer": answer, "latency_ms": [round(x, 2) for x in latencies]})
        if progress:
            progress(i + 1, len(cases))
    report = {**metrics.summarise(rows), "llm": llm, "tools": tools, "via": via, "suite": suite.path,
              "skipped": skipped}
    report["splits"] = {s: metrics.summarise([r for r in rows if r["split"] == s])
                        for s in sorted({r["split"] for r in rows})}
    report["tags"] = {t: metrics.summarise([r for r in rows if t in r["tags"]])
                      for t in sorted({t for r in rows for t in r["tags"]})}
    report["cases"] = rows
    return report


def _graph_case(case: Case, turn: Callable, now: datetime) -> dict[str, Any]:
    """Score one case run through the graph."""
    from langchain_core.messages import AIMessage, ToolMessage

    thread = uuid.uuid4().hex
    latencies: list[float] = []
    new: list[Any] = []
    for text in case.turns:
        new, spent = turn(thread, text)
        latencies.append(spent * 1000)
    ais = [m for m in new if isinstance(m, AIMessage)]
    calls = [{"name": c["name"], "args": dict(c.get("args") or {})} for m in ais[:1] for c in (m.tool_calls or [])]
    results = [m.artifact if isinstance(m.artifact, dict) else {"summary": _content(m)}
               for m in new if isinstance(m, ToolMessage)]
    first = ais[0] if ais else None
    tag = (first.response_metadata or {}).get("planner") if first is not None else None
    answer = _content(ais[-1]) if ais else ""
    grounded = metrics.grounded(answer, results) if calls else None
    return {"id": case.id, "split": case.split, "plant": case.plant, "tags": case.tags, "question": case.turns[-1],
            "expect": case.expect, **metrics.judge(case.expect, calls, tag, answer, now), "tool_calls": calls,
            "grounded": grounded,
            "ungrounded": metrics.ungrounded_numbers(answer, results) if grounded is False else [],
            "answer": answer, "latency_ms": [round(x, 2) for x in latencies]}


def _content(msg: Any) -> str:
    content = getattr(msg, "content", "")
    if isinstance(content, list):
        return " ".join(c.get("text", "") if isinstance(c, dict) else str(c) for c in content)
    return str(content)
