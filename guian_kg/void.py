"""The dataset description (VoID + DCAT): licence, publisher, source, distributions and statistics.

VoID statistics follow https://www.w3.org/TR/void/#statistics; everything here is computed from
the graphs, with no timestamp, so that the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, XSD

from . import __version__
from .formats import DUMP_FORMATS, get_format
from .iri import Iris
from .namespaces import SCHEMA, VOID, shorten

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
DUMP_STEM = "guian-kg"
VOCABULARIES = (
    "http://www.w3.org/ns/org#",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/ns/oa#",
    "http://qudt.org/schema/qudt/",
    "http://www.w3.org/2004/02/skos/core#",
    "https://schema.org/",
    "http://purl.org/dc/terms/",
    "https://w3id.org/guian-kg/ontology",
)


@dataclass(frozen=True)
class Statistics:
    """The VoID statistics of the union of the ontology and data graphs (a set: a triple in both
    counts once); `entities` and `classes` count the subjects under {base}id/ (per class)."""

    triples: int
    entities: int
    subjects: int
    objects: int
    properties: int
    classes: dict[str, int]  # class IRI → its entities


def describe(store: ox.Store, sources: dict[str, str], counted: Statistics | None = None) -> Graph:
    """Return the VoID + DCAT description of the dataset made of the store's ontology and data
    graphs (under the default base), with their statistics `counted` if given (they must be the
    store's: guian_kg.void_update), else counted on the store."""
    iris = Iris()
    g = Graph(identifier=iris.graph("void"))
    ds = iris.dataset
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, RDFS.label, Literal("贵安新区国家级金字招牌知识图谱", lang="zh")))
    g.add(
        (
            ds,
            RDFS.label,
            Literal("Gui'an New Area national designations knowledge graph", lang="en"),
        )
    )
    g.add((ds, DCTERMS.title, Literal("贵安新区国家级金字招牌知识图谱", lang="zh")))
    g.add(
        (
            ds,
            DCTERMS.title,
            Literal("Gui'an New Area national designations knowledge graph", lang="en"),
        )
    )
    g.add(
        (
            ds,
            DCTERMS.description,
            Literal(
                "《贵阳日报》一篇报道中贵安新区的国家级称号、授予机构、时间、入选规模及此后成果，每条事实附原文引文及其位置。",
                lang="zh",
            ),
        )
    )
    g.add(
        (
            ds,
            DCTERMS.description,
            Literal(
                "The national-level designations of Gui'an New Area reported by a Guiyang Daily article: titles, "
                "granting agencies, dates, cohort sizes and the results measured since, each fact with its "
                "verbatim quote and offsets.",
                lang="en",
            ),
        )
    )
    g.add((ds, DCTERMS.license, LICENSE))
    for article in sorted(sources):
        g.add((ds, DCTERMS.source, URIRef(article)))
    g.add((ds, OWL.versionInfo, Literal(__version__)))
    publisher = URIRef(f"{iris.base}id/organization/guian-kg-project")
    g.add((ds, DCTERMS.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, RDFS.label, Literal("guian-kg 项目", lang="zh")))
    g.add((publisher, RDFS.label, Literal("the guian-kg project", lang="en")))
    for article, text in sorted(sources.items()):
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        g.add((URIRef(article), SCHEMA.sha256, Literal(digest)))
    g.add((ds, VOID.uriSpace, Literal(f"{iris.base}id/")))
    g.add((ds, VOID.sparqlEndpoint, URIRef(f"{iris.base}sparql")))
    g.add((ds, VOID.rootResource, URIRef(f"{iris.base}id/place/guian-new-area")))
    for vocabulary in VOCABULARIES:
        g.add((ds, VOID.vocabulary, URIRef(vocabulary)))
    for name in DUMP_FORMATS:
        fmt = get_format(name)
        dist = URIRef(f"{iris.base}download/{DUMP_STEM}.{fmt.extension}")
        g.add((ds, DCAT.distribution, dist))
        g.add((ds, VOID.dataDump, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, dist))
        g.add(
            (
                dist,
                DCAT.mediaType,
                URIRef(f"https://www.iana.org/assignments/media-types/{fmt.media_type}"),
            )
        )
        g.add((dist, DCTERMS.format, Literal(fmt.media_type)))
        g.add((dist, DCTERMS.license, LICENSE))
    _add_statistics(g, ds, counted if counted is not None else statistics(store), iris)
    return g


