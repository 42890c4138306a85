"""Figures about the built graph: triples per named graph and instances per class."""

from __future__ import annotations

from collections import Counter

from rdflib.namespace import RDF

from .build import KnowledgeGraph
from .iri import GRAPH_NAMES
from .namespaces import GK, shorten


def statistics(kg: KnowledgeGraph) -> dict[str, object]:
    """Triples per graph, total, instances per class of the data graph, and the main counts."""
    per_graph = dict(zip(GRAPH_NAMES, (len(kg.ontology), len(kg.data), len(kg.void)), strict=True))
    classes = Counter(kg.data.objects(None, RDF.type))
    return {
        "triples": per_graph | {"total": sum(per_graph.values())},
        "designations": classes[GK.Designation],
        "numbered_designations": len(set(kg.data.subjects(GK.sequenceNumber, None))),
        "observations": classes[GK.Observation],
        "milestones": classes[GK.Milestone],
        "claims": classes[GK.Claim],
        "quotes": classes[GK.Quote],
        "classes": {shorten(str(c)): n for c, n in sorted(classes.items())},
    }
