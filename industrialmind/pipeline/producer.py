"""Live simulation: publish the demo plant's simulated telemetry to the telemetry topic in real or accelerated time.

Simulated time starts at the current wall-clock time and runs `speed` times faster. Each tick the simulator's
points up to the simulated 'now' are published (key = asset id, value = telemetry v1), including the injected
faults of its schedule. The simulator is chunk-invariant, so publishing tick by tick gives exactly the points a
backfill of the same window gives.

`rate` is a target in points per second of wall-clock time: it sets the sample step of every sensor to
`sensors x speed / rate` simulated seconds (a whole number, at least 1 s). Without it each sensor is sampled once
per simulated minute (the demo plant's sample period), so real time gives ~4 points/s and `--speed 60` ~226/s.

Run it as `industrialmind simulate --live` or `python -m industrialmind.pipeline.producer`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from industrialmind.errors import InvalidInputError

DEFAULT_STEP_S = 60
MAX_TICK_S = 3600  # simulated seconds generated per tick at most, so a fast run publishes in bounded chunks


def sample_step(sensors: int, speed: float, rate: float | None) -> int:
    """The per-sensor sample step in simulated seconds for a target publish rate (points per wall second)."""
    if speed <= 0 or not math.isfinite(speed):
        raise InvalidInputError(f"speed must be a positive number, got {speed!r}")
    if rate is None:
        return DEFAULT_STEP_S
    if rate <= 0 or not math.isfinite(rate):
        raise InvalidInputError(f"rate must be a positive number of points per second, got {rate!r}")
    return max(1, round(sensors * speed / rate))


def run_live(settings, seed: int = 1, rate: float | None = None, speed: float = 1.0,
             stop_event: threading.Event | None = None, duration: float | None = None,
             on_tick: Callable[[dict[str, Any]], None] | None = None, streams=None,
             start: datetime | None = None, broker_wait_s: float = 60.0,
             on_retry: Callable[[str, float], None] | None = None) -> dict[str, Any]:
    """Publish the demo plant's telemetry live until stop_event is set (or duration wall seconds passed).

    Returns a summary: points published and failed, the simulated window covered, the step, and the wall time.
    on_tick(summary-so-far) is called after every published tick; on_retry(message, delay) while the broker is
    unreachable, for at most broker_wait_s seconds (then BackendUnavailableError).
    """
    from industrialmind.plant.demo import demo_plant
    from industrialmind.plant.simulator import Simulator
    from industrialmind.stores.streams import DeliveryTracker, Streams, produce_points

    stop_event = stop_event or threading.Event()
    simulator = Simulator(demo_plant(), seed=seed)
    step_s = sample_step(simulator.sensor_count, speed, rate)
    streams = streams or Streams.from_settings(settings)
    streams.wait_until_reachable(max_wait_s=broker_wait_s, on_retry=on_retry, stop=stop_event.is_set)
    streams.ensure_topics()
    topic = streams.topic("telemetry")
    producer = streams.producer()
    tracker = DeliveryTracker()

    sim_origin = (start or datetime.now(timezone.utc)).astimezone(timezone.utc)
    # Align to the step, so the first tick starts on a sample boundary like every other tick.
    origin_s = math.floor(sim_origin.timestamp() / step_s) * step_s
    sim_origin = datetime.fromtimestamp(origin_s, tz=timezone.utc)
    cursor = sim_origin
    wall_origin = time.monotonic()
    published = 0
    faults_seen: set[tuple[str, str]] = set()

    def summary() -> dict[str, Any]:
        wall = time.monotonic() - wall_origin
        return {"published": published, "delivered": tracker.delivered, "failed": tracker.failed,
                "last_error": tracker.last_error, "sim_start": sim_origin.isoformat(), "sim_now": cursor.isoformat(),
                "step_s": step_s, "speed": speed, "wall_s": round(wall, 3),
                "rate_per_s": round(published / wall, 1) if wall > 0 else 0.0, "topic": topic,
                "sensors": simulator.sensor_count, "faults": sorted(f"{a}:{f}" for a, f in faults_seen)}

    try:
        while not stop_event.is_set():
            elapsed = time.monotonic() - wall_origin
            if duration is not None and elapsed >= duration:
                break
            sim_now = sim_origin + timedelta(seconds=elapsed * speed)
            # Publish every whole step that has begun by sim_now: [cursor, end) with end a step boundary.
            end_s = (math.floor(sim_now.timestamp() / step_s) + 1) * step_s
            end = min(datetime.fromtimestamp(end_s, tz=timezone.utc), cursor + timedelta(seconds=MAX_TICK_S))
            if end > cursor:
                frame = simulator.generate(cursor, end, step=timedelta(seconds=step_s))
                if len(frame):
                    published += produce_points(producer, topic, frame, on_delivery=tracker)
                for label in simulator.active_faults(end - timedelta(seconds=step_s)):
                    faults_seen.add((label.asset_id, label.fault))
                cursor = end
                if on_tick is not None:
                    on_tick(summary())
                continue
            # Sleep until the next step begins in simulated time, in short naps so a stop is prompt.
            next_wall = wall_origin + (end_s - sim_origin.timestamp()) / speed
            nap = min(max(next_wall - time.monotonic(), 0.0), 0.25)
            if duration is not None:
                nap = min(nap, max(duration - elapsed, 0.0))
            producer.poll(0)
            stop_event.wait(nap)
    finally:
        remaining = producer.flush(30.0)
        if remaining:
            tracker.failed += remaining
            tracker.last_error = f"{remaining} message(s) undelivered when the simulator stopped"
    return summary()


def main(argv: list[str] | None = None) -> int:
    """`python -m industrialmind.pipeline.producer [--seed N] [--rate R] [--speed X] [--duration S]` (used by `up`)."""
    import argparse
    import signal

    from industrialmind.config import get_settings

    parser = argparse.ArgumentParser(prog="industrialmind-live", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=None)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=None)
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    result = run_live(get_settings(), seed=args.seed, rate=args.rate, speed=args.speed, stop_event=stop,
                      duration=args.duration)
    import json

    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
