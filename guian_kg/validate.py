"""SHACL validation, and the report a curator can act on (text, Turtle or JSON).

Three engines give the same results (tests/test_validation_engines.py proves it on every fixture):
"pyshacl", the reference, runs every constraint with pySHACL; "split", the default, runs the core
constraints with pySHACL and the SHACL-SPARQL constraints on Oxigraph (sparql_constraints.py);
"oxigraph" runs everything on Oxigraph, the core constraints compiled to SPARQL (shacl_sparql.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal as Choice

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from . import locality, scan_proof, shacl_sparql, sparql_constraints
from .errors import InputError
from .namespaces import shorten
from .parallel import available_cores, fork_map
from .write import serialize_graph

ENGINES = ("split", "pyshacl", "oxigraph")


class NotLocal(Exception):
    """Shapes an incremental validation cannot restrict to the nodes a change touched."""


Engine = Choice["split", "pyshacl", "oxigraph"]


@dataclass(frozen=True)
class Result:
    focus: str
    path: str | None
    value: str | None
    severity: str
    messages: tuple[str, ...]
    shape: str
    constraint: str


@dataclass
class Report:
    conforms: bool
    graph: Graph
    results: list[Result] = field(default_factory=list)
    # Where the SHACL-SPARQL constraints ran: "oxigraph", or "rdflib" (pySHACL's engine) for the
    # reference engine and for data Oxigraph would change (an upper-case language tag, "1.20").
    sparql_engine: str = "rdflib"
    # Where the core constraints ran: "pyshacl", or "oxigraph" (the oxigraph engine, unless the
    # shapes use what shacl_sparql does not compile or Oxigraph would change the data).
    core_engine: str = "pyshacl"
    # (units validated, units in the graph) when a build validated (guian_kg.incremental).
    units: tuple[int, int] | None = None

    def text(self) -> str:
        """Readable report: one block per focus node, each result with its message in zh and en."""
        if self.conforms:
            return "Conforms: the graph satisfies every shape.\n"
        lines = [f"Does not conform: {len(self.results)} result(s).", ""]
        by_focus: dict[str, list[Result]] = {}
        for result in self.results:
            by_focus.setdefault(result.focus, []).append(result)
        for focus in sorted(by_focus):
            lines.append(shorten(focus))
            for r in by_focus[focus]:
                where = f" {shorten(r.path)}" if r.path else ""
                value = f" = {r.value}" if r.value else ""
                lines.append(
                    f"  [{r.severity}]{where}{value}  ({shorten(r.shape)}, {shorten(r.constraint)})"
                )
                for message in r.messages:
                    lines.append(f"    {message}")
            lines.append("")
        return "\n".join(lines)

    def turtle(self) -> str:
        return serialize_graph(self.graph, "ttl")

    def json(self) -> str:
        return (
            json.dumps(
                {"conforms": self.conforms, "results": [r.__dict__ for r in self.results]},
                ensure_ascii=False,
                indent=2,
                sort_keys=True,
            )
            + "\n"
        )


def validate(data: Graph, shapes: Graph, ontology: Graph, engine: Engine = "split") -> Report:
    """Validate `data` (merged with `ontology`, which declares the concept schemes) against `shapes`."""
    if engine not in ENGINES:
        raise InputError(
            f"unknown validation engine {engine!r}: choose one of {', '.join(ENGINES)}"
        )
    copy = sparql_constraints.OxigraphCopy.of([data, ontology]) if engine != "pyshacl" else None
    if copy is not None and engine == "oxigraph":
        try:
            return _on_oxigraph(copy, shapes, None, [data, ontology])
        except shacl_sparql.Unsupported:
            copy = None  # the reference engine runs what the compiler does not, or would misread
    if copy is None:
        conforms, report_graph = _pyshacl(data + ontology, shapes)
        return _report(conforms, report_graph, "rdflib")
    core, constraints = sparql_constraints.split(shapes)
    conforms, report_graph = _pyshacl(data + ontology, core)
    found = sparql_constraints.evaluate(constraints, shapes, copy, [data, ontology])
    report_node = next(report_graph.subjects(RDF.type, SH.ValidationReport))
    for result in found.subjects(RDF.type, SH.ValidationResult):
        report_graph.add((report_node, SH.result, result))
    report_graph += found
    # allow_warnings: only a sh:Violation makes the graph not conform, as pySHACL counts them.
    conforms = conforms and (None, SH.resultSeverity, SH.Violation) not in found
    report_graph.set((report_node, SH.conforms, Literal(conforms)))
    return _report(conforms, report_graph, "oxigraph")


def validate_store(
    store: ox.Store,
    shapes: Graph,
    focus: Collection[str] | None = None,
    around: Collection[str] | None = None,
    workers: int | None = None,
    changed: Mapping[str, Collection[str]] | None = None,
) -> Report:
    """Validate the union of the store's graphs (data and ontology) against `shapes` on Oxigraph.

    `focus` (IRIs, blank nodes as "_:label") keeps the results whose focus node it names. Shapes
    the compiler does not run (shacl_sparql.Unsupported) are run by pySHACL on a copy of the store.
    `around` (IRIs: the nodes a change touched, guian_kg.incremental) runs the local constraints
    (guian_kg.locality) for those nodes alone and the others whole; it raises NotLocal before
    running anything when the core shapes are not local or Oxigraph cannot run them all.
    `changed` maps the predicate of each triple that changed (or may have) to their subjects: a
    constraint that reads a path of any length runs around the change only where it holds none
    of the path's predicates, and one around a key (locality.query_key) keeps the keys its paths
    lead to from those subjects; without it, both run whole.
    `workers` processes run the checks (by default one per core for a large store, else none:
    this process), each on the store it inherits; the report is the same whatever their number.
    """
    copy = sparql_constraints.OxigraphCopy(store, {})
    if around is not None:
        try:
            return _on_oxigraph(
                copy, shapes, around, [], local=True, workers=workers, changed=changed
            )
        except shacl_sparql.Unsupported as unsupported:
            raise NotLocal(str(unsupported)) from None
    try:
        return _on_oxigraph(copy, shapes, focus, [], workers=workers)
    except shacl_sparql.Unsupported:
        graph = Graph()
        graph.addN(
            (copy.term(q.subject), copy.term(q.predicate), copy.term(q.object), graph)
            for q in store
        )
        conforms, report_graph = _pyshacl(graph, shapes)
        report = _report(conforms, report_graph, "rdflib")
        if focus is not None:
            report.results = [r for r in report.results if _name(r.focus, report_graph) in focus]
            report.conforms = not any(r.severity == "sh:Violation" for r in report.results)
        return report


def _on_oxigraph(
    copy: sparql_constraints.OxigraphCopy,
    shapes: Graph,
    focus: Collection[str] | None,
    sources: Sequence[Graph],
    local: bool = False,
    workers: int | None = 1,
    changed: Mapping[str, Collection[str]] | None = None,
) -> Report:
    """Every constraint on Oxigraph: the core ones compiled to SPARQL, the SHACL-SPARQL ones as
    sparql_constraints runs them, in `workers` processes (None: _run_checks chooses); raises
    shacl_sparql.Unsupported before running anything.

    `local`: `focus` holds the nodes a change touched, and only the results that can differ from
    a graph without any (locality) are looked for; `changed` as validate_store's.
    """
    core, constraints = sparql_constraints.split(shapes)
    if (None, SH.sparql, None) in core:
        raise shacl_sparql.Unsupported("a SHACL-SPARQL constraint sparql_constraints does not run")
    if local and not locality.shapes_are_local(core):
        raise NotLocal("the core shapes read further than one step from their focus node")
    plan = shacl_sparql.compile_shapes(core)
    rewritten = copy.rewritten()
    if rewritten and any(
        URIRef(q.predicate.value) in plan.lexical
        for literal in rewritten
        for q in copy.store.quads_for_pattern(None, None, literal)
    ):
        raise shacl_sparql.Unsupported("a literal Oxigraph rewrote is read by its lexical form")
    only = None if focus is None else {_ox_node(name) for name in focus}
    values = ""
    if only is not None and all(isinstance(n, ox.NamedNode) for n in only):
        values = "VALUES ?this { " + " ".join(str(n) for n in sorted(only, key=str)) + " }"
    around = {c: _around(c, changed) for c in constraints} if local else None
    focus_cache: dict[Node, set] = {}  # each shape's focus nodes, per process

    def run(task: tuple[str, int]) -> list[tuple]:
        """What one task finds, in Oxigraph terms written up by the caller: the core checks of
        one group (shacl_sparql.by_sources), one SHACL-SPARQL constraint, or the numbers of the
        constraints a proof (scan_proof) covers when it finds something."""
        kind, number = task
        if kind == "sparql":
            constraint = constraints[number]
            if around is not None:
                reads = around[constraint]
                return _solutions_around(
                    constraint, reads, shapes, copy, only, changed, focus_cache
                )
            return sparql_constraints.solutions(constraint, shapes, copy, only, "this", focus_cache)
        if kind == "scan":
            proof, numbers = scans[number]
            return [] if scan_proof.finds_nothing(proof, copy.store) else numbers
        query = shacl_sparql.query(core, plan.checks, groups[number], values)
        return [
            (int(row["check"].value), row["this"], row["value"])
            for row in copy.store.query(query, use_default_graph_as_union=True)
            if only is None or row["this"] in only
        ]

    groups = shacl_sparql.by_sources(plan.checks)
    scans = _scans(constraints, around)
    scanned = {n for _, numbers in scans for n in numbers}
    tasks = [("core", i) for i in range(len(groups))]
    tasks += [("sparql", i) for i in range(len(constraints)) if i not in scanned]
    tasks += [("scan", i) for i in range(len(scans))]
    found_by = _run_checks(run, tasks, copy.store, workers)
    # A constraint runs where a proof of it found something (a graph that does not conform).
    unproved = sorted({n for i in range(len(scans)) for n in found_by[("scan", i)]})
    found_by.update({("sparql", n): run(("sparql", n)) for n in unproved})
    report_graph = Graph()
    report_node = BNode()
    report_graph.add((report_node, RDF.type, SH.ValidationReport))
    for i in range(len(groups)):  # written in the order one process finds them
        for number, this, value in found_by[("core", i)]:
            term = None if value is None else copy.term(value)
            check = plan.checks[number]
            _add_result(report_graph, report_node, check, copy.term(this), term, shapes)
    found = Graph()
    for i, constraint in enumerate(constraints):
        rows = found_by.get(("sparql", i), [])  # none: its proofs found nothing
        sparql_constraints.write(found, constraint, rows, shapes, copy, sources)
    for result in found.subjects(RDF.type, SH.ValidationResult):
        report_graph.add((report_node, SH.result, result))
    report_graph += found
    # allow_warnings: only a sh:Violation makes the graph not conform, as pySHACL counts them.
    conforms = (None, SH.resultSeverity, SH.Violation) not in report_graph
    report_graph.add((report_node, SH.conforms, Literal(conforms)))
    report = _report(conforms, report_graph, "oxigraph")
    report.core_engine = "oxigraph"
    return report


# A store this large is validated by one process per core (forked: each inherits the store, shared
# copy-on-write, and takes the next query as it becomes free); a smaller one by this process, where
# starting workers costs more than it saves. The largest tasks go first and the small ones last,
# so that neither process is left running one alone: the proofs of the whole-graph rules
# (scan_proof), then the core checks' groups, then the other SHACL-SPARQL constraints (CPU s at
# 1,000 articles: the proofs 2.3, 1.7, 0.5; the groups up to 3.7, four over 1.9; the constraints
# 1.0 at most, most under 0.1). Given those times, the busier of two processes has 11.7 s (of 23)
# in this order, 12.1 s with the constraints before the groups.
_PARALLEL_FROM = 100_000  # quads


def _run_checks(
    run: Callable[[tuple[str, int]], list], tasks: list[tuple[str, int]], store, workers
) -> dict[tuple[str, int], list]:
    """Each task's findings, the largest started first so that none is left to run alone."""
    if workers is None:
        workers = available_cores() if _at_least(store, _PARALLEL_FROM) else 1
    order = sorted(tasks, key=lambda task: ("scan", "core", "sparql").index(task[0]))
    return dict(zip(order, fork_map(run, order, workers, chunksize=1), strict=True))


