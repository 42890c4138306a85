"""Throughput and p50/p99 latency of the example queries over HTTP: `guian-kg serve` next to an Oxigraph
server loaded with the same dump, same client, same run; then what the worker processes cost.

Usage: python benchmarks/serve.py [REQUESTS] [CONCURRENCY] [ROUNDS]   (default 2000 requests per round, 4 at
a time, 3 rounds; the tests run `python benchmarks/serve.py 20 2 1` as a smoke test)

Both servers get the same dump (dist/guian-kg.nq of a fresh build) and the same query texts: guian-kg
serve --dist (which answers in the dump's own IRIs) and Oxigraph with --union-default-graph
(guian-kg's default graph is the union of the named graphs). Before timing, every
example's answer is compared between the two. The client (httpx, asyncio) sends the examples round-robin
with CONCURRENCY requests in flight, in rounds alternating between the servers; latency is per request.
Part 2 times the same queries without HTTP: pyoxigraph in this process vs through the worker pool, to
show what running each query in a killable worker process costs.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import pyoxigraph as ox

from guian_kg.build import dump_files, load
from guian_kg.engine import store_from_nquads
from guian_kg.iri import DEFAULT_BASE
from guian_kg.namespaces import prefixes
from guian_kg.query import examples
from guian_kg.server.sparql import MAX_BYTES
from guian_kg.server.workers import Job, QueryPool, Settings, answer_job
from guian_kg.store import OpenStore

ACCEPT = {"graph": "text/turtle", "table": "application/sparql-results+json"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited: {log.read_text(errors='replace')}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer: {log.read_text(errors='replace')}")


def start_servers(folder: Path) -> tuple[dict[str, str], list[subprocess.Popen]]:
    dist = folder / "dist"
    dist.mkdir()
    for name, content in dump_files(load()).items():
        (dist / name).write_bytes(content)
    executable = Path(sys.executable)
    oxigraph = shutil.which("oxigraph") or str(executable.with_name("oxigraph"))
    guian_kg = shutil.which("guian-kg") or str(executable.with_name("guian-kg"))
    location = folder / "oxigraph"
    subprocess.run(
        [oxigraph, "load", "--location", str(location), "--file", str(dist / "guian-kg.nq")],
        check=True,
        capture_output=True,
    )
    ours, theirs = free_port(), free_port()
    commands = {
        "guian-kg": [guian_kg, "serve", "--dist", str(dist), "--port", str(ours)],
        "oxigraph": [
            oxigraph,
            "serve-read-only",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{theirs}",
            "--union-default-graph",
        ],
    }
    endpoints = {
        "guian-kg": f"http://127.0.0.1:{ours}/sparql",
        "oxigraph": f"http://127.0.0.1:{theirs}/query",
    }
    processes = []
    env = {
        **os.environ,
        "GUIAN_KG_CACHE_DIR": str(folder / "cache"),
    }  # where --dist makes its store
    for name, command in commands.items():
        log = folder / f"{name}.log"
        with open(log, "wb") as output:
            processes.append(
                subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
            )
        wait_for(endpoints[name].rsplit("/", 1)[0] + "/", processes[-1], log)
    return endpoints, processes


def canonical(response: httpx.Response, kind: str) -> object:
    """An answer's meaning: a multiset of rows (SELECT), a boolean (ASK) or a set of N-Triples lines (graphs)."""
    if kind == "graph":
        from rdflib import Graph

        graph = Graph().parse(data=response.text, format="turtle")
        return sorted(graph.serialize(format="nt").splitlines())
    data = json.loads(response.content)
    if "boolean" in data:
        return data["boolean"]
    rows = Counter(json.dumps(b, sort_keys=True) for b in data["results"]["bindings"])
    return sorted(rows.items())


