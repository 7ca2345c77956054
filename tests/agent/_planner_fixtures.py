"""Fixtures shared by the offline planner's tests and the eval tests: one embedding export and one trained router
per test session (the router is cached under a session-wide data home, so later builds only load it)."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)  # a Thursday
EXAMPLES_PER_TOOL = 100  # fewer generated examples than the product default (140): a faster first build


@pytest.fixture(scope="session")
def planner_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session-wide folder: a data home holding the cached router."""
    base = tmp_path_factory.getbasetemp() / "planner-session"
    base.mkdir(exist_ok=True)
    return base


@pytest.fixture(scope="session")
def embeddings_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedding model exported once per session (or IM_TEST_EMBEDDINGS_CACHE, prebuilt)."""
    pytest.importorskip("onnxruntime", reason="onnxruntime (industrialmind[knowledge]) is needed for embeddings")
    from industrialmind.knowledge.embeddings import ensure_cache

    prebuilt = os.environ.get("IM_TEST_EMBEDDINGS_CACHE", "")
    # the folder industrialmind.knowledge.testing's embeddings_cache_dir exports to: one export (~7 s) per session
    # for the planner and the knowledge tests, not one each
    return ensure_cache(Path(prebuilt) if prebuilt else tmp_path_factory.getbasetemp() / "minilm-onnx")


@pytest.fixture(scope="session")
def planner_settings(planner_base: Path, embeddings_dir: Path):
    """Settings whose home keeps the router cache for the whole session."""
    from industrialmind.config import get_settings

    return get_settings(home=planner_base / "home", embeddings_cache=str(embeddings_dir))


@pytest.fixture(scope="session")
def demo():
    """The demo plant."""
    from industrialmind.plant.demo import demo_plant

    return demo_plant()


@pytest.fixture(scope="session")
def chillers():
    """A few chillers named as the AssetOpsBench importer names them (no data files needed)."""
    from industrialmind.plant.importers.assetopsbench import chiller_aliases
    from industrialmind.domain.model import Asset, Sensor

    sensors = [Sensor(id="supply_temperature", name="Supply temperature", quantity="temperature", unit="°F"),
               Sensor(id="tonnage", name="Tonnage", quantity="cooling_capacity", unit="ton")]
    return [Asset(id=f"CHILLER-{n}", name=f"Chiller {n}", type="chiller", site_id="MAIN",
                  line_id="MAIN-CHILLER-PLANT", aliases=chiller_aliases(n, f"CWC04{n:03d}"),
                  sensors=sensors if n == 6 else []) for n in (6, 9, 13)]


@pytest.fixture(scope="session")
def registry(demo, chillers):
    """The linker's registry over the demo plant and the chillers."""
    from industrialmind.agent._planner.entities import Registry

    return Registry([*demo.assets, *chillers], demo.lines)


@pytest.fixture(scope="session")
def tools(planner_settings):
    """The project's tools (their schemas and docstrings are what the router learns from)."""
    from industrialmind.tools import build_tools

    return build_tools(planner_settings)


@pytest.fixture(scope="session")
def planner(planner_settings, demo, chillers, tools):
    """The offline planner bound to the project's tools, pinned to NOW and to demo + chillers."""
    from industrialmind.agent.planner import OfflinePlanner

    model = OfflinePlanner(planner_settings, now=NOW, assets=[*demo.assets, *chillers], lines=demo.lines,
                           examples_per_tool=EXAMPLES_PER_TOOL)
    return model.bind_tools(tools).warm_up()
