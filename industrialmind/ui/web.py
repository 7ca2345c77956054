"""The Chainlit web chat: a thin adapter from the runner's events to Chainlit messages, steps and elements.

Started by `industrialmind web` (industrialmind.ui.api.serve), which installs the runtime and loads this module into
Chainlit's server. Every agent call runs in a worker thread (ui/_web_runtime.py); this module only translates:
token -> streamed message text, tool_start/tool_end -> a collapsible step (arguments in, summary/table/citations
out), chart specs -> Plotly figures, approval_request -> Approve / Reject buttons that resume the graph.

Conversations are kept by Chainlit's own data layer (ui/_web_history.py): its sidebar lists a user's threads, a
thread picked there is redrawn by Chainlit and continued by the agent from the checkpointer under the same thread id,
and thumbs feedback is stored with the message it rates.
"""

from __future__ import annotations

import os
from typing import Any

import chainlit as cl
from chainlit.input_widget import Select
from chainlit.types import ThreadDict

from industrialmind.ui import _web_render as render
from industrialmind.ui._web_history import LOCAL_USER
from industrialmind.ui._web_runtime import current


# --- authentication (Chainlit turns login on when a callback exists, and keeps history only for a logged-in user) ---
def _register_auth() -> None:
    settings = current().settings
    if settings.web_password is not None:
        import hmac

        secret = settings.web_password.get_secret_value()

        @cl.password_auth_callback
        async def password_login(username: str, password: str) -> cl.User | None:
            """Any user name with the configured password (IM_WEB_PASSWORD)."""
            if hmac.compare_digest(password.encode(), secret.encode()):
                return cl.User(identifier=username or "admin", metadata={"auth": "password"})
            return None

    if settings.web_auth_header:
        header = settings.web_auth_header.lower()

        @cl.header_auth_callback
        async def header_login(headers: Any) -> cl.User | None:
            """The user named by the trusted header a reverse proxy sets (IM_WEB_AUTH_HEADER)."""
            user = (headers.get(header) or "").strip()
            return cl.User(identifier=user, metadata={"auth": "header"}) if user else None

    if settings.web_password is None and not settings.web_auth_header:

        @cl.header_auth_callback
        async def local_login(headers: Any) -> cl.User:
            """No login configured: every browser is the one local user, so the conversations in the sidebar have an
            owner (Chainlit lists history only for a logged-in user). Whoever reaches the port sees them all."""
            return cl.User(identifier=LOCAL_USER, display_name="local", metadata={"auth": "local"})


_register_auth()
if not os.environ.get("CHAINLIT_AUTH_SECRET"):  # `chainlit run industrialmind/ui/web.py` skips api.serve's set-up
    from industrialmind.ui.api import ensure_auth_secret

    ensure_auth_secret(current().settings)


@cl.data_layer
def data_layer() -> Any:
    """Chainlit's SQLAlchemy data layer (threads, steps, charts, feedback) over SQLite under IM_HOME or PostgreSQL."""
    from industrialmind.ui._web_history import open_data_layer

    return open_data_layer(current().settings)


# --- chat start and resume: starters, brain picker ---------------------------------------------------------------
@cl.set_starters
async def starters(user: cl.User | None = None, language: str | None = None) -> list[cl.Starter]:
    """Starter prompts built from the loaded plant's registry (its first line, pump and assets)."""
    import asyncio

    from industrialmind.ui._web_starters import starter_prompts

    # the registry only: no need to wait for the agent to be built
    prompts = await asyncio.to_thread(starter_prompts, current().settings)
    return [cl.Starter(label=label, message=message) for label, message in prompts]


@cl.on_chat_start
async def start() -> None:
    """A fresh thread: the agent's thread id is Chainlit's own, so the sidebar's thread resumes the same checkpoints."""
    runtime = current()
    cl.user_session.set("thread_id", cl.context.session.thread_id)
    cl.user_session.set("llm", runtime.default_llm)
    await _send_settings(runtime.default_llm)


