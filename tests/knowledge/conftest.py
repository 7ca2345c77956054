"""Knowledge fixtures: one ONNX export of the embedding model per test session, shared by every test here."""

from __future__ import annotations

from industrialmind.knowledge.testing import embeddings_cache, embeddings_cache_dir  # noqa: F401
