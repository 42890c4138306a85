"""The linked-data routes: things (303), their documents (200, negotiated), the ontology, VoID, graphs, dumps.

The 303 pattern of the design: GET /id/{kind}/{slug} (the thing {base}id/{kind}/{slug}) → 303 See
Other → /doc/{kind}/{slug} (HTML) or /doc/{kind}/{slug}.{ext} (RDF), which answer 200 with Link
headers naming every format. Request paths are the published IRIs' paths under the base; the
documents speak of the published IRIs.
"""

from __future__ import annotations

import functools
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..formats import DUMP_FORMATS, get_format
from ..iri import GRAPH_NAMES
from ..void import DUMP_STEM
from ..write import serialize_dataset
from . import render as pages
from .negotiation import HTML, HTML_FIRST, JSON, QUAD_FORMATS, QUAD_TYPES, by_extension, choose
from .ontology import ontology_view
from .pages import describe
from .state import Server, lang_of, with_charset

DUMP_TYPES = {
    "context.jsonld": "application/ld+json",
    "designations.schema.json": "application/schema+json",  # the media type JSON Schema defines
    "void.ttl": "text/turtle",
}
# A named graph of more triples is not serialised per request: its RDF is in the dumps.
MAX_GRAPH_DOCUMENT = 100_000


def _media_type(request: Request, offered=HTML_FIRST) -> str | None:
    """The `.ext` of the URL's format if the route has one (None if unknown), else the negotiated type."""
    extension = request.path_params.get("ext")
    if extension is not None:
        return by_extension(extension)
    return choose(request.headers.get("accept"), offered)


