"""The /sparql endpoint in process: every protocol form and result format parsed back, the service
description, and the refusals (updates, SERVICE, outside graphs, limits, timeout, row cap)."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SERVE_BASE
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from starlette.testclient import TestClient

from guian_kg.iri import Iris
from guian_kg.server.app import create_app
from guian_kg.server.negotiation import RDF_TYPES
from guian_kg.server.sparql import MAX_BODY, MAX_QUERY

IRIS = Iris(SERVE_BASE)
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
SRX = "{http://www.w3.org/2005/sparql-results#}"
DESIGNATIONS = f"""PREFIX gk: <{SERVE_BASE}ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?d ?label WHERE {{ ?d a gk:Designation ; rdfs:label ?label FILTER(lang(?label) = "en") }} ORDER BY ?d"""
CARD = f"""PREFIX place: <{SERVE_BASE}id/place/>
CONSTRUCT {{ place:guian-new-area ?p ?o }} WHERE {{ place:guian-new-area ?p ?o }}"""
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def select_json(response) -> list[tuple[str, str]]:
    data = json.loads(response.content)
    return [(b["d"]["value"], b["label"]["value"]) for b in data["results"]["bindings"]]


def select_xml(response) -> list[tuple[str, str]]:
    root = ET.fromstring(response.content)
    rows = []
    for result in root.iter(f"{SRX}result"):
        values = {b.get("name"): next(iter(b)).text for b in result.iter(f"{SRX}binding")}
        rows.append((values["d"], values["label"]))
    return rows


def select_csv(response) -> list[tuple[str, str]]:
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
    assert rows[0] == ["d", "label"]
    return [tuple(row) for row in rows[1:]]


def select_tsv(response) -> list[tuple[str, str]]:
    lines = response.content.decode("utf-8").splitlines()
    assert lines[0] == "?d\t?label"
    rows = []
    for line in lines[1:]:
        iri, literal = line.split("\t")
        rows.append((iri[1:-1], ox.Literal(json.loads(literal.rsplit("@", 1)[0])).value))
    return rows


PARSERS = {
    "application/sparql-results+json": select_json,
    "application/json": select_json,
    "application/sparql-results+xml": select_xml,
    "text/csv": select_csv,
    "text/tab-separated-values": select_tsv,
}


@pytest.fixture(scope="module")
def expected(kg) -> list[tuple[str, str]]:
    """The designations and English labels, straight from the graph."""
    gk = URIRef(f"{SERVE_BASE}ontology#Designation")
    graph = kg.union(SERVE_BASE)
    rows = [
        (str(d), str(label))
        for d in graph.subjects(RDF.type, gk)
        for label in graph.objects(d, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
        if label.language == "en"
    ]
    assert len(rows) >= 10
    return sorted(rows)


@pytest.mark.parametrize("media_type", list(PARSERS))
@pytest.mark.parametrize("form", ["get", "post-form", "post-query"])
def test_every_protocol_form_and_result_format_gives_the_same_rows(
    serve_client, expected, form, media_type
):
    headers = {"Accept": media_type}
    if form == "get":
        response = serve_client.get("/sparql", params={"query": DESIGNATIONS}, headers=headers)
    elif form == "post-form":
        response = serve_client.post("/sparql", data={"query": DESIGNATIONS}, headers=headers)
    else:
        headers["Content-Type"] = "application/sparql-query"
        response = serve_client.post(
            "/sparql", content=DESIGNATIONS.encode("utf-8"), headers=headers
        )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert PARSERS[media_type](response) == expected


@pytest.mark.parametrize("media_type", RDF_TYPES)
def test_construct_in_every_graph_format(serve_client, kg, media_type):
    response = serve_client.post("/sparql", data={"query": CARD}, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    rdflib_format = {
        "text/turtle": "turtle",
        "application/n-triples": "nt",
        "application/ld+json": "json-ld",
        "application/rdf+xml": "xml",
    }[media_type]
    graph = Graph().parse(data=response.content, format=rdflib_format)
    place = IRIS.thing("place", "guian-new-area")
    expected = Graph()
    for triple in kg.union(SERVE_BASE).triples((place, None, None)):
        expected.add(triple)
    assert len(expected) > 5
    assert isomorphic(graph, expected)


def test_ask_in_json_and_xml(serve_client):
    query = f"ASK {{ <{SERVE_BASE}id/place/guian-new-area> ?p ?o }}"
    as_json = serve_client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert json.loads(as_json.content)["boolean"] is True
    as_xml = serve_client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert ET.fromstring(as_xml.content).find(f"{SRX}boolean").text == "true"
    assert (
        serve_client.get(
            "/sparql", params={"query": query}, headers={"Accept": "text/csv"}
        ).status_code
        == 406
    )


def test_result_formats_that_do_not_fit_the_query_are_406(serve_client):
    response = serve_client.get("/sparql", params={"query": CARD}, headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert "text/turtle" in response.text
    response = serve_client.get(
        "/sparql", params={"query": DESIGNATIONS}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text


def test_the_default_graph_is_the_union_and_graph_parameters_choose_graphs(serve_client, kg):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    graphs = kg.graphs(SERVE_BASE)

    def number(**params) -> int:
        response = serve_client.get("/sparql", params={"query": count, **params})
        assert response.status_code == 200, response.text
        return int(json.loads(response.content)["results"]["bindings"][0]["n"]["value"])

    assert number() == len(kg.union(SERVE_BASE))
    for name, graph in graphs.items():
        assert number(**{"default-graph-uri": str(name)}) == len(graph)
    ontology, data = str(IRIS.graph("ontology")), str(IRIS.graph("data"))
    assert number(**{"default-graph-uri": [ontology, data]}) == len(
        graphs[IRIS.graph("ontology")]
    ) + len(graphs[IRIS.graph("data")])
    named = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    response = serve_client.get("/sparql", params={"query": named, "named-graph-uri": data})
    rows = json.loads(response.content)["results"]["bindings"]
    assert [(r["g"]["value"], int(r["n"]["value"])) for r in rows] == [
        (data, len(graphs[IRIS.graph("data")]))
    ]
    from_query = f"SELECT (COUNT(*) AS ?n) FROM <{IRIS.graph('void')}> WHERE {{ ?s ?p ?o }}"
    response = serve_client.get("/sparql", params={"query": from_query})
    assert int(json.loads(response.content)["results"]["bindings"][0]["n"]["value"]) == len(
        graphs[IRIS.graph("void")]
    )


def test_the_service_description_is_accurate(serve_client, kg):
    response = serve_client.get("/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    sd = Graph().parse(data=response.content, format="turtle")
    service = next(sd.subjects(RDF.type, SD.Service))
    # Where the endpoint is (the TestClient's origin), not the published base.
    assert set(sd.objects(service, SD.endpoint)) == {URIRef("http://testserver/sparql")}
    assert set(sd.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}  # no Update
    assert set(sd.objects(service, SD.feature)) == {
        SD.UnionDefaultGraph
    }  # no federation, no dereferencing
    # Every result format it names is served.
    served = {
        "SPARQL_Results_JSON": ("application/sparql-results+json", DESIGNATIONS),
        "SPARQL_Results_XML": ("application/sparql-results+xml", DESIGNATIONS),
        "SPARQL_Results_CSV": ("text/csv", DESIGNATIONS),
        "SPARQL_Results_TSV": ("text/tab-separated-values", DESIGNATIONS),
        "Turtle": ("text/turtle", CARD),
        "N-Triples": ("application/n-triples", CARD),
        "JSON-LD": ("application/ld+json", CARD),
        "RDF_XML": ("application/rdf+xml", CARD),
    }
    formats = {str(f).rsplit("/", 1)[-1] for f in sd.objects(service, SD.resultFormat)}
    assert formats == set(served)
    for media_type, query in served.values():
        assert (
            serve_client.get(
                "/sparql", params={"query": query}, headers={"Accept": media_type}
            ).status_code
            == 200
        )
    # The triple counts it states are the store's.
    dataset = next(sd.objects(service, SD.defaultDataset))
    default = next(sd.objects(dataset, SD.defaultGraph))
    assert int(sd.value(default, VOID.triples)) == len(kg.union(SERVE_BASE))
    named = {
        sd.value(n, SD.name): int(sd.value(sd.value(n, SD.graph), VOID.triples))
        for n in sd.objects(dataset, SD.namedGraph)
    }
    assert named == {name: len(g) for name, g in kg.graphs(SERVE_BASE).items()}
    as_jsonld = serve_client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert isomorphic(Graph().parse(data=as_jsonld.content, format="json-ld"), sd)


def test_the_html_query_page_has_the_examples_and_runs_a_form_post(serve_client, kg):
    page = serve_client.get("/sparql?lang=en", headers={"Accept": "text/html"})
    assert page.status_code == 200 and '<form class="query" method="post"' in page.text
    assert '<option value="timeline"' in page.text
    loaded = serve_client.get("/sparql?example=timeline", headers={"Accept": "text/html"}).text
    assert f"PREFIX gk: &lt;{SERVE_BASE}ontology#&gt;" in loaded  # in the published IRIs
    result = serve_client.post(
        "/sparql", data={"query": DESIGNATIONS, "format": "html"}, headers={"Accept": "text/html"}
    )
    assert result.status_code == 200
    assert "National sponge-city construction pilot" in result.text
    csv_result = serve_client.post(
        "/sparql", data={"query": DESIGNATIONS, "format": "csv"}, headers={"Accept": "text/html"}
    )
    assert csv_result.headers["content-type"].startswith("text/csv")


def test_every_example_query_runs_on_the_endpoint(serve_client):
    examples = serve_client.app.state.server.site.examples
    assert examples
    for name in examples:
        text = serve_client.get(f"/queries/{name}.rq").text
        response = serve_client.post("/sparql", data={"query": text})
        assert response.status_code == 200, (name, response.text)


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("request_kwargs"),
    [
        {"method": "POST", "data": {"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}},
        {
            "method": "POST",
            "content": b"DROP ALL",
            "headers": {"Content-Type": "application/sparql-update"},
        },
        {"method": "POST", "data": {"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}},
        {"method": "GET", "params": {"query": "PREFIX ex: <http://e/>\nDELETE WHERE { ?s ?p ?o }"}},
        {"method": "GET", "params": {"query": "CLEAR DEFAULT"}},
        {"method": "GET", "params": {"update": "CLEAR DEFAULT"}},
    ],
    ids=[
        "form-update",
        "sparql-update-body",
        "update-as-query",
        "delete-where",
        "clear",
        "get-update",
    ],
)
def test_updates_are_refused_with_403(serve_client, request_kwargs):
    kwargs = dict(request_kwargs)
    response = serve_client.request(kwargs.pop("method"), "/sparql", **kwargs)
    assert response.status_code == 403
    assert "read-only" in response.text
    count = serve_client.get("/sparql", params={"query": "ASK { <a:b> ?p ?o }"})
    assert json.loads(count.content)["boolean"] is False


def test_a_text_that_is_neither_query_nor_update_is_a_400_syntax_error(serve_client):
    response = serve_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "syntax error" in response.text and "1:" in response.text
    broken_update = serve_client.get("/sparql", params={"query": "INSERT DATA { <a:b> <a:c> }"})
    assert broken_update.status_code == 400
    keyword_in_string = serve_client.get(
        "/sparql", params={"query": 'SELECT ("INSERT DATA" AS ?x) {}'}
    )
    assert keyword_in_string.status_code == 200


class Listener:
    """A loopback TCP listener on port 0 that records every connection made to it."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> int:
        self.running = False
        self.thread.join()
        self.socket.close()
        return self.connections


