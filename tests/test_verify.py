"""verify.compare: the graph read back against the graph sent, triple by triple."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from guian_kg.errors import StoreError
from guian_kg.verify import EXAMPLES, LiteralChange, compare, same_value

XSD = "http://www.w3.org/2001/XMLSchema#"
S, P = "<urn:x:s>", "<urn:x:p>"


def nt(*objects: str) -> bytes:
    return "".join(f"{S} {P} {o} .\n" for o in objects).encode()


def typed(lexical: str, datatype: str) -> str:
    return f'"{lexical}"^^<{XSD}{datatype}>'


def literal(text: str) -> ox.Literal:
    return next(iter(ox.parse(nt(text), format=ox.RdfFormat.N_TRIPLES))).object


def test_the_same_triples_are_identical_and_counted_once():
    sent = nt(typed("1", "integer"), '"a"@en', "<urn:x:o>")
    result = compare(sent, sent + nt("<urn:x:o>"))  # a store may write a triple twice
    assert (result.identical, result.sent, result.stored) == (True, 3, 3)


@pytest.mark.parametrize(
    "sent,stored",
    [
        (typed("70000000000", "integer"), typed("70000000000", "decimal")),  # Virtuoso
        (typed("70000000000", "integer"), typed("7.0E10", "double")),
        (typed("1e18", "double"), typed("1.0E18", "double")),
        (typed("1e+18", "double"), typed("1000000000000000000", "double")),  # Oxigraph
        (typed("70.60", "decimal"), typed("70.6", "decimal")),
        (typed("INF", "double"), typed("+INF", "double")),
        (typed("1", "boolean"), typed("true", "boolean")),
        (typed("2015-11-09T00:00:00Z", "dateTime"), typed("2015-11-09T00:00:00+00:00", "dateTime")),
    ],
)
def test_a_literal_rewritten_with_its_value_kept_is_a_change_not_a_difference(sent, stored):
    result = compare(nt(sent, "<urn:x:o>"), nt(stored, "<urn:x:o>"))
    assert (result.same_facts, result.identical) == (True, False)
    assert result.changed == [LiteralChange(S, P, str(literal(sent)), str(literal(stored)))]


@pytest.mark.parametrize(
    "sent,stored",
    [
        (typed("0.1", "decimal"), typed("0.1", "double")),  # no double is 0.1
        (typed("9007199254740993", "integer"), typed("9007199254740992", "double")),
        (typed("2015-04", "gYearMonth"), typed("2015-04-01", "date")),  # another precision
        (typed("40", "string"), typed("40", "integer")),
        ('"贵安"@zh', '"贵安"'),
        (typed("1", "integer"), typed("true", "boolean")),
        (typed("1_000", "integer"), typed("1000", "integer")),
        (typed("NaN", "double"), typed("0", "double")),
    ],
)
def test_a_literal_whose_value_changed_is_a_difference(sent, stored):
    assert not same_value(literal(sent), literal(stored))
    result = compare(nt(sent), nt(stored))
    assert (result.missing, result.extra, result.changed) == (1, 1, [])
    assert result.missing_examples == [f"{S} {P} {literal(sent)}"]
    assert result.extra_examples == [f"{S} {P} {literal(stored)}"]


def test_differences_name_a_few_triples_and_count_them_all():
    sent = nt(*(f"<urn:x:o{i}>" for i in range(12)))
    result = compare(sent, nt("<urn:x:o0>"))
    assert (result.missing, result.extra, len(result.missing_examples)) == (11, 0, EXAMPLES)


def test_blank_nodes_are_compared_up_to_renaming():
    sent = b'_:a <urn:x:p> _:b .\n_:b <urn:x:q> "1" .\n'
    renamed = b'_:x9 <urn:x:p> _:y7 .\n_:y7 <urn:x:q> "1" .\n'
    assert compare(sent, renamed).identical and compare(sent, renamed).blank_nodes
    rewired = b'_:x9 <urn:x:p> _:y7 .\n_:x9 <urn:x:q> "1" .\n'
    result = compare(sent, rewired)
    assert (result.missing, result.extra) == (1, 1)


def test_an_answer_in_turtle_is_read_against_its_url():
    stored = b"@prefix x: <urn:x:> . <s> x:p x:o ."
    result = compare(
        b"<http://store.example/s> <urn:x:p> <urn:x:o> .\n",
        stored,
        ox.RdfFormat.TURTLE,
        "http://store.example/store?graph=g",
    )
    assert result.identical


def test_an_answer_that_does_not_parse_is_an_error():
    with pytest.raises(StoreError, match="the store's answer does not parse as N-Triples"):
        compare(nt("<urn:x:o>"), b"<urn:x:s> <urn:x:p> .\n")
