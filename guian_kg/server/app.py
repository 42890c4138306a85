"""The Starlette application: shared state, error handling, security headers, and running it with uvicorn."""

from __future__ import annotations

import socket
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader
from rdflib import Graph
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..build import KnowledgeGraph
from ..errors import InputError
from ..formats import get_format
from ..serialize import serialize_graph
from .limits import BoundedSending, ResultBudget
from .negotiation import DOCUMENT_FORMATS, HTML, HTML_FIRST, NotAcceptable, choose
from .site import Site, load_site
from .sparql import MAX_BYTES
from .ui import STRINGS, choose_lang, text
from .workers import QueryPool, Settings, default_size

HERE = Path(__file__).resolve().parent
DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_ROWS = 10_000
MAX_CONNECTIONS = 256  # uvicorn answers 503 past this many connections and requests at once
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    # No script at all and nothing from another origin: the pages work without JavaScript.
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self' data:; "
        b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
]


class SecurityHeaders:
    """ASGI middleware adding the security headers to every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def sending(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        return await self.app(scope, receive, sending)


def lang_of(request: Request) -> str:
    return choose_lang(
        request.query_params.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("accept-language"),
    )


def with_charset(media_type: str) -> str:
    textual = media_type.startswith("text/") or media_type in (
        "application/n-triples",
        "application/rdf+xml",
    )
    return f"{media_type}; charset=utf-8" if textual else media_type


class Server:
    """What the routes share: the site, the query pool (started once), the templates, response helpers."""

    def __init__(self, site: Site, timeout: float, max_rows: int, max_bytes: int, workers: int):
        self.site, self.timeout, self.max_rows, self.max_bytes = site, timeout, max_rows, max_bytes
        self.results = ResultBudget(max(4 * max_bytes, 64 * 1024 * 1024))
        self.root = urlsplit(site.base).path.rstrip("/")  # routes live under the base's path
        self.pool = QueryPool(Settings(site.nquads, site.prefixes), workers, timeout)
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the query workers (at application startup, or on first use without a lifespan)."""
        with self._lock:
            if not self._started:
                self.pool.start()
                self._started = True
                # Make the dumps in the background: the first /download or home page need not wait long.
                threading.Thread(target=lambda: self.site.downloads, daemon=True).start()

    def path(self, route: str = "/") -> str:
        """The URL path of a route under the base (links between pages stay on the host that served them)."""
        return self.root + route

    def html(
        self, request: Request, template: str, status: int = 200, headers=None, **context
    ) -> Response:
        lang = context.pop("lang")
        params = dict(request.query_params)
        toggles = {
            code: f"{request.url.path}?{urlencode({**params, 'lang': code})}"
            for code in ("zh", "en")
        }
        page = self.templates.get_template(template).render(
            lang=lang,
            t=lambda key: text(key, lang),
            path=self.path,
            toggles=toggles,
            site_name=STRINGS["site"],
            base=self.site.base,
            **context,
        )
        response = HTMLResponse(
            page,
            status,
            headers={
                "Vary": "Accept, Accept-Language, Cookie",
                "Content-Language": lang,
                **(headers or {}),
            },
        )
        if params.get("lang") in ("zh", "en"):
            response.set_cookie(
                "lang", lang, max_age=365 * 86400, path=self.path("/"), samesite="lax"
            )
        return response

    def rdf(self, graph: Graph, media_type: str, status: int = 200, headers=None) -> Response:
        body = serialize_graph(graph, get_format(media_type), self.site.base)
        return Response(
            body,
            status,
            headers={"Vary": "Accept", **(headers or {})},
            media_type=with_charset(media_type),
        )

    def not_found(self, request: Request, media_type: str | None = None) -> Response:
        """404 in the negotiated format: an HTML page, or an empty RDF document."""
        if media_type is None:
            try:
                media_type = choose(request.headers.get("accept"), HTML_FIRST)
            except NotAcceptable:
                return PlainTextResponse("404 Not Found\n", 404)
        if media_type != HTML:
            return self.rdf(Graph(), media_type, 404)
        lang = lang_of(request)
        return self.html(
            request,
            "error.html",
            404,
            lang=lang,
            title=text("not_found", lang),
            code=404,
            message=text("not_found_text", lang),
            iri=str(request.url),
        )

    def links(self, document: str, thing: str | None = None) -> dict[str, str]:
        """The Link header of a document: each format's URL, the canonical document, the thing it is about."""
        parts = [
            f'<{document}.{f.extension}>; rel="alternate"; type="{f.media_type}"'
            for f in DOCUMENT_FORMATS
        ]
        parts.append(f'<{document}.html>; rel="alternate"; type="text/html"')
        parts.append(f'<{document}>; rel="canonical"')
        if thing:
            parts.append(f'<{thing}>; rel="about"')
        return {"Link": ", ".join(parts)}

    def alternates(self, document: str) -> list[tuple[str, str]]:
        """(media type, URL) of every RDF version of a document, for `<link rel="alternate">`."""
        return [(f.media_type, f"{document}.{f.extension}") for f in DOCUMENT_FORMATS]


def create_app(
    kg_or_dist: KnowledgeGraph | Path | str,
    base: str = "http://127.0.0.1:8000/",
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    workers: int | None = None,
    max_bytes: int = MAX_BYTES,
) -> Starlette:
    """The ASGI application publishing a knowledge graph (or a built dist/ folder) with every IRI under `base`."""
    if timeout <= 0 or max_rows < 1 or max_bytes < 1:
        raise InputError("--timeout must be positive, --max-rows and --max-bytes at least 1")
    from .endpoint import sparql_routes
    from .routes import linked_data_routes

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
        routes=[Mount(server.root, routes=routes)] if server.root else routes,
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


def local_base(sock: socket.socket) -> str:
    """http://HOST:PORT/ of a bound socket, the default base: IRIs dereference on this server.

    A wildcard address (0.0.0.0, ::) names no host, so the loopback one stands for it; a public
    server should be given --base.
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
