"""SHACL-SPARQL constraints (https://www.w3.org/TR/shacl/#sparql-constraints) run on Oxigraph.

pySHACL runs each sh:sparql query on rdflib's engine once per focus node; Oxigraph runs the same
queries 78–200× faster. `split` takes out of a copy of the shapes graph every constraint this module
can run with SHACL's semantics (the rest stays with pySHACL), `OxigraphCopy` holds the data graph
once per validation, and `evaluate` writes the validation results as pySHACL writes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from . import query_analyses, sparql_tree
from .sparql_tree import is_node, is_sequence, parse_query

if TYPE_CHECKING:
    from rdflib.plugins.sparql.parserutils import CompValue

THIS = Variable("this")
# Where a restriction of ?value goes: found in the text, used only where the parse tree proves it
# (values_first).
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
TARGETS = (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)

# How $this gets its value (https://www.w3.org/TR/shacl/#pre-binding), from the cheapest:
CONSTANT = "constant"  # the WHERE clause never reads $this: one run serves every focus node
FREE = "free"  # $this is bound before anything reads it: one run, keep the rows of focus nodes
PER_NODE = "per-node"  # anything else: one run per focus node, $this substituted (SEP-0007)


@dataclass(frozen=True)
class SparqlConstraint:
    """One sh:sparql value of one shape, ready to run: prefixes declared, $PATH written out."""

    shape: Node
    node: Node
    query: str
    binding: str
    severity: URIRef
    path: URIRef | None  # sh:path of a property shape; None for a node shape
    messages: tuple[Literal, ...]
    sources: tuple[Node, ...]  # the shapes whose targets are the focus nodes


def split(shapes: Graph) -> tuple[Graph, list[SparqlConstraint]]:
    """The shapes graph without the constraints Oxigraph will run, and those constraints."""
    constraints = [
        constraint
        for shape, node in sorted(shapes.subject_objects(SH.sparql))
        if (constraint := _constraint(shapes, shape, node)) is not None
    ]
    moved = {(c.shape, c.node) for c in constraints}
    kept = {node for shape, node in shapes.subject_objects(SH.sparql) if (shape, node) not in moved}
    gone = {c.node for c in constraints} - kept
    core = Graph()
    for prefix, namespace in shapes.namespaces():  # pySHACL's own messages name shapes by prefix
        core.bind(prefix, namespace, override=True, replace=True)
    core.addN(
        (s, p, o, core)
        for s, p, o in shapes
        if s not in gone and not (p == SH.sparql and (s, o) in moved)
    )
    return core, constraints


def _constraint(shapes: Graph, shape: Node, node: Node) -> SparqlConstraint | None:
    """The constraint ready to run, or None when it stays with pySHACL (which also reports its errors)."""
    selects = list(shapes.objects(node, SH.select))
    if len(selects) != 1 or not isinstance(selects[0], Literal):
        return None
    if _deactivated(shapes, shape) or _deactivated(shapes, node):
        return None
    sources = _sources(shapes, shape)
    path = shapes.value(shape, SH.path)
    text = str(selects[0])
    # $shapesGraph and $currentShape name the shapes graph, which the Oxigraph copy does not hold.
    if sources is None or re.search(r"[$?](shapesGraph|currentShape)\b", text):
        return None
    if re.search(r"[$?]PATH\b", text):
        if not isinstance(path, URIRef):
            return None
        text = re.sub(r"[$?]PATH\b", lambda _: f"<{path}>", text)
    if path is not None and not isinstance(path, URIRef):
        return None  # a complex sh:resultPath would be copied into the report: pySHACL does that
    query = _prefixes(shapes, node) + text
    binding = _binding(query)
    if binding is None:
        return None
    messages = list(shapes.objects(shape, SH.message))
    # pySHACL reports the shape's messages and the constraint's, each once (SHACL 2.1.5, 5.3.2).
    messages += [m for m in shapes.objects(node, SH.message) if m not in messages]
    return SparqlConstraint(
        shape=shape,
        node=node,
        query=query,
        binding=binding,
        severity=shapes.value(shape, SH.severity) or SH.Violation,
        path=path,
        messages=tuple(m for m in messages if isinstance(m, Literal)),
        sources=sources,
    )


def _deactivated(shapes: Graph, node: Node) -> bool:
    return any(bool(value.toPython()) for value in shapes.objects(node, SH.deactivated))


def _sources(shapes: Graph, shape: Node) -> tuple[Node, ...] | None:
    """The shapes whose targets give the focus nodes; None when they cannot be read off directly.

    A shape reached through sh:node, sh:or, sh:qualifiedValueShape … is checked inside another
    constraint and reported as that constraint's result: it stays with pySHACL.
    """

    def plain_targets(node: Node) -> bool:
        implicit = any(c in (RDFS.Class, OWL.Class) for c in shapes.objects(node, RDF.type))
        return not implicit and (node, SH.target, None) not in shapes

    if not plain_targets(shape):
        return None
    sources = [shape] if any((shape, t, None) in shapes for t in TARGETS) else []
    for parent, predicate in shapes.subject_predicates(shape):
        if (
            predicate != SH.property
            or any(True for _ in shapes.subject_predicates(parent))
            or (parent, SH.path, None) in shapes
            or not plain_targets(parent)
            or _deactivated(shapes, parent)
        ):
            return None
        sources.append(parent)
    return tuple(sources)


def _prefixes(shapes: Graph, node: Node) -> str:
    """PREFIX lines from the sh:declare of the constraint's sh:prefixes and their owl:imports."""
    seen: set[Node] = set()
    todo = list(shapes.objects(node, SH.prefixes))
    lines = []
    while todo:
        holder = todo.pop()
        if holder in seen:
            continue
        seen.add(holder)
        todo.extend(shapes.objects(holder, OWL.imports))
        for declaration in shapes.objects(holder, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            lines.append(f"PREFIX {prefix}: <{namespace}>\n")
    return "".join(sorted(set(lines)))


@lru_cache(maxsize=256)
def algebra(query: str) -> CompValue:
    """The query's algebra (rdflib's parser, slow: parsed once per process)."""
    return sparql_tree.algebra(query)


@lru_cache(maxsize=256)
def _binding(query: str) -> str | None:
    """How to bind $this in this query; None for queries that stay with pySHACL."""
    shipped = query_analyses.known(query)
    return shipped["binding"] if shipped is not None else binding_of(query)


def binding_of(query: str) -> str | None:
    """`_binding` worked out from the query's algebra."""
    try:
        parsed = algebra(query)
        # rdflib knows rdf:, rdfs:, xsd: … undeclared; Oxigraph, like SHACL, only declared ones.
        ox.Store().query(query)
    except Exception:  # any parse error: pySHACL reports it, or runs what only rdflib accepts
        return None
    if parsed.name != "SelectQuery" or Variable("failure") in parsed.PV:
        return None
    pattern = parsed.p
    per_node = False
    while pattern.name in ("Slice", "Distinct", "Reduced", "Project", "OrderBy"):
        # LIMIT and OFFSET count the rows of one focus node when $this is pre-bound.
        per_node = per_node or pattern.name == "Slice"
        pattern = pattern.p
    if not _supported(pattern):
        return None
    if not mentions(pattern, THIS):
        return CONSTANT
    if not per_node and THIS in certain(pattern) and free_is_exact(pattern):
        return FREE
    return PER_NODE


def _supported(pattern: object) -> bool:
    """False for what SHACL forbids in these queries (MINUS, VALUES, SERVICE): pySHACL refuses them."""
    if is_node(pattern):
        if pattern.name in ("Minus", "values", "ServiceGraphPattern"):
            return False
        return all(_supported(v) for k, v in pattern.items() if k != "_vars")
    if isinstance(pattern, (list, tuple)):
        return all(_supported(v) for v in pattern)
    return True


def mentions(pattern: object, variable: Variable) -> bool:
    if isinstance(pattern, Variable):
        return pattern == variable
    if is_node(pattern):
        return any(mentions(v, variable) for k, v in pattern.items() if k != "_vars")
    if isinstance(pattern, (list, tuple)):
        return any(mentions(v, variable) for v in pattern)
    return False


def certain(pattern: CompValue) -> set[Variable]:
    """The variables every solution of the pattern binds (SPARQL 1.1 section 18.2.1 scoping)."""
    name = pattern.name
    if name == "BGP":
        return {v for triple in pattern.triples for v in triple if isinstance(v, Variable)}
    if name == "Join":
        return certain(pattern.p1) | certain(pattern.p2)
    if name == "LeftJoin":
        return certain(pattern.p1)
    if name == "Union":
        return certain(pattern.p1) & certain(pattern.p2)
    if name in ("Filter", "Extend"):
        return certain(pattern.p)
    return set()


def free_is_exact(pattern: CompValue, variable: Variable = THIS) -> bool:
    """True when every part that reads `variable` reads it after it is bound, so one run with it
    free, kept to the rows that bind it to a node, gives the rows of the query pre-bound to it."""
    name = pattern.name
    if name == "BGP":
        return True
    if name in ("Join", "Union"):
        return free_is_exact(pattern.p1, variable) and free_is_exact(pattern.p2, variable)
    if name == "LeftJoin":
        # An OPTIONAL that reads the variable before the left side binds it would match other nodes.
        reads = mentions(pattern.p2, variable) or mentions(pattern.expr, variable)
        return (
            free_is_exact(pattern.p1, variable)
            and free_is_exact(pattern.p2, variable)
            and (not reads or variable in certain(pattern.p1))
        )
    if name in ("Filter", "Extend"):
        return free_is_exact(pattern.p, variable) and (
            not mentions(pattern.expr, variable) or variable in certain(pattern.p)
        )
    return False  # a sub-query, GROUP BY, GRAPH …: pre-bind per focus node


class OxigraphCopy:
    """The data graph copied once into an in-memory Oxigraph store, and the way back to rdflib terms."""

    def __init__(self, store: ox.Store, back: dict):
        self.store = store
        self._back = back

    @classmethod
    def of(cls, graphs: Sequence[Graph]) -> OxigraphCopy | None:
        """The copy, or None when Oxigraph would change what a query sees beyond a number's or a
        date's lexical form: a language tag not in lower case ("EN"), two literals merged into one
        ("1.2" and "1.20"^^xsd:decimal), a datatype changed ("3"^^xsd:int becomes xsd:integer)."""
        to_ox: dict[Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}
        back: dict = {}
        typed: list[tuple[ox.Literal, Literal]] = []

        def convert(term: Node):
            converted = to_ox.get(term)
            if converted is None:
                converted = to_ox[term] = _to_ox(term)
                if not isinstance(term, URIRef):
                    back[converted] = term
                    if isinstance(term, Literal) and term.datatype and term.datatype != XSD.string:
                        typed.append((converted, term))
            return converted

        try:
            quads = [
                ox.Quad(convert(s), convert(p), convert(o)) for graph in graphs for s, p, o in graph
            ]
        except _Unfaithful:
            return None
        store = ox.Store()
        store.bulk_extend(quads)
        if typed and not _typed_literals_kept(store, typed, back):
            return None
        return cls(store, back)

    def term(self, term) -> Node:
        """The rdflib term of an Oxigraph term (one the data holds, or one a query computed)."""
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        known = self._back.get(term)
        if known is not None:
            return known
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        datatype = None if term.datatype.value == str(XSD.string) else URIRef(term.datatype.value)
        return Literal(term.value, lang=term.language, datatype=None if term.language else datatype)

    def rewritten(self) -> list[ox.Literal]:
        """The stored literals whose lexical form differs from the data's ("1.20" stored "1.2")."""
        return [
            stored
            for stored, original in self._back.items()
            if isinstance(stored, ox.Literal) and stored.value != str(original)
        ]

    def node(self, term: Node):
        """The Oxigraph term of an rdflib term (a sh:targetNode, a class)."""
        return _to_ox(term)

    def focus_nodes(self, shapes: Graph, source: Node) -> set:
        """The focus nodes of a shape's targets (SHACL 2.1.3), as Oxigraph terms."""
        nodes = {self.node(n) for n in shapes.objects(source, SH.targetNode)}
        for cls in shapes.objects(source, SH.targetClass):
            query = f"SELECT DISTINCT ?n WHERE {{ ?n a/<{RDFS.subClassOf}>* {_sparql(cls)} }}"
            nodes.update(row[0] for row in self.store.query(query, use_default_graph_as_union=True))
        for predicate in shapes.objects(source, SH.targetSubjectsOf):
            nodes.update(
                q.subject for q in self.store.quads_for_pattern(None, _to_ox(predicate), None)
            )
        for predicate in shapes.objects(source, SH.targetObjectsOf):
            nodes.update(
                q.object for q in self.store.quads_for_pattern(None, _to_ox(predicate), None)
            )
        return nodes


def _typed_literals_kept(store: ox.Store, typed: list, back: dict) -> bool:
    """False when the store merged typed literals; else `back` learns the ones it rewrote.

    The store, not the constructor, writes numbers, dates and booleans in canonical form
    ("1E18"^^xsd:double comes back "1000000000000000000"): a query sees that form, and the results
    name the literal as the data writes it.
    """
    stored = [
        row[0]
        for row in store.query(
            "SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER (isLiteral(?o) && lang(?o) = '' "
            "&& datatype(?o) != <http://www.w3.org/2001/XMLSchema#string>) }"
        )
    ]
    if len(stored) != len(typed):
        return False
    rewritten = {literal for literal in stored if literal not in back}
    if rewritten:
        # Each literal on a subject of its own shows which data literal became which stored one.
        scratch = ox.Store()
        predicate = ox.NamedNode("urn:x-guian-kg:literal")
        scratch.bulk_extend(
            ox.Quad(ox.BlankNode(f"l{i}"), predicate, converted)
            for i, (converted, _) in enumerate(typed)
        )
        for quad in scratch:
            if quad.object in rewritten:
                converted, original = typed[int(quad.subject.value[1:])]
                if quad.object.datatype != converted.datatype:
                    return False  # "3"^^xsd:int is stored as xsd:integer: datatype() would differ
                back[quad.object] = original
    return True


class _Unfaithful(Exception):
    """A term Oxigraph would store differently from rdflib."""


def _to_ox(term: Node):
    if isinstance(term, URIRef):
        try:
            return ox.NamedNode(str(term))
        except ValueError:
            raise _Unfaithful(term) from None
    if isinstance(term, BNode):
        try:
            return ox.BlankNode(str(term))
        except ValueError:
            return ox.BlankNode()  # the way back is the copy's table, not the id
    if isinstance(term, Literal):
        if term.language:
            converted = ox.Literal(str(term), language=term.language)
        elif term.datatype:
            converted = ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        else:
            converted = ox.Literal(str(term))
        if converted.value != str(term) or (term.language and converted.language != term.language):
            raise _Unfaithful(term)
        return converted
    raise _Unfaithful(term)


def _sparql(term: Node) -> str:
    return f"<{term}>" if isinstance(term, URIRef) else _to_ox(term).__str__()


def evaluate(
    constraints: Iterable[SparqlConstraint],
    shapes: Graph,
    copy: OxigraphCopy,
    sources: Sequence[Graph],
) -> Graph:
    """The validation results of the constraints on the copy, as pySHACL writes them (SHACL 5.3.2).

    `sources` are the rdflib graphs of the copy: a blank node a result names is described next to it.
    """
    report = Graph()
    focus_cache: dict[Node, set] = {}
    for constraint in constraints:
        found = solutions(constraint, shapes, copy, None, "this", focus_cache)
        write(report, constraint, found, shapes, copy, sources)
    return report


def solutions(
    constraint: SparqlConstraint,
    shapes: Graph,
    copy: OxigraphCopy,
    only: set | None,
    root: str | None,
    focus_cache: dict[Node, set],
    each: Sequence[tuple[str, str]] | None = None,
) -> list[tuple]:
    """(focus node, solution as a dict of Oxigraph terms) for each distinct solution of the
    constraint; `focus_cache` keeps each shape's focus nodes for the next constraint.

    `root` (with `only`, Oxigraph terms) restricts the run: "this" keeps the focus nodes `only`
    holds; another variable (one locality.local_root proved can be) keeps the solutions that bind
    it to a node of `only`, a VALUES block at the head of the WHERE group (values_first) or, with
    `each` (locality.Around.each), one run per node, substituted with the variables each step
    binds from it (locality proved that gives the same rows); None runs whole.
    """
    bound: list[dict] = [{}]
    if root not in (None, "this") and each is not None:
        bound = _bindings(copy.store, root, only, each)
    elif root not in (None, "this"):
        constraint = _with_values(constraint, only, root)

    @cache
    def focus() -> frozenset:
        """The focus nodes, found once a run needs them (a run with $this bound before it runs,
        or one that found a solution: most find none)."""
        nodes: set = set()
        for source in constraint.sources:
            if source not in focus_cache:
                focus_cache[source] = copy.focus_nodes(shapes, source)
            nodes |= focus_cache[source]
        return frozenset(nodes & only if only is not None and root == "this" else nodes)

    return [
        row for substituted in bound for row in _rows(constraint, copy.store, focus, substituted)
    ]


def _bindings(
    store: ox.Store, root: str, nodes: set, steps: Sequence[tuple[str, str]]
) -> list[dict]:
    """What to substitute, one run each: ?`root` bound to each of `nodes`, with the variables the
    `steps` (variable, predicate) bind from it, for each combination the store holds."""
    variables = [root, *(variable for variable, _ in steps)]
    if not steps or not nodes:
        return [{ox.Variable(root): node} for node in sorted(nodes, key=str)]
    patterns = " ".join(f"?{root} <{predicate}> ?{variable} ." for variable, predicate in steps)
    terms = " ".join(sorted(str(node) for node in nodes))
    query = f"SELECT * WHERE {{ VALUES ?{root} {{ {terms} }} {patterns} }}"
    return [
        {ox.Variable(v): solution[v] for v in variables}
        for solution in store.query(query, use_default_graph_as_union=True)
    ]


def write(
    report: Graph,
    constraint: SparqlConstraint,
    found: Iterable[tuple],
    shapes: Graph,
    copy: OxigraphCopy,
    sources: Sequence[Graph],
) -> None:
    """The constraint's `solutions` as validation results in `report`."""
    for this, row in found:
        _write(report, constraint, copy, this, row, shapes, sources)


def _with_values(constraint: SparqlConstraint, nodes: set, variable: str) -> SparqlConstraint:
    """The constraint with ?`variable` bound to one of `nodes` (Oxigraph's terms, each a token of
    its own), at the start of its WHERE group: where values_first proved it goes in this query."""
    terms = sorted(str(n) for n in nodes)
    return replace(constraint, query=_values_at(constraint.query, terms, variable))


def _values_at(query: str, terms: Sequence[str], variable: str = "value") -> str:
    where = _WHERE.search(query).end()
    return f"{query[:where]} VALUES ?{variable} {{ {' '.join(terms)} }} {query[where:]}"


def values_first(query: str, variable: str = "value") -> bool:
    """Whether _values_at puts its VALUES of ?`variable` first in the query's WHERE group, the
    rest of the query unchanged: rdflib's parse tree of the query with it is the query's own, but
    for that one VALUES block at the head of the group (the text search alone is fooled by a
    comment or a string holding "WHERE {")."""
    if _WHERE.search(query) is None:
        return False
    try:
        restricted = _values_at(query, ["<urn:x-value:>"], variable)
        plain, restricted = parse_query(query), parse_query(restricted)
    except Exception:  # pyparsing's errors, or a query rdflib cannot read: not proven
        return False
    (prologue, select), (prologue_after, select_after) = plain, restricted
    if _tree(prologue) != _tree(prologue_after) or "where" not in select:
        return False
    parts, parts_after = select["where"].get("part", []), select_after["where"].get("part", [])
    head = parts_after[0] if parts_after else None
    rest = {k: v for k, v in select.items() if k != "where"}
    rest_after = {k: v for k, v in select_after.items() if k != "where"}
    return (
        is_node(head)
        and _tree(head)
        == ("InlineData", (("var", (Variable(variable),)), ("value", (URIRef("urn:x-value:"),))))
        and _tree(parts_after[1:]) == _tree(parts)
        and _tree(list(rest.items())) == _tree(list(rest_after.items()))
    )


def _tree(node: object) -> object:
    """A parse tree as nested tuples, comparable by value (pyparsing's results are not)."""
    if is_node(node):
        return (node.name, tuple((key, _tree(value)) for key, value in node.items()))
    if is_sequence(node):
        return tuple(_tree(value) for value in node)
    return node


def _rows(
    constraint: SparqlConstraint,
    store: ox.Store,
    focus: Callable[[], frozenset],
    substituted: dict,
):
    """(focus node, solution as a dict) for each distinct solution, as pySHACL pre-binds $this,
    with the variables `substituted` bound first."""
    if constraint.binding == PER_NODE:
        runs = (
            (
                node,
                store.query(
                    constraint.query,
                    substitutions={**substituted, ox.Variable("this"): node},
                    use_default_graph_as_union=True,
                ),
            )
            for node in focus()
        )
    else:
        query = store.query(
            constraint.query, substitutions=substituted or None, use_default_graph_as_union=True
        )
        runs = [(None, query)]
    for node, solutions in runs:
        names = [v.value for v in solutions.variables]
        seen: dict[Node, set] = {}
        for solution in solutions:
            row = {name: solution[name] for name in names if solution[name] is not None}
            if constraint.binding == FREE:
                targets = [row["this"]] if row.get("this") in focus() else []
            elif constraint.binding == CONSTANT:
                targets = list(focus())
            else:
                targets = [node]
            for this in targets:
                key = tuple(sorted((k, str(v)) for k, v in row.items()))
                if key not in seen.setdefault(this, set()):
                    seen[this].add(key)
                    yield this, row


def _write(
    report: Graph,
    constraint: SparqlConstraint,
    copy: OxigraphCopy,
    this,
    row: dict,
    shapes: Graph,
    sources: Sequence[Graph],
) -> None:
    """One sh:ValidationResult, its values mapped from the solution as SHACL 5.3.2 says."""
    bound = {name: copy.term(value) for name, value in row.items()}
    focus = copy.term(this)
    bound["this"] = focus
    path = bound.get("path")
    if not isinstance(path, URIRef):
        path = constraint.path
        bound.pop("path", None)
    value = bound.get("value", focus if constraint.path is None else None)
    if value is not None:
        bound["value"] = value
    result = BNode()
    report.add((result, RDF.type, SH.ValidationResult))
    report.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
    report.add((result, SH.sourceShape, constraint.shape))
    report.add((result, SH.sourceConstraint, constraint.node))
    report.add((result, SH.resultSeverity, constraint.severity))
    report.add((result, SH.focusNode, focus))
    if value is not None:
        report.add((result, SH.value, value))
    if path is not None:
        report.add((result, SH.resultPath, path))
    for message in constraint.messages:
        report.add((result, SH.resultMessage, _substitute(message, bound)))
    # Blank nodes are described next to the result, as pySHACL copies them, so the report stands alone.
    for node, graphs in (
        (constraint.shape, [shapes]),
        (constraint.node, [shapes]),
        (focus, sources),
        (value, sources),
    ):
        if isinstance(node, BNode):
            describe_blank(report, node, graphs)


def _substitute(message: Literal, bound: dict[str, Node]) -> Literal:
    """{?var} and {$var} replaced by the lexical form of the variable's value (SHACL 5.3.2)."""
    text = re.sub(
        r"\{[?$](\w+)\}",
        lambda m: str(bound[m.group(1)]) if m.group(1) in bound else m.group(0),
        str(message),
    )
    return Literal(text, lang=message.language)


def describe_blank(report: Graph, node: BNode, graphs: Sequence[Graph]) -> None:
    todo, seen = [node], set()
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for graph in graphs:
            for p, o in graph.predicate_objects(subject):
                report.add((subject, p, o))
                if isinstance(o, BNode):
                    todo.append(o)