def _split(name: str, *more_formats) -> tuple[str, str | None, bool]:
    """'slug.ttl' → ('slug', 'text/turtle', True); 'slug' → ('slug', None, True); 'slug.xyz' → (…, False)."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        return name, None, True
    media_type = by_extension(extension) or by_extension(extension, more_formats)
    return stem, media_type, media_type is not None


def linked_data_routes(server: Server) -> list[BaseRoute]:
    """The routes; those that read the store or a file are plain functions, which Starlette runs in
    its thread pool, so that a page of a large graph never holds the event loop."""
    site = server.site
    base = site.base
    documentation = functools.cache(
        lambda lang: ontology_view(site, lang)
    )  # the graph never changes

    def resource(
        request: Request, iri: URIRef, doc: str, media_type: str, graph: Graph
    ) -> Response:
        headers = server.links(doc, str(iri))
        if media_type != HTML:
            return server.rdf(graph, media_type, headers=headers)
        lang = lang_of(request)
        context = pages.resource(site, iri, doc, lang, server.alternates(doc))
        return server.html(request, "resource.html", headers=headers, lang=lang, **context)

    def home(request: Request) -> Response:
        media_type = _media_type(request)
        if media_type != HTML:
            return server.rdf(
                site.small_graphs["void"], media_type, headers=server.links(f"{base}void")
            )
        lang = lang_of(request)
        context = pages.home(site, lang, server.alternates(f"{base}void"))
        return server.html(request, "home.html", lang=lang, **context)

    def thing(request: Request) -> Response:
        kind, slug = request.path_params["kind"], request.path_params["slug"]
        media_type = _media_type(request)
        if not site.has(site.iris.thing(kind, slug)):
            return server.not_found(request, media_type)
        doc = f"/doc/{kind}/{slug}"
        target = doc if media_type == HTML else f"{doc}.{get_format(media_type).extension}"
        if request.url.query:
            target += f"?{request.url.query}"
        return RedirectResponse(
            target, 303, headers={"Vary": "Accept", "Link": f'<{doc}>; rel="describedby"'}
        )

    def document(request: Request) -> Response:
        slug, media_type, known = _split(request.path_params["name"])
        iri = site.iris.thing(request.path_params["kind"], slug)
        if not known or not site.has(iri):
            return server.not_found(request, media_type)
        media_type = media_type or _media_type(request)
        doc = str(site.iris.doc(request.path_params["kind"], slug))
        return resource(request, iri, doc, media_type, describe(site, iri, URIRef(doc)))

    def ontology(request: Request) -> Response:
        version = request.path_params.get("version")
        graph = site.small_graphs["ontology"]
        if version is not None and version != str(graph.value(site.iris.ontology, OWL.versionInfo)):
            return server.not_found(request)
        media_type = _media_type(request)
        if media_type is None:
            return server.not_found(request)
        doc = f"{base}ontology"
        headers = server.links(doc, doc)
        if media_type != HTML:
            return server.rdf(graph, media_type, headers=headers)
        lang = lang_of(request)
        context = pages.ontology(site, documentation(lang), server.alternates(doc))
        return server.html(request, "ontology.html", headers=headers, lang=lang, **context)

    def void(request: Request) -> Response:
        media_type = _media_type(request)
        if media_type is None:
            return server.not_found(request)
        return resource(
            request,
            site.iris.dataset,
            f"{base}void",
            media_type,
            site.small_graphs["void"],
        )

    async def dataset(request: Request) -> Response:
        return RedirectResponse("/void", 303, headers={"Vary": "Accept"})

    def named_graph(request: Request) -> Response:
        stem, media_type, known = _split(request.path_params["name"], *QUAD_FORMATS)
        if not known or stem not in GRAPH_NAMES:
            return server.not_found(request, media_type)
        media_type = media_type or _media_type(request, (*HTML_FIRST, *QUAD_TYPES))
        doc = str(site.iris.graph(stem))
        headers = server.links(doc)
        if media_type != HTML:
            if site.sizes[doc] > MAX_GRAPH_DOCUMENT:
                return RedirectResponse(
                    f"/download/{DUMP_STEM}.nq", 303, headers={"Vary": "Accept"}
                )
            if media_type in QUAD_TYPES:  # the graph under its name
                body = serialize_dataset({URIRef(doc): site.graph(stem)}, media_type, base)
                return Response(
                    body,
                    headers={"Vary": "Accept", **headers},
                    media_type=with_charset(media_type),
                )
            return server.rdf(site.graph(stem), media_type, headers=headers)
        lang = lang_of(request)
        context = pages.graph(site, doc, server.alternates(doc))
        return server.html(request, "graph.html", headers=headers, lang=lang, **context)

    def context(request: Request) -> Response:
        return Response(site.download("context.jsonld"), media_type="application/ld+json")

    def download(request: Request) -> Response:
        name = request.path_params["name"]
        if name == DUMP_STEM:  # the dump without a format: the one Accept prefers, by a 303
            return _dump_by_accept(request)
        if name not in site.downloads:
            raise HTTPException(404)
        media_type = with_charset(
            DUMP_TYPES.get(name) or get_format(name.rpartition(".")[2]).media_type
        )
        found = site.downloads[name]
        if isinstance(found, Path):  # a file of dist/, sent in pieces
            return FileResponse(found, media_type=media_type)
        return Response(found, media_type=media_type)

    def _dump_by_accept(request: Request) -> Response:
        dumps = [get_format(n) for n in DUMP_FORMATS if f"{DUMP_STEM}.{n}" in site.downloads]
        quads_first = sorted(dumps, key=lambda f: not f.quads)  # the whole dataset, names kept
        offered = [f.media_type for f in quads_first]
        if "application/ld+json" in offered:
            offered.append(JSON)
        extension = get_format(choose(request.headers.get("accept"), offered)).extension
        return RedirectResponse(
            f"/download/{DUMP_STEM}.{extension}", 303, headers={"Vary": "Accept"}
        )

    async def example(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in site.examples:
            raise HTTPException(404)
        return PlainTextResponse(site.example_text(name))

    return [
        Route("/", home),
        Route("/id/{kind}/{slug}", thing),
        Route("/doc/{kind}/{name}", document),
        Route("/ontology", ontology),
        Route("/ontology.{ext}", ontology),
        Route("/ontology/{version}", ontology),
        Route("/void", void),
        Route("/.well-known/void", void),  # RFC 8615; VoID §7
        Route("/void.{ext}", void),
        Route("/dataset", dataset),
        Route("/dataset/{rest:path}", dataset),
        Route("/graph/{name}", named_graph),
        Route("/context.jsonld", context),
        Route("/download/{name}", download),
        Route("/queries/{name}.rq", example),
    ]
