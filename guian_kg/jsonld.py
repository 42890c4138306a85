"""JSON-LD: the project context at a stable IRI, a document loader that never touches the network,
the compacted graph, and framed documents for web pages (JSON-LD 1.1).

The compacted graph and the framed documents are written straight from Oxigraph quads, by
`compaction.py` and `framing.py`; PyLD (`compact_with_pyld`, `frame_with_pyld`) is their tested
reference. Reading JSON-LD uses PyLD.

The context lives in the package (guian_kg/context.jsonld) and is published at
`{base}context.jsonld` (dist/context.jsonld). Compacted dumps embed it, so that RDF tools read
them offline (Oxigraph refuses remote contexts, rdflib and Jena fetch them); framed documents for
web pages reference it by IRI, and the loader here maps that IRI to the local file and refuses
every other URL. Spec: https://www.w3.org/TR/json-ld11/, https://www.w3.org/TR/json-ld11-framing/.

Frames (guian_kg/frames/*.jsonld) start every nested frame with `"@id": {}`, so that it matches
every node (a frame that lists properties matches only nodes having one of them, and framing
drops the values it does not match), and name language-mapped properties by compact IRI
(`"rdfs:label": {}`), since under a term with `"@container": "@language"` the empty frame would
read as an empty language map, which matches nothing.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib import Literal as RDFLiteral
from rdflib.namespace import RDF, XSD

from .compaction import ContextMode, compact_quads, context_iri, jsonld_context
from .errors import InputError, RemoteDocumentRefused
from .framing import FRAMES as FRAMES  # the frames export knows (cli.py names them too)
from .framing import frame_context, frame_quads, load_frame_document
from .iri import DEFAULT_BASE, Iris
from .write import oxigraph_quads

Loader = Callable[[str, Any], dict]

_INTEGER = re.compile(r"^(0|-?[1-9][0-9]*)$")
_JS_SAFE = 2**53 - 1  # larger integers would lose digits as JavaScript numbers


def context_file(base: str = DEFAULT_BASE) -> bytes:
    """The bytes of dist/context.jsonld: the context as a JSON-LD document, keys sorted."""
    return dumps({"@context": jsonld_context(base)}).encode("utf-8")


def schema_file(base: str = DEFAULT_BASE) -> bytes:
    """The bytes of dist/designations.schema.json: the JSON Schema of designations.jsonld (its $id
    under `base`), written by hand from the designation frame and the context."""
    text = (Path(__file__).resolve().parent / "schemas" / "designations.schema.json").read_text(
        encoding="utf-8"
    )
    return (text.replace(DEFAULT_BASE, base) if base != DEFAULT_BASE else text).encode("utf-8")


def document_loader(base: str = DEFAULT_BASE) -> Loader:
    """A PyLD document loader: the project's context IRI from the package, any other URL refused."""
    iri = context_iri(base)
    document = {"@context": jsonld_context(base)}

    def load(url: str, options: Any = None) -> dict:
        if url != iri:
            raise RemoteDocumentRefused(url)
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(document),
        }

    return load


def _pyld():
    """PyLD, imported on first use (0.15 s): the build writes JSON-LD without it (compaction.py,
    framing.py), which it is the reference of."""
    from pyld import jsonld

    return jsonld


def expanded(graphs: Iterable[tuple[URIRef | None, Graph]]) -> list:
    """Expanded JSON-LD of (graph name or None for the default graph, graph) pairs.

    Canonical xsd:integer and xsd:boolean literals become JSON numbers and booleans (they map back
    to the same literals); every other typed literal keeps its lexical form and datatype.
    """
    dataset = {(str(n) if n else "@default"): [_triple(t) for t in g] for n, g in graphs}
    return _native(_pyld().from_rdf(dataset, {"useNativeTypes": False, "useRdfType": False}))


def compact_with_pyld(
    graphs: Iterable[tuple[URIRef | None, Graph]],
    base: str = DEFAULT_BASE,
    context: ContextMode = "embed",
) -> dict:
    """PyLD's compacted document of the graphs (named graphs kept): the reference `compact_quads` is
    tested against (its output, once dumped, is byte-identical), and the baseline of its benchmark."""
    doc = _run(_pyld().compact, expanded(graphs), context_iri(base), base)
    if "@graph" not in doc:
        body = {k: v for k, v in doc.items() if k != "@context"}
        doc = {"@context": doc.get("@context"), "@graph": [body] if body else []}
    return _with_context(_stable(doc), base, context)


def frame_with_pyld(
    graph: Graph, name: str, base: str = DEFAULT_BASE, context: ContextMode = "iri"
) -> dict:
    """PyLD's framed document `name` (see FRAMES) of `graph`: the reference `frame_quads` is tested
    against (its output, once dumped, is byte-identical)."""
    doc = _run(
        _pyld().frame,
        expanded([(None, graph)]),
        load_frame(name, base),
        base,
        {"omitGraph": False},
    )
    doc = _stable(doc)
    if context not in ("embed", "iri"):
        raise InputError(f"unknown context mode {context!r}; choose embed or iri")
    doc["@context"] = frame_context(name, base, context)
    return doc


def web_graphs(graphs: dict[URIRef, Graph], base: str = DEFAULT_BASE) -> list[tuple[None, Graph]]:
    """What framed documents are made of, merged: the data, and the ontology for the labels of concepts."""
    iris = Iris(base)
    return [(None, graphs[iris.graph("ontology")]), (None, graphs[iris.graph("data")])]


