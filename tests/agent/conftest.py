"""Agent test fixtures: any real LLM call fails loudly, and the data home counts as initialised."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def no_real_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ChatOpenAI and ChatOllama raise if a test ever reaches a real model."""

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"a test tried to call a real LLM ({type(self).__name__}); use agent.testing fakes")

    for module, cls in (("langchain_openai", "ChatOpenAI"), ("langchain_ollama", "ChatOllama")):
        mod = pytest.importorskip(module)
        model = getattr(mod, cls)
        for method in ("_generate", "_agenerate", "_stream", "_astream"):
            if hasattr(model, method):
                monkeypatch.setattr(model, method, refuse)


@pytest.fixture
def initialised_home(im_home):
    """An IM_HOME that is not empty, so chat/ask do not run `init` on their own."""
    im_home.mkdir(parents=True, exist_ok=True)
    (im_home / ".initialized").write_text("{}")
    return im_home
