"""SHACL validation, and the report a curator can act on (text, Turtle or JSON).

Two engines give the same results (tests/test_validation_engines.py proves it on every fixture):
"pyshacl", the reference, runs every constraint with pySHACL; "split", the default, runs the core
constraints with pySHACL and the SHACL-SPARQL constraints on Oxigraph (sparql_constraints.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal as Choice

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from . import sparql_constraints
from .errors import InputError
from .namespaces import shorten
from .write import serialize_graph

ENGINES = ("split", "pyshacl")
Engine = Choice["split", "pyshacl"]


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
    copy = sparql_constraints.OxigraphCopy.of([data, ontology]) if engine == "split" else None
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


def _pyshacl(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
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
    results.sort(key=lambda r: (r.focus, r.path or "", r.constraint, r.value or ""))
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
