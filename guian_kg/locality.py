"""How far from its focus node a constraint reads the graph: the ground incremental validation
stands on (guian_kg.incremental).

A constraint is *local* when, for a focus node f, it reads only triples that touch f (as subject
or object) and triples whose subject is a node f points at (f p n), apart from triples about the
vocabulary (whose subject is a class or a property). Then a change to the graph can alter f's
results only if a changed triple has f as subject or object, or has as subject a node f points at:
incremental.focus collects exactly those nodes. `shapes_are_local` checks the core shapes (after
sparql_constraints.split) and `local_root` a SHACL-SPARQL query, read off rdflib's parse tree of
it: a sequence path written out as its chain of patterns, a path of any length read as fixed
(the change must touch none of its predicates), and for a query that is not local, its key
(`query_key`: the variable the change's triples lead to along its patterns); anything they do not
know runs whole. guian_kg.incremental says why each gives the full report.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import count
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef, Variable
from rdflib.namespace import RDF, SH
from rdflib.paths import AlternativePath, InvPath, MulPath, Path, SequencePath
from rdflib.term import Node

from . import query_analyses, sparql_constraints
from .sparql_constraints import CONSTANT, FREE, PER_NODE, THIS, SparqlConstraint
from .sparql_tree import algebra_triples, is_node

if TYPE_CHECKING:
    from rdflib.plugins.sparql.parserutils import CompValue

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


@dataclass(frozen=True)
class Around:
    """How a SHACL-SPARQL constraint runs around a change (see `local_root`)."""

    variable: str  # "this", "value", or a key: the variable restricted to some nodes
    # A key's chains: (a predicate, a sequence of predicates from the subject of a triple with that
    # predicate to the key), for each triple pattern and each chain from its subject.
    paths: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # A key's chains from $this: a node becomes a focus node by a triple that touches it.
    targets: tuple[tuple[str, ...], ...] = ()
    # Predicates the query reads along paths of any length, which the change must not touch.
    fixed: tuple[str, ...] = ()
    # Around ?value, one run per node with ?value substituted, and with it the variables these
    # (variable, predicate) steps bind from it, rather than a VALUES block; None: VALUES.
    each: tuple[tuple[str, str], ...] | None = None


def local_root(constraint: SparqlConstraint) -> Around | None:
    """How a SHACL-SPARQL constraint can run around the nodes a change touched, or None (whole).

    "this": its focus nodes can be restricted to the nodes a change touched. "value": the query
    does not read $this (one run serves its targets) and every solution binds ?value, around which
    it reads: the run can be restricted to ?value among those nodes (`each`: substituted one node
    at a time where it has an OPTIONAL or a path of any length, which Oxigraph evaluates over the
    whole graph unless their variables are bound before it runs). A key (`query_key`): the run can
    be restricted to the key among the nodes its paths lead to from those nodes.
    """
    analysis = _analysis(constraint.query)
    fixed = tuple(analysis["fixed"])
    if constraint.binding in (FREE, PER_NODE) and analysis["local"]["this"]:
        return Around("this", fixed=fixed)
    if constraint.binding == CONSTANT and constraint.path is None and analysis["local"]["value"]:
        each = analysis["each"]
        return Around("value", fixed=fixed, each=None if each is None else tuple(map(tuple, each)))
    key = analysis["key"]
    if key is not None and constraint.binding in (FREE, CONSTANT):
        paths = tuple((first, tuple(path)) for first, path in key["paths"])
        targets = tuple(map(tuple, key["this"])) if constraint.binding == FREE else ()
        return Around(key["variable"], paths=paths, targets=targets)
    return None


@lru_cache(maxsize=256)
def _analysis(query: str) -> dict:
    shipped = query_analyses.known(query)
    return shipped["locality"] if shipped is not None else analysis_of(query)


def analysis_of(query: str) -> dict:
    """What `local_root` reads of a query: whether it is local around "this" and "value"
    (query_is_local), the predicates it reads along paths of any length, how it runs one node at
    a time (`_each`) and its key (query_key)."""
    reads = _reads(query)
    fixed = sorted(reads[1]) if reads is not None else []
    return {
        "local": {root: query_is_local(query, root) for root in ("this", "value")},
        "fixed": fixed,
        "each": _each(query, bool(fixed)),
        "key": query_key(query),
    }


def _pattern(query: str) -> CompValue | None:
    """The query's graph pattern, under its solution modifiers (not LIMIT and OFFSET, which count
    solutions); None when rdflib cannot read it."""
    try:
        pattern = sparql_constraints.algebra(query).p
    except Exception:
        return None
    while pattern.name in ("Distinct", "Reduced", "Project", "OrderBy"):
        pattern = pattern.p
    return pattern


def _reads(query: str) -> tuple[list[tuple], set[str]] | None:
    """The triple patterns the query reads (sequence paths written out), and the predicates it
    reads along paths of any length; None for a query whose reads are not known."""
    pattern = _pattern(query)
    triples: list[tuple] = []
    if pattern is None or not _collect(pattern, triples):
        return None
    fixed: set[str] = set()
    fresh = (Variable(f"step {n}") for n in count())  # a space is in no SPARQL variable's name
    steps = []
    for s, p, o in triples:
        written = _steps(s, p, o, fresh, fixed)
        if written is None:
            return None
        steps.extend(written)
    return steps, fixed


def _steps(s, path, o, fresh, fixed: set[str]) -> list[tuple] | None:
    """The triple patterns of `s path o`: a sequence path as a chain through fresh variables and an
    inverse predicate turned round (SPARQL 1.1 section 18.2.2.4: the same solutions); a path of any
    length (or of alternatives) over predicates adds them to `fixed` and reads nothing else."""
    if not isinstance(path, Path):
        return [(s, path, o)]
    if isinstance(path, InvPath) and isinstance(path.arg, URIRef):
        return [(o, path.arg, s)]
    if isinstance(path, SequencePath):
        nodes = [s, *(next(fresh) for _ in path.args[1:]), o]
        steps: list[tuple] = []
        for here, step, there in zip(nodes, path.args, nodes[1:], strict=False):
            written = _steps(here, step, there, fresh, fixed)
            if written is None:
                return None
            steps.extend(written)
        return steps
    predicates = _predicates(path)
    if predicates is None:
        return None
    fixed.update(predicates)
    return []


def _predicates(path) -> set[str] | None:
    """The predicates a path reads, or None where it reads any (a negated property set)."""
    if isinstance(path, URIRef):
        return {str(path)}
    parts = (
        [path.arg]
        if isinstance(path, InvPath)
        else [path.path]
        if isinstance(path, MulPath)
        else list(path.args)
        if isinstance(path, (SequencePath, AlternativePath))
        else None
    )
    if parts is None:
        return None
    found: set[str] = set()
    for part in parts:
        predicates = _predicates(part)
        if predicates is None:
            return None
        found |= predicates
    return found


def query_is_local(query: str, root: str) -> bool:
    """Whether every triple pattern of the query reads near `root` (see the module docstring), a
    path of any length apart (`fixed`); around "value", also whether its run can be restricted to
    some ?value (values_first)."""
    if root == "value" and not sparql_constraints.values_first(query):
        return False
    pattern, reads = _pattern(query), _reads(query)
    if pattern is None or reads is None:
        return False
    variable = Variable(root)
    if variable not in sparql_constraints.certain(pattern):
        return False
    triples = reads[0]
    predicates = {p for _, p, _ in triples if isinstance(p, Variable)}
    if variable in predicates:
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


def _each(query: str, paths: bool) -> list[list[str]] | None:
    """How a run around ?value goes one node at a time, where it has a path of any length
    (`paths`) or an OPTIONAL: [variable, predicate] for each triple pattern ?value predicate
    ?variable every solution matches, whose ?variable is substituted with ?value (one run for
    each pair the store holds); None where it does not, or where substituting ?value or such a
    variable may give other rows than those of the run that binds it to that node."""
    pattern = _pattern(query)
    if pattern is None or not (paths or _has(pattern, "LeftJoin")):
        return None
    value = Variable("value")
    if not _prebound(query, pattern, value):
        return None
    return sorted(
        [str(o), str(p)]
        for s, p, o in _certain_triples(pattern)
        if s == value and isinstance(p, URIRef) and isinstance(o, Variable) and o != value
        if _prebound(query, pattern, o)
    )


def _prebound(query: str, pattern: CompValue, variable: Variable) -> bool:
    """Whether substituting `variable` before the query runs gives exactly its solutions that bind
    it to that node: it is projected, and bound before any part reads it (as $this, FREE)."""
    return (
        variable in sparql_constraints.algebra(query).PV
        and variable in sparql_constraints.certain(pattern)
        and sparql_constraints.free_is_exact(pattern, variable)
    )


def _certain_triples(pattern: CompValue) -> list[tuple]:
    """Triple patterns every solution of the pattern matches (as sparql_constraints.certain)."""
    if pattern.name == "BGP":
        return list(pattern.triples)
    if pattern.name == "Join":
        return _certain_triples(pattern.p1) + _certain_triples(pattern.p2)
    if pattern.name in ("LeftJoin", "Filter", "Extend"):
        return _certain_triples(pattern.p1 if pattern.name == "LeftJoin" else pattern.p)
    return []


def _has(pattern: object, name: str) -> bool:
    if is_node(pattern):
        return pattern.name == name or any(
            _has(v, name) for k, v in pattern.items() if k != "_vars"
        )
    if isinstance(pattern, (list, tuple)):
        return any(_has(v, name) for v in pattern)
    return False


def query_key(query: str) -> dict | None:
    """The query's key, if it has one: {"variable": its name, "paths": [predicate, chain] for each
    triple pattern's predicate and each chain of predicates from its subject to the key, "this":
    the chains from $this}; see
    guian_kg.incremental for why a run restricted to the key among the nodes these chains lead to
    from the subjects of the triples a change added finds every result the change made.

    A key is a variable every solution binds, which the query reaches from every variable in a
    subject position along triple patterns of its own, where the query is monotone (a solution
    in a graph is one in any graph holding it: no OPTIONAL but one whose solutions are kept only
    where it matched, no negation, no path of any length, no LIMIT) and every triple pattern has
    a variable subject and a predicate IRI. $this, where the query reads it, is in a subject position
    (a node becomes a focus node by a triple that touches it), and the key's VALUES block goes
    first in the WHERE group (values_first).
    """
    pattern, reads = _pattern(query), _reads(query)
    if pattern is None or reads is None or reads[1] or not _monotone(pattern):
        return None
    triples = reads[0]
    if not all(isinstance(s, Variable) and isinstance(p, URIRef) for s, p, _ in triples):
        return None
    subjects = sorted({s for s, _, _ in triples})
    if sparql_constraints.mentions(pattern, THIS) and THIS not in subjects:
        return None
    for key in sorted(sparql_constraints.certain(pattern)):
        chains = {subject: _chains(triples, subject, key, len(triples)) for subject in subjects}
        if all(chains.values()) and sparql_constraints.values_first(query, str(key)):
            paths = {
                (str(p), tuple(str(step) for step in chain))
                for s, p, _ in triples
                for chain in chains[s]
            }
            this = sorted(list(map(str, chain)) for chain in chains.get(THIS, []))
            paths_of = sorted([p, list(c)] for p, c in paths)
            return {"variable": str(key), "paths": paths_of, "this": this}
    return None


def _chains(triples: list[tuple], start: Variable, key: Variable, limit: int) -> list[tuple]:
    """The predicate sequences along which the triple patterns lead from `start` to `key`."""
    if start == key:
        return [()]
    if limit == 0:
        return []
    return [
        (p, *rest)
        for s, p, o in triples
        if s == start and isinstance(o, Variable)
        for rest in _chains(triples, o, key, limit - 1)
    ]


def _monotone(pattern: CompValue) -> bool:
    """Whether every solution of the pattern in a graph is one in every graph that holds it."""
    name = pattern.name
    if name == "BGP":
        return True
    if name in ("Join", "Union"):
        return _monotone(pattern.p1) and _monotone(pattern.p2)
    if name == "Extend":
        return _monotone(pattern.p) and not _negates(pattern.expr)
    if name == "Filter":
        if _negates(pattern.expr):
            return False
        inner = pattern.p
        if inner.name == "LeftJoin":
            # FILTER (BOUND(?x) && …) over an OPTIONAL that alone binds ?x keeps the solutions
            # where it matched: a join (a solution where it did not match has ?x unbound).
            return (
                inner.expr.name == "TrueFilter"
                and any(
                    _bound(conjunct) in sparql_constraints.certain(inner.p2)
                    and not sparql_constraints.mentions(inner.p1, _bound(conjunct))
                    for conjunct in _conjuncts(pattern.expr)
                )
                and _monotone(inner.p1)
                and _monotone(inner.p2)
            )
        return _monotone(inner)
    return False  # OPTIONAL, MINUS, a sub-query, GRAPH, a group …


def _negates(expression: object) -> bool:
    """Whether an expression reads the graph (EXISTS, NOT EXISTS): its value may change as
    triples come."""
    if is_node(expression):
        if expression.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            return True
        return any(_negates(v) for k, v in expression.items() if k != "_vars")
    if isinstance(expression, (list, tuple)):
        return any(_negates(v) for v in expression)
    return False


def _conjuncts(expression: object) -> list:
    if is_node(expression) and expression.name == "ConditionalAndExpression":
        return [expression.expr, *expression.other]
    return [expression]


def _bound(expression: object) -> Variable | None:
    """?x of BOUND(?x)."""
    if is_node(expression) and expression.name == "Builtin_BOUND":
        return expression.arg
    return None


_SCOPED_APART = (
    *("ToMultiSet", "Graph", "Group", "AggregateJoin", "SelectQuery"),  # the algebra
    *("SubSelect", "GraphGraphPattern", "ServiceGraphPattern"),  # the parse tree inside EXISTS
)


def _collect(pattern: object, triples: list) -> bool:
    """Gather the triple patterns, in EXISTS and NOT EXISTS too; False for a sub-query, a GRAPH
    or a group, whose variables are scoped apart."""
    if is_node(pattern):
        if pattern.name in _SCOPED_APART:
            return False
        if pattern.name == "BGP":
            triples.extend(pattern.triples)
        elif pattern.name == "TriplesBlock":  # (NOT) EXISTS stays in rdflib's parse tree
            triples.extend(algebra_triples(pattern.triples))
        return all(_collect(v, triples) for k, v in pattern.items() if k != "_vars")
    if isinstance(pattern, (list, tuple)):
        return all(_collect(v, triples) for v in pattern)
    return True
