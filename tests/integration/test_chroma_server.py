"""Documents stored in a real Chroma server (`chroma run`) through HttpClient, searched with citations."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from industrialmind.knowledge.testing import embeddings_cache, embeddings_cache_dir  # noqa: F401

pytestmark = pytest.mark.integration


def _chroma_cli() -> str | None:
    beside = Path(sys.executable).with_name("chroma")
    return str(beside) if beside.exists() else shutil.which("chroma")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory):
    """A `chroma run` server on a free loopback port for this module; skipped when the CLI is missing."""
    cli = _chroma_cli()
    if not cli:
        pytest.skip("the `chroma` CLI is not installed (pip install chromadb)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("w")
    proc = subprocess.Popen([cli, "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={"ANONYMIZED_TELEMETRY": "False",
                                                                       "PATH": "/usr/bin:/bin"})
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
        if proc.poll() is not None:
            pytest.fail(f"chroma run exited: {(path / 'server.log').read_text()[-500:]}")
    else:
        proc.terminate()
        pytest.fail("chroma run did not answer its heartbeat within 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def test_chroma_server_add_search_and_readd(chroma_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With IM_CHROMA_URL, documents go to the server, search cites them, and re-adding is a no-op."""
    from industrialmind.config import get_settings
    from industrialmind.knowledge.documents import demo_docs_dir
    from industrialmind.knowledge.index import add_documents
    from industrialmind.knowledge.retrieval import search_documents

    monkeypatch.setenv("IM_CHROMA_URL", chroma_url)
    settings = get_settings()
    files = [demo_docs_dir() / "troubleshooting-pump-cavitation.md", demo_docs_dir() / "sop-feed-pump-changeover.md"]
    first = add_documents(settings, files)
    assert first["added"] == 2 and first["chunks"] > 0
    assert add_documents(settings, files)["unchanged"] == 2
    passages = search_documents(settings, "pump sounds like gravel and suction pressure is low", k=3)
    assert "troubleshooting-pump-cavitation" in [p.citation.doc for p in passages]
    assert all(p.citation.chunk_id.startswith(p.citation.doc + "#") for p in passages)
    import chromadb

    remote = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_url.rsplit(":", 1)[1]))
    assert remote.get_collection("im_documents").count() == first["chunks"]
