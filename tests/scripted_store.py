"""A Graph Store on 127.0.0.1 that can be told to misbehave, for the failure modes of `guian-kg load`.

It keeps what is PUT, serves it back on GET (Graph Store Protocol) and on a SPARQL CONSTRUCT,
counts it on a SPARQL COUNT, and records every request. Any path ending in /store is a Graph
Store and /query is its SPARQL endpoint, so a redirect can point at /elsewhere/store.
`script(seen, attempt)` may return a Reply to send instead; `rewrite(graph, body)` changes what
is read back, as a store that alters the data would.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEFAULT = "(default)"


@dataclass(frozen=True)
class Seen:
    """A request as the store received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def graph(self) -> str:
        """The graph a Graph Store request names (`?graph=` or `?default`)."""
        query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        return query["graph"][0] if "graph" in query else DEFAULT

    @property
    def sparql(self) -> str:
        return parse_qs(self.body.decode("utf-8")).get("query", [""])[0]


@dataclass(frozen=True)
class Reply:
    """An answer to send: `trickle` sends the body a byte every so many seconds, `endless` sends
    N-Triples until the client stops reading, `hang_up` closes the connection without a word."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    trickle: float | None = None
    endless: bool = False
    hang_up: bool = False


class ScriptedStore:
    """A scripted Graph Store and SPARQL endpoint on 127.0.0.1, on a port of its own."""

    def __init__(self):
        self.requests: list[Seen] = []
        self.graphs: dict[str, bytes] = {}  # what each PUT stored, by graph IRI (or DEFAULT)
        self.script: Callable[[Seen, int], Reply | None] = lambda *_: None
        self.rewrite: Callable[[str, bytes], bytes] = lambda graph, body: body
        self.endless_sent = 0  # bytes an endless answer got out before the client hung up
        self.hung_up = threading.Event()  # set when the client closed a connection mid-answer
        self.stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, method: str, path_prefix: str = "") -> list[Seen]:
        """The requests with this method whose path starts with `path_prefix`."""
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def close(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def answer(self, seen: Seen) -> Reply:
        """What a well-behaved store answers."""
        path = urlsplit(seen.path).path
        if path.endswith("/store") and seen.method == "PUT":
            self.graphs[seen.graph] = seen.body
            return Reply(204)
        if path.endswith("/store") and seen.method == "GET":
            if seen.graph not in self.graphs:
                return Reply(404, b"no such graph")
            body = self.rewrite(seen.graph, self.graphs[seen.graph])
            return Reply(200, body, {"Content-Type": "application/n-triples"})
        if path == "/query" and seen.method == "POST":
            named = re.search(r"GRAPH <([^>]+)>", seen.sparql)
            graph = named.group(1) if named else DEFAULT
            body = self.rewrite(graph, self.graphs.get(graph, b""))
            if seen.sparql.lstrip().startswith("CONSTRUCT"):
                return Reply(200, body, {"Content-Type": "application/n-triples"})
            n = sum(1 for line in body.splitlines() if line.strip())
            results = (
                '{"head": {"vars": ["n"]}, "results": {"bindings": '
                f'[{{"n": {{"type": "literal", "value": "{n}"}}}}]}}}}'
            )
            return Reply(200, results.encode(), {"Content-Type": "application/sparql-results+json"})
        return Reply(404, b"no such endpoint")

    def _handler(self):
        store = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen = Seen(self.command, self.path, dict(self.headers), body)
                store.requests.append(seen)
                attempt = sum(
                    1 for r in store.requests if (r.method, r.path) == (seen.method, seen.path)
                )
                reply = store.script(seen, attempt) or store.answer(seen)
                try:
                    self._send(reply)
                except OSError:  # the client hung up: what these tests are often about
                    store.hung_up.set()

            def _send(self, reply: Reply) -> None:
                if reply.hang_up:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.endless:
                    self.send_header("Content-Type", "application/n-triples")
                    self.end_headers()
                    self._send_endless()
                    return
                length = 10_000 if reply.trickle else len(reply.body)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                if reply.trickle:
                    while not store.stopping.is_set():
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(reply.trickle)
                else:
                    self.wfile.write(reply.body)

            def _send_endless(self) -> None:
                line = b"<urn:x:s> <urn:x:p> <urn:x:o> .\n" * 2048
                while not store.stopping.is_set() and store.endless_sent < 1 << 34:
                    self.wfile.write(line)
                    store.endless_sent += len(line)

            do_GET = do_PUT = do_POST = _serve

        return Handler
