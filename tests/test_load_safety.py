"""`guian-kg load` reports no load that did not happen: the failure modes against a scripted store
(tests/scripted_store.py): credentials, refusals, retries, partial loads, redirects, a store that
trickles or floods its answers, and one that stores something else than it was sent."""

from __future__ import annotations

import base64
import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from scripted_store import Reply, ScriptedStore, Seen

from guian_kg import load as loading
from guian_kg import store_client
from guian_kg.cli import cli
from guian_kg.errors import LoadUnverified, StoreError, StoreUnreachable

INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
DATA = "https://w3id.org/guian-kg/graph/data"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def scripted() -> Iterator[ScriptedStore]:
    store = ScriptedStore()
    yield store
    store.close()


@pytest.fixture
def other_origin() -> Iterator[ScriptedStore]:
    """A second store on another port: another origin, which must receive nothing."""
    store = ScriptedStore()
    yield store
    store.close()


@pytest.fixture(scope="module")
def sent(kg) -> dict[str, bytes]:
    """The N-Triples body of each graph, as a load sends it."""
    return {u.name: u.body for u in loading.uploads(kg.graphs())}


def connection(store: ScriptedStore, **options) -> loading.Connection:
    return loading.Connection(f"{store.url}/store", f"{store.url}/query", **options)


def load(runner: CliRunner, store: ScriptedStore, *options: str):
    return runner.invoke(cli, ["load", "--store", f"{store.url}/store", *options])


def literal_line(body: bytes, datatype: str) -> tuple[str, str, str, str]:
    """(line, subject, predicate, object) of the first triple in `body` with a literal of `datatype`."""
    for line in body.decode("utf-8").splitlines():
        match = re.fullmatch(
            r"(<[^>]+>) (<[^>]+>) (\"[^\"]*\"\^\^<" + re.escape(datatype) + r">) \.", line
        )
        if match:
            return line, *match.groups()
    raise AssertionError(f"no literal of {datatype} in the body")


# ---------------------------------------------------------------- credentials and headers


def test_basic_credentials_are_sent_with_every_request(scripted, runner):
    result = load(runner, scripted, "--user", "ann", "--password", "s3cret")
    assert result.exit_code == 0, result.stderr
    expected = "Basic " + base64.b64encode(b"ann:s3cret").decode()
    assert [r.method for r in scripted.requests] == ["PUT"] * 3 + ["GET"] * 3
    assert all(r.headers.get("Authorization") == expected for r in scripted.requests)


def test_extra_headers_are_sent_with_every_request(scripted, runner):
    result = load(
        runner, scripted, "--header", "Authorization: Bearer t0ken", "--header", "X-Tenant: gk"
    )
    assert result.exit_code == 0, result.stderr
    assert len(scripted.requests) == 6
    assert all(r.headers.get("Authorization") == "Bearer t0ken" for r in scripted.requests)
    assert all(r.headers.get("X-Tenant") == "gk" for r in scripted.requests)


def test_each_graph_goes_to_its_own_graph_store_url_as_turtle(scripted, kg, sent):
    loading.load_into_store(loading.uploads(kg.graphs()), connection(scripted))
    puts = scripted.of("PUT")
    assert [r.graph for r in puts] == [str(n) for n in kg.graphs()]
    assert [r.body for r in puts] == list(sent.values())
    assert all(r.headers["Content-Type"].startswith("text/turtle") for r in puts)
    loading.load_into_store(loading.uploads(kg.graphs(), default_graph=True), connection(scripted))
    assert [r.path for r in scripted.requests[-2:]] == ["/store?default"] * 2  # PUT, then GET


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_reported_and_not_retried(scripted, runner, status):
    scripted.script = lambda seen, attempt: (
        Reply(status, b"who are you?") if seen.method == "PUT" else None
    )
    result = load(runner, scripted, "--user", "ann", "--password", "x")
    assert result.exit_code == 3
    assert f"refused access ({status}" in result.stderr and "who are you?" in result.stderr
    assert len(scripted.requests) == 1


# ---------------------------------------------------------------- unreachable, retries, partial loads


def test_an_unreachable_store_exits_2_with_a_clear_message(runner):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = runner.invoke(
        cli, ["load", "--store", f"http://127.0.0.1:{port}/store", "--retries", "0"]
    )
    assert result.exit_code == 2
    assert f"cannot reach the store at http://127.0.0.1:{port}/store" in result.stderr
    assert "No graph was replaced" in result.stderr


