"""`guian-kg serve` answers the media types people send (plain JSON, N-Quads, TriG), refuses others
with the list of what is offered, finds the dataset description at /.well-known/void and chooses
the page language by Accept-Language's q-values."""

from __future__ import annotations

import json

import pytest
from rdflib import Dataset, Graph, URIRef

from tests.conftest import SERVE_BASE

PLACE = "place/guian-new-area"
SELECT = "SELECT ?s WHERE { ?s a <https://w3id.org/guian-kg/ontology#Designation> } LIMIT 2"
CONSTRUCT = "CONSTRUCT WHERE { <https://w3id.org/guian-kg/id/place/guian-new-area> ?p ?o }"


def _get(client, path, accept=None, **params):
    headers = {"Accept": accept} if accept else {}
    return client.get(path, headers=headers, params=params, follow_redirects=False)


def test_well_known_void_is_the_dataset_description(serve_client):
    well_known = _get(serve_client, "/.well-known/void", "text/turtle")
    void = _get(serve_client, "/void", "text/turtle")
    assert well_known.status_code == 200
    assert well_known.headers["content-type"] == "text/turtle; charset=utf-8"
    assert well_known.text == void.text
    graph = Graph().parse(data=well_known.text, format="turtle")
    dataset = URIRef(f"{SERVE_BASE}dataset")
    assert (dataset, None, None) in graph
    html = _get(serve_client, "/.well-known/void", "text/html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")


def test_plain_json_gets_json_ld_for_a_resource(serve_client):
    redirect = _get(serve_client, f"/id/{PLACE}", "application/json")
    assert (redirect.status_code, redirect.headers["location"]) == (
        303,
        f"/doc/{PLACE}.jsonld",
    )
    document = _get(serve_client, f"/doc/{PLACE}", "application/json")
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/json"
    same = _get(serve_client, f"/doc/{PLACE}.jsonld")
    assert document.text == same.text
    as_rdf = Graph().parse(data=document.text, format="json-ld")
    assert (URIRef(f"{SERVE_BASE}id/{PLACE}"), None, None) in as_rdf


def test_plain_json_gets_sparql_json_results_for_select_and_json_ld_for_construct(serve_client):
    table = _get(serve_client, "/sparql", "application/json", query=SELECT)
    assert table.status_code == 200 and table.headers["content-type"] == "application/json"
    results = json.loads(table.text)
    assert results["head"]["vars"] == ["s"] and len(results["results"]["bindings"]) == 2
    graph = _get(serve_client, "/sparql", "application/json", query=CONSTRUCT)
    assert graph.status_code == 200 and graph.headers["content-type"] == "application/json"
    turtle = _get(serve_client, "/sparql", "text/turtle", query=CONSTRUCT)
    assert (
        len(Graph().parse(data=graph.text, format="json-ld"))
        == len(Graph().parse(data=turtle.text, format="turtle"))
        > 0
    )


@pytest.mark.parametrize(
    ("accept", "path"), [("application/n-quads", "/graph/ontology"), ("", "/graph/ontology.nq")]
)
def test_a_named_graph_in_n_quads_keeps_its_name(serve_client, accept, path):
    response = _get(serve_client, path, accept or None)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/n-quads"
    dataset = Dataset().parse(data=response.text, format="nquads")
    name = URIRef(f"{SERVE_BASE}graph/ontology")
    assert [g.identifier for g in dataset.graphs() if len(g)] == [name]
    turtle = _get(serve_client, "/graph/ontology.ttl")
    assert len(dataset.graph(name)) == len(Graph().parse(data=turtle.text, format="turtle"))


def test_a_named_graph_in_trig(serve_client):
    response = _get(serve_client, "/graph/void", "application/trig")
    assert response.headers["content-type"] == "application/trig"
    dataset = Dataset().parse(data=response.text, format="trig")
    name = URIRef(f"{SERVE_BASE}graph/void")
    assert [g.identifier for g in dataset.graphs() if len(g)] == [name]


@pytest.mark.parametrize(
    ("accept", "target"),
    [
        (None, "/download/guian-kg.nq"),
        ("application/n-quads", "/download/guian-kg.nq"),
        ("application/trig", "/download/guian-kg.trig"),
        ("application/json", "/download/guian-kg.jsonld"),
        ("text/turtle", "/download/guian-kg.ttl"),
    ],
)
def test_the_dump_is_negotiated(serve_client, accept, target):
    response = _get(serve_client, "/download/guian-kg", accept)
    assert (response.status_code, response.headers["location"]) == (303, target)
    assert serve_client.get(target).status_code == 200


@pytest.mark.parametrize(
    ("path", "accept", "offered"),
    [
        (
            f"/doc/{PLACE}",
            "application/n-quads",
            "text/html, text/turtle, application/n-triples, application/ld+json, "
            "application/rdf+xml, application/json",
        ),
        (
            "/graph/ontology",
            "image/png",
            "text/html, text/turtle, application/n-triples, application/ld+json, "
            "application/rdf+xml, application/json, application/n-quads, application/trig",
        ),
        (
            "/download/guian-kg",
            "text/html",
            "application/n-quads, application/trig, application/ld+json, text/turtle, "
            "application/n-triples, application/json",
        ),
    ],
)
def test_what_is_not_offered_is_refused_with_the_list(serve_client, path, accept, offered):
    response = _get(serve_client, path, accept)
    assert response.status_code == 406
    assert response.text == f"406 Not Acceptable: this resource is offered as {offered}\n"


def test_a_construct_in_n_quads_is_refused_with_the_list(serve_client):
    response = _get(serve_client, "/sparql", "application/n-quads", query=CONSTRUCT)
    assert response.status_code == 406
    assert "text/turtle, application/n-triples, application/ld+json" in response.text
    assert "application/json" in response.text


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("en;q=0.1, zh;q=0.9", "zh-Hans"),
        ("zh;q=0.1, en;q=0.9", "en"),
        ("en, zh", "en"),
        ("en;q=0", "zh-Hans"),
        ("en;q=0, zh;q=0", "zh-Hans"),  # nothing acceptable: the site's default
    ],
)
def test_the_page_language_honours_q_values(serve_client, header, lang):
    serve_client.cookies.clear()
    page = serve_client.get(f"/doc/{PLACE}", headers={"Accept-Language": header})
    assert f'<html lang="{lang}">' in page.text