@pytest.fixture
def listener():
    opened = Listener()
    yield opened
    opened.close()


def test_the_listener_does_see_a_service_call_when_nothing_stops_it(listener):
    """The control for the refusals below: Oxigraph on its own does call the SERVICE endpoint."""
    query = f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises(OSError):
        list(ox.Store().query(query))
    assert listener.close() == 1


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "select * where {{ service silent <{url}/sparql> {{ ?s ?p ?o }} }}",
        "PREFIX remote: <{url}/>\nASK {{ SERVICE remote:sparql {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }} }}",
        "SELECT * WHERE {{ BIND(<{url}/sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        "SELECT * FROM <{url}/graph.ttl> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <{url}/graph.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "CONSTRUCT {{ ?s ?p ?o }} FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }}",
        "LOAD <{url}/graph.ttl>",
        "LOAD <{url}/graph.ttl> INTO GRAPH <urn:x>",
    ],
)
def test_service_load_and_outside_graphs_are_refused_and_never_fetched(
    serve_client, listener, template
):
    response = serve_client.get("/sparql", params={"query": template.format(url=listener.url)})
    assert response.status_code == 403, response.text
    assert listener.close() == 0


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_graph_parameters_outside_the_dataset_are_refused(serve_client, listener, parameter):
    params = {
        "query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
        parameter: f"{listener.url}/graph.ttl",
    }
    response = serve_client.get("/sparql", params=params)
    assert response.status_code == 403
    assert "not a graph of this dataset" in response.text
    assert listener.close() == 0


