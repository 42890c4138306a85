"""Reading the RDF files a user gives without fetching or reading anything else.

rdflib's JSON-LD parser fetches a remote `@context` or `@import` with urllib and reads a `file:`
one from disk; so JSON-LD files are read here, with PyLD and the offline document loader of
`jsonld.py` (the project's own context from the package, every other URL refused), into N-Quads
that rdflib and Oxigraph both load: one path for `validate`, `build --data` and `query --data`.
RDF/XML parsers do not fetch an external DTD or entity (Python's SAX has external entities off,
Oxigraph rejects their declaration) but drop or reject it without saying so, so a DOCTYPE that
names one is refused here, naming it. Turtle, TriG, N-Triples and N-Quads cannot name a document
to fetch.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit
from xml.parsers import expat

from .errors import ExternalReferenceRefused, InputError, RDFSyntaxError, RemoteDocumentRefused
from .formats import RDFFormat, get_format

NQUADS = get_format("nq")


def readable(path: Path, fmt: RDFFormat) -> tuple[RDFFormat, bytes | None]:
    """What a parser may read of `path`: (N-Quads, their bytes) for JSON-LD, else (`fmt`, None) for the file itself."""
    if fmt.name == "jsonld":
        return NQUADS, jsonld_nquads(path).encode("utf-8")
    if fmt.name == "rdfxml":
        check_xml_doctype(path)
    return fmt, None


def jsonld_nquads(path: Path) -> str:
    """The N-Quads of a JSON-LD file, read by PyLD offline; a context outside the file is refused."""
    from . import jsonld  # imports rdflib: only when a JSON-LD file is read

    try:
        doc = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise RDFSyntaxError(
            path, exc.lineno, f"not JSON: {exc.msg} (column {exc.colno})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the file: {exc}") from None
    if not isinstance(doc, (dict, list)):
        # PyLD would take a JSON string for the URL of the document and ask the loader for it.
        raise InputError(
            f"{path}: a JSON-LD document is a JSON object or array, not {type(doc).__name__}"
        )
    try:
        return jsonld.to_nquads(doc, document_iri=path.resolve().as_uri())
    except RemoteDocumentRefused as exc:
        raise _context_refused(path, exc.url, jsonld.context_iri()) from None
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def check_xml_doctype(path: Path) -> None:
    """Refuse an XML file whose DOCTYPE names an external DTD or entity; read only up to the root element."""
    parser = expat.ParserCreate()

    def doctype(name: str, system_id: str | None, public_id: str | None, internal: int) -> None:
        if system_id is not None:
            raise ExternalReferenceRefused(
                path,
                parser.CurrentLineNumber,
                system_id,
                f"the DOCTYPE refers to the external DTD <{system_id}>; guian-kg fetches nothing "
                "and reads no file it was not given: remove the reference (RDF/XML needs no DTD)",
            )

    def entity(name: str, is_parameter: int, value, base, system_id: str | None, *_) -> None:
        if system_id is not None:
            shown = f"%{name};" if is_parameter else f"&{name};"
            raise ExternalReferenceRefused(
                path,
                parser.CurrentLineNumber,
                system_id,
                f"the entity {shown} refers to <{system_id}>; guian-kg fetches nothing and reads "
                "no file it was not given: write the entity's text in the file instead",
            )

    def root(name: str, attributes: dict) -> None:
        raise _PrologRead

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = root
    try:
        with path.open("rb") as handle:
            parser.ParseFile(handle)
    except _PrologRead:
        return
    except expat.ExpatError:
        return  # malformed XML: the RDF/XML parser reports it with its own line
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file: {exc.strerror}") from None


class _PrologRead(Exception):
    """Raised at the root element: the DOCTYPE, if any, has been read."""


def _context_refused(path: Path, url: str, project_context: str) -> ExternalReferenceRefused:
    remote = urlsplit(url).scheme.lower() in ("http", "https")
    if remote:
        what = f"refers to the remote context <{url}>; guian-kg fetches nothing"
    else:
        what = f"refers to the context <{url}> outside the file; guian-kg reads no file it was not given"
    hint = f"inline the context or use the project's context IRI <{project_context}>"
    return ExternalReferenceRefused(path, None, url, f"{what}: {hint}")