def test_transient_failures_are_retried_with_exponential_backoff(scripted, kg):
    scripted.script = lambda seen, attempt: (
        Reply(503, b"busy") if seen.method == "PUT" and attempt <= 2 else None
    )
    waits: list[float] = []
    events: list[loading.Progress] = []
    report = loading.load_into_store(
        loading.uploads(kg.graphs()), connection(scripted), events.append, waits.append
    )
    assert [g.found for g in report.graphs] == [g.sent for g in report.graphs]
    assert waits == [0.5, 1.0] * 3  # each graph: two 503s, then accepted
    assert sum(1 for e in events if e.phase == "retry" and "HTTP 503" in e.message) == 6


def test_retries_are_bounded(scripted, kg):
    scripted.script = lambda seen, attempt: Reply(502, b"bad gateway")
    waits: list[float] = []
    with pytest.raises(StoreError, match=r"502 Bad Gateway.*bad gateway"):
        loading.load_into_store(
            loading.uploads(kg.graphs()), connection(scripted, retries=3), sleep=waits.append
        )
    assert waits == [0.5, 1.0, 2.0]
    assert len(scripted.requests) == 4


def test_connection_failures_are_retried_then_reported_as_unreachable(kg):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        store = f"http://127.0.0.1:{probe.getsockname()[1]}/store"
    waits: list[float] = []
    with pytest.raises(StoreUnreachable, match="after 3 attempt"):
        loading.load_into_store(
            loading.uploads(kg.graphs()),
            loading.Connection(store, store, retries=2),
            sleep=waits.append,
        )
    assert waits == [0.5, 1.0]


def test_a_partial_failure_says_which_graphs_made_it(scripted, runner):
    scripted.script = lambda seen, attempt: Reply(500, b"disk full") if seen.graph == DATA else None
    result = load(runner, scripted, "--retries", "0")
    assert result.exit_code == 3
    assert "disk full" in result.stderr
    assert "replaced https://w3id.org/guian-kg/graph/ontology" in result.stderr
    assert "failed https://w3id.org/guian-kg/graph/data" in result.stderr
    assert "not sent https://w3id.org/guian-kg/graph/void" in result.stderr


def test_a_large_upload_reports_its_progress_in_chunks(scripted, kg):
    events: list[loading.Progress] = []
    planned = loading.uploads(kg.graphs(), default_graph=True)
    assert len(planned[0].body) > 2 * store_client.CHUNK
    loading.load_into_store(planned, connection(scripted), events.append)
    sent = [e.sent for e in events if e.phase == "upload"]
    assert sent[0] == 0 and sent[-1] == len(planned[0].body) and len(sent) > 3
    assert sent == sorted(sent)


# ---------------------------------------------------------------- redirects


@pytest.mark.parametrize("status", [301, 302, 303])
def test_a_put_redirected_with_a_method_changing_status_fails_and_keeps_the_old_copy(
    scripted, runner, status
):
    """Regression: httpx followed a 302 with a GET, the old copy answered, the load said all was well."""
    old = b"<urn:old:s> <urn:old:p> <urn:old:o> .\n"
    scripted.graphs = {"/old": old}

    def redirect(seen: Seen, attempt: int) -> Reply | None:
        if seen.path.startswith("/store"):
            return Reply(status, headers={"Location": "/old" + seen.path})
        return None

    scripted.script = redirect
    result = load(runner, scripted)
    assert result.exit_code == 3, result.stderr
    location = (
        f"{scripted.url}/old/store?graph=https%3A%2F%2Fw3id.org%2Fguian-kg%2Fgraph%2Fontology"
    )
    assert (
        f"error: PUT https://w3id.org/guian-kg/graph/ontology: the store redirected the PUT to "
        f"{location} with {status} "
    ) in result.stderr
    assert "give the final URL with --store. No graph was replaced" in result.stderr
    assert [(r.method, r.path.split("?")[0]) for r in scripted.requests] == [("PUT", "/store")]
    assert scripted.graphs == {"/old": old}


@pytest.mark.parametrize("status", [307, 308])
def test_a_put_redirected_with_307_or_308_is_sent_again_with_its_method_and_body(
    scripted, runner, sent, status
):
    def redirect(seen: Seen, attempt: int) -> Reply | None:
        if seen.path.startswith("/store"):
            return Reply(status, headers={"Location": "/real" + seen.path})
        return None

    scripted.script = redirect
    result = load(runner, scripted)
    assert result.exit_code == 0, result.stderr
    assert [r.body for r in scripted.of("PUT", "/real/store")] == list(sent.values())
    assert [r.graph for r in scripted.of("GET", "/real/store")] == list(sent)
    assert scripted.graphs == sent
    assert (
        "read back 5,461 triples of https://w3id.org/guian-kg/graph/data: identical"
        in result.stderr
    )


