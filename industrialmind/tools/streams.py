"""Stream tools: the state of the Kafka topics (rates, consumer lag) and the latest messages on a topic."""

from __future__ import annotations

from typing import Annotated, Any

from industrialmind.tools._context import ToolArgError, ToolContext, backend_function, jsonable

_STREAMS = ("industrialmind.stores.streams", "industrialmind.stores.stream_status")


def stream_status(ctx: ToolContext,
                  topic: Annotated[str | None, "topic name such as 'telemetry' or 'alarms'; every topic if empty"] = None,
                  ) -> dict[str, Any]:
    """State of the data streams: per topic the message count, recent rate (messages/s), partitions and each
    consumer group's lag. Use it for 'is data flowing', 'is ingestion keeping up', 'consumer lag'."""
    backend = backend_function("status", *_STREAMS)
    raw = jsonable(backend(ctx.settings, topic=topic))
    topics = raw.get("topics", raw) if isinstance(raw, dict) else raw
    if isinstance(topics, dict):
        topics = [{"topic": k, **(v if isinstance(v, dict) else {"value": v})} for k, v in topics.items()]
    names = [t.get("topic", "?") for t in topics if isinstance(t, dict)]
    if topic and not topics:
        raise ToolArgError(f"unknown topic {topic!r}", names)
    lags = [t.get("lag") for t in topics if isinstance(t, dict) and isinstance(t.get("lag"), (int, float))]
    summary = f"{len(topics)} topic(s): " + ", ".join(names[:8])
    if lags:
        summary += f"; total consumer lag {int(sum(lags))} message(s)"
    return {"summary": summary, "topics": topics, "sources": ["kafka"],
            **({k: v for k, v in raw.items() if k != "topics"} if isinstance(raw, dict) else {})}


def tail_stream(ctx: ToolContext,
                topic: Annotated[str, "topic name such as 'telemetry' or 'alarms'"],
                asset_id: Annotated[str | None, "only messages keyed by this asset"] = None,
                limit: Annotated[int, "how many of the latest messages, 1 to 100"] = 10) -> dict[str, Any]:
    """The latest messages on a stream topic (optionally for one asset), newest last. Use it for 'show me the
    last alarms on the stream', 'what is P-101 sending right now'."""
    limit = int(limit)
    if not 1 <= limit <= 100:
        raise ToolArgError(f"limit {limit} is out of range", ["1..100"])
    if asset_id:
        asset_id = ctx.asset(asset_id).id
    backend = backend_function("tail", *_STREAMS)
    raw = jsonable(backend(ctx.settings, topic, key=asset_id, limit=limit))
    messages = raw.get("messages", raw) if isinstance(raw, dict) else raw
    summary = f"{len(messages)} latest message(s) on {topic}" + (f" for {asset_id}" if asset_id else "")
    return {"summary": summary, "topic": topic, "asset_id": asset_id, "messages": messages, "sources": [f"kafka:{topic}"]}


TOOLS = [stream_status, tail_stream]