def test_request_size_limits_are_413(serve_client):
    padding = "#" + "x" * MAX_BODY + "\n"
    body = (padding + "SELECT * WHERE { ?s ?p ?o } LIMIT 1").encode()
    direct = serve_client.post(
        "/sparql", content=body, headers={"Content-Type": "application/sparql-query"}
    )
    assert direct.status_code == 413
    form = serve_client.post("/sparql", data={"query": padding})
    assert form.status_code == 413
    long_get = serve_client.get("/sparql", params={"query": "#" + "x" * MAX_QUERY + "\nASK {}"})
    assert long_get.status_code == 413
    unsupported = serve_client.post(
        "/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"}
    )
    assert unsupported.status_code == 415
    missing = serve_client.post("/sparql", data={"format": "json"})
    assert missing.status_code == 400


def test_the_row_cap_is_an_error_never_a_truncated_result(serve_client):
    cap = serve_client.app.state.server.max_rows
    everything = serve_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert everything.status_code == 422
    assert str(cap) in everything.text and "LIMIT" in everything.text
    construct = serve_client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert construct.status_code == 422
    at_cap = serve_client.get(
        "/sparql",
        params={"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {cap}"},
        headers={"Accept": "text/csv"},
    )
    assert at_cap.status_code == 200
    assert len(list(csv.reader(io.StringIO(at_cap.text)))) == cap + 1


