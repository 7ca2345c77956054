"""A loopback stand-in for the few Hugging Face Hub endpoints an upload calls (create repo, validate-yaml,
preupload, commit),
recording every request so a test can see exactly what huggingface_hub sent. Every file is declared 'regular'
(inline in the commit), so no LFS/Xet storage is involved."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackHub:
    """Serve on 127.0.0.1:<free port> while used as a context manager; `requests` and `files` record the calls."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                hub.requests.append({"method": "GET", "path": self.path, "auth": self.headers.get("authorization")})
                self._reply(404, {"error": "not found"})

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                hub.requests.append({"method": "POST", "path": self.path, "auth": self.headers.get("authorization")})
                path = self.path.split("?")[0]
                if path == "/api/repos/create":
                    payload = json.loads(body)
                    hub.requests[-1]["json"] = payload
                    owner = payload.get("organization") or "alice"
                    return self._reply(200, {"url": f"http://{self.headers['host']}/{owner}/{payload['name']}"})
                if path == "/api/validate-yaml":  # the card's metadata, checked before a README.md upload
                    hub.requests[-1]["json"] = json.loads(body)
                    return self._reply(200, {"errors": [], "warnings": []})
                if "/preupload/" in path:
                    files = json.loads(body).get("files", [])
                    return self._reply(200, {"files": [{"path": f["path"], "uploadMode": "regular",
                                                        "shouldIgnore": False, "oid": None} for f in files]})
                if "/commit/" in path:
                    for line in body.decode().splitlines():
                        item = json.loads(line)
                        if item.get("key") == "file":
                            value = item["value"]
                            hub.files[value["path"]] = base64.b64decode(value["content"])
                    repo = path.split("/api/models/")[1].split("/commit/")[0]
                    return self._reply(200, {"commitUrl": f"http://{self.headers['host']}/{repo}/commit/abc123",
                                             "commitOid": "abc123" * 6 + "abcd", "success": True})
                self._reply(404, {"error": f"unexpected {path}"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
