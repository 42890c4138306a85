"""The project's vocabulary as a closed namespace, and the one table of prefixes (read from the JSON-LD context)."""

from __future__ import annotations

import json
from functools import cache

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from .resources import context_path


class GK(DefinedNamespace):
    """Terms of the guian-kg ontology; a misspelt term raises AttributeError (a test checks this list equals the ontology)."""

    _NS = Namespace("https://w3id.org/guian-kg/ontology#")
    _fail = True

    # classes
    Designation: URIRef
    Programme: URIRef
    Involvement: URIRef
    PolicyDocument: URIRef
    Place: URIRef
    Observation: URIRef
    Milestone: URIRef
    Claim: URIRef
    Quote: URIRef
    # properties
    heldBy: URIRef
    programme: URIRef
    sequenceNumber: URIRef
    ordinalInProgramme: URIRef
    cohortSize: URIRef
    cohortUnit: URIRef
    batch: URIRef
    involvement: URIRef
    document: URIRef
    responseTo: URIRef
    agencyCount: URIRef
    involves: URIRef
    heldByPlaceContaining: URIRef
    heldByPlaceWithin: URIRef
    date: URIRef
    periodStart: URIRef
    periodEnd: URIRef
    datePrecision: URIRef
    timeQualifier: URIRef
    inferred: URIRef
    inferenceReason: URIRef
    metric: URIRef
    about: URIRef
    designation: URIRef
    valueQualifier: URIRef
    qualifierText: URIRef
    statedValue: URIRef
    partOf: URIRef
    changedFrom: URIRef
    basedOn: URIRef
    measuredGroup: URIRef
    level: URIRef
    quote: URIRef
    status: URIRef
    sentence: URIRef
    statedForm: URIRef
    # units QUDT lacks
    ExaFLOPS: URIRef
    WorkingDay: URIRef


OA = Namespace("http://www.w3.org/ns/oa#")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
VOID = Namespace("http://rdfs.org/ns/void#")


@cache
def _context_prefixes() -> dict[str, str]:
    context = json.loads(context_path().read_text(encoding="utf-8"))["@context"]
    return {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("/", "#"))}


def prefixes(base: str | None = None) -> dict[str, str]:
    """Prefix → namespace, the single table every output binds; namespaces under the default base move to `base`."""
    from .iri import DEFAULT_BASE

    table = _context_prefixes()
    if base is None or base == DEFAULT_BASE:
        return dict(table)
    return {
        k: (base + v[len(DEFAULT_BASE) :] if v.startswith(DEFAULT_BASE) else v)
        for k, v in table.items()
    }


def shorten(iri: str) -> str:
    """`prefix:local` for an IRI in one of the project's namespaces (the longest match), else the IRI."""
    for prefix, ns in sorted(prefixes().items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri
