"""One server, one port: Chainlit's own app serves the chat, and a small FastAPI app mounted at /api beside it.

REST API (OpenAPI docs at /api/docs):
- GET  /api/health           every backend's status (the checks of `industrialmind doctor --json`)
- GET  /api/assets           registered assets, optional ?site=&line=&type= (the JSON of `industrialmind assets --json`)
- POST /api/ask              {"question", "thread_id"?, "approve"?: false} -> the JSON of `industrialmind ask --json`

When IM_WEB_PASSWORD is set, API calls need `Authorization: Bearer <password>` (or Basic with any user), or the
chat's login cookie; when IM_WEB_AUTH_HEADER is set, they need that header. Errors are JSON {"error": ...}.
Chainlit reads its config from CHAINLIT_APP_ROOT when first imported, so `serve` points it at <home>/web (config,
chainlit.md, the auth secret and the chat history live there, not in the repository) before importing it.
"""

# no `from __future__ import annotations`: FastAPI reads the endpoint annotations at runtime
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from industrialmind.config import Settings
    from industrialmind.ui._web_runtime import WebRuntime

WELCOME = """# IndustrialMind

Ask about the plant in plain words: *is anything abnormal on line 2?*, *plot P-101 vibration since yesterday*,
*what does the manual say about cavitation?*, *open a work order for the bearing*.

Each tool the assistant uses appears as a step you can expand; actions (work orders, training) wait for your
**Approve**. The REST API is at [/api/docs](/api/docs).
"""


def build_api(runtime: "WebRuntime") -> "FastAPI":
    """The REST API as its own FastAPI app (mounted at /api by `serve`; usable alone in tests)."""
    import asyncio

    from fastapi import Depends, FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, Field

    from industrialmind.errors import IndustrialMindError, InvalidInputError, NotFoundError

    settings = runtime.settings
    api = FastAPI(title="IndustrialMind API", version=_version(), docs_url="/docs", openapi_url="/openapi.json",
                  description="Ask the plant assistant, list assets, check backends. Same JSON as the CLI's --json.")

    class AskRequest(BaseModel):
        """A question for the assistant."""

        question: str = Field(..., min_length=1, description="The question, in plain words.")
        thread_id: str | None = Field(None, description="Continue this conversation thread (default: a new one).")
        approve: bool = Field(False, description="Run actions (work orders, training) without asking; otherwise "
                                                 "they wait under pending_approval.")
        llm: str | None = Field(None, description="Brain for this call; one of the server's brains.")

    @api.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
                             for e in exc.errors())
        return JSONResponse(status_code=422, content={"error": f"invalid request: {problems}",
                                                      "detail": jsonable_errors(exc.errors())})

    @api.exception_handler(IndustrialMindError)
    async def expected(request: Request, exc: IndustrialMindError) -> JSONResponse:
        status = 404 if isinstance(exc, NotFoundError) else 400
        return JSONResponse(status_code=status, content={"error": str(exc), "type": type(exc).__name__})

    @api.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        import logging

        logging.getLogger(__name__).exception("API call failed")
        return JSONResponse(status_code=500, content={"error": f"internal error: {type(exc).__name__}: {exc}"})

    async def authorised(request: Request) -> str:
        return check_auth(settings, request)

    guarded = [Depends(authorised)]

    @api.get("/health", dependencies=guarded, summary="Each backend's status")
    async def health() -> dict[str, Any]:
        """Every configured backend: reachable or not, with a one-line detail (as `industrialmind doctor`)."""
        from industrialmind.doctor import run_checks

        checks = await asyncio.to_thread(run_checks, settings)
        return {"ok": all(c.ok for c in checks), "llm": runtime.default_llm, "brains": runtime.brains(),
                "checks": [c.as_dict() for c in checks]}

    @api.get("/assets", dependencies=guarded, summary="Registered assets")
    async def assets(site: str | None = Query(None, description="Only assets of this site."),
                     line: str | None = Query(None, description="Only assets of this line."),
                     type: str | None = Query(None, description="Only assets of this type (centrifugal_pump...).")
                     ) -> dict[str, Any]:
        """The asset registry: id, name, type, line, site, criticality, sensors with units."""
        from industrialmind.plant.readings import assets_data

        rows = await asyncio.to_thread(assets_data, settings, site, line, type)
        return {"assets": rows, "count": len(rows)}

    @api.get("/files/{name}", dependencies=guarded, include_in_schema=False)
    async def stored_file(name: str) -> Any:
        """A chart element the chat's history stored (the browser reads it back when a thread is resumed)."""
        from fastapi.responses import FileResponse

        from industrialmind.ui._web_history import LocalFileStorage, files_dir

        path = LocalFileStorage(files_dir(settings)).resolve(name)
        if path is None:
            raise NotFoundError(f"no stored file {name!r}")
        return FileResponse(path)

    @api.post("/ask", dependencies=guarded, summary="Ask the assistant one question")
    async def ask(body: AskRequest) -> dict[str, Any]:
        """One turn, the same JSON as `industrialmind ask --json`; an action only runs with approve=true."""
        question = body.question.strip()
        if not question:
            raise InvalidInputError("the question is empty; send {\"question\": \"...\"}")
        result = await runtime.call(lambda a: a.ask(question, thread_id=body.thread_id, approve=body.approve),
                                    llm=body.llm)
        return result.to_json()

    return api


def jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic's validation errors without the non-JSON parts (exceptions in ctx)."""
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in errors]


def check_auth(settings: "Settings", request: Any) -> str:
    """The caller's identity when auth is off or satisfied; otherwise an HTTP 401 naming what is expected."""
    from fastapi import HTTPException

    if settings.web_password is None and not settings.web_auth_header:
        return "anonymous"
    if settings.web_auth_header:
        user = (request.headers.get(settings.web_auth_header) or "").strip()
        if user:
            return user
    if settings.web_password is not None:
        import base64
        import hmac

        secret = settings.web_password.get_secret_value().encode()
        scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
        given = b""
        if scheme.lower() == "bearer":
            given = value.strip().encode()
        elif scheme.lower() == "basic":
            try:
                given = base64.b64decode(value.strip()).decode().partition(":")[2].encode()
            except ValueError:
                given = b""
        if given and hmac.compare_digest(given, secret):
            return "api"
        if _chainlit_cookie_user(request):
            return "browser"
    wanted = []
    if settings.web_password is not None:
        wanted.append("'Authorization: Bearer <IM_WEB_PASSWORD>' (or Basic auth)")
    if settings.web_auth_header:
        wanted.append(f"the {settings.web_auth_header!r} header")
    raise HTTPException(status_code=401, detail=f"authentication required: send {' or '.join(wanted)}",
                        headers={"WWW-Authenticate": "Bearer"})


def _chainlit_cookie_user(request: Any) -> bool:
    """True when the request carries a valid Chainlit login token (a logged-in browser may call the API)."""
    try:
        from chainlit.auth.cookie import get_token_from_cookies
        from chainlit.auth.jwt import decode_jwt

        token = get_token_from_cookies(dict(request.cookies))
        return bool(token) and decode_jwt(token) is not None
    except Exception:  # noqa: BLE001 - any bad or expired token is simply not a login
        return False


def prepare_chainlit_home(settings: "Settings") -> Path:
    """Point Chainlit at <home>/web (its config, chainlit.md, uploads, chat history) and a persistent JWT secret."""
    root = settings.ensure_home() / "web"
    root.mkdir(parents=True, exist_ok=True)
    os.environ["CHAINLIT_APP_ROOT"] = str(root)
    readme = root / "chainlit.md"
    if not readme.exists():
        readme.write_text(WELCOME)
    ensure_auth_secret(settings)
    return root


