"""The Starlette application: the routes, error handling, security headers, and running it with uvicorn."""

from __future__ import annotations

import socket
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..errors import InputError
from .endpoint import sparql_routes
from .middleware import BoundedSending, SecurityHeaders
from .negotiation import NotAcceptable
from .routes import linked_data_routes
from .site import load_site
from .sparql import MAX_BYTES
from .state import HERE, Server
from .workers import default_size

if TYPE_CHECKING:
    from ..build import KnowledgeGraph

DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_ROWS = 10_000
MAX_CONNECTIONS = 256  # uvicorn answers 503 past this many connections and requests at once


def create_app(
    kg_or_dist: KnowledgeGraph | Path | str,
    base: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    workers: int | None = None,
    max_bytes: int = MAX_BYTES,
) -> Starlette:
    """The ASGI application publishing a knowledge graph (or a built dist/ folder) in its published IRIs.

    A graph built in memory is published under `base` (the default base if None); a dist/ folder
    under the base it was built with, which `base`, if given, must be.
    """
    if timeout <= 0 or max_rows < 1 or max_bytes < 1:
        raise InputError("--timeout must be positive, --max-rows and --max-bytes at least 1")
    server = Server(
        load_site(kg_or_dist, base), timeout, max_rows, max_bytes, workers or default_size()
    )

    @asynccontextmanager
    async def lifespan(app):
        server.start()
        try:
            yield
        finally:
            server.pool.close()

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return server.not_found(request)
        return PlainTextResponse(
            f"{exc.status_code} {exc.detail}\n", exc.status_code, headers=exc.headers
        )

    async def not_acceptable(request: Request, exc: NotAcceptable) -> Response:
        return PlainTextResponse(
            f"406 Not Acceptable: this resource is offered as {', '.join(exc.offered)}\n", 406
        )

    routes = [
        *linked_data_routes(server),
        *sparql_routes(server),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, NotAcceptable: not_acceptable},
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BoundedSending)
    # Open data: any web page may read it (no credentials: the only cookie is the page language).
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=["Link", "Content-Location", "Retry-After"],
        max_age=86400,
    )
    app.state.server = server
    return app


def open_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: any free port); InputError if it cannot bind."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without
    # it every response waits ~40 ms for Nagle's algorithm and the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    return sock


def local_url(sock: socket.socket) -> str:
    """http://HOST:PORT/ of a bound socket, where the server answers.

    A wildcard address (0.0.0.0, ::) names no host, so the loopback one stands for it.
    """
    host, port = sock.getsockname()[:2]
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def run(app: Starlette, sock: socket.socket, access_log: bool = True) -> None:
    """Serve `app` on `sock` with uvicorn until interrupted."""
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level="info",
        access_log=access_log,
        server_header=False,
        limit_concurrency=MAX_CONNECTIONS,
    )
    uvicorn.Server(config).run(sockets=[sock])
