"""Errors that people see: the CLI and the UIs turn each into one clear line, never a traceback."""

from __future__ import annotations


class IndustrialMindError(Exception):
    """Base class for every expected failure; its message says what was wrong and what is valid."""

    exit_code = 2


class ConfigError(IndustrialMindError):
    """A setting or URL is malformed or names an unknown backend."""


class NotFoundError(IndustrialMindError):
    """An asset, sensor, document, job or other named thing does not exist (the message suggests close matches)."""


class InvalidInputError(IndustrialMindError):
    """An argument or input file is malformed (bad time range, bad CSV row, bad value)."""


class BackendUnavailableError(IndustrialMindError):
    """A configured server (InfluxDB, PostgreSQL, Kafka, Chroma, Neo4j, MLflow, an LLM) cannot be reached."""


class ModelError(IndustrialMindError):
    """An anomaly or language model is missing, corrupt, or incompatible with the data it is given."""


def did_you_mean(value: str, choices: list[str] | tuple[str, ...] | set[str], limit: int = 3) -> str:
    """Return a ' did you mean ...?' suffix naming the closest valid choices, or a short list of valid ones."""
    choices = sorted(set(choices))
    if not choices:
        return ""
    try:
        from rapidfuzz import fuzz, process, utils

        best = process.extract(value, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit)
        close = [c for c, score, _ in best if score >= 60]
    except ImportError:  # pragma: no cover - rapidfuzz is a core dependency
        import difflib

        close = difflib.get_close_matches(value, choices, n=limit)
    if close:
        return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    shown = ", ".join(repr(c) for c in choices[:8])
    more = f" (and {len(choices) - 8} more)" if len(choices) > 8 else ""
    return f"; valid choices: {shown}{more}"
