"""How far from its focus node a constraint reads the graph: the ground incremental validation
stands on (guian_kg.incremental).

A constraint is *local* when, for a focus node f, it reads only triples that touch f (as subject
or object) and triples whose subject is a node f points at (f p n), apart from triples about the
vocabulary (whose subject is a class or a property). Then a change to the graph can alter f's
results only if a changed triple has f as subject or object, or has as subject a node f points at:
incremental.focus collects exactly those nodes. `shapes_are_local` checks the core shapes (after
sparql_constraints.split) and `local_root` a SHACL-SPARQL query; anything they do not know is not
local, and runs whole.
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph, URIRef, Variable
from rdflib.namespace import RDF, SH
from rdflib.paths import Path
from rdflib.plugins.sparql import algebra as rdflib_algebra
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from . import query_analyses, sparql_constraints
from .sparql_constraints import FREE, PER_NODE, SparqlConstraint

# Parameters that read nothing beyond the value nodes themselves and the path's own triples.
_LOCAL = {
    SH[name]
    for name in (
        "datatype", "nodeKind", "pattern", "flags", "languageIn", "minLength", "maxLength", "in",
        "hasValue", "minInclusive", "minExclusive", "maxInclusive", "maxExclusive", "minCount",
        "maxCount", "uniqueLang", "qualifiedMinCount", "qualifiedMaxCount", "message", "severity",
        "name", "description", "order", "group", "defaultValue", "deactivated", "path",
        "targetNode", "targetClass", "targetSubjectsOf", "targetObjectsOf",
    )
}  # fmt: skip
# Parameters that compare value nodes with the focus node's own values of another property.
_PAIRS = {SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals}
_NESTED = {SH.node, SH["not"], SH.qualifiedValueShape, SH.property}
_LISTS = {SH["and"], SH["or"], SH.xone}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


class _NotLocal(Exception):
    pass


def shapes_are_local(core: Graph) -> bool:
    """Whether every shape of the core shapes graph is local (see the module docstring).

    A node is read at a distance: 0 for the focus node, 1 for a node the focus points at, None for
    anything further or reached backwards. Triples leaving a node may be read at 0 or 1, triples
    arriving at it only at 0.
    """
    if (None, SH.target, None) in core or (None, SH.sparql, None) in core:
        return False  # a custom target or a SPARQL constraint left for pySHACL
    # Every shape as if it had targets (implicit class targets included): a shape checked
    # further from the focus is held to a stricter rule there, when the shape that uses it is.
    shapes = {s for kind in (SH.NodeShape, SH.PropertyShape) for s in core.subjects(RDF.type, kind)}
    shapes |= {s for target in _TARGETS for s in core.subjects(target)}
    try:
        for shape in sorted(shapes):
            _shape(core, shape, 0, 0)
    except _NotLocal:
        return False
    return True


def _shape(core: Graph, shape: Node, at: int | None, depth: int) -> None:
    """Check `shape` evaluated at a node read at distance `at`."""
    if depth > 8:
        raise _NotLocal("shapes nested too deep")
    path = core.value(shape, SH.path)
    values = _walk(core, path, at) if path is not None else [at]
    for predicate, obj in core.predicate_objects(shape):
        if predicate in _LOCAL or not str(predicate).startswith(str(SH)):
            continue
        if predicate in (SH["class"], SH.closed, SH.ignoredProperties):
            for value in values:
                _reads_out(value)
        elif predicate in _PAIRS:
            _reads_out(at)
        elif predicate in _NESTED:
            for value in values:
                _shape(core, obj, value, depth + 1)
        elif predicate in _LISTS:
            for member in core.items(obj):
                for value in values:
                    _shape(core, member, value, depth + 1)
        else:
            raise _NotLocal(f"{predicate}")


def _walk(core: Graph, path: Node, at: int | None) -> list[int | None]:
    """The distances of the value nodes of `path` from a node at `at`, checking each step's reads."""
    if isinstance(path, URIRef):
        _reads_out(at)
        return [at + 1 if at is not None else None]
    if (path, RDF.first, None) in core:  # a sequence path
        here = [at]
        for step in core.items(path):
            here = [there for node in here for there in _walk(core, step, node)]
        return here
    inverse = core.value(path, SH.inversePath)
    if inverse is not None:
        if not isinstance(inverse, URIRef):
            raise _NotLocal("a complex inverse path")
        if at != 0:
            raise _NotLocal("triples arriving at a node other than the focus")
        return [None]
    alternatives = core.value(path, SH.alternativePath)
    if alternatives is not None:
        return [there for step in core.items(alternatives) for there in _walk(core, step, at)]
    raise _NotLocal("a path other than a predicate, inverse, sequence or alternative")