def test_a_redirect_to_another_origin_is_refused_and_sends_it_nothing(
    scripted, other_origin, runner
):
    scripted.script = lambda seen, attempt: Reply(
        307, headers={"Location": other_origin.url + seen.path}
    )
    result = load(runner, scripted, "--user", "ann", "--password", "s3cret")
    assert result.exit_code == 3, result.stderr
    assert (
        f"refused to follow the store's redirect (307 Temporary Redirect) from {scripted.url}/store?graph="
        in result.stderr
    )
    assert f"to another origin, {other_origin.url}/store?graph=" in result.stderr
    assert other_origin.requests == []


def test_redirects_are_followed_a_few_times_only(scripted, runner):
    scripted.script = lambda seen, attempt: Reply(307, headers={"Location": "/again" + seen.path})
    result = load(runner, scripted)
    assert result.exit_code == 3, result.stderr
    assert "more than 3 redirects" in result.stderr
    assert len(scripted.requests) == 4


def test_a_read_back_redirected_with_302_is_not_followed(scripted, runner):
    scripted.script = lambda seen, attempt: (
        Reply(302, headers={"Location": "/old/store"}) if seen.method == "GET" else None
    )
    result = load(runner, scripted)
    assert result.exit_code == 3, result.stderr
    assert "error: the graphs were loaded" in result.stderr
    assert (
        "could not be verified: reading back https://w3id.org/guian-kg/graph/ontology: the store redirected the GET"
        in result.stderr
    )
    assert scripted.of("GET", "/old") == []


# ---------------------------------------------------------------- one deadline per request


def test_a_store_that_trickles_its_answer_fails_within_the_timeout(scripted, kg):
    """Regression: a byte every 0.9 s kept httpx's per-read timeout of 2 s from ever firing (109 s)."""
    scripted.script = lambda seen, attempt: (
        Reply(200, trickle=0.9) if seen.method == "PUT" else None
    )
    started = time.monotonic()
    with pytest.raises(StoreUnreachable) as failure:
        loading.load_into_store(
            loading.uploads(kg.graphs()), connection(scripted, timeout=2, retries=0)
        )
    elapsed = time.monotonic() - started
    assert str(failure.value).startswith(
        f"PUT https://w3id.org/guian-kg/graph/ontology: no complete answer from {scripted.url}/store?graph="
    )
    assert (
        "within --timeout 2 s (the whole request: connect, send, wait and read) after 1 attempt(s)"
        in str(failure.value)
    )
    # The promise of --timeout: the request ends at its deadline, not when the store stops.
    assert 2 <= elapsed < 5, elapsed


def test_a_trickling_store_exits_2_on_the_command_line(scripted, runner):
    scripted.script = lambda seen, attempt: (
        Reply(200, trickle=0.9) if seen.method == "PUT" else None
    )
    result = load(runner, scripted, "--timeout", "2", "--retries", "0")
    assert result.exit_code == 2, result.stderr
    assert "no complete answer" in result.stderr and "within --timeout 2 s" in result.stderr
    assert "No graph was replaced" in result.stderr


def test_a_read_back_that_trickles_says_the_graphs_were_loaded(scripted, runner, sent):
    scripted.script = lambda seen, attempt: (
        Reply(200, trickle=0.9) if seen.method == "GET" else None
    )
    result = load(runner, scripted, "--timeout", "1", "--retries", "0")
    assert result.exit_code == 3, result.stderr
    assert (
        "error: the graphs were loaded (the store accepted every PUT: https://w3id.org/guian-kg/graph/ontology (986 triples), https://w3id.org/guian-kg/graph/data (5,461 triples), https://w3id.org/guian-kg/graph/void (144 triples)) but could not be verified: reading back https://w3id.org/guian-kg/graph/ontology: no complete answer"
        in result.stderr
    )
    assert scripted.graphs == sent


# ---------------------------------------------------------------- answers bounded in bytes


