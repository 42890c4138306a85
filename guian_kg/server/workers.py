"""A small pool of worker processes, each holding the store, that run SPARQL queries under a timeout.

pyoxigraph cannot cancel a query from Python, and a thread cannot be stopped, so each query runs in
a process: on timeout the process is killed (the work stops) and a fresh one takes its place.
Workers are plain `python -m guian_kg.server.workers` subprocesses speaking length-prefixed frames
over stdin/stdout (no multiprocessing, which would re-import the caller's main module); waiting uses
select() on the pipe, so this runs on POSIX systems. This module imports no rdflib, Starlette or
Jinja, so that a worker starts in a fraction of a second.
"""

from __future__ import annotations

import json
import os
import queue
import select
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..engine import store_from_nquads
from . import results

DEFAULT = (
    ""  # stands for the store's default graph (the union of the named graphs) in a dataset list
)
STARTUP_SECONDS = 120.0


class QueryTimeout(Exception):
    """The query ran past the timeout; its worker was killed."""


class PoolBusy(Exception):
    """Every worker stayed busy for the whole timeout."""


class WorkerDied(Exception):
    """The worker exited while running the query (out of memory, a crash)."""


@dataclass(frozen=True)
class Job:
    """One query to run: the dataset is always explicit (graph IRIs, or DEFAULT)."""

    query: str
    default_graphs: list[str]
    named_graphs: list[str]
    fmt: str  # json, xml, csv, tsv (SELECT/ASK); ttl, nt, jsonld, rdfxml (graphs); html
    cap: int
    base: str
    is_query_form: (
        bool  # the text starts (after its prologue) with SELECT, CONSTRUCT, DESCRIBE or ASK
    )


@dataclass
class Answer:
    kind: str  # select, ask, graph; or an error: syntax, update, rowcap, failed
    body: bytes = b""
    message: str = ""


@dataclass
class Settings:
    nquads: bytes
    prefixes: dict[str, str] = field(default_factory=dict)
    memory_mb: int | None = 2048


# ---------------------------------------------------------------- the worker process


def _send(fd: int, payload: bytes) -> None:
    data = struct.pack(">I", len(payload)) + payload
    while data:
        data = data[os.write(fd, data) :]