def _reads_out(at: int | None) -> None:
    if at is None or at > 1:
        raise _NotLocal("triples leaving a node further than one step from the focus")


def local_root(constraint: SparqlConstraint) -> str | None:
    """The variable ("this" or "value") around which a SHACL-SPARQL constraint is local, or None.

    "this": its focus nodes can be restricted to the nodes a change touched. "value": the query
    does not read $this (one run serves its targets) and every solution binds ?value, around which
    it reads: the run can be restricted to ?value among those nodes.
    """
    if constraint.binding in (FREE, PER_NODE):
        root = "this"
    elif constraint.path is None:
        root = "value"
    else:
        return None
    return root if _query_is_local(constraint.query, root) else None


@lru_cache(maxsize=256)
def _query_is_local(query: str, root: str) -> bool:
    shipped = query_analyses.known(query)
    return shipped["local"][root] if shipped is not None else query_is_local(query, root)


def query_is_local(query: str, root: str) -> bool:
    """Whether every triple pattern of the query reads near `root` (see the module docstring);
    around "value", also whether its run can be restricted to some ?value (values_first)."""
    if root == "value" and not sparql_constraints.values_first(query):
        return False
    try:
        pattern = sparql_constraints.algebra(query).p
    except Exception:
        return False
    while pattern.name in ("Slice", "Distinct", "Reduced", "Project", "OrderBy"):
        pattern = pattern.p
    variable = Variable(root)
    if variable not in sparql_constraints.certain(pattern):
        return False
    triples: list[tuple] = []
    if not _collect(pattern, triples):
        return False
    predicates = {p for _, p, _ in triples if isinstance(p, Variable)}
    if variable in predicates or any(isinstance(p, Path) for _, p, _ in triples):
        return False
    distance = {variable: 0}
    for _ in triples:  # one step further each round
        for s, _, o in triples:
            if distance.get(s, 2) <= 1 and isinstance(o, Variable) and o not in distance:
                distance[o] = distance[s] + 1
    # A pattern may read triples leaving the root or a node it points at, triples arriving at the
    # root, and triples about a property (their subject a variable in the predicate position).
    return all(
        o == variable or (isinstance(s, Variable) and (s in predicates or distance.get(s, 2) <= 1))
        for s, _, o in triples
    )


_SCOPED_APART = (
    *("ToMultiSet", "Graph", "Group", "AggregateJoin", "SelectQuery"),  # the algebra
    *("SubSelect", "GraphGraphPattern", "ServiceGraphPattern"),  # the parse tree inside EXISTS
)


def _collect(pattern: object, triples: list) -> bool:
    """Gather the triple patterns, in EXISTS and NOT EXISTS too; False for a sub-query, a GRAPH
    or a group, whose variables are scoped apart."""
    if isinstance(pattern, CompValue):
        if pattern.name in _SCOPED_APART:
            return False
        if pattern.name == "BGP":
            triples.extend(pattern.triples)
        elif pattern.name == "TriplesBlock":  # (NOT) EXISTS stays in rdflib's parse tree
            triples.extend(rdflib_algebra.triples(pattern.triples))
        return all(_collect(v, triples) for k, v in pattern.items() if k != "_vars")
    if isinstance(pattern, (list, tuple)):
        return all(_collect(v, triples) for v in pattern)
    return True
