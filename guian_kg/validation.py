"""SHACL validation with pySHACL, and the report a curator can act on (text, Turtle or JSON)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal
from rdflib.namespace import SH
from rdflib.term import Node

from .namespaces import shorten
from .serialize import serialize_graph


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


def validate(data: Graph, shapes: Graph, ontology: Graph) -> Report:
    """Validate `data` (merged with `ontology`, which declares the concept schemes) against `shapes`."""
    conforms, report_graph, _ = shacl_validate(
        data + ontology,
        shacl_graph=shapes,
        inference="none",
        do_owl_imports=False,  # pySHACL's default, spelt out: an owl:imports in the data is not fetched
        advanced=True,
        allow_warnings=True,
    )
    results = [
        _result(report_graph, node) for node in report_graph.subjects(SH.resultSeverity, None)
    ]
    results.sort(key=lambda r: (r.focus, r.path or "", r.constraint, r.value or ""))
    return Report(bool(conforms), report_graph, results)


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
