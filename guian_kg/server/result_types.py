"""The media types a SPARQL result is offered in, by query form, and how a request chooses one.

Shared by the endpoint (which reads the request) and the query workers (which learn the query's
form from Oxigraph's own parse and serialise the result): a module of its own, so that a worker
imports neither Starlette nor rdflib for it.
"""

from __future__ import annotations

from .negotiation import HTML, JSON, RDF_TYPES, NotAcceptable, choose

JSON_RESULTS, XML_RESULTS = "application/sparql-results+json", "application/sparql-results+xml"
SELECT_TYPES = (
    JSON_RESULTS,
    XML_RESULTS,
    "text/csv",
    "text/tab-separated-values",
    JSON,
    HTML,
)
ASK_TYPES = (JSON_RESULTS, XML_RESULTS, JSON, HTML)
GRAPH_TYPES = (*RDF_TYPES, JSON, HTML)
# media type → the worker's name of the serialisation
WORKER_FORMATS = {
    JSON_RESULTS: "json",
    JSON: "json",
    XML_RESULTS: "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/turtle": "ttl",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    HTML: "html",
}
# The non-standard `format` parameter (the HTML form's result format menu) names a media type.
FORMAT_PARAM = {
    "json": JSON_RESULTS,
    "xml": XML_RESULTS,
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "html": HTML,
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


def offered(form: str) -> tuple[str, ...]:
    """The media types offered for a query form: SELECT, ASK, or CONSTRUCT (DESCRIBE alike)."""
    if form in ("CONSTRUCT", "DESCRIBE"):
        return GRAPH_TYPES
    return ASK_TYPES if form == "ASK" else SELECT_TYPES


def worker_format(form: str, media_type: str) -> str:
    """The worker's serialisation of a result: plain JSON is JSON-LD for a graph, SPARQL JSON else."""
    if media_type == JSON and form in ("CONSTRUCT", "DESCRIBE"):
        return "jsonld"
    return WORKER_FORMATS[media_type]


def negotiate(form: str, accept: str | None, format_param: str | None) -> str:
    """The result media type: the `format` parameter if given, else by Accept; NotAcceptable if none fits."""
    types = offered(form)
    if format_param:
        wanted = FORMAT_PARAM[format_param]
        if wanted not in types:
            raise NotAcceptable(types)
        return wanted
    return choose(accept, types)
