"""`guian-kg serve` in process: dereferencing (303 → 200), negotiation, Link headers, pages, dumps, escaping.

The server answers in the published IRIs (SERVE_BASE, https://w3id.org/guian-kg/); a request path
is the path of an IRI under it (`local`), and pages link to those paths."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from conftest import SERVE_BASE, local
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import FOAF, RDF, RDFS
from starlette.testclient import TestClient

from guian_kg.build import KnowledgeGraph, build, dump_files
from guian_kg.cli import cli
from guian_kg.iri import DEFAULT_BASE, Iris
from guian_kg.namespaces import GK
from guian_kg.server.app import create_app
from guian_kg.server.negotiation import DOCUMENT_FORMATS
from guian_kg.server.pages import MAX_LINKS

ARTICLE = "https://w3id.org/guian-kg/id/article/guian-national-designations"

IRIS = Iris(SERVE_BASE)
FORMATS = [(f.media_type, f.extension, f.rdflib) for f in DOCUMENT_FORMATS]
PLACE = "place/guian-new-area"


def things(kg: KnowledgeGraph) -> list[tuple[str, str]]:
    """One thing of every kind in the data (kind, slug)."""
    found: dict[str, str] = {}
    for subject in sorted(set(kg.data.subjects())):
        parsed = Iris().parse_thing(str(subject))
        if parsed and parsed[0] not in found:
            found[parsed[0]] = parsed[1]
    return sorted(found.items())


def parse(response, rdflib_format: str) -> Graph:
    return Graph().parse(data=response.content, format=rdflib_format, publicID=SERVE_BASE)


class Links(HTMLParser):
    """The <link rel="alternate"> and <a href> of a page."""

    def __init__(self):
        super().__init__()
        self.alternates: dict[str, str] = {}
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate":
            self.alternates[attrs["type"]] = attrs["href"]
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def page_links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def test_every_kind_of_thing_redirects_303_to_its_document(serve_client, kg):
    kinds = things(kg)
    assert len(kinds) >= 8, kinds  # designations, places, organisations, quotes, observations, …
    for kind, slug in kinds:
        response = serve_client.get(
            f"/id/{kind}/{slug}", headers={"Accept": "text/html"}, follow_redirects=False
        )
        assert response.status_code == 303, (kind, slug)
        assert response.headers["location"] == f"/doc/{kind}/{slug}"
        assert "Accept" in response.headers["vary"]
        assert f'</doc/{kind}/{slug}>; rel="describedby"' in response.headers["link"]


@pytest.mark.parametrize(
    ("media_type", "extension", "rdflib_format"), FORMATS, ids=[f[1] for f in FORMATS]
)
def test_a_thing_in_each_rdf_format_from_the_same_iri(
    serve_client, media_type, extension, rdflib_format
):
    response = serve_client.get(
        f"/id/{PLACE}", headers={"Accept": media_type}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/doc/{PLACE}.{extension}"
    document = serve_client.get(
        response.headers["location"], headers={"Accept": "text/html"}
    )  # the suffix wins
    assert document.status_code == 200
    assert document.headers["content-type"].split(";")[0] == media_type
    graph = parse(document, rdflib_format)
    thing = IRIS.thing("place", "guian-new-area")
    assert (thing, RDFS.label, Literal("贵安新区", lang="zh")) in graph
    assert (URIRef(f"{SERVE_BASE}doc/{PLACE}"), FOAF.primaryTopic, thing) in graph
    assert any(graph.triples((None, None, thing))), "incoming links are part of the description"
    # The same document by negotiation on /doc/… without a suffix.
    negotiated = serve_client.get(f"/doc/{PLACE}", headers={"Accept": media_type})
    assert isomorphic(parse(negotiated, rdflib_format), graph)


def test_documents_name_every_format_in_link_headers_and_link_elements(serve_client):
    """Each format at its path on this server; the canonical document and its thing by published IRI."""
    doc = f"/doc/{PLACE}"
    response = serve_client.get(doc, headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    link = response.headers["link"]
    for media_type, extension, _ in FORMATS:
        assert f'<{doc}.{extension}>; rel="alternate"; type="{media_type}"' in link
    assert f'<{SERVE_BASE}doc/{PLACE}>; rel="canonical"' in link
    assert f'<{SERVE_BASE}id/{PLACE}>; rel="about"' in link
    alternates = page_links(response.text).alternates
    assert alternates == {media_type: f"{doc}.{extension}" for media_type, extension, _ in FORMATS}
    for media_type, url in alternates.items():
        assert serve_client.get(url).headers["content-type"].split(";")[0] == media_type


def test_documents_carry_the_published_iris_and_each_dereferences_at_its_path(serve_client):
    response = serve_client.get(f"/doc/{PLACE}.ttl")
    assert "testserver" not in response.text
    graph = parse(response, "turtle")
    linked = sorted({str(t) for t in graph.all_nodes() if str(t).startswith(f"{DEFAULT_BASE}id/")})
    assert len(linked) > 5
    for iri in linked[:20]:
        assert serve_client.get(local(iri), follow_redirects=False).status_code == 303, iri


@pytest.mark.parametrize(
    ("media_type", "extension", "rdflib_format"), FORMATS, ids=[f[1] for f in FORMATS]
)
def test_unknown_things_are_404_in_the_negotiated_format(
    serve_client, media_type, extension, rdflib_format
):
    for url in ("/id/place/atlantis", "/doc/place/atlantis", f"/doc/place/atlantis.{extension}"):
        response = serve_client.get(url, headers={"Accept": media_type}, follow_redirects=False)
        assert response.status_code == 404, url
        assert response.headers["content-type"].split(";")[0] == media_type
        assert len(parse(response, rdflib_format)) == 0


def test_unknown_pages_are_404_html_for_browsers(serve_client):
    for url in (
        "/id/place/atlantis",
        "/no/such/page",
        "/doc/place/guian-new-area.exe",
        "/graph/nope",
    ):
        response = serve_client.get(url, headers={"Accept": "text/html"}, follow_redirects=False)
        assert response.status_code == 404, url
        assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("url", [f"/id/{PLACE}", f"/doc/{PLACE}", "/ontology", "/void", "/"])
def test_nothing_acceptable_is_406_listing_the_offered_types(serve_client, url):
    response = serve_client.get(
        url, headers={"Accept": "image/png, application/xml;q=0.5"}, follow_redirects=False
    )
    assert response.status_code == 406
    for media_type in ("text/html", *(f[0] for f in FORMATS), "application/json"):
        assert media_type in response.text


def test_the_html_page_shows_labels_types_properties_and_the_quote_in_context(serve_client, kg):
    response = serve_client.get("/doc/designation/sponge-city-pilot?lang=en")
    html = response.text
    assert "<h1>National sponge-city construction pilot</h1>" in html
    assert "全国海绵城市建设试点" in html  # the other language's label is shown too
    assert response.headers["content-language"] == "en"
    assert "lang=en" in response.headers["set-cookie"]
    hrefs = page_links(html).hrefs
    assert "/id/place/guian-new-area" in hrefs  # gk:heldBy as a link on this server
    assert "/ontology#Designation" in hrefs  # the type as a link
    assert not [h for h in hrefs if h.startswith(SERVE_BASE)]  # no link leaves the server
    # Every quote of the designation is highlighted, with offsets that point at it in the source.
    quotes = list(
        kg.data.objects(URIRef(f"{DEFAULT_BASE}id/designation/sponge-city-pilot"), GK.quote)
    )
    assert quotes
    for quote in quotes:
        exact = str(kg.data.value(quote, URIRef("http://www.w3.org/ns/oa#exact")))
        start = int(kg.data.value(quote, URIRef("http://www.w3.org/ns/oa#start")))
        assert f"<mark>{exact}</mark>" in html
        assert (
            f'<span class="start">{start}</span>–<span class="end">{start + len(exact)}</span>'
            in html
        )
        assert kg.sources[ARTICLE][start : start + len(exact)] == exact


def test_the_html_page_shows_each_value_with_its_own_highlighted_words_and_status(serve_client):
    html = serve_client.get(
        "/doc/observation/three-systems-cases-2024-public-security-bureau?lang=en"
    ).text
    section = html[html.index('<section class="stated-values">') :]
    section = section[: section.index("</section>")]
    rows = re.findall(r"<tr>(.*?)</tr>", section, re.DOTALL)
    assert len(rows) == 2  # the value and the date
    value = next(r for r in rows if "39903" in r.split("</td>", 1)[0])
    # The value's own clause, highlighted inside the four-bureau sentence, with its offsets.
    assert "<mark>贵安新区公安局办理39903件</mark>" in value
    assert '<span class="start">2783</span>–<span class="end">2798</span>' in value
    assert "2024年，贵安新区安全生产监督管理局共办理行政执法案件693件，" in value  # the sentence
    assert 'href="/id/status/stated"' in value
    assert (
        'href="/id/statement/observation--three-systems-cases-2024-public-security-bureau--value"'
        in value
    )


def test_the_language_switches_by_parameter_then_cookie(serve_client):
    zh = serve_client.get(f"/doc/{PLACE}?lang=zh").text
    assert "<h1>贵安新区</h1>" in zh and '<html lang="zh-Hans">' in zh
    assert "<h1>Gui&#39;an New Area</h1>" in serve_client.get(f"/doc/{PLACE}?lang=en").text
    assert (
        "<h1>Gui&#39;an New Area</h1>" in serve_client.get(f"/doc/{PLACE}").text
    )  # the cookie remembers en
    serve_client.cookies.clear()
    assert (
        "<h1>贵安新区</h1>"
        in serve_client.get(f"/doc/{PLACE}", headers={"Accept-Language": "zh-CN"}).text
    )


def test_the_home_page_has_the_timeline_counts_dumps_and_examples(serve_client, kg):
    html = serve_client.get("/?lang=en").text
    svg = re.search(r"<svg class=\"timeline\".*?</svg>", html, re.DOTALL).group()
    numbers = re.findall(r'<text class="number"[^>]*>(\d+)</text>', svg)
    assert sorted(int(n) for n in numbers) == list(range(1, 11))
    dated = set(kg.data.subjects(GK.periodStart, None)) & set(
        kg.data.subjects(RDF.type, GK.Designation)
    )
    assert len(re.findall(r'<a class="mark"', svg)) == len(dated)
    hrefs = page_links(html).hrefs
    for name in dump_files(kg):
        assert f"/download/{name}" in hrefs
    for path in ("/sparql", "/void", "/context.jsonld", "/ontology"):
        assert path in hrefs
    assert any(h.startswith("/sparql?example=") for h in hrefs)
    assert any(h.endswith(".rq") for h in hrefs)


def test_downloads_are_the_dumps_under_the_server_base(serve_client, kg):
    expected = dump_files(kg, SERVE_BASE)
    assert expected
    for name, content in expected.items():
        response = serve_client.get(f"/download/{name}")
        assert response.status_code == 200, name
        assert response.content == content, name
    assert serve_client.get("/download/secrets.txt").status_code == 404
    context = serve_client.get("/context.jsonld")
    assert context.headers["content-type"] == "application/ld+json"
    assert json.loads(context.content)["@context"]["gk"] == f"{SERVE_BASE}ontology#"


def test_void_and_named_graphs_dereference(serve_client, kg):
    void = serve_client.get("/void", headers={"Accept": "text/turtle"})
    assert isomorphic(parse(void, "turtle"), Graph() + kg.graphs(SERVE_BASE)[IRIS.graph("void")])
    assert serve_client.get("/dataset", follow_redirects=False).status_code == 303
    for name, graph in kg.graphs(SERVE_BASE).items():
        response = serve_client.get(local(name), headers={"Accept": "application/n-triples"})
        assert isomorphic(parse(response, "nt"), Graph() + graph), name
        assert serve_client.get(local(name), headers={"Accept": "text/html"}).status_code == 200


def test_the_ontology_page_documents_every_term_and_the_rdf_is_the_ontology(serve_client, kg):
    ontology = kg.graphs(SERVE_BASE)[IRIS.graph("ontology")]
    response = serve_client.get("/ontology", headers={"Accept": "text/turtle"})
    assert isomorphic(parse(response, "turtle"), Graph() + ontology)
    html = serve_client.get("/ontology?lang=en", headers={"Accept": "text/html"}).text
    namespace = f"{SERVE_BASE}ontology#"
    terms = sorted(
        {str(s)[len(namespace) :] for s in ontology.subjects() if str(s).startswith(namespace)}
    )
    assert len(terms) > 30
    for term in terms:
        assert f'id="{term}"' in html, term
    assert "gks:" in html  # shapes are named where they apply
    assert serve_client.get("/ontology/0.1.0", headers={"Accept": "text/turtle"}).status_code == 200
    assert serve_client.get("/ontology/9.9.9").status_code == 404


def test_pages_send_security_headers_and_load_nothing_from_elsewhere(serve_client):
    for url in ("/", f"/doc/{PLACE}", "/ontology", "/sparql"):
        response = serve_client.get(url, headers={"Accept": "text/html"})
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert not re.search(
            r'<(script|link rel="stylesheet" href="http|img src="http)', response.text
        ), url


def test_html_escapes_everything_from_the_data(kg):
    """A label holding markup is shown as text on every page that shows it."""
    evil = "<script>alert('x')</script> & \"quoted\""
    data = Graph() + kg.data
    designation = URIRef(f"{DEFAULT_BASE}id/designation/sponge-city-pilot")
    data.remove(
        (
            designation,
            RDFS.label,
            next(o for o in data.objects(designation, RDFS.label) if o.language == "en"),
        )
    )
    data.add((designation, RDFS.label, Literal(evil, lang="en")))
    data.add((designation, RDFS.comment, Literal(evil, lang="zh")))
    app = create_app(KnowledgeGraph.of(kg.ontology, data, kg.void, kg.sources), workers=1)
    with TestClient(app) as client:
        pages = [
            client.get("/doc/designation/sponge-city-pilot?lang=en").text,
            client.get("/?lang=en").text,
            client.post(
                "/sparql",
                data={"query": "SELECT ?l { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"},
                headers={"Accept": "text/html"},
            ).text,
        ]
    for html in pages:
        assert "<script>" not in html
        assert "&lt;script&gt;" in html


def test_a_built_dist_folder_is_served_from_one_store_in_its_published_iris(
    dist, tmp_path, monkeypatch
):
    """`--dist`: the dumps are dist/'s own bytes, the graph an on-disk store made once in the cache."""
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path))
    app = create_app(dist, workers=1)
    site = app.state.server.site
    assert site.base == DEFAULT_BASE and site.store_path.parent == tmp_path
    assert app.state.server.pool.settings.store_path == str(site.store_path)
    assert site.sources  # the bundled article text, whose checksum the dataset description holds
    with TestClient(app) as client:
        files = sorted(p for p in dist.iterdir() if p.is_file() and not p.name.startswith("."))
        assert files
        for path in files:
            assert client.get(f"/download/{path.name}").content == path.read_bytes(), path.name
        redirect = client.get(
            "/id/place/guian-new-area", headers={"Accept": "text/turtle"}, follow_redirects=False
        )
        assert redirect.headers["location"] == "/doc/place/guian-new-area.ttl"
        page = client.get(
            "/doc/designation/sponge-city-pilot?lang=en", headers={"Accept": "text/html"}
        ).text
        assert 'href="/static/style.css"' in page and "<mark>" in page
        ask = f"ASK {{ <{DEFAULT_BASE}id/place/guian-new-area> ?p ?o }}"
        assert client.get("/sparql", params={"query": ask}).json()["boolean"] is True
    again = create_app(dist, base=DEFAULT_BASE, workers=1).state.server.site
    assert again.store_path == site.store_path  # made once: the same dump opens the same store
    assert [p.name for p in tmp_path.iterdir()] == [site.store_path.name]