def _read_exactly(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the pipe closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _receive(fd: int) -> bytes:
    (size,) = struct.unpack(">I", _read_exactly(fd, 4))
    return _read_exactly(fd, size)


def _limit_memory(megabytes: int | None) -> None:
    """Cap the worker's address space so a runaway query fails alone instead of exhausting the host."""
    if not megabytes:
        return
    try:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not on this platform
        pass


def main() -> None:
    """The worker: settings and N-Quads on stdin, then one job in, one answer out, until stdin closes."""
    reply = os.dup(1)
    os.dup2(2, 1)  # anything printed by accident goes to stderr, not into the answers
    settings = json.loads(_receive(0))
    _limit_memory(settings["memory_mb"])
    store = store_from_nquads(_receive(0))  # named graphs, and their union as default graph
    _send(reply, b"ready")
    while True:
        try:
            job = Job(**json.loads(_receive(0)))
        except EOFError:
            return
        answer = answer_job(store, job, settings["prefixes"])
        header = json.dumps({"kind": answer.kind, "message": answer.message}).encode("utf-8")
        _send(reply, struct.pack(">I", len(header)) + header + answer.body)


def _graph(name: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if name == DEFAULT else ox.NamedNode(name)


def answer_job(store: ox.Store, job: Job, prefixes: dict[str, str]) -> Answer:
    """Run one job on `store` and serialise its result (in the worker)."""
    try:
        result = store.query(
            job.query,
            base_iri=job.base,
            default_graph=[_graph(g) for g in job.default_graphs],
            named_graphs=[ox.NamedNode(g) for g in job.named_graphs],
        )
    except SyntaxError as exc:
        return _not_a_query(job, str(exc))
    try:
        if isinstance(result, ox.QueryBoolean):
            return Answer(
                "ask", results.boolean(bool(result), "xml" if job.fmt == "xml" else "json")
            )
        if isinstance(result, ox.QuerySolutions):
            return Answer(
                "select", results.select(result, "json" if job.fmt == "html" else job.fmt, job.cap)
            )
        triples = sorted(
            results.capped(result, job.cap),
            key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
        )
        return Answer("graph", _graph_body(triples, job, prefixes))
    except results.RowCapExceeded:
        return Answer("rowcap", message=f"the result has more than {job.cap} rows")
    except (OSError, ValueError, RuntimeError, TypeError) as exc:
        return Answer("failed", message=str(exc))


def _not_a_query(job: Job, message: str) -> Answer:
    """An update (Oxigraph's query parser rejects it, rdflib's SPARQL 1.1 update parser accepts it) or a syntax error.

    Oxigraph's update parser is reachable only through Store.update, which runs the update (and
    LOAD fetches), so the update grammar check uses rdflib's parser; it runs here, under the
    timeout, because it is slow on long texts.
    """
    from ..engine import query_error

    if not job.is_query_form:
        from rdflib.plugins.sparql.parser import parseUpdate

        try:
            parseUpdate(job.query)
            return Answer("update")
        except Exception:  # pyparsing's ParseException, RecursionError on deep nesting
            pass
    return Answer("syntax", message=str(query_error(job.query, "query", message)))


def _graph_body(triples: list[ox.Triple], job: Job, prefixes: dict[str, str]) -> bytes:
    if job.fmt == "html":
        rows = [
            {k: results._json_term(t) for k, t in zip(("s", "p", "o"), triple, strict=True)}
            for triple in triples
        ]
        return json.dumps(rows, ensure_ascii=False).encode("utf-8")
    if job.fmt == "jsonld":  # compacted with the project context, as dist/ is; imports rdflib
        from rdflib import Graph

        from ..serialize import serialize_graph

        graph = Graph().parse(
            data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt"
        )
        return serialize_graph(graph, "jsonld", job.base).encode("utf-8")
    rdf_format = {
        "ttl": ox.RdfFormat.TURTLE,
        "nt": ox.RdfFormat.N_TRIPLES,
        "rdfxml": ox.RdfFormat.RDF_XML,
    }[job.fmt]
    iris = {term.value for t in triples for term in t if isinstance(term, ox.NamedNode)}
    used = {p: ns for p, ns in prefixes.items() if any(iri.startswith(ns) for iri in iris)}
    return ox.serialize(triples, format=rdf_format, prefixes=used if job.fmt != "nt" else None)


# ---------------------------------------------------------------- the pool, in the server process


class _Worker:
    """One `python -m guian_kg.server.workers` process, spoken to over its stdin and stdout."""

    def __init__(self, settings: Settings):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "guian_kg.server.workers"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.stdin, self.stdout = self.process.stdin.fileno(), self.process.stdout.fileno()
        try:
            head = {"memory_mb": settings.memory_mb, "prefixes": settings.prefixes}
            _send(self.stdin, json.dumps(head).encode("utf-8"))
            _send(self.stdin, settings.nquads)
            if not self.ready(STARTUP_SECONDS) or _receive(self.stdout) != b"ready":
                raise WorkerDied("a query worker did not start")
        except (OSError, EOFError):
            self.kill()
            raise WorkerDied("a query worker did not start") from None

    def ready(self, timeout: float) -> bool:
        """Whether the worker has written an answer within `timeout` seconds."""
        return bool(select.select([self.stdout], [], [], timeout)[0])

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()


class QueryPool:
    """`size` worker processes; `run` gives a job to an idle one and waits at most `timeout` seconds."""

    def __init__(self, settings: Settings, size: int, timeout: float):
        self.settings, self.size, self.timeout = settings, size, timeout
        self.restarts = 0
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        threads = [threading.Thread(target=self._add) for _ in range(self.size)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self._idle.qsize() < self.size:
            raise WorkerDied("the query workers did not start")

    def _add(self) -> None:
        try:
            worker = _Worker(self.settings)
        except (OSError, WorkerDied):
            return
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._all.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and start its successor before answering, so the pool is whole again."""
        with self._lock:
            self._all.discard(worker)
            self.restarts += 1
        worker.kill()
        self._add()

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        with self._lock:
            return sorted(worker.process.pid for worker in self._all)

    def run(self, job: Job) -> Answer:
        """Run `job` on an idle worker (blocking): QueryTimeout, PoolBusy or WorkerDied on failure."""
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise PoolBusy(
                f"all {self.size} query workers stayed busy for {self.timeout:g} s"
            ) from None
        try:
            _send(worker.stdin, json.dumps(job.__dict__).encode("utf-8"))
            if not worker.ready(self.timeout):
                self._replace(worker)
                raise QueryTimeout(f"the query ran longer than {self.timeout:g} s and was stopped")
            data = _receive(worker.stdout)
        except (EOFError, OSError):
            self._replace(worker)
            raise WorkerDied(
                "the query worker stopped while running the query (out of memory?)"
            ) from None
        self._idle.put(worker)
        (length,) = struct.unpack(">I", data[:4])
        header = json.loads(data[4 : 4 + length])
        return Answer(header["kind"], data[4 + length :], header["message"])

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.kill()


def default_size() -> int:
    """One worker per CPU, between 2 and 4."""
    return max(2, min(4, os.cpu_count() or 2))


if __name__ == "__main__":
    main()