def export(
    graphs: dict[URIRef, Graph],
    base: str = DEFAULT_BASE,
    frame_name: str | None = None,
    context: ContextMode | None = None,
) -> str:
    """JSON text: the compacted graphs (context embedded) or a framed document (context by IRI)."""
    if frame_name:
        quads = oxigraph_quads(web_graphs(graphs, base))
        return frame_quads(quads, frame_name, base, context or "iri")
    return compact_quads(oxigraph_quads(sorted(graphs.items())), base, context or "embed")


def load_frame(name: str, base: str = DEFAULT_BASE) -> dict:
    """The frame guian_kg/frames/NAME.jsonld, referencing the context published under `base`
    (then the frame's own terms)."""
    frame_doc = load_frame_document(name)
    frame_doc["@context"] = frame_context(name, base)
    return frame_doc


def to_dataset(doc: dict | list, base: str = DEFAULT_BASE) -> Dataset:
    """The RDF dataset a JSON-LD document denotes, read with PyLD and the offline loader."""
    ds = Dataset()
    ds.parse(data=to_nquads(doc, base), format="nquads")
    return ds


def to_nquads(doc: dict | list, base: str = DEFAULT_BASE, document_iri: str | None = None) -> str:
    """N-Quads of a JSON-LD document (relative IRIs against `document_iri`), read with the offline loader."""
    options = {"format": "application/n-quads"}
    if document_iri:
        options["base"] = document_iri
    return _run(_pyld().to_rdf, doc, None, base, options)


def inline_context(doc: Any, base: str = DEFAULT_BASE) -> Any:
    """A copy of `doc` with each reference to the project's context IRI replaced by the context.

    For JSON-LD processors without a loader hook (rdflib fetches remote contexts, Oxigraph refuses).
    """
    iri = context_iri(base)
    if isinstance(doc, dict):
        out = {k: inline_context(v, base) for k, v in doc.items() if k != "@context"}
        if "@context" in doc:
            value = doc["@context"]
            values = value if isinstance(value, list) else [value]
            resolved = [jsonld_context(base) if v == iri else v for v in values]
            out["@context"] = resolved if isinstance(value, list) else resolved[0]
        return out
    if isinstance(doc, list):
        return [inline_context(v, base) for v in doc]
    return doc


def dumps(doc: Any) -> str:
    """Deterministic JSON text: keys sorted, UTF-8 kept, two-space indent, a final newline."""
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _run(function: Callable, document: Any, second: Any, base: str, options: dict | None = None):
    """Call a PyLD API function with the offline loader; turn its errors into the library's own."""
    options = {"documentLoader": document_loader(base), **(options or {})}
    args = (document, options) if second is None else (document, second, options)
    try:
        return function(*args)
    except _pyld().JsonLdError as exc:
        refused = _refusal(exc)
        if refused:
            raise refused from None
        raise InputError(f"JSON-LD processing failed: {exc}") from None


def _refusal(exc: BaseException | None) -> RemoteDocumentRefused | None:
    """The RemoteDocumentRefused behind a PyLD error (PyLD wraps loader errors), if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, RemoteDocumentRefused):
            return exc
        seen.add(id(exc))
        details = getattr(exc, "details", None)
        cause = details.get("cause") if isinstance(details, dict) else None
        exc = cause if isinstance(cause, BaseException) else (exc.__cause__ or exc.__context__)
    return None


def _with_context(doc: dict, base: str, mode: ContextMode) -> dict:
    if mode not in ("embed", "iri"):
        raise InputError(f"unknown context mode {mode!r}; choose embed or iri")
    doc["@context"] = jsonld_context(base) if mode == "embed" else context_iri(base)
    return doc


def _term(node) -> dict:
    if isinstance(node, BNode):
        return {"type": "blank node", "value": f"_:{node}"}
    return {"type": "IRI", "value": str(node)}


def _triple(triple) -> dict:
    s, p, o = triple
    if isinstance(o, RDFLiteral):
        obj = {"type": "literal", "value": str(o)}
        if o.language:
            obj |= {"datatype": str(RDF.langString), "language": o.language}
        else:
            obj["datatype"] = str(o.datatype or XSD.string)
    else:
        obj = _term(o)
    return {"subject": _term(s), "predicate": _term(p), "object": obj}


def _native(value: Any) -> Any:
    if isinstance(value, list):
        return [_native(v) for v in value]
    if not isinstance(value, dict):
        return value
    lexical, datatype = value.get("@value"), value.get("@type")
    if datatype == str(XSD.integer) and _INTEGER.match(lexical) and abs(int(lexical)) <= _JS_SAFE:
        return {"@value": int(lexical)}
    if datatype == str(XSD.boolean) and lexical in ("true", "false"):
        return {"@value": lexical == "true"}
    return {k: _native(v) for k, v in value.items()}


def _sort_key(value: Any) -> tuple:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    node_id = value.get("id", value.get("@id")) if isinstance(value, dict) else None
    return (0, node_id, text) if isinstance(node_id, str) else (1, "", text)


def _stable(value: Any) -> Any:
    """Every array in a stable order: nodes by id, values by their JSON (the data has no @list)."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_stable(v) for v in value), key=_sort_key)
    return value
