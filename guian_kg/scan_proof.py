"""Proofs that whole-graph SHACL-SPARQL rules find nothing, cheaper than running the rules.

A rule `SELECT … WHERE { ?a ?b ?c . FILTER … }` whose filters read one variable of the triple, say
?c, has a solution exactly when some distinct value of ?c passes the filters: the other variables
are read by nothing. Run as written, it evaluates its filters once per triple of the graph (at 300
articles gks:TypedSubjectShape looks up the types of 720,000 subjects of triples, 70,000 of them
distinct). Its proof evaluates them once per distinct value: `{ SELECT ?scanned WHERE { ?s ?p
?scanned } GROUP BY ?scanned }`, then, for each value, the rule's own filters with the rule's
variable bound to it (`LATERAL { { BIND (?scanned AS ?c) FILTER … } UNION … }`: the rules that
read the same place of the triple share one scan). Where the proof finds nothing, the rules find
nothing; where it finds a row, the rules themselves run, so that their results are their own.
(GROUP BY, not DISTINCT: Oxigraph moves filters below a DISTINCT, back onto every triple.)

Each rule's part of a proof is cut from its text and holds only where rdflib's parse tree proves
it (`analysis`): the part is one group, a BIND and then exactly the rule's filters, under the
rule's own prologue. The rest of the proof is this module's own text. The shapes file stays the
one source of the rules' meaning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Variable

from . import query_analyses
from .sparql_constraints import _WHERE, _tree
from .sparql_tree import is_node, is_sequence, parse_query

if TYPE_CHECKING:
    from rdflib.plugins.sparql.parserutils import CompValue

SCANNED = Variable("scanned")
THIS = Variable("this")
# The triple whose distinct subjects, predicates or objects a proof reads (scoped in a sub-select).
_TRIPLE_OF = ("?scanned ?p ?o", "?s ?scanned ?o", "?s ?p ?scanned")
_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)
_TRIPLE = re.compile(r"\s*([?$]\w+)\s+([?$]\w+)\s+([?$]\w+)\s*\.?")
_END = re.compile(r"\}\s*$")
_FILTER = re.compile(r"\s*FILTER\s*\((.*)\)\s*", re.IGNORECASE | re.DOTALL)
_LOOKUPS = ("Builtin_EXISTS", "Builtin_NOTEXISTS")


def proofs(queries: Sequence[str]) -> list[tuple[str, list[int]]]:
    """(proof, the numbers of the queries it covers) for the queries each of whose parts has a
    proof to go in: the parts under the same prologue that read the same place of their triple
    share one. A place is scanned only for a rule that looks up other triples (EXISTS) there: for
    filters on the term alone, grouping costs about what it saves, but they ride along."""
    found = {n: a for n, q in enumerate(queries) if (a := analysis(q)) is not None}
    scanned = {
        (a["prologue"], place) for a in found.values() if a["lookups"] for place, _ in a["parts"]
    }
    shared: dict[tuple[str, int], tuple[list[str], dict[int, None]]] = {}
    for number, a in found.items():
        if all((a["prologue"], place) in scanned for place, _ in a["parts"]):
            for place, branch in a["parts"]:
                branches, numbers = shared.setdefault((a["prologue"], place), ([], {}))
                branches.append(branch)
                numbers[number] = None
    return [
        (_proof(prologue, place, " UNION ".join(branches)), list(numbers))
        for (prologue, place), (branches, numbers) in shared.items()
    ]


def finds_nothing(proof: str, store: ox.Store) -> bool:
    """Whether the proof finds no row on the store's union graph, as the rules run."""
    return next(iter(store.query(proof, use_default_graph_as_union=True)), None) is None


def _proof(prologue: str, place: int, branches: str) -> str:
    grouped = f"{{ SELECT {SCANNED.n3()} WHERE {{ {_TRIPLE_OF[place]} }} GROUP BY {SCANNED.n3()} }}"
    return f"{prologue}SELECT * WHERE {{ {grouped} LATERAL {{ {branches} }} }}"


@lru_cache(maxsize=256)
def analysis(query: str) -> dict | None:
    shipped = query_analyses.known(query)
    return shipped["scan"] if shipped is not None else analysis_of(query)