def test_a_read_back_longer_than_what_was_sent_could_be_is_cut_off(scripted, runner, sent):
    scripted.script = lambda seen, attempt: (
        Reply(200, endless=True) if seen.method == "GET" else None
    )
    result = load(runner, scripted)
    assert result.exit_code == 3, result.stderr
    limit = 4 * len(sent["https://w3id.org/guian-kg/graph/ontology"]) + 1024 * 1024
    assert (
        f"the answer from {scripted.url}/store?graph=https%3A%2F%2Fw3id.org%2Fguian-kg%2Fgraph%2Fontology is longer than {limit:,} bytes"
        in result.stderr
    )
    assert "error: the graphs were loaded" in result.stderr
    assert scripted.hung_up.wait(5), "the client stopped reading and hung up"


def test_an_endless_error_page_is_read_only_in_part(scripted, runner):
    scripted.script = lambda seen, attempt: (
        Reply(500, endless=True) if seen.method == "PUT" else None
    )
    result = load(runner, scripted, "--retries", "0")
    assert result.exit_code == 3, result.stderr
    assert "the store answered 500 Internal Server Error" in result.stderr
    assert "<urn:x:s> <urn:x:p> <urn:x:o> ." in result.stderr and "…" in result.stderr
    assert scripted.hung_up.wait(5), "the client stopped reading and hung up"


# ---------------------------------------------------------------- what the store holds


def test_a_literal_the_store_rewrote_with_its_value_kept_is_a_warning_naming_the_triple(
    scripted, runner, sent
):
    """Virtuoso stored "70000000000"^^xsd:integer as xsd:decimal; the load said all was well."""
    line, s, p, o = literal_line(sent[DATA], INTEGER)
    stored = o.replace(INTEGER, DECIMAL)
    scripted.rewrite = lambda graph, body: body.replace(
        line.encode(), f"{s} {p} {stored} .".encode()
    )
    result = load(runner, scripted, "--json")
    assert result.exit_code == 0, result.stderr
    assert (
        f"warning: the store changed a literal: {s} {p} {o} is stored as {stored}\n"
        in result.stderr
    )
    assert result.stderr.count("warning:") == 1
    assert f"read back 5,461 triples of {DATA}: 1 literal changed by the store" in result.stderr
    data = json.loads(result.stdout)["graphs"][1]
    assert (data["graph"], data["identical"]) == (DATA, False)
    assert data["changed"] == [{"subject": s, "predicate": p, "sent": o, "stored": stored}]


def test_a_store_that_rewrites_every_integer_as_a_decimal_gets_one_warning_per_literal(
    scripted, runner, sent
):
    def decimals(graph: str, body: bytes) -> bytes:
        return re.sub(
            rb'"(\d+)"\^\^<' + re.escape(INTEGER.encode()) + rb">",
            rb'"\1.0"^^<' + DECIMAL.encode() + rb">",
            body,
        )

    scripted.rewrite = decimals
    result = load(runner, scripted, "--json")
    assert result.exit_code == 0, result.stderr
    rewritten = {name: body.count(f"^^<{INTEGER}>".encode()) for name, body in sent.items()}
    assert rewritten == {
        "https://w3id.org/guian-kg/graph/ontology": 0,
        DATA: 595,
        "https://w3id.org/guian-kg/graph/void": 25,
    }
    report = json.loads(result.stdout)
    assert {g["graph"]: len(g["changed"]) for g in report["graphs"]} == rewritten
    assert result.stderr.count("warning: the store changed a literal:") == 20 + 20
    for graph, more in ((DATA, 575), ("https://w3id.org/guian-kg/graph/void", 5)):
        assert f"warning: … and {more} more literals changed in {graph} (--json" in result.stderr
    assert f"read back 5,461 triples of {DATA}: 595 literals changed by the store" in result.stderr


def test_a_triple_the_store_dropped_fails_the_load_naming_it(scripted, runner, sent):
    line = sent[DATA].decode("utf-8").splitlines()[7]
    scripted.rewrite = lambda graph, body: body.replace(line.encode() + b"\n", b"")
    result = load(runner, scripted)
    assert result.exit_code == 3, result.stderr
    assert (
        f"error: the store accepted every graph but does not hold what was sent ({DATA}: sent "
        f"5,461 triples, read back 5,460; 1 missing: {line.removesuffix(' .')})"
    ) in result.stderr


def test_a_triple_the_store_added_fails_the_load_naming_it(scripted, runner):
    scripted.rewrite = lambda graph, body: (
        body + b'<urn:x:s> <urn:x:p> "stray" .\n' if graph == DATA else body
    )
    result = load(runner, scripted)
    assert result.exit_code == 3, result.stderr
    assert (
        f'{DATA}: sent 5,461 triples, read back 5,462; 1 not sent: <urn:x:s> <urn:x:p> "stray")'
        in result.stderr
    )