def _around(
    constraint: sparql_constraints.SparqlConstraint, changed: Mapping[str, Collection[str]] | None
) -> locality.Around | None:
    """How the constraint runs around a change (`changed` as validate_store's): as
    locality.local_root says, but whole where the change may touch a path of any length it reads
    or the triples that changed are not known for its key."""
    around = locality.local_root(constraint)
    if around is None or not (around.fixed or around.paths):
        return around
    if changed is None or set(around.fixed) & set(changed):
        return None
    return around


def _solutions_around(
    constraint: sparql_constraints.SparqlConstraint,
    around: locality.Around | None,
    shapes: Graph,
    copy: sparql_constraints.OxigraphCopy,
    nodes: set,
    changed: Mapping[str, Collection[str]] | None,
    focus_cache: dict[Node, set],
) -> list[tuple]:
    """The constraint's solutions around the `nodes` a change touched (locality.Around): restricted
    to them, or to the keys its paths lead to from the subjects of the triples that `changed` and
    from the nodes (which a focus node that became one is), or whole (None, or a key that is a
    blank node, which a VALUES block cannot name)."""
    root, each = (around.variable, around.each) if around is not None else (None, None)
    if around is not None and around.paths:
        starts = [
            ({_ox_node(s) for s in (changed or {}).get(first, ())}, path)
            for first, path in around.paths
        ]
        starts += [(nodes, path) for path in around.targets]
        nodes = {node for here, path in starts for node in _follow(copy.store, here, path)}
        if any(isinstance(node, ox.BlankNode) for node in nodes):
            root = None
    return sparql_constraints.solutions(constraint, shapes, copy, nodes, root, focus_cache, each)


