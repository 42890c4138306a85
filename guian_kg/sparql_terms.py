"""SPARQL syntax for SHACL parameters (https://www.w3.org/TR/shacl/#core-components): terms,
strings, the datatype test, the order pySHACL compares values in; used by shacl_sparql."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

# Datatypes whose ill-typed literals (SHACL 4.1.2, "not an ill-typed literal") a cast from the
# lexical form finds: Oxigraph casts only well-formed lexical forms.
CHECKED_DATATYPES = {
    XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.boolean, XSD.date, XSD.dateTime,
    XSD.time, XSD.gYear, XSD.gYearMonth,
}  # fmt: skip
NODE_KINDS = {
    SH.IRI: "isIRI(%V%)",
    SH.BlankNode: "isBlank(%V%)",
    SH.Literal: "isLiteral(%V%)",
    SH.BlankNodeOrIRI: "!isLiteral(%V%)",
    SH.BlankNodeOrLiteral: "!isIRI(%V%)",
    SH.IRIOrLiteral: "!isBlank(%V%)",
}
COMPARISONS = {
    SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent),
    SH.minExclusive: (">", SH.MinExclusiveConstraintComponent),
    SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent),
    SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent),
}
PAIRS = {
    SH.lessThan: ("<", SH.LessThanConstraintComponent),
    SH.lessThanOrEquals: ("<=", SH.LessThanOrEqualsConstraintComponent),
}
V = "%V%"  # where a per-value condition names its value


class Unsupported(Exception):
    """A construct of the shapes graph this compiler does not run exactly as pySHACL does."""


def ordered(value: str, other: str, operator: str) -> str:
    """pySHACL compares IRIs and strings as strings, anything else by value (SHACL 4.5.3, 4.5.4)."""

    def text(v: str) -> str:
        return f'(isIRI({v}) || (isLiteral({v}) && (lang({v}) != "" || datatype({v}) = <{XSD.string}>)))'

    return (
        f"IF({text(value)} && {text(other)}, STR({value}) {operator} STR({other}), "
        f"IF({text(value)} || {text(other)}, false, {value} {operator} {other}))"
    )


def datatype_test(datatype: Node) -> str:
    """True when V is a literal of the datatype that is not ill-typed (SHACL 4.1.2)."""
    if datatype == RDF.langString:
        return 'isLiteral(%V%) && lang(%V%) != ""'
    if datatype == RDFS.Literal:
        return "isLiteral(%V%)"
    test = f"isLiteral(%V%) && datatype(%V%) = {term(datatype)}"
    if datatype in CHECKED_DATATYPES:
        test += f" && COALESCE(isLiteral({term(datatype)}(STR(%V%))), false)"
    return test


def integer(node: Node, predicate: URIRef) -> int:
    if not (isinstance(node, Literal) and isinstance(node.toPython(), int)) or node.toPython() < 0:
        raise Unsupported(f"{predicate.n3()} {node.n3()} is not a non-negative integer")
    return int(node.toPython())


def term(node: Node) -> str:
    """The node in SPARQL syntax; a blank node would be a variable there, so it is refused."""
    if isinstance(node, URIRef):
        if any(c in str(node) for c in '<>"{}|^`\\ '):
            raise Unsupported(f"the IRI {node!r}")
        return f"<{node}>"
    if isinstance(node, Literal):
        if node.language:
            return f"{string(str(node))}@{node.language}"
        datatype = node.datatype or XSD.string
        return f"{string(str(node))}^^{term(datatype)}"
    raise Unsupported(f"the blank node {node.n3()} as a parameter")


def string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def sort_key(node: Node) -> tuple[str, str]:
    return (type(node).__name__, str(node))
