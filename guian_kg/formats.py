"""The one table of formats: `--format` (names and aliases), file names and HTTP content
negotiation all read it; RDF formats, and the result formats of SELECT and ASK."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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

# `export` only: each statement of the graph as a nanopublication, in TriG (nanopubs.py).
NANOPUB = RDFFormat("nanopub", "application/trig", "trig", "trig", True)
EXPORT_FORMATS: tuple[RDFFormat, ...] = (*FORMATS, NANOPUB)

# The dump formats `build` writes to dist/ (RDF/XML is served on request, not dumped).
DUMP_FORMATS: tuple[str, ...] = ("ttl", "nt", "nq", "trig", "jsonld")


def get_format(name: str) -> RDFFormat:
    """Look a format up by name, alias, media type or extension; raise InputError naming the choices."""
    key = name.strip().lower()
    for fmt in FORMATS:
        if key in (fmt.name, fmt.media_type, fmt.extension, *fmt.aliases, *fmt.also_media_types):
            return fmt
    offered = ", ".join(f.name for f in FORMATS)
    raise InputError(f"unknown RDF format {name!r}; choose one of: {offered}")


@dataclass(frozen=True)
class ResultFormat:
    """A SELECT or ASK result format of `guian-kg query`."""

    name: str
    media_type: str
    extensions: tuple[str, ...]  # file suffixes, without the dot; the first is the usual one
    aliases: tuple[str, ...] = ()


RESULT_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("table", "text/plain", ("txt",), ("text",)),
    ResultFormat("csv", "text/csv", ("csv",)),
    ResultFormat("tsv", "text/tab-separated-values", ("tsv",)),
    ResultFormat("json", "application/sparql-results+json", ("srj", "json"), ("srj",)),
    ResultFormat("xml", "application/sparql-results+xml", ("srx", "xml"), ("srx",)),
)


def names_of(fmt: RDFFormat | ResultFormat) -> tuple[str, ...]:
    """A format's --format name and its aliases."""
    return (fmt.name, *fmt.aliases)


def _extensions(fmt: RDFFormat | ResultFormat) -> tuple[str, ...]:
    return fmt.extensions if isinstance(fmt, ResultFormat) else (fmt.extension,)


def choices(formats: Sequence[RDFFormat | ResultFormat]) -> str:
    """The names of `formats` with their aliases, for help and errors: 'ttl (turtle), nt (ntriples…)'."""
    return ", ".join(f"{f.name} ({'/'.join(f.aliases)})" if f.aliases else f.name for f in formats)


def named(name: str, formats: Sequence[RDFFormat | ResultFormat], what: str) -> str:
    """The format of `formats` that `name` (a name or alias, any case) names; InputError naming
    the choices, and saying `what` they are for, if none does."""
    key = name.strip().lower()
    for fmt in formats:
        if key in names_of(fmt):
            return fmt.name
    raise InputError(f"unknown format {name!r} for {what}; choose one of: {choices(formats)}")


def output_format(
    name: str | None,
    output: Path | None,
    formats: Sequence[RDFFormat | ResultFormat],
    default: str,
    what: str,
) -> str:
    """The format to write: `--format` if given, else the one the extension of `-o FILE` names,
    else `default` (for stdout). A `--format` that contradicts the extension, or a file whose
    extension names none of `formats` without `--format`, is an InputError: never a file whose
    name lies about its content."""
    chosen = named(name, formats, what) if name else None
    if output is None:
        return chosen or default
    suffix = output.suffix.lstrip(".").lower()
    by_extension = next((f.name for f in formats if suffix in _extensions(f)), None)
    if chosen is None and by_extension is None:
        raise InputError(
            f"cannot tell the format of {output} from its extension; give --format "
            f"(one of: {choices(formats)}) or name the file "
            + ", ".join(f".{_extensions(f)[0]}" for f in formats)
        )
    # A file name may fit several formats (.trig: TriG, nanopublications); none else contradicts.
    if chosen and by_extension and suffix not in _extensions(_format(chosen, formats)):
        raise InputError(
            f"--format {name} contradicts the file name {output} ({by_extension}); "
            f"drop --format, or name the file .{_usual_extension(chosen, formats)}"
        )
    return chosen or by_extension


def _format(name: str, formats: Sequence[RDFFormat | ResultFormat]) -> RDFFormat | ResultFormat:
    return next(f for f in formats if f.name == name)


def _usual_extension(name: str, formats: Sequence[RDFFormat | ResultFormat]) -> str:
    return _extensions(_format(name, formats))[0]
