"""The dataset description (VoID + DCAT): licence, publisher, source, distributions and statistics.

VoID statistics follow https://www.w3.org/TR/void/#statistics; everything here is computed from
the graphs, with no timestamp, so that the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
from collections import Counter

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


def describe(
    ontology: Graph, data: Graph, sources: dict[str, str], iris: Iris | None = None
) -> Graph:
    """Return the VoID + DCAT description of the dataset made of `ontology` and `data`."""
    iris = iris or Iris()
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
    _statistics(g, ds, ontology + data, iris)
    return g


def _statistics(g: Graph, ds: URIRef, union: Graph, iris: Iris) -> None:
    entity_prefix = f"{iris.base}id/"
    entities = {
        s for s in union.subjects() if isinstance(s, URIRef) and str(s).startswith(entity_prefix)
    }
    g.add((ds, VOID.triples, Literal(len(union), datatype=XSD.integer)))
    g.add((ds, VOID.entities, Literal(len(entities), datatype=XSD.integer)))
    g.add((ds, VOID.distinctSubjects, Literal(len(set(union.subjects())), datatype=XSD.integer)))
    g.add((ds, VOID.distinctObjects, Literal(len(set(union.objects())), datatype=XSD.integer)))
    g.add((ds, VOID.properties, Literal(len(set(union.predicates())), datatype=XSD.integer)))
    classes = Counter(o for s, o in union.subject_objects(RDF.type) if s in entities)
    g.add((ds, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    for cls, count in sorted(classes.items()):
        partition = URIRef(f"{iris.base}dataset/class/{shorten(str(cls)).replace(':', '-', 1)}")
        g.add((ds, VOID.classPartition, partition))
        g.add((partition, RDF.type, VOID.Dataset))  # a partition is itself a dataset (VoID §4.6)
        g.add((partition, VOID["class"], cls))
        g.add((partition, VOID.entities, Literal(count, datatype=XSD.integer)))