def test_a_store_without_graph_store_get_is_read_back_with_construct(scripted, runner, sent):
    scripted.script = lambda seen, attempt: (
        Reply(405, b"GET not allowed") if seen.method == "GET" else None
    )
    result = load(runner, scripted)
    assert result.exit_code == 0, result.stderr
    constructs = [r.sparql for r in scripted.of("POST", "/query")]
    assert constructs == [
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}" for name in sent
    ]
    assert (
        "read back 986 triples of https://w3id.org/guian-kg/graph/ontology: identical"
        in result.stderr
    )


def test_an_answer_that_is_not_rdf_cannot_verify_the_load(scripted, runner):
    scripted.script = lambda seen, attempt: (
        Reply(200, b"<html>hello</html>", {"Content-Type": "text/html"})
        if seen.method == "GET"
        else None
    )
    result = load(runner, scripted)
    assert result.exit_code == 3
    assert (
        "could not be verified: reading back https://w3id.org/guian-kg/graph/ontology: the store answered text/html, which is not an RDF syntax"
        in result.stderr
    )


# ---------------------------------------------------------------- loaded, but not verified


@pytest.mark.parametrize(
    "verify,method",
    [("full", "GET"), ("counts", "POST")],
    ids=["read-back", "count"],
)
def test_a_failed_verification_says_the_graphs_were_loaded(scripted, runner, sent, verify, method):
    scripted.script = lambda seen, attempt: Reply(500, b"boom") if seen.method == method else None
    result = load(runner, scripted, "--verify", verify, "--retries", "0")
    assert result.exit_code == 3, result.stderr
    assert result.stderr.startswith("[1/3]")
    assert (
        "error: the graphs were loaded (the store accepted every PUT: https://w3id.org/guian-kg/graph/ontology (986 triples),"
        in result.stderr
    )
    assert (
        "but could not be verified:" in result.stderr
        and "the store answered 500 Internal Server Error" in result.stderr
        and ": boom." in result.stderr
    )
    assert scripted.graphs == sent


def test_a_store_that_hangs_up_after_the_load_exits_3_not_2(scripted, kg, sent):
    scripted.script = lambda seen, attempt: Reply(hang_up=True) if seen.method == "GET" else None
    waits: list[float] = []
    with pytest.raises(
        LoadUnverified,
        match=r"the graphs were loaded .* could not be verified: cannot reach the store at .* after 2 attempt\(s\)",
    ) as failure:
        loading.load_into_store(
            loading.uploads(kg.graphs()), connection(scripted, retries=1), sleep=waits.append
        )
    assert failure.value.exit_code == 3
    assert waits == [0.5]
    assert scripted.graphs == sent


def test_counts_that_differ_fail_the_load(scripted, runner):
    def lie(seen: Seen, attempt: int) -> Reply | None:
        if seen.method == "POST":
            return Reply(
                200, b'{"results": {"bindings": [{"n": {"type": "literal", "value": "1"}}]}}'
            )
        return None

    scripted.script = lie
    result = load(runner, scripted, "--verify", "counts")
    assert result.exit_code == 3
    assert f"{DATA}: sent 5,461 triples, the store counts 1" in result.stderr


def test_full_verification_is_the_default_up_to_the_limit(scripted, kg, monkeypatch):
    monkeypatch.setattr(loading, "FULL_VERIFY_LIMIT", 986)  # the ontology's size
    report = loading.load_into_store(loading.uploads(kg.graphs()), connection(scripted))
    assert [(g.sent, g.verified) for g in report.graphs] == [
        (986, "full"),
        (5461, "counts"),
        (144, "full"),
    ]
    assert [r.method for r in scripted.requests[3:]] == ["GET", "POST", "GET"]


def test_the_readme_names_a_test_for_each_load_guarantee_and_each_exists():
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Loads are verified by reading them back", 1)[1].split("\n#", 1)[0]
    bullets = [b for b in section.split("\n- ")[1:]]
    named = [re.findall(r"`(test_\w+)`", b) for b in bullets]
    assert len(bullets) >= 8 and all(named), "every guarantee names at least one test"
    defined = set()
    for path in (root / "tests").glob("test_*.py"):
        defined |= set(re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M))
    assert {name for names in named for name in names} <= defined
