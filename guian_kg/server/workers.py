"""A small pool of worker processes, each holding the store, that run SPARQL queries under a timeout.

pyoxigraph cannot cancel a query from Python, and a thread cannot be stopped, so each query runs in
a process: on timeout the process is killed (the work stops) and a fresh one takes its place.
Workers are plain `python -m guian_kg.server.workers` subprocesses speaking length-prefixed frames
over stdin/stdout (no multiprocessing, which would re-import the caller's main module); waiting uses
select() on the pipe. A worker denies itself the network before it reads anything (seccomp, see
guian_kg.sandbox) and is killed by the kernel when the server dies (PR_SET_PDEATHSIG): both are
Linux features, and a worker that cannot have them does not start. This module imports no rdflib,
Starlette or Jinja (the query check imports rdflib's parser when a query needs it), so that a
worker starts in a fraction of a second.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import select
import struct
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..engine import oxigraph_syntax_error, store_from_nquads
from ..query_check import Reach, UncheckableQuery
from ..query_check import reach as query_reach
from ..sandbox import deny_network
from ..store import OpenStore, open_store
from . import results
from .negotiation import NotAcceptable
from .result_types import negotiate, worker_format

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
    """One query to run, with everything the worker needs to check it and answer it."""

    query: str
    dataset: list[str]  # the graphs of this dataset: FROM and FROM NAMED may name only these
    default_graphs: list[str]  # from the protocol's graph parameters ([] if none were given)
    named_graphs: list[str]
    accept: str | None  # the request's Accept header, for the result's media type
    format_param: str | None  # the `format` parameter, which overrides Accept
    max_rows: int
    max_bytes: int
    base: str


@dataclass
class Answer:
    """A result (kind select, ask or graph, with its media type) or a refusal or error.

    Refusals and errors: service, outside (a FROM graph not in the dataset), unchecked (the check
    could not parse the query), update, syntax, notacceptable, rowcap, toolarge, failed.
    """

    kind: str
    body: bytes = b""
    message: str = ""
    media_type: str = ""


@dataclass
class Settings:
    nquads: bytes  # the graph, parsed into each worker's memory; or empty, with store_path
    prefixes: dict[str, str] = field(default_factory=dict)
    memory_mb: int | None = 2048
    store_path: str | None = None  # an on-disk store (guian_kg.store) each worker opens read-only


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


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when the server dies, even in the middle of a query."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the server died before the request was made
        os._exit(1)


def main() -> None:
    """The worker: settings and N-Quads on stdin, then one job in, one answer out, until stdin closes.

    Before it reads anything it denies itself the network (the kernel then refuses it any socket)
    and asks to be killed with its parent; if either cannot be done, it does not start.
    """
    parent = int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid()
    _die_with(parent)
    deny_network()  # raises SandboxUnavailable: the worker exits and the pool reports it
    reply = os.dup(1)
    os.dup2(2, 1)  # anything printed by accident goes to stderr, not into the answers
    sys.setrecursionlimit(20_000)  # the check's parser recurses once per nesting level
    settings = json.loads(_receive(0))
    _limit_memory(settings["memory_mb"])
    nquads = _receive(0)
    if settings.get("store_path"):
        store = open_store(Path(settings["store_path"]))
    else:  # named graphs, and their union as default graph
        store = OpenStore(store_from_nquads(nquads), union_view=False)
    _send(reply, b"ready")
    while True:
        try:
            job = Job(**json.loads(_receive(0)))
        except EOFError:
            return
        answer = answer_job(store, job, settings["prefixes"])
        header = json.dumps(
            {"kind": answer.kind, "message": answer.message, "media_type": answer.media_type}
        ).encode("utf-8")
        _send(reply, struct.pack(">I", len(header)) + header + answer.body)


def _graph(name: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if name == DEFAULT else ox.NamedNode(name)


def _reach(text: str, base: str | None) -> Reach:
    """query_check.reach, remembered for the last REACH_CACHE texts of at most REACH_CACHED_BYTES:
    a query that names FROM or SERVICE is parsed by rdflib's grammar (5 to 50 ms, in Python), and
    endpoints see the same queries again (8 of the 39 examples: 9 ms a request on average). The
    answer depends on the text and the base alone; a Reach is only read."""
    if len(text) > REACH_CACHED_BYTES:
        return query_reach(text, base)
    return _remembered_reach(text, base)


REACH_CACHE = 256
REACH_CACHED_BYTES = 64 * 1024  # at most 16 MiB of query texts held per worker
_remembered_reach = functools.lru_cache(maxsize=REACH_CACHE)(query_reach)


def answer_job(opened: OpenStore, job: Job, prefixes: dict[str, str]) -> Answer:
    """Check one job's query, run it on `store` and serialise its result (in the worker)."""
    try:
        reach = _reach(job.query, job.base)
    except UncheckableQuery as exc:
        return _unparsable(job, str(exc))
    if reach.service:
        return Answer(
            "service", message="SERVICE (federated query) is not allowed on this endpoint"
        )
    default_graphs, named_graphs = _dataset(job, reach)
    outside = [g for g in (*default_graphs, *named_graphs) if g != DEFAULT and g not in job.dataset]
    if outside:
        return Answer(
            "outside",
            message=f"FROM <{outside[0]}> is not a graph of this dataset (nothing is fetched); "
            f"the graphs are: {', '.join(job.dataset)}",
        )
    if default_graphs == [DEFAULT] and opened.union_view:  # the store's named graphs are disjoint
        dataset = {"use_default_graph_as_union": True}
    else:
        dataset = {"default_graph": [_graph(g) for g in default_graphs]}
    try:
        result = opened.store.query(
            job.query,
            base_iri=job.base,
            named_graphs=[ox.NamedNode(g) for g in named_graphs],
            **dataset,
        )
    except SyntaxError as exc:
        return _not_a_query(job, str(exc))
    form = (
        "ASK"
        if isinstance(result, ox.QueryBoolean)
        else ("CONSTRUCT" if isinstance(result, ox.QueryTriples) else "SELECT")
    )
    try:
        media_type = negotiate(form, job.accept, job.format_param)
    except NotAcceptable as exc:
        return Answer("notacceptable", message=", ".join(exc.offered))
    fmt = worker_format(form, media_type)
    try:
        if form == "ASK":
            body = results.boolean(bool(result), "xml" if fmt == "xml" else "json")
        elif form == "SELECT":
            body = results.select(
                result, "json" if fmt == "html" else fmt, job.max_rows, job.max_bytes
            )
        else:
            triples = sorted(
                results.capped(result, job.max_rows),
                key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
            )
            body = _graph_body(triples, fmt, job.base, prefixes)
            if len(body) > job.max_bytes:
                raise results.ResultTooLarge(job.max_bytes)
        return Answer(form.lower() if form != "CONSTRUCT" else "graph", body, media_type=media_type)
    except results.RowCapExceeded:
        return Answer("rowcap", message=f"the result has more than {job.max_rows} rows")
    except results.ResultTooLarge:
        return Answer("toolarge", message=f"the result is larger than {job.max_bytes} bytes")
    except (OSError, ValueError, RuntimeError, TypeError) as exc:
        return Answer("failed", message=str(exc))


