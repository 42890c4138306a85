"""SHACL core constraints (https://www.w3.org/TR/shacl/#core-components) compiled to SPARQL.

Each constraint of a shape that reports results becomes one SELECT that finds every violating
(focus node, value) pair of the shape at once: the focus nodes of the shape's targets (SHACL 2.1.3)
joined with a graph pattern that matches a violation. A shape checked inside another constraint
(sh:node, sh:or, sh:xone, sh:and, sh:not, sh:qualifiedValueShape) becomes a boolean expression,
"the node conforms", made of FILTER NOT EXISTS over its own violations. Results are reported as
pySHACL reports them: which value and path it names, the shape's sh:message values.

What this compiler cannot run exactly raises `Unsupported`; the caller then runs pySHACL instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from .sparql_terms import (
    COMPARISONS,
    NODE_KINDS,
    PAIRS,
    Unsupported,
    V,
    datatype_test,
    integer,
    ordered,
    sort_key,
    string,
    term,
)

TARGETS = (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
# Predicates of a shape that are not constraints, or are parameters read with their constraint.
NOT_CONSTRAINTS = {
    SH.path, SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order,
    SH.group, SH.defaultValue, SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint, SH.declare, SH.prefixes, *TARGETS,
}  # fmt: skip
# Constraints that read a literal's lexical form or compare terms: Oxigraph stores "1.20"^^xsd:decimal
# as "1.2", so data with such a literal under one of them is validated by pySHACL.
LEXICAL = {
    SH.pattern, SH.minLength, SH.maxLength, SH["in"], SH.hasValue, SH.lessThan,
    SH.lessThanOrEquals,
}  # fmt: skip
# Counting by distinct values joined pairwise: a larger count would join too many.
MAX_COUNTED = 3
TYPE_OF = f"<{RDF.type}>/<{RDFS.subClassOf}>*"


@dataclass(frozen=True)
class Check:
    """One constraint of one reported shape, on the focus nodes of its sources' targets."""

    shape: Node  # sh:sourceShape
    component: URIRef  # sh:sourceConstraintComponent
    # The shapes whose targets give the focus nodes: the shape itself, the node shapes holding it
    # as sh:property. A node that is a focus node of two of them has its results twice.
    sources: tuple[Node, ...]
    path: Node | None
    severity: URIRef
    messages: tuple[Literal, ...]
    # A graph pattern that reads ?this and matches once per result: ?value is its sh:value (unbound
    # for results without one), ?key tells apart results with the same focus node and value.
    pattern: str


@dataclass(frozen=True)
class Plan:
    """The checks of a shapes graph, and the predicates whose literal values a constraint reads by
    their lexical form or term (sh:pattern, sh:in …)."""

    checks: list[Check]
    lexical: frozenset[URIRef]


@dataclass(frozen=True)
class _Violation:
    component: URIRef
    pattern: str  # matches when the focus variable violates the constraint
    value: str | None = None  # the variable holding sh:value
    key: str | None = None


def compile_shapes(shapes: Graph) -> Plan:
    """Every constraint of every shape that reports results, as checks (sh:sparql excluded: the
    caller runs those through sparql_constraints, and gives a shapes graph without them)."""
    compiler = _Compiler(shapes)
    checks = compiler.checks()
    return Plan(checks, frozenset(compiler.lexical))


def by_sources(checks: list[Check]) -> list[list[int]]:
    """The numbers of the checks, in groups of those with the same sources (in order of their
    first check): one `query` runs a group."""
    groups: dict[tuple[Node, ...], list[int]] = {}
    for number, check in enumerate(checks):
        groups.setdefault(check.sources, []).append(number)
    return list(groups.values())


def query(shapes: Graph, checks: list[Check], numbers: list[int], restriction: str = "") -> str:
    """One SELECT running the numbered checks (all of the same sources), ?check naming the check
    of each row: the focus nodes are found once, each once (a DISTINCT sub-select, `restriction`
    a pattern on ?this inside it), and every check's pattern is run on each focus node in turn
    (LATERAL, an Oxigraph extension: the pattern sees ?this bound, as in a check's own query).
    At 300 articles, the checks of gks:DatedShape, whose focus nodes are the subjects of four
    predicates, take 1.1 s so rather than 4.2 s run one by one, each finding them again."""
    branches = " UNION ".join(
        f"{{ {checks[number].pattern} BIND ({number} AS ?check) }}" for number in numbers
    )
    focus = focus_pattern(shapes, checks[numbers[0]].sources)
    return (
        "SELECT DISTINCT ?check ?src ?this ?value ?key WHERE { "
        f"{{ SELECT DISTINCT ?src ?this WHERE {{ {focus} {restriction} }} }} LATERAL {{ {branches} }} }}"
    )


