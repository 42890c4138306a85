"""A real `guian-kg serve` process on a free loopback port: a few requests end to end, and what a
person sees in headless Chromium (Debian's `chromium`; .ci/run installs it). Screenshots go to artifacts/."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import httpx
import pytest
from conftest import ServeProcess, require_installed
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS
from test_queries import QUERIES, Answer, assert_matches_expected, from_sparql_json, ordered

from guian_kg.iri import DEFAULT_BASE
from guian_kg.namespaces import GK, OA

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    """Base URL of `guian-kg serve --port 0` (the port it reports), stopped at the end."""
    process = ServeProcess(tmp_path_factory.mktemp("serve") / "serve.log", "--timeout", "10")
    try:
        yield process.url
    finally:
        process.stop()


def test_a_program_gets_the_same_resource_as_turtle_and_json_ld_from_the_iri(server):
    url = f"{server}id/place/guian-new-area"  # the published IRI's path on this server
    turtle = httpx.get(url, headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert turtle.status_code == 200 and turtle.url == f"{server}doc/place/guian-new-area.ttl"
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (URIRef(f"{DEFAULT_BASE}id/place/guian-new-area"), RDFS.label, None) in graph
    jsonld = httpx.get(url, headers={"Accept": "application/ld+json"}, follow_redirects=True)
    assert len(Graph().parse(data=jsonld.content, format="json-ld") ^ graph) == 0


def test_the_endpoint_answers_over_http(server):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    response = httpx.post(
        f"{server}sparql", content=query, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 200
    assert int(json.loads(response.content)["results"]["bindings"][0]["n"]["value"]) > 1000
    refused = httpx.post(f"{server}sparql", data={"update": "DROP ALL"})
    assert refused.status_code == 403
    described = httpx.get(f"{server}sparql")
    assert described.headers["content-type"].startswith("text/turtle")


@pytest.fixture(scope="module")
def dist_server(dist, tmp_path_factory) -> str:
    """Base URL of `guian-kg serve --dist DIST` (a fresh build), its store made in a fresh cache."""
    folder = tmp_path_factory.mktemp("serve-dist")
    process = ServeProcess(folder / "serve.log", "--dist", str(dist), cache=folder / "cache")
    try:
        yield process.url
    finally:
        process.stop()


def http_answer(server: str, text: str) -> Answer:
    """An example's answer from the endpoint, in the form tests/test_queries.py compares."""
    response = httpx.post(
        f"{server}sparql",
        content=text.encode("utf-8"),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json, application/n-triples;q=0.9",
        },
        timeout=60,
    )
    assert response.status_code == 200, response.text
    if response.headers["content-type"].startswith("application/n-triples"):
        return Answer("graph", graph=Graph().parse(data=response.text, format="nt"))
    return from_sparql_json(json.loads(response.content))


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_every_example_gives_its_expected_answer_at_the_endpoint_of_a_served_dist(
    dist_server, query
):
    """Regression: the server rewrote every IRI to http://127.0.0.1:PORT/, and nearly every example
    answered no rows (or wrong ones) with HTTP 200."""
    text = query.read_text(encoding="utf-8")
    answer = http_answer(dist_server, text)
    assert_matches_expected(answer, query, ordered(text), "guian-kg serve --dist")


# ---------------------------------------------------------------- in a browser


def chromium() -> str:
    """The chromium executable; missing, the test fails under CI and is skipped elsewhere."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    require_installed(
        found, "chromium is not installed (apt-get install chromium; .ci/run installs it)"
    )
    return found


def browse(url: str, profile: Path, screenshot: Path | None = None) -> str:
    """The DOM of `url` after Chromium loaded it (and a screenshot of the page, if asked)."""
    executable = chromium()
    base = [executable, *CHROMIUM_FLAGS]
    if screenshot is not None:
        subprocess.run(
            [
                *base,
                f"--user-data-dir={profile}-shot",
                f"--screenshot={screenshot}",
                "--window-size=1280,2000",
                url,
            ],
            capture_output=True,
            timeout=180,
            check=True,
        )
        assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    done = subprocess.run(
        [*base, f"--user-data-dir={profile}-dom", "--dump-dom", url],
        capture_output=True,
        timeout=180,
        check=True,
    )
    return done.stdout.decode("utf-8")


def test_a_person_clicks_from_the_timeline_to_a_figure_and_its_quote(server, kg, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    home = browse(f"{server}?lang=en", tmp_path / "home", ARTIFACTS / "serve-home.png")
    svg = re.search(r'<svg class="timeline".*?</svg>', home, re.DOTALL)
    assert svg, "the timeline is on the home page"
    marks = re.findall(
        r'<a class="mark" href="([^"]+)">.*?<text class="number"[^>]*>([^<]+)</text>',
        svg.group(),
        re.DOTALL,
    )
    assert sorted(int(n) for _, n in marks if n.isdigit()) == list(range(1, 11))
    # Click the third designation of the article.
    href = next(h for h, n in marks if n == "3")
    assert href.startswith("/id/designation/")  # a link on this server, to the published IRI's path
    thing = URIRef(DEFAULT_BASE + href[1:])
    page = browse(server + href[1:], tmp_path / "designation", ARTIFACTS / "serve-designation.png")
    label = next(str(o) for o in kg.data.objects(thing, RDFS.label) if o.language == "en")
    assert unescape(re.search(r"<h1>(.*?)</h1>", page).group(1)) == label
    marked = [unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", page, re.DOTALL)]
    quotes = [str(kg.data.value(q, OA.exact)) for q in kg.data.objects(thing, GK.quote)]
    assert quotes and set(quotes) <= set(marked)
    # Then a figure reported under it, with its own quote highlighted.
    figures = sorted(
        s for s in kg.data.subjects(GK.designation, thing) if (s, GK.quote, None) in kg.data
    )
    assert figures
    figure = figures[0]
    figure_page = browse(server + str(figure)[len(DEFAULT_BASE) :], tmp_path / "figure")
    figure_quote = str(kg.data.value(kg.data.value(figure, GK.quote), OA.exact))
    assert figure_quote in [
        unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", figure_page, re.DOTALL)
    ]


def test_the_listening_socket_says_it_is_tcp_so_responses_are_not_held_by_nagle():
    """Regression: a socket made with proto 0 got no TCP_NODELAY from asyncio, and every response of
    `guian-kg serve` waited ~40 ms (Nagle's algorithm against the client's delayed ACK)."""
    import socket

    from guian_kg.server.app import local_url, open_socket

    sock = open_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert local_url(sock).startswith("http://127.0.0.1:")
    finally:
        sock.close()