def statistics(store: ox.Store) -> Statistics:
    """The Statistics of the store's ontology and data graphs (under the default base)."""
    iris = Iris()
    union = f"FROM <{iris.graph('ontology')}> FROM <{iris.graph('data')}>"
    ontology, data = (f"GRAPH <{iris.graph(name)}> {{ ?s ?p ?o }}" for name in ("ontology", "data"))
    entity = f'isIRI(?s) && STRSTARTS(STR(?s), "{iris.base}id/")'
    # Each count on its own is a scan of an index; one DISTINCT over every triple of the union
    # took three times as long. A triple in both graphs counts once. Oxigraph lets go of the GIL
    # while it counts: the four run at once (0.58 s one after the other, 0.35 s so, at 300 articles).
    queries = {
        "terms": f"""SELECT (COUNT(DISTINCT ?o) AS ?objects) (COUNT(DISTINCT ?p) AS ?properties)
            {union} WHERE {{ ?s ?p ?o }}""",
        "sizes": f"""SELECT ?ontology ?data ?both WHERE {{
              {{ SELECT (COUNT(*) AS ?ontology) {{ {ontology} }} }}
              {{ SELECT (COUNT(*) AS ?data) {{ {data} }} }}
              {{ SELECT (COUNT(*) AS ?both) {{ {ontology} {data} }} }} }}""",
        "subjects": f"""SELECT (COUNT(*) AS ?subjects) (SUM(IF({entity}, 1, 0)) AS ?entities)
            {union} WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ ?s ?p ?o }} }} }}""",
        "classes": f"""SELECT ?class (COUNT(DISTINCT ?s) AS ?n) {union}
            WHERE {{ ?s a ?class FILTER ({entity}) }} GROUP BY ?class""",
    }
    with ThreadPoolExecutor(len(queries)) as pool:
        answers = pool.map(lambda query: list(store.query(query)), queries.values())
        found = dict(zip(queries, answers, strict=True))
    ((counts,), (sizes,), (subjects,)) = (found[name] for name in ("terms", "sizes", "subjects"))
    triples = sum(int(sizes[name].value) for name in ("ontology", "data"))
    return Statistics(
        triples=triples - int(sizes["both"].value),
        entities=int(subjects["entities"].value),
        subjects=int(subjects["subjects"].value),
        objects=int(counts["objects"].value),
        properties=int(counts["properties"].value),
        classes={row["class"].value: int(row["n"].value) for row in found["classes"]},
    )


# The statistics as the description states them, each a property of the dataset.
FIGURES = {
    "triples": VOID.triples,
    "entities": VOID.entities,
    "subjects": VOID.distinctSubjects,
    "objects": VOID.distinctObjects,
    "properties": VOID.properties,
}


def _add_statistics(g: Graph, ds: URIRef, counted: Statistics, iris: Iris) -> None:
    for name, prop in FIGURES.items():
        g.add((ds, prop, Literal(getattr(counted, name), datatype=XSD.integer)))
    g.add((ds, VOID.classes, Literal(len(counted.classes), datatype=XSD.integer)))
    for cls, count in sorted(counted.classes.items()):
        partition = URIRef(f"{iris.base}dataset/class/{shorten(cls).replace(':', '-', 1)}")
        g.add((ds, VOID.classPartition, partition))
        g.add((partition, RDF.type, VOID.Dataset))  # a partition is itself a dataset (VoID §4.6)
        g.add((partition, VOID["class"], URIRef(cls)))
        g.add((partition, VOID.entities, Literal(count, datatype=XSD.integer)))
