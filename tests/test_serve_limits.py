"""`guian-kg serve` under load an attacker chooses: huge results, clients that never read, slow parses.

Against a real server process: its memory is read from /proc, its event loop must keep answering.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration
MIB = 1024 * 1024


def doubling(rows: int, doublings: int) -> str:
    """A query whose ROWS rows each hold a string of 1,000 × 2^DOUBLINGS characters."""
    binds = " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(doublings))
    values = " ".join(str(n) for n in range(rows))
    return (
        f"SELECT ?n ?s{doublings} WHERE {{ VALUES ?n {{ {values} }} "
        f'BIND("{"a" * 1000}" AS ?s0) {binds} }}'
    )


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_a_result_past_max_bytes_is_an_error_not_a_truncated_200(serve_process):
    """Regression (0.1.0): four rows of 32 MiB strings gave a 128 MiB body."""
    server = serve_process("--timeout", "60")
    response = httpx.post(
        server.url + "sparql",
        content=doubling(4, 15).encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
        timeout=120,
    )
    assert response.status_code == 422
    assert f"larger than {16 * MIB} bytes" in response.text
    small = serve_process("--timeout", "60", "--max-bytes", "4096")
    response = httpx.get(
        small.url + "sparql", params={"query": doubling(1, 2)}, headers={"Accept": "text/csv"}
    )
    assert (
        response.status_code == 200 and len(response.content) == 4010
    )  # "n,s2\r\n" "0," 4000 × a "\r\n"
    response = httpx.get(
        small.url + "sparql", params={"query": doubling(1, 3)}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 422 and "larger than 4096 bytes" in response.text


def test_clients_that_never_read_cannot_grow_the_server_past_its_result_budget(serve_process):
    """Regression (0.1.0): eight clients that never read pushed the server from 206 to 770 MiB."""
    server = serve_process("--timeout", "60", "--max-rows", "100000")
    host, port = httpx.URL(server.url).host, httpx.URL(server.url).port
    query = doubling(1, 13)  # one row of 8,192,000 characters: about 8 MiB of JSON
    request = (
        f"GET /sparql?{httpx.QueryParams({'query': query})} HTTP/1.1\r\nHost: {host}\r\n"
        "Accept: application/sparql-results+json\r\n\r\n"
    ).encode()
    before = _rss(server.pid)
    clients, statuses = [], []
    for _ in range(24):  # 24 x 8 MiB = 192 MiB of results if the server kept them all
        client = socket.create_connection((host, port))
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.sendall(request)
        statuses.append(client.recv(12).decode())  # the status line only; the body is never read
        clients.append(client)
    grown = _rss(server.pid) - before
    # Meanwhile the server answers others at once.
    assert httpx.get(server.url + "void", timeout=30).status_code == 200
    for client in clients:
        client.close()
    ok, busy = statuses.count("HTTP/1.1 200"), statuses.count("HTTP/1.1 503")
    assert ok + busy == 24 and busy > 0, statuses
    # The results held for the clients stay within the budget (64 MiB): at most 8 of 8 MiB, plus
    # the pieces being sent; 0.1.0 held all 24.
    assert ok <= 8, statuses
    assert grown < 140 * MIB, grown / MIB


def test_slow_parses_never_block_the_event_loop(serve_process):
    """Regression (0.1.0): a 32 KB body of a-a-a-… cost 7-15 s of regex on the event loop."""
    server = serve_process("--timeout", "10")
    body = ("SELECT * WHERE { ?s ?p " + "a-" * 16_000 + "a }").encode()
    statuses: list[int] = []

    def send() -> None:
        response = httpx.post(
            server.url + "sparql",
            content=body,
            headers={"Content-Type": "application/sparql-query"},
            timeout=60,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    assert httpx.get(server.url + "void", timeout=30).status_code == 200
    for thread in threads:
        thread.join()
    assert statuses == [400, 400, 400]