def focus_pattern(shapes: Graph, sources: tuple[Node, ...]) -> str:
    """A pattern binding ?this to each focus node of each source's targets (SHACL 2.1.3), and ?src
    to the source's number: one query serves them all, and a focus node of two sources stays two."""
    return " UNION ".join(
        f"{{ {_targets(shapes, source)} BIND ({number} AS ?src) }}"
        for number, source in enumerate(sources)
    )


def _targets(shapes: Graph, source: Node) -> str:
    parts = []
    for node in shapes.objects(source, SH.targetNode):
        parts.append(f"VALUES ?this {{ {term(node)} }}")
    for cls in [*shapes.objects(source, SH.targetClass), *_implicit_class(shapes, source)]:
        parts.append(f"?this {TYPE_OF} {term(cls)} .")
    for predicate in shapes.objects(source, SH.targetSubjectsOf):
        parts.append(f"?this {term(predicate)} [] .")
    for predicate in shapes.objects(source, SH.targetObjectsOf):
        parts.append(f"[] {term(predicate)} ?this .")
    # Not a DISTINCT sub-query: the checks select DISTINCT rows, and a plain pattern lets Oxigraph
    # start from the focus nodes.
    return " UNION ".join(f"{{ {p} }}" for p in parts)


def _implicit_class(shapes: Graph, shape: Node) -> list[Node]:
    """A shape that is also a class targets its instances (SHACL 2.1.3.3), as pySHACL reads it:
    rdfs:Class, owl:Class or a direct subclass of rdfs:Class in the shapes graph."""
    classes = {RDFS.Class, OWL.Class, *shapes.subjects(RDFS.subClassOf, RDFS.Class)}
    return [shape] if any(t in classes for t in shapes.objects(shape, RDF.type)) else []


def _deactivated(shapes: Graph, shape: Node) -> bool:
    return any(
        isinstance(v, Literal) and v.toPython() is True
        for v in shapes.objects(shape, SH.deactivated)
    )


