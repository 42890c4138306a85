"""Each statement of the graph as a nanopublication, in TriG (`guian-kg export --format nanopub`).

A statement node (`rdf:Statement`: `rdf:subject`, `rdf:predicate`, `rdf:object`, its own
`gk:quote`, `gk:status`) becomes four named graphs (http://nanopub.org/guidelines/working_draft/):

- the **assertion**: the statement's triple, as the graph states it;
- the **provenance**: the assertion `prov:wasDerivedFrom` its quote, whose triples come along
  (`oa:exact`, `oa:start`, `oa:end`, the article in `dcterms:source`) with those of the quote of
  the sentence it lies in (`gk:sentence`); the statement's own annotations (`gk:status`, and for an inferred
  value its `gk:inferenceReason`) said of the assertion; `prov:specializationOf` the statement node;
- the **publication info**: the dataset's licence, publisher and creator as its VoID description
  says, the creation time (`SOURCE_DATE_EPOCH`, as reproducible builds define it; no wall clock),
  and `prov:wasGeneratedBy` this export by guian-kg and its version;
- the **head** that names the three.

Its IRI is `{base}np/` and the artifact code of its trusty URI (trusty.py), computed from the
content: no network, no key. Output depends on the graph alone: nanopublications in the order of
their statements' IRIs, each graph's triples sorted.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timezone

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, VOID, XSD

from . import DEFAULT_BASE, __version__
from .errors import InputError
from .iri import Iris, rebase_quad
from .namespaces import GK, prefixes
from .terms import node
from .trusty import PLACEHOLDER, artifact_code, with_code

NP = "http://www.nanopub.org/nschema#"  # the nanopublication schema: used here only, not in the graph
_TYPE = node(RDF.type)
_PARTS = (node(RDF.subject), node(RDF.predicate), node(RDF.object))
_QUOTE = node(GK.quote)
# A narrow quote's sentence quote (GK.sentence, once the statement model's terms are in the ontology).
_SENTENCE = node("https://w3id.org/guian-kg/ontology#sentence")
_NOT_ANNOTATIONS = {_TYPE, *_PARTS, _QUOTE}  # the statement's triple and quotes, said otherwise
_PUBLICATION = tuple(node(p) for p in (DCTERMS.creator, DCTERMS.license, DCTERMS.publisher))
_GRAPHS = ("Head", "assertion", "provenance", "pubinfo")  # in this order in each nanopublication


def statement_nodes(store: ox.Store) -> list[ox.NamedNode | ox.BlankNode]:
    """The statement nodes (`rdf:Statement`) of the store's data graph, by IRI."""
    data = node(Iris().graph("data"))
    nodes = {q.subject for q in store.quads_for_pattern(None, _TYPE, node(RDF.Statement), data)}
    return sorted(nodes, key=str)


def nanopublications(
    store: ox.Store, base: str = DEFAULT_BASE, created: str | None = None
) -> list[list[ox.Quad]]:
    """One nanopublication (its quads, trusty IRIs in place) per statement node of the store
    (which holds the graph under the default base), its IRIs under `base`; `created` is the
    xsd:dateTime of its creation, if known. InputError if there is no statement node."""
    statements = statement_nodes(store)
    if not statements:
        raise InputError(
            "the graph holds no statement nodes (rdf:Statement with rdf:subject, rdf:predicate, "
            "rdf:object): there is nothing to write as nanopublications"
        )
    publication = _publication_info(store, created)
    return [_nanopublication(store, st, publication, base) for st in statements]


def trig(nanopubs: list[list[ox.Quad]], base: str = DEFAULT_BASE) -> str:
    """Nanopublications as one TriG document, with the project's prefixes they use and `np:`."""
    quads = [quad for nanopub in nanopubs for quad in nanopub]
    used = {"np": NP, **_used_prefixes(quads, base)}
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=used).decode("utf-8")


