"""Eval fixtures: the planner session fixtures (one embedding export, one cached router per session)."""

from tests.agent._planner_fixtures import (  # noqa: F401
    chillers, demo, embeddings_dir, planner, planner_base, planner_settings, tools,
)