def _dataset(job: Job, reach) -> tuple[list[str], list[str]]:
    """SPARQL 1.1 Protocol §2.1.4: graph parameters replace the query's own FROM clauses."""
    if job.default_graphs or job.named_graphs:
        return job.default_graphs, job.named_graphs
    if reach.from_graphs or reach.from_named_graphs:
        return reach.from_graphs, reach.from_named_graphs
    return [DEFAULT], job.dataset


def _unparsable(job: Job, message: str) -> Answer:
    """The check could not build a parse tree: Oxigraph's syntax error if it has one, else a refusal."""
    error = oxigraph_syntax_error(job.query, base_iri=job.base)
    if error is not None:
        return _not_a_query(job, error)
    return Answer("unchecked", message=message)


def _not_a_query(job: Job, message: str) -> Answer:
    """An update (Oxigraph's query parser rejects it, rdflib's SPARQL 1.1 update parser accepts it) or a syntax error.

    Oxigraph's update parser is reachable only through Store.update, which runs the update (and
    LOAD fetches), so the update grammar check uses rdflib's parser; it runs here, under the
    timeout, because it is slow on long texts.
    """
    from rdflib.plugins.sparql.parser import parseUpdate

    from ..engine import query_error

    try:
        parseUpdate(job.query)
        return Answer("update")
    except Exception:  # pyparsing's ParseException, RecursionError on deep nesting
        pass
    return Answer("syntax", message=str(query_error(job.query, "query", message)))


def _graph_body(triples: list[ox.Triple], fmt: str, base: str, prefixes: dict[str, str]) -> bytes:
    if fmt == "html":
        rows = [
            {k: results._json_term(t) for k, t in zip(("s", "p", "o"), triple, strict=True)}
            for triple in triples
        ]
        return json.dumps(rows, ensure_ascii=False).encode("utf-8")
    if fmt == "jsonld":  # compacted with the project context, as dist/ is; imports rdflib
        from rdflib import Graph

        from ..write import serialize_graph

        graph = Graph().parse(
            data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt"
        )
        return serialize_graph(graph, "jsonld", base).encode("utf-8")
    rdf_format = {
        "ttl": ox.RdfFormat.TURTLE,
        "nt": ox.RdfFormat.N_TRIPLES,
        "rdfxml": ox.RdfFormat.RDF_XML,
    }[fmt]
    iris = {term.value for t in triples for term in t if isinstance(term, ox.NamedNode)}
    used = {p: ns for p, ns in prefixes.items() if any(iri.startswith(ns) for iri in iris)}
    return ox.serialize(triples, format=rdf_format, prefixes=used if fmt != "nt" else None)


# ---------------------------------------------------------------- the pool, in the server process


class _Worker:
    """One `python -m guian_kg.server.workers` process, spoken to over its stdin and stdout."""

    def __init__(self, settings: Settings, spawner: ThreadPoolExecutor):
        # The kernel's parent-death signal follows the *thread* that started the process, so every
        # worker is started by the pool's one long-lived spawner thread, never by a request's.
        self.process = spawner.submit(
            subprocess.Popen,
            [sys.executable, "-m", "guian_kg.server.workers", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        ).result()
        self.stdin, self.stdout = self.process.stdin.fileno(), self.process.stdout.fileno()
        try:
            head = {
                "memory_mb": settings.memory_mb,
                "prefixes": settings.prefixes,
                "store_path": settings.store_path,
            }
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
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="guian-kg-spawner")

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
            worker = _Worker(self.settings, self._spawner)
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
        return Answer(header["kind"], data[4 + length :], header["message"], header["media_type"])

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.kill()
        self._spawner.shutdown(wait=False)


def default_size() -> int:
    """One worker per CPU, between 2 and 4."""
    return max(2, min(4, os.cpu_count() or 2))


if __name__ == "__main__":
    main()