@cl.on_chat_resume
async def resume(thread: ThreadDict) -> None:
    """A thread picked in the sidebar: Chainlit redraws its messages, steps and charts from the data layer; here the
    session gets the agent's thread id and brain back, and an action still waiting gets its buttons again."""
    from industrialmind.ui._web_history import checkpoint_thread_id, step_metadata

    runtime = current()
    thread_id = checkpoint_thread_id(thread)
    llm = cl.user_session.get("llm")
    llm = llm if llm in runtime.brains() else runtime.default_llm
    cl.user_session.set("thread_id", thread_id)
    cl.user_session.set("llm", llm)
    # a step left open or buttons shown by the earlier session are not this session's objects
    cl.user_session.set("open_steps", {})
    cl.user_session.set("approval_actions", [])
    await _send_settings(llm)
    pending = await runtime.call(lambda a: a.pending(thread_id))
    if not pending:
        return
    # Chainlit replaces the message list with the stored thread after this hook, so a new message sent now would
    # vanish; the buttons attach to the stored question instead (actions are not part of that list), or to the
    # thread's last message should the question not have been stored
    steps = [s for s in thread.get("steps") or [] if "message" in str(s.get("type"))]
    asked = [s for s in steps if step_metadata(s).get("kind") == "approval"] or steps
    if not asked:
        await _ask_approval({**pending, "thread_id": thread_id})
        return
    buttons = _approval_buttons({**pending, "thread_id": thread_id})
    cl.user_session.set("approval_actions", buttons)
    for button in buttons:
        await button.send(for_id=asked[-1]["id"])


async def _send_settings(llm: str) -> None:
    runtime = current()
    await cl.ChatSettings([Select(id="llm", label="Brain (chat model)", values=runtime.brains(),
                                  initial_value=llm,
                                  description="offline needs no server; others use IM_OPENAI_BASE_URL / Ollama / "
                                              "a local Hugging Face model")]).send()


@cl.on_settings_update
async def settings_update(values: dict[str, Any]) -> None:
    """Switch this chat's brain."""
    llm = values.get("llm") or current().default_llm
    cl.user_session.set("llm", llm)
    await cl.Message(content=f"Brain switched to `{llm}`.", author="IndustrialMind").send()


# --- a turn -----------------------------------------------------------------------------------------------------
@cl.on_message
async def on_message(message: cl.Message) -> None:
    """Run the question through the agent and stream what happens."""
    await _run_turn(message.content, approved=None)


@cl.action_callback("approve")
async def approve(action: cl.Action) -> None:
    """Run the pending action(s), then let the agent finish the turn."""
    await _decide(action, True)


@cl.action_callback("reject")
async def reject(action: cl.Action) -> None:
    """Decline the pending action(s); the agent answers without running them."""
    await _decide(action, False)


async def _decide(action: cl.Action, approved: bool) -> None:
    thread_id = action.payload.get("thread_id") or cl.user_session.get("thread_id")
    cl.user_session.set("thread_id", thread_id)
    await action.remove()
    for other in cl.user_session.get("approval_actions") or []:
        await other.remove()
    verdict = "Approved" if approved else "Rejected"
    await cl.Message(content=f"**{verdict}:** {action.payload.get('text', '')}", author="You").send()
    await _run_turn(None, approved=approved)