def _follow(store: ox.Store, nodes: set, path: Sequence[str]) -> set:
    """The nodes a path (predicate IRIs, in order) leads to from `nodes`."""
    for predicate in map(ox.NamedNode, path):
        nodes = {
            quad.object
            for node in nodes
            if not isinstance(node, ox.Literal)
            for quad in store.quads_for_pattern(node, predicate, None)
        }
    return nodes


def _scans(
    constraints: list[sparql_constraints.SparqlConstraint],
    around: dict[sparql_constraints.SparqlConstraint, locality.Around | None] | None,
) -> list[tuple[str, list[int]]]:
    """The proofs (scan_proof) for the constraints run whole whose query does not read $this, each
    with the numbers of the constraints it covers (a constraint is in one or more: it finds nothing
    where they all find nothing); a run around a change reads a few nodes and goes as it is."""
    whole = [
        n
        for n, c in enumerate(constraints)
        if c.binding == sparql_constraints.CONSTANT and (around is None or around.get(c) is None)
    ]
    proofs = scan_proof.proofs([constraints[n].query for n in whole])
    return [(proof, [whole[i] for i in numbers]) for proof, numbers in proofs]


def _at_least(store: ox.Store, count: int) -> bool:
    """Whether the store holds `count` quads or more: read up to the count-th alone (len reads every
    quad, 0.06 s at 300 articles against 0.03 s)."""
    skipped = f"OFFSET {count - 1} LIMIT 1" if count > 1 else "LIMIT 1"
    query = f"ASK {{ {{ SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }} {skipped} }} }}"
    return bool(store.query(query))