def source_date(environ: Mapping[str, str] = os.environ) -> str | None:
    """SOURCE_DATE_EPOCH (https://reproducible-builds.org/specs/source-date-epoch/) as an
    xsd:dateTime in UTC, or None when it is not set."""
    value = environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    if not value.isdigit():
        raise InputError(f"SOURCE_DATE_EPOCH must be a number of seconds since 1970: {value!r}")
    moment = datetime.fromtimestamp(int(value), tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _nanopublication(
    store: ox.Store, statement: ox.NamedNode, publication: list[tuple], base: str
) -> list[ox.Quad]:
    data = node(Iris().graph("data"))
    subject, predicate, obj = (_one(store, statement, part, data) for part in _PARTS)
    if next(store.quads_for_pattern(subject, predicate, obj, data), None) is None:
        raise InputError(
            f"{statement}: its triple is not in the graph: {subject} {predicate} {obj}"
        )
    # Built under the default base, with PLACEHOLDER where the artifact code goes; then rebased.
    this = _own("")
    head, assertion, provenance, pubinfo = (_own(f"#{name}") for name in _GRAPHS)
    quads = [
        ox.Quad(this, _TYPE, node(f"{NP}Nanopublication"), head),
        ox.Quad(this, node(f"{NP}hasAssertion"), assertion, head),
        ox.Quad(this, node(f"{NP}hasProvenance"), provenance, head),
        ox.Quad(this, node(f"{NP}hasPublicationInfo"), pubinfo, head),
        ox.Quad(subject, predicate, obj, assertion),
        ox.Quad(assertion, node(PROV.specializationOf), statement, provenance),
    ]
    for quad in store.quads_for_pattern(statement, None, None, data):
        if quad.predicate not in _NOT_ANNOTATIONS:
            quads.append(ox.Quad(assertion, quad.predicate, quad.object, provenance))
    for quote in _objects(store, statement, _QUOTE, data):
        quads.append(ox.Quad(assertion, node(PROV.wasDerivedFrom), quote, provenance))
        for described in (quote, *_objects(store, quote, _SENTENCE, data)):
            quads += (
                ox.Quad(q.subject, q.predicate, q.object, provenance)
                for q in store.quads_for_pattern(described, None, None, data)
            )
    quads += (ox.Quad(_own(name), p, o, pubinfo) for name, p, o in publication)
    quads = [rebase_quad(quad, base) for quad in quads]
    _refuse_blank_nodes(statement, quads)
    namespace = Iris(base).nanopubs
    code = artifact_code(quads, namespace)
    quads = [ox.Quad(*(with_code(term, namespace, code) for term in quad)) for quad in quads]
    rank = {f"{namespace}{code}#{name}": i for i, name in enumerate(_GRAPHS)}
    return sorted(quads, key=lambda q: (rank[q.graph_name.value], *_triple_key(q)))


def _own(name: str) -> ox.NamedNode:
    """An IRI of the nanopublication being made (under the default base): itself (""), one of
    its graphs ("#assertion" …) or the activity that wrote it ("#export")."""
    return node(f"{Iris().nanopubs}{PLACEHOLDER}{name}")


def _publication_info(store: ox.Store, created: str | None) -> list[tuple]:
    """The publication info as (own IRI's name, predicate, object): "" is the nanopublication,
    "#export" the activity that wrote it."""
    iris = Iris()
    void = node(iris.graph("void"))
    dataset = node(iris.dataset)
    said = [
        ("", q.predicate, q.object)
        for predicate in _PUBLICATION
        for q in store.quads_for_pattern(dataset, predicate, None, void)
    ]
    if created:
        said.append(("", node(DCTERMS.created), ox.Literal(created, datatype=node(XSD.dateTime))))
    label = f"guian-kg {__version__} export --format nanopub"
    return [
        *said,
        ("", node(VOID.inDataset), dataset),
        ("", node(PROV.wasGeneratedBy), _own("#export")),
        ("#export", _TYPE, node(PROV.Activity)),
        ("#export", node(RDFS.label), ox.Literal(label)),
        ("#export", node(PROV.used), dataset),
    ]


def _one(store: ox.Store, subject, predicate: ox.NamedNode, graph: ox.NamedNode):
    values = _objects(store, subject, predicate, graph)
    if len(values) != 1:
        raise InputError(
            f"{subject}: a statement node needs exactly one {predicate}, not {len(values)}"
        )
    return values[0]


def _objects(store: ox.Store, subject, predicate: ox.NamedNode, graph: ox.NamedNode) -> list:
    return sorted(
        {q.object for q in store.quads_for_pattern(subject, predicate, None, graph)}, key=str
    )


def _refuse_blank_nodes(statement: ox.NamedNode, quads: list[ox.Quad]) -> None:
    for quad in quads:
        for term in quad:
            if isinstance(term, ox.BlankNode):
                raise InputError(
                    f"{statement}: its nanopublication would hold the blank node {term} "
                    f"(in {quad}); a trusty URI covers IRIs and literals only"
                )


def _triple_key(quad: ox.Quad) -> tuple:
    """Subject, then rdf:type first (TriG's `a`), then predicate and object, as N-Triples."""
    return (str(quad.subject), quad.predicate != _TYPE, str(quad.predicate), str(quad.object))


def _used_prefixes(quads: list[ox.Quad], base: str) -> dict[str, str]:
    """The project's prefixes that some IRI (or literal datatype) of `quads` starts with."""
    iris = {t.datatype.value if isinstance(t, ox.Literal) else t.value for q in quads for t in q}
    return {p: ns for p, ns in prefixes(base).items() if any(i.startswith(ns) for i in iris)}
