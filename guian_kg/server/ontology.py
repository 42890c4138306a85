"""The ontology page: every class and property of gk:, with labels, definitions, domain, range and shapes."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from .site import Site
from .ui import Shown, curie, show

# Shape triples that say what the shape is, not what it checks.
_NOT_CONSTRAINTS = {
    RDF.type,
    SH.path,
    SH.message,
    SH.name,
    SH.description,
    SH.property,
    RDFS.label,
    RDFS.comment,
}


@dataclass
class ShapeUse:
    shape: str  # prefixed name of the node shape
    targets: list[str]
    constraints: list[str]
    message: str


@dataclass
class Term:
    anchor: str
    iri: str
    labels: dict[str, str]
    definitions: dict[str, str]
    kind: str  # class, object, datatype, other
    parents: list[Shown] = field(default_factory=list)
    domain: list[Shown] = field(default_factory=list)
    range: list[Shown] = field(default_factory=list)
    shapes: list[ShapeUse] = field(default_factory=list)


@dataclass
class OntologyView:
    iri: str
    title: str
    description: str
    version: str
    classes: list[Term]
    object_properties: list[Term]
    datatype_properties: list[Term]
    others: list[Term]


def _by_lang(graph: Graph, subject: URIRef, predicate: URIRef) -> dict[str, str]:
    return {
        o.language or "": str(o)
        for o in graph.objects(subject, predicate)
        if isinstance(o, Literal)
    }


def ontology_view(site: Site, lang: str) -> OntologyView:
    """The documentation of the gk: namespace, from the ontology graph and the shapes."""
    graph = site.small_graphs["ontology"]
    namespace = f"{site.iris.ontology}#"
    prefixes = site.prefixes

    def shown(term) -> Shown:
        return show(term, lang, site.label, prefixes, site.local)

    terms = []
    for subject in sorted(
        {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(namespace)}
    ):
        types = set(graph.objects(subject, RDF.type))
        kind = (
            "class"
            if OWL.Class in types or RDFS.Class in types
            else "object"
            if OWL.ObjectProperty in types
            else "datatype"
            if OWL.DatatypeProperty in types
            else "other"
        )
        parents = [
            *graph.objects(subject, RDFS.subClassOf),
            *graph.objects(subject, RDFS.subPropertyOf),
        ]
        term = Term(
            str(subject)[len(namespace) :],
            str(subject),
            _by_lang(graph, subject, RDFS.label),
            _by_lang(graph, subject, SKOS.definition) or _by_lang(graph, subject, RDFS.comment),
            kind,
            [shown(p) for p in sorted(parents)],
            [shown(d) for d in sorted(graph.objects(subject, RDFS.domain))],
            [shown(r) for r in sorted(graph.objects(subject, RDFS.range))],
        )
        term.shapes = _shapes_for(site.shapes, subject, kind, lang, prefixes)
        terms.append(term)
    ontology = site.iris.ontology
    title = _by_lang(graph, ontology, DCTERMS.title)
    description = _by_lang(graph, ontology, DCTERMS.description)
    other = "en" if lang == "zh" else "zh"
    return OntologyView(
        str(ontology),
        title.get(lang) or title.get(other, ""),
        description.get(lang) or description.get(other, ""),
        str(graph.value(ontology, OWL.versionInfo) or ""),
        [t for t in terms if t.kind == "class"],
        [t for t in terms if t.kind == "object"],
        [t for t in terms if t.kind == "datatype"],
        [t for t in terms if t.kind == "other"],
    )


def _shapes_for(
    shapes: Graph, term: URIRef, kind: str, lang: str, prefixes: dict[str, str]
) -> list[ShapeUse]:
    """Node shapes targeting the class, or property shapes on the property (and the node shapes that hold them)."""
    uses = []
    if kind == "class":
        for shape in sorted(shapes.subjects(SH.targetClass, term)):
            paths = sorted(
                {
                    curie(str(p), prefixes)
                    for ps in shapes.objects(shape, SH.property)
                    for p in shapes.objects(ps, SH.path)
                    if isinstance(p, URIRef)
                }
            )
            uses.append(
                ShapeUse(curie(str(shape), prefixes), [], paths, _message(shapes, shape, lang))
            )
        return uses
    for target in (SH.targetSubjectsOf, SH.targetObjectsOf):
        for shape in sorted(shapes.subjects(target, term)):
            uses.append(
                ShapeUse(
                    curie(str(shape), prefixes),
                    [curie(str(target), prefixes)],
                    [],
                    _message(shapes, shape, lang),
                )
            )
    for property_shape in sorted(shapes.subjects(SH.path, term), key=str):
        holders = sorted(shapes.subjects(SH.property, property_shape)) or [property_shape]
        for holder in holders:
            if isinstance(holder, BNode):
                continue
            targets = sorted(
                curie(str(c), prefixes) for c in shapes.objects(holder, SH.targetClass)
            )
            constraints = [
                f"{curie(str(p), prefixes)} {_value(o, prefixes)}"
                for p, o in sorted(shapes.predicate_objects(property_shape))
                if p not in _NOT_CONSTRAINTS
            ]
            message = _message(shapes, property_shape, lang) or _message(shapes, holder, lang)
            uses.append(ShapeUse(curie(str(holder), prefixes), targets, constraints, message))
    return uses


def _value(term, prefixes: dict[str, str]) -> str:
    if isinstance(term, URIRef):
        return curie(str(term), prefixes)
    if isinstance(term, Literal):
        return str(term)
    return "[…]"


def _message(shapes: Graph, shape, lang: str) -> str:
    messages = _by_lang(shapes, shape, SH.message)
    return messages.get(lang) or messages.get("en") or messages.get("", "")