@pytest.fixture(scope="module")
def one_worker_client(kg):
    """An app with one query worker and a 1-second timeout."""
    with TestClient(create_app(kg, timeout=1, max_rows=1000, workers=1)) as client:
        yield client


def test_the_timeout_stops_the_query_and_replaces_the_worker(one_worker_client):
    pool = one_worker_client.app.state.server.pool
    (before,) = pool.pids()
    response = one_worker_client.get("/sparql", params={"query": HEAVY})
    assert response.status_code == 503
    assert "longer than 1 s" in response.text and "stopped" in response.text
    (after,) = pool.pids()
    assert after != before
    with pytest.raises(ProcessLookupError):
        os.kill(before, 0)  # the worker that ran it is gone: the work stopped
    following = one_worker_client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert following.status_code == 200
    assert json.loads(following.content)["boolean"] is True


def test_a_timed_out_query_shows_its_error_in_the_html_page(one_worker_client):
    response = one_worker_client.post(
        "/sparql", data={"query": HEAVY}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 503
    assert 'class="error"' in response.text


def test_literals_survive_every_result_format(serve_client):
    """Language tags, datatypes, quotes, commas, tabs and line breaks come back as they went in."""
    query = r"""SELECT ?a ?b ?c ?d WHERE { BIND("a, \"b\"\tc\nd"@zh AS ?a) BIND(42 AS ?b) BIND(<http://e/x> AS ?c) BIND("2015-11"^^<http://www.w3.org/2001/XMLSchema#gYearMonth> AS ?d) }"""
    as_json = json.loads(serve_client.get("/sparql", params={"query": query}).content)["results"][
        "bindings"
    ][0]
    assert as_json["a"] == {"type": "literal", "value": 'a, "b"\tc\nd', "xml:lang": "zh"}
    assert as_json["b"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert as_json["d"]["datatype"] == "http://www.w3.org/2001/XMLSchema#gYearMonth"
    as_csv = serve_client.get(
        "/sparql", params={"query": query}, headers={"Accept": "text/csv"}
    ).text
    assert list(csv.reader(io.StringIO(as_csv, newline="")))[1] == [
        'a, "b"\tc\nd',
        "42",
        "http://e/x",
        "2015-11",
    ]
    as_tsv = serve_client.get(
        "/sparql", params={"query": query}, headers={"Accept": "text/tab-separated-values"}
    )
    cells = as_tsv.text.splitlines()[1].split("\t")
    assert [str(ox.Literal('a, "b"\tc\nd', language="zh")), str(ox.Literal(42))] == cells[:2]
    as_xml = ET.fromstring(
        serve_client.get(
            "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+xml"}
        ).content
    )
    literal = as_xml.find(f".//{SRX}binding[@name='a']/{SRX}literal")
    assert (
        literal.text == 'a, "b"\tc\nd'
        and literal.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh"
    )


def test_a_large_graph_is_served_from_one_on_disk_store_the_workers_share(
    kg, expected, tmp_path, monkeypatch
):
    """Past STORE_THRESHOLD the workers open one read-only store instead of each parsing the graph."""
    from guian_kg import store as stores

    monkeypatch.setattr(stores, "STORE_THRESHOLD", 0)
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path))
    app = create_app(kg, timeout=30, max_rows=1000, workers=2)
    assert app.state.server.pool.settings.store_path is not None
    assert app.state.server.pool.settings.nquads == b""
    with TestClient(app) as client:
        response = client.get(
            "/sparql", params={"query": DESIGNATIONS}, headers={"Accept": "application/json"}
        )
        assert response.status_code == 200, response.text
        assert sorted(select_json(response)) == expected
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        response = client.get("/sparql", params={"query": count}, headers={"Accept": "text/csv"})
        assert response.text == f"n\r\n{len(kg.union(SERVE_BASE))}\r\n"  # each triple once
    assert [p.name for p in tmp_path.iterdir()] == [
        Path(app.state.server.pool.settings.store_path).name
    ]
