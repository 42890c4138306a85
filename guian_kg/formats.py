"""The one table of RDF formats: `--format`, file names and HTTP content negotiation all read it."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError


@dataclass(frozen=True)
class RDFFormat:
    name: str  # the --format value
    media_type: str
    extension: str  # file suffix, without the dot
    rdflib: str  # rdflib plugin name
    quads: bool  # keeps named graphs
    aliases: tuple[str, ...] = ()
    # Other media types answered with this format: a client asking for plain JSON gets JSON-LD.
    also_media_types: tuple[str, ...] = ()


FORMATS: tuple[RDFFormat, ...] = (
    RDFFormat("ttl", "text/turtle", "ttl", "turtle", False, ("turtle",)),
    RDFFormat("nt", "application/n-triples", "nt", "nt", False, ("ntriples", "n-triples")),
    RDFFormat("nq", "application/n-quads", "nq", "nquads", True, ("nquads", "n-quads")),
    RDFFormat("trig", "application/trig", "trig", "trig", True, ()),
    RDFFormat(
        "jsonld",
        "application/ld+json",
        "jsonld",
        "json-ld",
        True,
        ("json-ld",),
        ("application/json",),
    ),
    RDFFormat("rdfxml", "application/rdf+xml", "rdf", "xml", False, ("xml", "rdf")),
)

# The dump formats `build` writes to dist/ (RDF/XML is served on request, not dumped).
DUMP_FORMATS: tuple[str, ...] = ("ttl", "nt", "nq", "trig", "jsonld")


def get_format(name: str) -> RDFFormat:
    """Look a format up by name, alias, media type or extension; raise InputError naming the choices."""
    key = name.strip().lower()
    for fmt in FORMATS:
        if key in (fmt.name, fmt.media_type, fmt.extension, *fmt.aliases, *fmt.also_media_types):
            return fmt
    choices = ", ".join(f.name for f in FORMATS)
    raise InputError(f"unknown RDF format {name!r}; choose one of: {choices}")