def ensure_auth_secret(settings: "Settings") -> None:
    """Set CHAINLIT_AUTH_SECRET (unless given) from <home>/web/auth_secret, made once with owner-only access.

    Login is always on (without IM_WEB_PASSWORD / IM_WEB_AUTH_HEADER every browser is the local user, see web.py),
    so Chainlit always signs its session tokens: a persistent secret keeps logins valid across restarts.
    """
    if os.environ.get("CHAINLIT_AUTH_SECRET"):
        return
    secret_file = settings.ensure_home() / "web" / "auth_secret"
    if not secret_file.exists():
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_urlsafe(48))
        secret_file.chmod(0o600)
    os.environ["CHAINLIT_AUTH_SECRET"] = secret_file.read_text().strip()


def build_server_app(settings: "Settings", llm: str | None = None, host: str = "127.0.0.1",
                     port: int = 8000) -> Any:
    """Chainlit's server app with our chat module loaded and the REST API mounted at /api (call once per process)."""
    from starlette.routing import Mount

    from industrialmind.ui import _web_runtime

    prepare_chainlit_home(settings)
    runtime = _web_runtime.install(_web_runtime.WebRuntime(settings, llm))
    from industrialmind.ui._web_history import ensure_history_tables

    ensure_history_tables(settings)  # before serving: an unreachable history database fails the start, in one line

    from chainlit.auth import ensure_jwt_secret
    from chainlit.config import config, load_module
    from chainlit.markdown import init_markdown

    config.run.host, config.run.port, config.run.headless = host, port, True
    config.ui.name = "IndustrialMind"
    config.ui.description = "An assistant for plant operations and maintenance"
    config.ui.default_theme = "light"
    config.ui.cot = "full"
    config.features.edit_message = False  # an edit would replay a turn the checkpointer already holds

    from chainlit.server import app

    config.run.module_name = str(Path(__file__).with_name("web.py"))
    load_module(config.run.module_name)
    ensure_jwt_secret()
    init_markdown(config.root)
    # Chainlit ends with a catch-all GET route for its single-page app: the API goes first
    app.router.routes.insert(0, Mount("/api", app=build_api(runtime), name="api"))
    return app


def serve(settings: "Settings", host: str | None = None, port: int | None = None, llm: str | None = None,
          on_ready: Any = None) -> None:
    """Run the web chat and the REST API on one port until interrupted (headless: no browser is opened)."""
    import asyncio
    import logging

    import uvicorn

    from industrialmind.ui import _web_runtime

    host = host or settings.web_host
    port = port or settings.web_port
    check_bindable(host, port)
    app = build_server_app(settings, llm=llm, host=host, port=port)
    logging.getLogger("chainlit").setLevel(logging.WARNING)
    # load the brain while the first person opens the page (started from on_chat_start instead, the first
    # session's composer stayed disabled on a cold server until the build finished)
    _web_runtime.current().warm_up_in_background()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", ws="auto"))
    if on_ready is not None:
        on_ready(f"http://{host}:{port}")
    asyncio.run(server.serve())


def check_bindable(host: str, port: int) -> None:
    """Raise ConfigError, before anything starts, when host:port cannot be served (out of range, in use, not ours).

    uvicorn only logs such a failure and returns, so the URL was printed and the command ended with exit code 0.
    """
    import socket

    from industrialmind.errors import ConfigError

    if not 1 <= int(port) <= 65535:
        raise ConfigError(f"port {port} is not a TCP port: use 1 to 65535 (--port or IM_WEB_PORT)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot serve on host {host!r}: {exc.strerror}; use an address of this machine, e.g. "
                          "127.0.0.1 or 0.0.0.0 (--host or IM_WEB_HOST)") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does, so TIME_WAIT is no error
        try:
            probe.bind(address)
        except OSError as exc:
            raise ConfigError(f"cannot serve on {host}:{port}: {exc.strerror or exc}; use another --port or --host "
                              "(IM_WEB_PORT, IM_WEB_HOST), or stop what holds that port") from None


def _version() -> str:
    from industrialmind import __version__

    return __version__
