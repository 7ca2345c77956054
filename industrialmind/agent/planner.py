"""The offline planner: a LangChain chat model that needs no LLM.

It binds tools and answers with `AIMessage(tool_calls=[...])` exactly as an LLM does, so the graph, the UIs and
the evals cannot tell the difference. Each turn it links entities against the asset registry (ids in any spelling,
names and aliases, lines, sensors with synonyms, times, priorities), routes by meaning with a classifier trained
on examples generated from the bound tools' own schemas (see `_planner/intents.py`), fills the arguments from the
entities and then from the conversation, fans out over several assets, asks back when the question is ambiguous,
refuses politely what is out of scope, and once the tool results arrive writes its answer only from them.

    planner = OfflinePlanner(settings=get_settings()).bind_tools(build_tools(settings))
    planner.invoke([HumanMessage("what's P-101 doing rn")]).tool_calls
    # [{'name': 'latest_readings', 'args': {'asset_id': 'P-101'}, 'id': 'call_...', 'type': 'tool_call'}]
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Any, Sequence

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, PrivateAttr

from industrialmind.agent._planner import analytics, answers, compound
from industrialmind.agent._planner.arguments import (
    MissingArgument,
    content_words,
    describe_action,
    fill,
    kind_for_tool,
    names_only,
)
from industrialmind.agent._planner.context import CLARIFY_KEY, Context, ToolOutcome, read_context, result_of
from industrialmind.agent._planner.datavocab import DataVocabulary
from industrialmind.agent._planner.entities import Entities, Registry, norm
from industrialmind.agent._planner.followups import is_follow_up, repeat_previous, resume_clarification
from industrialmind.agent._planner.framing import frame_cues
from industrialmind.agent._planner.intents import (
    HELP,
    OUT_OF_SCOPE,
    IntentRouter,
    ToolSpec,
    fit_to_entities,
    param_kind,
)
from industrialmind.agent._planner.lexicon import words
from industrialmind.agent._planner.loading import load_registry
from industrialmind.agent._planner.specs import mask_choices

# Tools the planner never calls (free-form query languages are for LLM brains).
_SKIPPED_TOOLS = {"query_graph"}
# The typed query tool the analytic parser fills (industrialmind/tools/analytics.py).
_QUERY_TOOL = "query_data"
# A question word: a question in a conversation about the plant ('why?') is about the plant (lexicon/requests.yaml).
_ASKS_RE = re.compile(r"\b(" + "|".join(words("requests", "question_words")) + r")\b")
# 'the feed pump' -> 'feed pump' in a question back (lexicon/entities.yaml)
_DEFINITE_RE = re.compile(r"^(" + "|".join(words("entities", "definite")) + r")\s+")


class OfflinePlanner(BaseChatModel):
    """A chat model without an LLM: tool calls by meaning and entity linking, answers from tool results only."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: Any = None
    """Settings (IM_HOME for the router cache, the records store for the registry); read from env when None."""
    now: Any = None
    """A fixed datetime or a callable returning one (tests and evals); None means the wall clock."""
    assets: Any = None
    """An explicit asset registry (list of Asset); else the bound tools' registry, the records store, the demo."""
    lines: Any = None
    """Lines of that registry (list of Line)."""
    embedder: Any = None
    """Anything with embed(list[str]) -> (n, d) normalised array; default: the MiniLM ONNX embedder."""
    out_of_scope_similarity: float = 0.32
    """Below this cosine similarity to every training example, a question without entities is out of scope."""
    examples_per_tool: int = 140
    """Generated training examples per tool for the router (fewer: faster first bind, coarser routing)."""
    clarify_margin: float = 0.04
    """When the two best tools are closer than this (and neither is confident), ask which one is meant."""
    compound_confidence: float = 0.35
    """Each clause of a compound request must route with at least this probability ('who makes P-101 and what
    model is it' is one request: its first clause routes weakly, so it is not split)."""
    compound_noun_confidence: float = 0.6
    """A clause that does not open like a request ('mttr for P-201') stands alone only when it routes this surely."""

    _specs: list[ToolSpec] = PrivateAttr(default_factory=list)
    _tools: list[Any] = PrivateAttr(default_factory=list)
    _router: Any = PrivateAttr(default=None)
    _registry: Any = PrivateAttr(default=None)
    _vocab: Any = PrivateAttr(default=None)
    _vocab_index: Any = PrivateAttr(default=None)

    def __init__(self, settings: Any = None, **kwargs: Any) -> None:
        # positional settings, as the chat-model factory calls it: OfflinePlanner(settings)
        super().__init__(settings=settings, **kwargs)

    @property
    def _llm_type(self) -> str:
        return "industrialmind-offline-planner"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"tools": [s.name for s in self._specs]}

    # --- binding -------------------------------------------------------------------------------------------------
    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> "OfflinePlanner":
        """A copy of this planner that routes to these tools (LangChain tools, functions or OpenAI tool dicts)."""
        clone = self.model_copy()
        specs = [ToolSpec.from_tool(t) for t in tools]
        clone._specs = [s for s in specs if s.name not in _SKIPPED_TOOLS]
        clone._tools = list(tools)
        clone._router = None
        clone._registry = self._registry
        clone._vocab = self._vocab
        clone._vocab_index = self._vocab_index
        return clone

    @property
    def tool_names(self) -> list[str]:
        """Names of the tools this planner may call."""
        return [s.name for s in self._specs]

    def warm_up(self) -> "OfflinePlanner":
        """Build the registry and the router now (otherwise the first turn does)."""
        self.registry()
        self.router()
        return self

    def registry(self) -> Registry:
        """The asset registry used for linking (built once)."""
        if self._registry is None:
            assets, lines = load_registry(self.assets, self.lines, self._tools, self._settings)
            self._registry = Registry(assets, lines)
        return self._registry

    def router(self) -> IntentRouter:
        """The intent classifier for the bound tools (trained once, cached under IM_HOME)."""
        if self._router is None:
            settings = self._settings()
            embedder = self.embedder
            if embedder is None:
                from industrialmind.knowledge.embeddings import get_embedder

                embedder = get_embedder(settings)
            self._router = IntentRouter.build(self._specs, embedder, settings.home / "cache" / "planner",
                                              per_tool=self.examples_per_tool)
        return self._router

    def _settings(self) -> Any:
        if self.settings is None:
            from industrialmind.config import get_settings

            self.settings = get_settings()
        return self.settings

    def _now(self) -> datetime:
        value = self.now() if callable(self.now) else self.now
        return (value or datetime.now(timezone.utc)).astimezone(timezone.utc)

    # --- one turn ------------------------------------------------------------------------------------------------
    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        message = self.respond(messages)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        """The next AI message for a conversation: tool calls, a question back, a refusal, or the final answer."""
        last_human = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
        if last_human < 0:
            return AIMessage(content=answers.help_text(self._example_asset()))
        after = list(messages[last_human + 1:])
        if any(isinstance(m, ToolMessage) for m in after):
            return AIMessage(content=self._answer(after))
        return self._plan(_text(messages[last_human]), read_context(messages[:last_human]))

    def _answer(self, after: list[BaseMessage]) -> str:
        outcomes: dict[str, ToolOutcome] = {}
        for m in after:
            if isinstance(m, AIMessage):
                for c in m.tool_calls:
                    outcomes[c["id"]] = ToolOutcome(c["name"], dict(c.get("args") or {}), c["id"])
            elif isinstance(m, ToolMessage):
                o = outcomes.setdefault(m.tool_call_id, ToolOutcome(m.name or "tool", {}, m.tool_call_id))
                o.result = result_of(m)
        done = [o for o in outcomes.values() if o.result is not None]
        return answers.compose(done, self.registry().describe)

    def _plan(self, text: str, ctx: Context) -> AIMessage:
        if not self._specs:
            return AIMessage(content="I have no tools to answer with. " + answers.CAPABILITIES)
        registry = self.registry()
        now = self._now()
        ents = registry.link(text, now)
        if ctx.clarify:
            resumed = resume_clarification(text, ents, ctx, registry, now)
            if resumed is not None:
                text, ents = resumed
        follow_up = is_follow_up(text, ents, ctx)
        if not ctx.clarify:
            analytic = self._analytic(text, ents, registry)
            if analytic is not None:
                return analytic
            several = self._compound(text, ents, ctx, registry, now, follow_up)
            if several is not None:
                return several
        spec = self._repeat_previous(text, ents, ctx, registry) if follow_up else None
        if spec is None:
            router = self.router()
            masked = router.correct(mask_choices(ents.masked or norm(text), self._specs),
                                    set(registry.sensor_words) | set(registry.type_nouns))
            taken = set(registry.sensor_words) if ents.sensors else set()
            ranked, nearest = router.scores(masked, {**ents.cues(), **frame_cues(norm(text))}, taken)
            ranked = fit_to_entities(ranked, self._specs, ents, text, ctx if follow_up else None,
                                     names_only(ents, registry))
            has_entities = bool(ents.assets or ents.ambiguous or ents.unknown_ids or ents.lines or ents.sensors
                                or ents.asset_types or ents.sites or ents.unknown_lines)
            top, p_top = ranked[0]
            asks = _ASKS_RE.search(norm(text))
            if top in (HELP, OUT_OF_SCOPE) and follow_up and asks:
                has_entities = True  # a question in a conversation about the plant ('why?') is about the plant
            if top in (HELP, OUT_OF_SCOPE) and has_entities and (top == HELP or follow_up):
                ranked = [r for r in ranked if r[0] not in (HELP, OUT_OF_SCOPE)]
                top, p_top = ranked[0]
            if top == OUT_OF_SCOPE or (nearest < self.out_of_scope_similarity and not has_entities
                                       and not follow_up):
                return AIMessage(content=answers.refusal(), response_metadata={"planner": "refused"})
            if top == HELP:
                return AIMessage(content=answers.help_text(self._example_asset()), response_metadata={"planner": "help"})
            tools_ranked = [r for r in ranked if r[0] not in (HELP, OUT_OF_SCOPE)]
            if (len(tools_ranked) > 1 and tools_ranked[0][1] - tools_ranked[1][1] < self.clarify_margin
                    and tools_ranked[0][1] < 0.2 and not follow_up and not has_entities):
                a, b = (self._spec(tools_ranked[0][0]), self._spec(tools_ranked[1][0]))
                return self._ask(f"Do you want the {_gist(a)} or the {_gist(b)}?",
                                 {"question": text, "tools": [a.name, b.name]})
            spec = self._spec(top)
        return self._calls(spec, text, ents, ctx, registry, now, follow_up)

    def _compound(self, text: str, ents: Entities, ctx: Context, registry: Registry, now: datetime,
                  follow_up: bool) -> AIMessage | None:
        """Several requests in one message: one routed call (or fan-out) per clause, in one AIMessage; None when
        the message is one request (see `_planner/compound.py`)."""
        pieces = compound.split_clauses(text)
        if len(pieces) < 2:
            return None
        merged: list[str] = []
        says_first = True  # whether the first piece asks something itself, or only names entities
        for piece in pieces:
            pe = registry.link(piece, now)
            words = content_words(piece, pe, registry)
            alone = compound.says_something(registry, words) and (
                compound.opens_like_request(piece)
                or self._route_clause(piece, compound.share_entities(pe, ents), registry,
                                      self.compound_noun_confidence) is not None)
            if merged and not alone:
                merged[-1] = f"{merged[-1]} and {piece}"  # 'P-102' in 'compare P-101 and P-102' stays with it
            elif merged and not says_first:
                merged[-1] = f"{merged[-1]} and {piece}"  # 'are FN-301 and FN-302 behaving normally'
                says_first = True
            else:
                merged.append(piece)
                says_first = bool(words) if len(merged) == 1 else says_first  # a sensor word is enough here
        if len(merged) < 2:
            return None
        routed = []
        for clause in merged:
            ce = compound.share_entities(registry.link(clause, now), ents)
            tool = self._route_clause(clause, ce, registry)
            if tool is None:
                return None
            routed.append((clause, ce, tool))
        if not compound.route_pairs(routed):
            return None
        words = [content_words(c, e, registry) for c, e, _ in routed]
        calls: list[dict] = []
        for i, (clause, ce, tool) in enumerate(routed):
            fill_text = compound.with_borrowed_topic(clause, words[i], words[:i] + words[i + 1:])
            msg = self._calls(self._spec(tool), fill_text, ce, ctx, registry, now, follow_up)
            if not msg.tool_calls:
                return None  # a clause needs a question back: plan the message as one request instead
            calls.extend(msg.tool_calls)
        return AIMessage(content="", tool_calls=calls, response_metadata={"planner": "tools", "compound": True})

    def _route_clause(self, clause: str, ents: Entities, registry: Registry,
                      confidence: float | None = None) -> str | None:
        """The tool one clause of a compound message asks for, or None (help, out of scope)."""
        router = self.router()
        masked = router.correct(mask_choices(ents.masked or norm(clause), self._specs),
                                set(registry.sensor_words) | set(registry.type_nouns))
        taken = set(registry.sensor_words) if ents.sensors else set()
        ranked, _ = router.scores(masked, {**ents.cues(), **frame_cues(norm(clause))}, taken)
        ranked = fit_to_entities(ranked, self._specs, ents, clause, None, names_only(ents, registry))
        top, p_top = ranked[0]
        floor = self.compound_confidence if confidence is None else confidence
        return None if top in (HELP, OUT_OF_SCOPE) or p_top < floor else top

    # --- analytics -------------------------------------------------------------------------------------------
    def vocabulary(self) -> DataVocabulary:
        """The data's datasets, fields and values for the analytic parser (read once from the bound tools' stores;
        without them, the datasets' own nouns and fields)."""
        if self._vocab is None:
            vocab = None
            for tool in self._tools:
                ctx = (getattr(tool, "metadata", None) or {}).get("context")
                if ctx is not None and hasattr(ctx, "records"):
                    try:
                        vocab = DataVocabulary.from_context(ctx)
                    except Exception:  # noqa: BLE001 - no store to read: link by the datasets' words only
                        vocab = None
                    break
            self._vocab = vocab or DataVocabulary.from_datasets()
            self._vocab_index = analytics.Index(self._vocab)
        return self._vocab

    def _analytic(self, text: str, ents: Entities, registry: Registry) -> AIMessage | None:
        """A query_data call when the question is analytic (`_planner/analytics.py`): it asks to count, average,
        rank, compare or group, or names a value of a dataset with the dataset's noun; and the router does not take
        it for an action. None otherwise: the narrower tools answer as before."""
        spec = next((s for s in self._specs if s.name == _QUERY_TOOL), None)
        if spec is None:
            return None
        vocab = self.vocabulary()
        parsed = analytics.parse(text, ents, registry, vocab, self._vocab_index)
        if not parsed.analytic or not parsed.args.get("dataset"):
            return None
        routed = self._route_clause(text, ents, registry, 0.0)
        if routed is not None and (self._spec(routed).is_action or (
                routed != spec.name and analytics.within(parsed, self._spec(routed).kinds(), vocab))):
            return None
        args = {k: v for k, v in parsed.args.items() if k in spec.params}
        call = {"name": spec.name, "args": args, "id": f"call_{uuid.uuid4().hex[:16]}", "type": "tool_call"}
        return AIMessage(content="", tool_calls=[call], response_metadata={"planner": "tools", "analytic": True})

    def _example_asset(self) -> str | None:
        return next(iter(self.registry().assets), None)

    def _spec(self, name: str) -> ToolSpec:
        return next(s for s in self._specs if s.name == name)

    # --- follow-ups and clarifications ---------------------------------------------------------------------------
    def _repeat_previous(self, text: str, ents: Entities, ctx: Context, registry: Registry) -> ToolSpec | None:
        """'and its temperature?', 'what about P-102?', 'and yesterday?': the previous tool with new slots."""
        if not ctx.last_tool or ctx.last_tool not in self.tool_names or ctx.last_tool in _action_tools(self._tools):
            return None
        return repeat_previous(self._spec(ctx.last_tool), text, ents, registry)

    def _ask(self, question: str, pending: dict[str, Any]) -> AIMessage:
        return AIMessage(content=question, additional_kwargs={CLARIFY_KEY: pending},
                         response_metadata={"planner": "clarify"})

    # --- tool calls ------------------------------------------------------------------------------------------------
    def _calls(self, spec: ToolSpec, text: str, ents: Entities, ctx: Context, registry: Registry, now: datetime,
               follow_up: bool) -> AIMessage:
        kinds = {param_kind(p, spec.params[p]): p for p in spec.params}
        needs_asset = "asset" in kinds and kinds["asset"] in spec.required
        takes_asset = "asset" in kinds or "scope" in kinds
        targets: list[str | None] = list(ents.assets) + list(ents.unknown_ids)
        if ents.unknown_lines and not (ents.lines or targets) and ("scope" in kinds or "line" in kinds):
            known = ", ".join(f"{ln.id} ({ln.name})" for ln in registry.lines.values())
            return self._ask(f"There is no {ents.unknown_lines[0]} in this plant; its lines are {known}. Which one "
                             "do you mean?", {"question": text, "candidates": [], "line": ents.unknown_lines[0]})
        # a search over free text does not need the asset: 'the compressor' narrows nothing worth a question
        searches = (any(param_kind(p, spec.params.get(p)) == "text" for p in spec.required) and not needs_asset
                    and not spec.is_action)
        if not targets and not ents.asset_types and "asset_type" in kinds and not needs_asset and not spec.is_action:
            kind_for_tool(ents, registry, reuse_assets=follow_up and bool(ctx.assets))
        if not targets and takes_asset:
            if ents.ambiguous and not searches:
                mention = ents.ambiguous[0]
                names = ", ".join(registry.describe(c) for c in mention.candidates[:8])
                more = f" (and {len(mention.candidates) - 8} more)" if len(mention.candidates) > 8 else ""
                what = _DEFINITE_RE.sub("", mention.text)
                return self._ask(f"Which {what} do you mean: {names}{more}?",
                                 {"question": text, "candidates": mention.candidates, "mention": mention.text})
            if "scope" in kinds and (ents.lines or ents.sites):
                targets = []
            elif ctx.assets and (follow_up or needs_asset or ("scope" in kinds and kinds["scope"] in spec.required)):
                targets = list(ctx.assets)
        if (not targets and "scope" in kinds and kinds["scope"] in spec.required and not spec.is_action
                and not (ents.lines or ents.sites)):
            targets = sorted(registry.sites)  # 'the whole plant' where several sites are known: each of them
            kinds_at = {a.site_id for a in registry.assets.values() for t in ents.asset_types
                        if a.id in registry.type_nouns.get(t, ())}
            targets = sorted(kinds_at) or targets  # ...that has the kind of equipment named ('which compressor')
        if not targets:
            targets = [None]
        calls = []
        for asset in targets:
            if asset is None and needs_asset:
                where = f" on {ents.lines[0]}" if ents.lines else ""
                return self._ask(f"Which asset{where} do you mean? Give me its id or name (for example "
                                 f"{_examples(registry, ents)}).", {"question": text, "candidates": []})
            try:
                args = fill(spec, ents, ctx, registry, text, now, follow_up, asset)
            except MissingArgument as missing:
                return self._ask_for(missing.kind, spec, asset, text, registry)
            if spec.name in _action_tools(self._tools) or {"title", "description"} & set(spec.params):
                args = describe_action(spec, args, text, ents, ctx, registry)
            if "symptom" in spec.params and not args.get("symptom") and follow_up and ctx.sensor:
                args["symptom"] = ctx.sensor.replace("_", " ")
            calls.append({"name": spec.name, "args": args, "id": f"call_{uuid.uuid4().hex[:16]}",
                          "type": "tool_call"})
        # one call per distinct argument set (fan-out over assets may collapse when no asset applies)
        unique: dict[str, dict] = {}
        for c in calls:
            unique.setdefault(repr(sorted(c["args"].items())), c)
        return AIMessage(content="", tool_calls=list(unique.values()), response_metadata={"planner": "tools"})

    def _ask_for(self, kind: str, spec: ToolSpec, asset: str | None, text: str, registry: Registry) -> AIMessage:
        if kind == "sensor" and asset and asset in registry.assets:
            sensors = ", ".join(s.id for s in registry.assets[asset].sensors[:10])
            return self._ask(f"Which sensor of {registry.describe(asset)}: {sensors}?",
                             {"question": text, "candidates": [asset]})
        what = {"scope": "asset, line or site", "time": "time range"}.get(kind, kind.replace("_", " "))
        return self._ask(f"Which {what} do you mean?", {"question": text, "candidates": []})

def _action_tools(tools: list[Any]) -> set[str]:
    names = set()
    for t in tools:
        meta = getattr(t, "metadata", None) or {}
        if meta.get("action"):
            names.add(getattr(t, "name", ""))
        desc = getattr(t, "description", "") or ""
        if desc.startswith("ACTION"):
            names.add(getattr(t, "name", ""))
    return names


def _gist(spec: ToolSpec) -> str:
    return spec.name.replace("_", " ")


def _examples(registry: Registry, ents: Entities) -> str:
    ids = [a.id for a in registry.assets.values() if not ents.lines or a.line_id in ents.lines][:3]
    return ", ".join(ids)


def _text(msg: BaseMessage) -> str:
    content = msg.content
    if isinstance(content, list):
        return " ".join(c.get("text", "") if isinstance(c, dict) else str(c) for c in content)
    return str(content)


__all__ = ["OfflinePlanner"]
