"""What every route shares: the site, the query pool (started once), the templates, response helpers.

A module of its own, imported by the routes and by the application that mounts them.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from urllib.parse import urlencode

from rdflib import Graph
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from .. import store as stores
from ..engine import default_cache_dir
from ..formats import get_format
from ..write import serialize_graph
from .limits import ResultBudget
from .negotiation import DOCUMENT_FORMATS, HTML, HTML_FIRST, NotAcceptable, choose
from .render import Pages, alternates
from .site import Site
from .ui import choose_lang, text
from .workers import QueryPool, Settings

HERE = Path(__file__).resolve().parent


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
        self.pool = QueryPool(worker_settings(site), workers, timeout)
        self.pages = Pages(site)  # links in pages stay on this server
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the query workers (at application startup, or on first use without a lifespan)."""
        with self._lock:
            if not self._started:
                self.pool.start()
                self._started = True

    def html(
        self, request: Request, template: str, status: int = 200, headers=None, **context
    ) -> Response:
        lang = context.pop("lang")
        params = dict(request.query_params)
        toggles = {
            code: f"{request.url.path}?{urlencode({**params, 'lang': code})}"
            for code in ("zh", "en")
        }
        page = self.pages.render(template, lang, toggles, **context)
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
            response.set_cookie("lang", lang, max_age=365 * 86400, path="/", samesite="lax")
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
        """The Link header of a document (its published IRI): each format's URL on this server, the
        canonical document and the thing it is about (published IRIs)."""
        local = self.site.local(document)
        parts = [
            f'<{local}.{f.extension}>; rel="alternate"; type="{f.media_type}"'
            for f in DOCUMENT_FORMATS
        ]
        parts.append(f'<{local}.html>; rel="alternate"; type="text/html"')
        parts.append(f'<{document}>; rel="canonical"')
        if thing:
            parts.append(f'<{thing}>; rel="about"')
        return {"Link": ", ".join(parts)}

    def alternates(self, document: str) -> list[tuple[str, str]]:
        """(media type, URL on this server) of every RDF version of a document, for `<link rel="alternate">`."""
        return alternates(self.site, document)


def worker_settings(site: Site) -> Settings:
    """The graph for the query workers: the site's on-disk store, else its N-Quads in memory if
    small, else an on-disk store made of them that the workers share."""
    if site.store_path is not None:
        return Settings(b"", site.prefixes, store_path=str(site.store_path))
    nquads = site.nquads
    if len(nquads) <= stores.STORE_THRESHOLD:
        return Settings(nquads, site.prefixes)
    key = hashlib.sha256(nquads).hexdigest()[:16]
    path = stores.ensure_store(key, lambda: nquads, default_cache_dir())
    return Settings(b"", site.prefixes, store_path=str(path))