def test_serve_with_a_base_other_than_the_one_dist_was_built_with_exits_2(
    dist, tmp_path, monkeypatch
):
    """--base names the published base; it cannot move the IRIs of a built dist/."""
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path))
    args = ["serve", "--port", "0", "--dist", str(dist), "--base", "https://kg.example.org/"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "--base https://kg.example.org/ is not the base" in result.output
    assert f"({DEFAULT_BASE})" in result.output and "Traceback" not in result.output


def test_serve_dist_with_a_cache_it_cannot_write_exits_2_saying_where(dist, tmp_path, monkeypatch):
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("not a folder")
    result = CliRunner().invoke(cli, ["serve", "--port", "0", "--dist", str(dist)])
    assert result.exit_code == 2, result.output
    assert f"cannot make or open the store of {dist / 'guian-kg.nq'} in {tmp_path / 'a-file'}" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_a_dist_built_under_another_base_is_served_in_that_base(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    base = "https://kg.example.org/data/"
    build(tmp_path / "dist", base=base)
    with TestClient(create_app(tmp_path / "dist", workers=1)) as client:
        redirect = client.get("/id/place/guian-new-area", follow_redirects=False)
        assert redirect.status_code == 303
        turtle = client.get("/doc/place/guian-new-area.ttl").text
        assert f"<{base}doc/place/guian-new-area>" in turtle and DEFAULT_BASE not in turtle
        ask = f"ASK {{ <{base}id/place/guian-new-area> a <{base}ontology#Place> }}"
        assert client.get("/sparql", params={"query": ask}).json()["boolean"] is True
        page = client.get("/doc/designation/sponge-city-pilot", headers={"Accept": "text/html"})
        assert "<mark>" in page.text  # the quotes found their article under the new base


def test_a_node_with_many_links_gets_a_bounded_page_that_says_so(kg):
    """Regression: a page listed every incoming link; 100,000 of them made a page of 100,000 rows."""
    data = Graph() + kg.data
    place = URIRef(f"{DEFAULT_BASE}id/{PLACE}")
    for i in range(MAX_LINKS + 200):
        data.add((URIRef(f"{DEFAULT_BASE}id/claim/many-{i:04d}"), GK.about, place))
    app = create_app(KnowledgeGraph.of(kg.ontology, data, kg.void, kg.sources), workers=1)
    with TestClient(app) as client:
        html = client.get(f"/doc/{PLACE}?lang=en", headers={"Accept": "text/html"}).text
        incoming = html.split("Links to this resource")[1]
        assert incoming.count("<li>") == MAX_LINKS
        assert f"Only the first {MAX_LINKS} in the store" in incoming
        assert "Only the first" not in html.split("Links to this resource")[0]
        graph = parse(client.get(f"/doc/{PLACE}.nt"), "nt")
        links = [t for t in graph.triples((None, None, place)) if t[1] != FOAF.primaryTopic]
        assert len(links) == MAX_LINKS
        assert (place, RDFS.label, Literal("贵安新区", lang="zh")) in graph


def test_web_pages_on_other_origins_may_read_the_data_and_the_endpoint(serve_client):
    """CORS: the JSON-LD and SPARQL results are open data for any web page, without credentials."""
    doc = serve_client.get(
        "/doc/designation/sponge-city-pilot.jsonld", headers={"Origin": "https://app.example"}
    )
    assert doc.status_code == 200
    assert doc.headers["access-control-allow-origin"] == "*"
    assert "link" in doc.headers["access-control-expose-headers"].lower()
    preflight = serve_client.options(
        "/sparql",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in preflight.headers