def analysis_of(query: str) -> dict | None:
    """The query's parts in proofs, where the parse tree proves them (see the module docstring):
    {"prologue", "lookups" (whether its filters read other triples), "parts": [[place (0, 1, 2:
    the triple's subject, predicate, object), branch], …]}; else None. Filters that read one
    variable of the triple make one part; one FILTER (A || B …) whose operands each read one,
    a part each (the rule has a solution exactly when one of them holds for some value)."""
    select_at, where = _SELECT.search(query), _WHERE.search(query)
    triple = where and _TRIPLE.match(query, where.end())
    end = _END.search(query)
    if select_at is None or triple is None or end is None:
        return None
    try:
        prologue, select = parse_query(query)
    except Exception:  # pyparsing's errors, or a query rdflib cannot read: not proven
        return None
    if set(select) - {"modifier", "projection"} != {"where"} or "part" not in select["where"]:
        return None  # a GROUP BY, HAVING, LIMIT … of the rule's own would count its rows
    parts = select["where"]["part"]
    if len(parts) < 2:
        return None
    first, filters = parts[0], parts[1:]
    if not (
        is_node(first)
        and first.name == "TriplesBlock"
        and len(first.triples) == 1
        and all(isinstance(v, Variable) for v in first.triples[0])
        and len(set(first.triples[0])) == 3
        and all(is_node(f) and f.name == "Filter" for f in filters)
        # $this: a rule that reads it is run for its focus nodes, not over the whole graph.
        and not {SCANNED, THIS} & {n for n in _walk(parts) if isinstance(n, Variable)}
    ):
        return None
    triple_variables = list(first.triples[0])
    region = query[triple.end() : end.start()]
    read = _reads(filters, triple_variables)
    if len(read) == 1:
        pieces = [(read.pop(), region, tuple(_tree(f) for f in filters))]
    else:
        pieces = _disjuncts(region, filters, triple_variables)
    text = query[: select_at.start()]
    found = []
    for variable, filtered, expected in pieces or []:
        branch = f"{{ BIND ({SCANNED.n3()} AS {variable.n3()}) {filtered} }}"
        if not _proven(text, _tree(prologue), variable, branch, expected):
            return None
        found.append([triple_variables.index(variable), branch])
    if not found:
        return None
    return {
        "prologue": text,
        "lookups": any(is_node(n) and n.name in _LOOKUPS for n in _walk(filters)),
        "parts": found,
    }


def _reads(tree: object, triple_variables: list[Variable]) -> set[Variable]:
    """The variables of the triple a part of the parse tree mentions (in EXISTS patterns too)."""
    return {n for n in _walk(tree) if isinstance(n, Variable)} & set(triple_variables)


def _disjuncts(region: str, filters: list, triple_variables: list[Variable]) -> list | None:
    """(variable, FILTER (operand), its expected parse tree) for each operand of the one
    FILTER (A || B …) of `region`, each operand reading one variable of the triple; else None.
    The text is cut at each "||": where that is not where the tree cuts, the tree check fails."""
    expression = filters[0].expr if len(filters) == 1 else None
    if not (is_node(expression) and expression.name == "ConditionalOrExpression"):
        return None
    operands = [expression.expr]
    if "other" in expression:  # CompValue.get answers a missing key with the key itself
        operands += expression["other"]
    written = _FILTER.fullmatch(region)
    texts = written.group(1).split("||") if written else []
    if len(texts) != len(operands):
        return None
    pieces = []
    for text, operand in zip(texts, operands, strict=True):
        read = _reads(operand, triple_variables)
        if len(read) != 1:
            return None
        tree = ("Filter", (("expr", ("ConditionalOrExpression", (("expr", _tree(operand)),))),))
        pieces.append((read.pop(), f"FILTER ({text})", (tree,)))
    return pieces


def _proven(
    prologue: str, prologue_tree: object, variable: Variable, branch: str, expected
) -> bool:
    """Whether `branch`, under `prologue`, parses as one group: the BIND of `variable`, then
    filters whose parse trees are `expected`; and Oxigraph reads a proof made of it."""
    try:
        tree_after, select_after = parse_query(f"{prologue}SELECT * WHERE {{ {branch} }}")
        bind = f"{{ BIND ({SCANNED.n3()} AS {variable.n3()}) }}"
        _, bound = parse_query(f"{prologue}SELECT * WHERE {{ {bind} }}")
        ox.Store().query(_proof(prologue, 0, branch))
        group, bound_group = _group_parts(select_after), _group_parts(bound)
    except Exception:
        return False
    return (
        _tree(tree_after) == prologue_tree
        and group is not None
        and bound_group is not None
        and _tree(group) == _tree(bound_group) + tuple(expected)
    )


def _group_parts(select: CompValue) -> list | None:
    """The parts of the one group that is the whole WHERE clause (`{ { … } }`), or None (KeyError
    where the clause or the group is empty)."""
    parts = select["where"]["part"]
    if len(parts) != 1 or parts[0].name != "GroupOrUnionGraphPattern":
        return None
    groups = parts[0].graph
    if len(groups) != 1 or groups[0].name != "GroupGraphPatternSub":
        return None
    return list(groups[0]["part"])


def _walk(node: object):
    """The node and everything below it in a parse tree."""
    yield node
    if is_node(node):
        node = list(node.values())
    if is_sequence(node):
        for child in node:
            yield from _walk(child)