class _Compiler:
    def __init__(self, shapes: Graph):
        self.g = shapes
        self.count = 0
        # The predicates the value nodes being compiled come through, and all those that reach a
        # constraint in LEXICAL.
        self.via: frozenset[URIRef] = frozenset()
        self.lexical: set[URIRef] = set()
        if (None, RDF.type, SH.ConstraintComponent) in shapes:
            raise Unsupported("a SHACL-SPARQL constraint component (sh:ConstraintComponent)")

    def var(self) -> str:
        self.count += 1
        return f"?v{self.count}"

    # ------------------------------------------------------------ the shapes that report

    def checks(self) -> list[Check]:
        sources: dict[Node, list[Node]] = {}
        for shape in self._targeted():
            if _deactivated(self.g, shape):
                continue  # its property shapes are not checked on its focus nodes either
            sources.setdefault(shape, []).append(shape)
            for child in self.g.objects(shape, SH.property):
                sources.setdefault(child, []).append(shape)
        checks = []
        for shape in sorted(sources, key=sort_key):
            if _deactivated(self.g, shape):
                continue
            if (shape, SH.path, None) in self.g and (shape, SH.property, None) in self.g:
                raise Unsupported(f"sh:property on the property shape {shape.n3()}")
            self.via = frozenset(
                p for source in sources[shape] for p in self.g.objects(source, SH.targetObjectsOf)
            )
            violations = self._violations(shape, "?this", depth=0, top=True)
            messages = tuple(m for m in self.g.objects(shape, SH.message) if isinstance(m, Literal))
            if violations and not messages:
                raise Unsupported(f"{shape.n3()} has no sh:message (pySHACL writes its own)")
            severity = self.g.value(shape, SH.severity) or SH.Violation
            for violation in violations:
                pattern = violation.pattern
                if violation.value:
                    pattern += f" BIND ({violation.value} AS ?value)"
                if violation.key:
                    pattern += f" BIND ({violation.key} AS ?key)"
                checks.append(
                    Check(
                        shape,
                        violation.component,
                        tuple(sources[shape]),
                        self.g.value(shape, SH.path),
                        severity,
                        messages,
                        pattern,
                    )
                )
        return checks

    def _targeted(self) -> list[Node]:
        if (None, SH.target, None) in self.g:
            raise Unsupported("a SHACL-SPARQL target (sh:target)")
        shapes = {s for t in TARGETS for s in self.g.subjects(t, None)}
        shapes |= {
            s
            for kind in (SH.NodeShape, SH.PropertyShape)
            for s in self.g.subjects(RDF.type, kind)
            if _implicit_class(self.g, s)
        }
        for shape in shapes:
            if any(not isinstance(n, URIRef) for n in self.g.objects(shape, SH.targetNode)):
                raise Unsupported(f"a sh:targetNode of {shape.n3()} that is not an IRI")
        return sorted(shapes, key=sort_key)

    # ------------------------------------------------------------ constraints as patterns

    def _violations(self, shape: Node, focus: str, depth: int, top: bool) -> list[_Violation]:
        """Every violation of the shape's constraints by the node in `focus`."""
        if depth > 8:
            raise Unsupported(f"shapes nested deeper than 8 (recursive?) at {shape.n3()}")
        path_node = self.g.value(shape, SH.path)
        path = None if path_node is None else self.path(path_node)
        focus_via = self.via
        value_via = focus_via if path_node is None else self._predicates(path_node)
        found: list[_Violation] = []
        for predicate in sorted(set(self.g.predicates(shape, None))):
            if predicate in NOT_CONSTRAINTS or not str(predicate).startswith(str(SH)):
                continue
            objects = sorted(self.g.objects(shape, predicate), key=sort_key)
            if predicate == SH.property:
                if top:
                    continue  # each property shape reports its own results
                for child in objects:
                    if not _deactivated(self.g, child):
                        self.via = focus_via
                        found += self._violations(child, focus, depth + 1, top=False)
                continue
            single = (SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.uniqueLang)
            if predicate in single and len(objects) > 1:
                raise Unsupported(f"{len(objects)} values of {predicate.n3()} on {shape.n3()}")
            for value in objects:
                self.via = value_via
                if predicate in LEXICAL:
                    self.lexical.update(value_via)
                    if predicate in PAIRS:
                        self.lexical.add(value)
                found += self._constraint(shape, predicate, value, focus, path, depth)
        self.via = focus_via
        return found

    def _predicates(self, path: Node) -> frozenset[URIRef]:
        """The IRIs a property path is made of."""
        if isinstance(path, URIRef):
            return frozenset([path])
        found: set[URIRef] = set()
        for _, _, o in self.g.triples((path, None, None)):
            if isinstance(o, URIRef) and o != RDF.nil:
                found.add(o)
            elif isinstance(o, BNode):
                found |= self._predicates(o)
        return frozenset(found)

    def _constraint(
        self, shape: Node, predicate: URIRef, param: Node, focus: str, path: str | None, depth: int
    ) -> Iterator[_Violation]:
        count = self._counted(shape, predicate, param, focus, path, depth)
        if count is not None:
            yield count
            return
        if predicate in PAIRS:
            operator, component = PAIRS[predicate]
            value, other = (self.var(), self.var()) if path else (focus, self.var())
            values = f"{focus} {path} {value} ." if path else ""
            yield _Violation(
                component,
                f"{values} {focus} {term(param)} {other} . "
                f"FILTER (!COALESCE({ordered(value, other, operator)}, false))",
                value,
                other,
            )
            return
        component, condition = self._per_value(shape, predicate, param, depth)
        if path is None:
            yield _Violation(component, f"FILTER ({condition.replace(V, focus)})", focus)
        else:
            value = self.var()
            yield _Violation(
                component, f"{focus} {path} {value} . FILTER ({condition.replace(V, value)})", value
            )

    def _counted(
        self, shape: Node, predicate: URIRef, param: Node, focus: str, path: str | None, depth: int
    ) -> _Violation | None:
        """Constraints on the set of value nodes: one result per focus node, without sh:value."""
        if predicate == SH.hasValue:
            if path is None:
                return _Violation(
                    SH.HasValueConstraintComponent, f"FILTER (!sameTerm({focus}, {term(param)}))"
                )
            return _Violation(
                SH.HasValueConstraintComponent,
                f"FILTER NOT EXISTS {{ {focus} {path} {term(param)} }}",
            )
        if predicate in (SH.minCount, SH.maxCount):
            self._need_path(shape, predicate, path)
            limit = integer(param, predicate)
            if predicate == SH.minCount:
                if limit == 0:
                    return None
                distinct = self._distinct_values(focus, path, limit)
                return _Violation(
                    SH.MinCountConstraintComponent, f"FILTER NOT EXISTS {{ {distinct} }}"
                )
            distinct = self._distinct_values(focus, path, limit + 1)
            return _Violation(SH.MaxCountConstraintComponent, f"FILTER EXISTS {{ {distinct} }}")
        if predicate == SH.uniqueLang:
            self._need_path(shape, predicate, path)
            if not (isinstance(param, Literal) and isinstance(param.toPython(), bool)):
                raise Unsupported(f"sh:uniqueLang {param.n3()} on {shape.n3()}")
            if not param.toPython():
                return None
            a, b = self.var(), self.var()
            # One result per language tag used twice (case-insensitively), as pySHACL reports it.
            return _Violation(
                SH.UniqueLangConstraintComponent,
                f"{focus} {path} {a} . {focus} {path} {b} . "
                f'FILTER (isLiteral({a}) && isLiteral({b}) && lang({a}) != "" '
                f"&& LCASE(lang({a})) = LCASE(lang({b})) && !sameTerm({a}, {b})) "
                f"BIND (LCASE(lang({a})) AS {(key := self.var())})",
                key=key,
            )
        if predicate == SH.qualifiedValueShape:
            return self._qualified(shape, param, focus, path, depth)
        return None

    def _qualified(
        self, shape: Node, inner: Node, focus: str, path: str | None, depth: int
    ) -> _Violation | None:
        """sh:qualifiedMinCount / MaxCount: the values conforming to the shape (and, when disjoint,
        to none of its siblings, SHACL 4.7.3) are too few or too many."""
        self._need_path(shape, SH.qualifiedValueShape, path)
        low = self.g.value(shape, SH.qualifiedMinCount)
        high = self.g.value(shape, SH.qualifiedMaxCount)
        if low is not None and high is not None:
            raise Unsupported(f"both qualified counts on {shape.n3()}")
        disjoint = self.g.value(shape, SH.qualifiedValueShapesDisjoint)
        siblings = []
        if isinstance(disjoint, Literal) and disjoint.toPython() is True:
            for parent in self.g.subjects(SH.property, shape):
                for sibling in self.g.objects(parent, SH.property):
                    siblings += [s for s in self.g.objects(sibling, SH.qualifiedValueShape)]
            siblings = sorted({s for s in siblings if s != inner}, key=sort_key)

        def qualifies(value: str) -> str:
            parts = [self.conforms(inner, value, depth + 1)]
            parts += [f"!({self.conforms(s, value, depth + 1)})" for s in siblings]
            return " && ".join(parts)

        if low is not None:
            limit = integer(low, SH.qualifiedMinCount)
            if limit == 0:
                return None
            distinct = self._distinct_values(focus, path, limit, qualifies)
            return _Violation(
                SH.QualifiedMinCountConstraintComponent, f"FILTER NOT EXISTS {{ {distinct} }}"
            )
        if high is None:
            return None
        limit = integer(high, SH.qualifiedMaxCount)
        distinct = self._distinct_values(focus, path, limit + 1, qualifies)
        return _Violation(
            SH.QualifiedMaxCountConstraintComponent, f"FILTER EXISTS {{ {distinct} }}"
        )

    def _distinct_values(self, focus: str, path: str, count: int, condition=None) -> str:
        """A pattern matching `count` pairwise distinct values (that meet `condition`)."""
        if count > MAX_COUNTED:
            raise Unsupported(f"a count of {count} values (at most {MAX_COUNTED} are joined)")
        names = [self.var() for _ in range(count)]
        parts = [f"{focus} {path} {name} ." for name in names]
        tests = [f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1 :]]
        if condition is not None:
            tests += [f"({condition(name)})" for name in names]
        return " ".join(parts) + (f" FILTER ({' && '.join(tests)})" if tests else "")

    def _need_path(self, shape: Node, predicate: URIRef, path: str | None) -> None:
        if path is None:
            raise Unsupported(f"{predicate.n3()} on the node shape {shape.n3()}")

    def _per_value(
        self, shape: Node, predicate: URIRef, param: Node, depth: int
    ) -> tuple[URIRef, str]:
        """A constraint on each value node: its component, and a condition on V that is true
        when that value violates it."""
        if predicate == SH["class"]:
            return SH.ClassConstraintComponent, f"NOT EXISTS {{ %V% {TYPE_OF} {term(param)} }}"
        if predicate == SH.datatype:
            return SH.DatatypeConstraintComponent, f"!({datatype_test(param)})"
        if predicate == SH.nodeKind:
            if param not in NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {param.n3()}")
            return SH.NodeKindConstraintComponent, f"!({NODE_KINDS[param]})"
        if predicate in COMPARISONS:
            operator, component = COMPARISONS[predicate]
            return component, f"!COALESCE(%V% {operator} {term(param)}, false)"
        if predicate in (SH.minLength, SH.maxLength):
            limit = integer(param, predicate)
            if predicate == SH.minLength:
                test = "false" if limit == 0 else f"isBlank(%V%) || STRLEN(STR(%V%)) < {limit}"
                return SH.MinLengthConstraintComponent, test
            return SH.MaxLengthConstraintComponent, f"isBlank(%V%) || STRLEN(STR(%V%)) > {limit}"
        if predicate == SH.pattern:
            flags = str(self.g.value(shape, SH.flags) or "").lower()
            # pySHACL compiles the pattern with Python's re and reads the i and m flags only.
            flags = "".join(f for f in "im" if f in flags)
            regex = f"REGEX(STR(%V%), {string(str(param))}, {string(flags)})"
            return SH.PatternConstraintComponent, f"isBlank(%V%) || !{regex}"
        if predicate == SH.languageIn:
            tags = sorted({str(t).lower() for t in self._list(param)})
            if "*" in tags:
                ok = 'lang(%V%) != ""'
            else:
                listed = ", ".join(string(t) for t in tags) or '""'
                # pySHACL: the whole tag, or its first subtag, is one of the list (lower-cased).
                ok = (
                    f'lang(%V%) != "" && (LCASE(lang(%V%)) IN ({listed}) '
                    f'|| LCASE(STRBEFORE(CONCAT(lang(%V%), "-"), "-")) IN ({listed}))'
                )
            return SH.LanguageInConstraintComponent, f"!(isLiteral(%V%) && {ok})"
        if predicate == SH["in"]:
            members = [f"sameTerm(%V%, {term(m)})" for m in self._list(param)]
            return SH.InConstraintComponent, f"!({' || '.join(members) or 'false'})"
        if predicate == SH.node:
            if depth == 0:
                # pySHACL reports the nested shape's own results too (sh:detail): not compiled.
                raise Unsupported(f"sh:node on {shape.n3()}, a shape that reports results")
            return SH.NodeConstraintComponent, f"!({self.conforms(param, V, depth + 1)})"
        if predicate == SH["not"]:
            return SH.NotConstraintComponent, self.conforms(param, V, depth + 1)
        if predicate in (SH["or"], SH["and"], SH.xone):
            members = [self.conforms(m, V, depth + 1) for m in self._list(param)]
            if not members:
                raise Unsupported(f"an empty list of {predicate.n3()}")
            if predicate == SH["or"]:
                return SH.OrConstraintComponent, f"!({' || '.join(members)})"
            if predicate == SH["and"]:
                return SH.AndConstraintComponent, f"!({' && '.join(members)})"
            ones = " + ".join(f"IF({m}, 1, 0)" for m in members)
            return SH.XoneConstraintComponent, f"({ones}) != 1"
        raise Unsupported(f"{predicate.n3()} on {shape.n3()}")

    def conforms(self, shape: Node, node: str, depth: int) -> str:
        """An expression true when `node` conforms to the shape (its targets do not matter here)."""
        if _deactivated(self.g, shape):
            return "true"
        tests = [
            f"NOT EXISTS {{ {violation.pattern} }}"
            for violation in self._violations(shape, node, depth, top=False)
        ]
        return "(" + " && ".join(tests) + ")" if tests else "true"

    def _list(self, node: Node) -> list[Node]:
        if node != RDF.nil and (node, RDF.first, None) not in self.g:
            raise Unsupported(f"{node.n3()} is not an RDF list")
        return list(self.g.items(node))

    def path(self, node: Node) -> str:
        """A SHACL property path (SHACL 2.3.1) as a SPARQL property path."""
        if isinstance(node, URIRef):
            return term(node)
        if (node, RDF.first, None) in self.g:
            return "(" + "/".join(self.path(p) for p in self.g.items(node)) + ")"
        for predicate, template in (
            (SH.inversePath, "^({})"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = self.g.value(node, predicate)
            if inner is not None:
                return template.format(self.path(inner))
        alternatives = self.g.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in self._list(alternatives)) + ")"
        raise Unsupported(f"the property path {node.n3()}")
