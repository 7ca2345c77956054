"""Stream tools: the state of the Kafka topics (rates, consumer lag) and the latest messages on a topic."""

from __future__ import annotations

from typing import Annotated, Any

from industrialmind.jsonable import jsonable
from industrialmind.tools._context import ToolArgError, ToolContext, ToolUnavailable


def _streams(ctx: ToolContext) -> Any:
    try:
        from industrialmind.stores.streams import Streams
    except ImportError as exc:
        raise ToolUnavailable(f"the streams store is not available ({exc})") from None
    return Streams.from_settings(ctx.settings)


def stream_status(ctx: ToolContext,
                  topic: Annotated[str | None, "topic kind ('telemetry', 'alarms', 'deadletter') or full name; "
                                               "every topic if empty"] = None) -> dict[str, Any]:
    """State of the data streams: per topic the message count, recent rate (messages/s), partitions and each
    consumer group's lag. Use it for 'is data flowing', 'is ingestion keeping up', 'consumer lag'."""
    streams = _streams(ctx)
    wanted = streams.topic(topic) if topic else None
    raw = jsonable(streams.status(interval=1.0))
    topics = [t for t in raw.get("topics", []) if wanted is None or t.get("topic") == wanted]
    groups = [g for g in raw.get("groups", []) if wanted is None or g.get("topic") == wanted]
    if wanted and not topics:
        raise ToolArgError(f"topic {wanted!r} does not exist yet", [t.get("topic") for t in raw.get("topics", [])])
    parts = ", ".join(f"{t['topic']} {t.get('messages', 0)} msgs at {t.get('rate_per_s') or 0} msg/s"
                      for t in topics[:6])
    summary = f"{len(topics)} topic(s): {parts}" if topics else "no topics yet (nothing has been streamed)"
    if groups:
        summary += "; consumer lag " + ", ".join(f"{g['group']} {g['lag']} msgs" for g in groups[:4])
    return {"summary": summary, "topics": topics, "groups": groups, "measured_at": raw.get("measured_at"),
            "units": {"rate_per_s": "messages/s", "lag": "messages"}, "sources": [f"kafka:{raw.get('bootstrap')}"]}


def tail_stream(ctx: ToolContext,
                topic: Annotated[str, "topic kind ('telemetry', 'alarms', 'deadletter') or full name"],
                asset_id: Annotated[str | None, "only messages keyed by this asset"] = None,
                limit: Annotated[int, "how many of the latest messages, 1 to 100"] = 10) -> dict[str, Any]:
    """The latest messages on a stream topic (optionally for one asset), newest last. Use it for 'show me the
    last alarms on the stream', 'what is P-101 sending right now'."""
    limit = int(limit)
    if not 1 <= limit <= 100:
        raise ToolArgError(f"limit {limit} is out of range", ["1..100"])
    if asset_id:
        asset_id = ctx.asset(asset_id).id
    streams = _streams(ctx)
    name = streams.topic(topic)
    messages = jsonable(streams.tail(topic, asset=asset_id, limit=limit))
    summary = f"{len(messages)} latest message(s) on {name}" + (f" for {asset_id}" if asset_id else "")
    if messages:
        summary += f", newest at {messages[-1].get('timestamp')}"
    return {"summary": summary, "topic": name, "asset_id": asset_id, "messages": messages,
            "sources": [f"kafka:{name}"]}


TOOLS = [stream_status, tail_stream]