def _add_result(
    graph: Graph, report: Node, check: shacl_sparql.Check, focus: Node, value, shapes: Graph
) -> None:
    """One sh:ValidationResult as pySHACL writes it: a path of blank nodes comes with its triples."""
    result = BNode()
    graph.add((report, SH.result, result))
    graph.add((result, RDF.type, SH.ValidationResult))
    graph.add((result, SH.sourceConstraintComponent, check.component))
    graph.add((result, SH.sourceShape, check.shape))
    graph.add((result, SH.resultSeverity, check.severity))
    graph.add((result, SH.focusNode, focus))
    if value is not None:
        graph.add((result, SH.value, value))
    if check.path is not None:
        graph.add((result, SH.resultPath, check.path))
        if isinstance(check.path, BNode):
            sparql_constraints.describe_blank(graph, check.path, [shapes])
    for message in check.messages:
        graph.add((result, SH.resultMessage, message))


def _ox_node(name: str) -> ox.NamedNode | ox.BlankNode:
    return ox.BlankNode(name[2:]) if name.startswith("_:") else ox.NamedNode(name)


def _name(focus: str, graph: Graph) -> str:
    """A focus node of a Result as `validate_store` names it: a blank node as "_:label"."""
    return f"_:{focus}" if (None, SH.focusNode, BNode(focus)) in graph else focus


def _pyshacl(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    from pyshacl import validate as shacl_validate  # 0.15 s to import: only when it runs

    conforms, report_graph, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        do_owl_imports=False,  # pySHACL's default, spelt out: an owl:imports in the data is not fetched
        advanced=True,
        allow_warnings=True,
    )
    return bool(conforms), report_graph


def _report(conforms: bool, report_graph: Graph, sparql_engine: str) -> Report:
    results = [
        _result(report_graph, node) for node in report_graph.subjects(SH.resultSeverity, None)
    ]
    # Every field in the key: results that tie on the first ones come in one order, not in the
    # order of the report graph (which follows its blank nodes' random labels).
    results.sort(
        key=lambda r: (
            (r.focus, r.path or "", r.constraint, r.value or "", r.shape, r.severity, *r.messages)
        )
    )
    return Report(conforms, report_graph, results, sparql_engine)


def _result(g: Graph, node: Node) -> Result:
    def one(prop) -> str | None:
        value = g.value(node, prop)
        return None if value is None else str(value)

    messages = sorted(
        (str(m) for m in g.objects(node, SH.resultMessage)),
        key=lambda m: (not any("\u4e00" <= ch <= "\u9fff" for ch in m), m),
    )
    value = g.value(node, SH.value)
    return Result(
        focus=one(SH.focusNode) or "",
        path=one(SH.resultPath),
        value=value.n3()
        if isinstance(value, Literal)
        else (str(value) if value is not None else None),
        severity=shorten(one(SH.resultSeverity) or ""),
        messages=tuple(messages),
        shape=one(SH.sourceShape) or "",
        constraint=one(SH.sourceConstraintComponent) or "",
    )