async def _run_turn(question: str | None, approved: bool | None) -> None:
    from industrialmind.errors import IndustrialMindError

    runtime = current()
    thread_id = cl.user_session.get("thread_id")
    llm = cl.user_session.get("llm") or runtime.default_llm
    answer: cl.Message | None = None  # made at the first token, so it sits below the steps that led to it
    # a step opened before an approval is finished by the resumed turn, so open steps live in the session
    steps: dict[str, cl.Step] = cl.user_session.get("open_steps") or {}
    cl.user_session.set("open_steps", steps)
    charts: list[dict[str, Any]] = []
    tables: list[str] = []
    try:
        async for event in runtime.stream(question, thread_id, approved=approved, llm=llm):
            if event.type == "token":
                if answer is None:
                    answer = cl.Message(content="", author="IndustrialMind")
                for chunk in _chunks(event.data.get("text", "")):
                    await answer.stream_token(chunk)
            elif event.type == "tool_start":
                step = cl.Step(name=event.data["name"], type="tool", show_input="json", default_open=False)
                step.input = render.args_json(event.data.get("args"))
                await step.send()
                steps[event.data["id"]] = step
            elif event.type == "tool_end":
                await _finish_step(steps, event.data, charts, tables)
            elif event.type == "approval_request":
                await _ask_approval(event.data)
            elif event.type == "answer" and answer is None and event.data.get("text"):
                answer = cl.Message(content=event.data["text"], author="IndustrialMind")
    except IndustrialMindError as exc:
        await cl.Message(content=f"**Error:** {exc}", author="IndustrialMind").send()
        return
    except Exception as exc:
        import logging

        logging.getLogger(__name__).exception("turn failed")
        await cl.Message(content=f"**Something went wrong:** {type(exc).__name__}: {exc}",
                         author="IndustrialMind").send()
        return
    if charts:
        answer = answer or cl.Message(content="", author="IndustrialMind")
        answer.elements = _chart_elements(charts)
    elif tables and answer is not None:
        # records (readings, assets, work orders...) read better as a table under the answer than in a step
        await answer.stream_token("\n\n" + "\n\n".join(tables[:2]))
    if answer is not None:
        await answer.send()


def _chart_elements(charts: list[dict[str, Any]]) -> list[Any]:
    """One interactive Plotly element for a turn's charts (several sensors merged into one figure)."""
    if not charts:
        return []
    spec = render.merge_charts(charts)
    return [cl.Plotly(name=spec.get("title") or "chart", figure=render.chart_figure(spec), display="inline",
                      size="large")]


def _chunks(text: str, words: int = 6) -> list[str]:
    """A whole answer (the offline planner writes it at once) in a few words at a time, so it streams the same way
    an LLM's tokens do; short tokens pass through unchanged."""
    if len(text) < 80:
        return [text]
    import re

    pieces = re.findall(r"\S+\s*", text)
    return ["".join(pieces[i:i + words]) for i in range(0, len(pieces), words)]


async def _finish_step(steps: dict[str, cl.Step], data: dict[str, Any], charts: list[dict[str, Any]],
                       tables: list[str]) -> None:
    result = data.get("result")
    found = render.result_records(result) if isinstance(result, dict) and "error" not in result else None
    if found is not None:
        tables.append(render.markdown_table(found[1], max_rows=10))
    step = steps.pop(data.get("id", ""), None)
    if step is None:  # a tool_end without its start (should not happen): show it anyway
        step = cl.Step(name=data.get("name", "tool"), type="tool")
        await step.send()
    step.output = render.step_output(result)
    if isinstance(result, dict) and "error" in result:
        step.is_error = True
    if isinstance(result, dict) and isinstance(result.get("chart"), dict):
        charts.append(result["chart"])
    await step.update()


def _approval_buttons(data: dict[str, Any]) -> list[cl.Action]:
    thread_id = data.get("thread_id") or cl.user_session.get("thread_id")
    text = " ; ".join(a.get("text", "") for a in data.get("actions") or [])
    payload = {"thread_id": thread_id, "text": text}
    return [cl.Action(name="approve", payload=payload, label="Approve", tooltip="run exactly this"),
            cl.Action(name="reject", payload=payload, label="Reject", tooltip="do not run it")]


async def _ask_approval(data: dict[str, Any]) -> None:
    actions_text = "\n".join(f"- `{a.get('text')}`" for a in data.get("actions") or []) or f"- {data.get('question')}"
    buttons = _approval_buttons(data)
    cl.user_session.set("approval_actions", buttons)
    # the kind is stored with the message, so a resumed thread finds the question to put its buttons back on
    await cl.Message(content=f"**Approval needed.** This will run:\n\n{actions_text}", actions=buttons,
                     author="IndustrialMind", metadata={"kind": "approval"}).send()