async def hammer(
    endpoint: str, queries: list[tuple[str, str]], requests: int, concurrency: int
) -> tuple[float, list[float]]:
    """Send `requests` queries round-robin with `concurrency` in flight; (seconds, latencies)."""
    latencies: list[float] = []
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def worker() -> None:
            for i in counter:
                text, kind = queries[i % len(queries)]
                started = time.perf_counter()
                response = await client.post(
                    endpoint,
                    content=text.encode("utf-8"),
                    headers={"Content-Type": "application/sparql-query", "Accept": ACCEPT[kind]},
                )
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{endpoint}: {response.status_code} {response.text[:200]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def worker_cost(queries: list[tuple[str, str]], repeat: int) -> None:
    """Per-query time in process (pyoxigraph + the endpoint's serialisers) vs through one worker process."""
    nquads = dump_files(load())["guian-kg.nq"]
    store = OpenStore(store_from_nquads(nquads), union_view=False)
    graphs = [f"{DEFAULT_BASE}graph/{n}" for n in ("ontology", "data", "void")]
    jobs = [
        Job(text, graphs, [], [], ACCEPT[kind], None, 10_000, MAX_BYTES, DEFAULT_BASE)
        for text, kind in queries
    ]
    pool = QueryPool(Settings(nquads, prefixes()), 1, 60)
    pool.start()
    runners = {"in process": lambda job: answer_job(store, job, prefixes()), "worker": pool.run}
    medians: dict[str, list[float]] = {name: [] for name in runners}
    try:
        for job in jobs:
            times: dict[str, list[float]] = {name: [] for name in runners}
            for _ in range(repeat):  # interleaved, so that load on the machine hits both alike
                for name, run in runners.items():
                    started = time.perf_counter()
                    run(job)
                    times[name].append(time.perf_counter() - started)
            for name in runners:
                medians[name].append(statistics.median(times[name]))
    finally:
        pool.close()
    ours, direct = medians["worker"], medians["in process"]
    hops = [w - d for w, d in zip(ours, direct, strict=True)]
    print(
        f"\nworker process cost, {len(jobs)} examples x {repeat} runs (medians): in process "
        f"{statistics.median(direct) * 1e3:.3f} ms, through a worker {statistics.median(ours) * 1e3:.3f} ms; "
        f"the hop adds {statistics.median(hops) * 1e6:.0f} µs per query (median), "
        f"{max(hops) * 1e6:.0f} µs at most"
    )


def kind_of(text: str) -> str:
    """'graph' for CONSTRUCT and DESCRIBE, else 'table' (Oxigraph's parse, on an empty store)."""
    return "graph" if isinstance(ox.Store().query(text), ox.QueryTriples) else "table"


def main(requests: int, concurrency: int, rounds: int) -> None:
    catalogue = examples()
    queries = [(e.text, kind_of(e.text)) for e in catalogue]
    with tempfile.TemporaryDirectory() as tmp:
        endpoints, processes = start_servers(Path(tmp))
        try:
            differ = []
            for example, (text, kind) in zip(catalogue, queries, strict=True):
                answers = [
                    canonical(
                        httpx.post(
                            url,
                            content=text.encode(),
                            headers={
                                "Content-Type": "application/sparql-query",
                                "Accept": ACCEPT[kind],
                            },
                            timeout=60,
                        ),
                        kind,
                    )
                    for url in endpoints.values()
                ]
                if answers[0] != answers[1]:
                    differ.append(example.name)
            print(
                f"{len(queries)} example queries; same answers on both servers: "
                f"{'all' if not differ else 'NOT ' + ', '.join(differ)}"
            )
            results: dict[str, tuple[list[float], list[float]]] = {
                name: ([], []) for name in endpoints
            }
            for url in endpoints.values():  # warm-up
                asyncio.run(hammer(url, queries, len(queries) * 2, concurrency))
            for _ in range(rounds):
                for name, url in endpoints.items():
                    seconds, latencies = asyncio.run(hammer(url, queries, requests, concurrency))
                    results[name][0].append(requests / seconds)
                    results[name][1].extend(latencies)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    print(
        f"{rounds} rounds x {requests} requests per server, concurrency {concurrency}, client httpx (asyncio)"
    )
    print(f"{'server':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    figures = {}
    for name, (throughputs, latencies) in results.items():
        figures[name] = (
            statistics.median(throughputs),
            percentile(latencies, 0.5),
            percentile(latencies, 0.99),
        )
        rate, p50, p99 = figures[name]
        print(f"{name:<10} {rate:>8.0f} {p50 * 1000:>8.2f} {p99 * 1000:>8.2f}")
    ours, theirs = figures["guian-kg"], figures["oxigraph"]
    print(
        f"throughput ratio guian-kg/oxigraph: {ours[0] / theirs[0]:.2f} (goal >= 0.50); "
        f"p50 ratio {ours[1] / theirs[1]:.2f}; p99 ratio {ours[2] / theirs[2]:.2f} (goal <= 2.00)"
    )
    worker_cost(queries, repeat=50 if rounds > 1 else 2)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 2000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 4,
        int(sys.argv[3]) if len(sys.argv) > 3 else 3,
    )
