"""Time `guian-kg load` into a local Oxigraph server, and `oxigraph load` of the N-Quads dump.

Usage: python benchmarks/store_load.py [RUNS] [SCALE] [--url URL] [--smoke]
SCALE > 1 also loads a synthetic graph SCALE times the data graph (IRIs suffixed per copy), to see
how the Graph Store path grows with size. --url loads into that running Oxigraph server (its graphs
are replaced) instead of starting one; --smoke runs everything once (RUNS 1, SCALE 2).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rdflib import Graph, URIRef

from guian_kg import load as loading
from guian_kg.build import load
from guian_kg.write import serialize_dataset


def serve(location: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    executable = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    process = subprocess.Popen(
        [executable, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url, timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("oxigraph serve did not start")


def scaled(graph: Graph, copies: int) -> Graph:
    out = Graph()
    for i in range(copies):
        for s, p, o in graph:
            out.add((URIRef(f"{s}-{i}"), p, URIRef(f"{o}-{i}") if isinstance(o, URIRef) else o))
    return out


def timed_loads(
    planned: list[loading.Upload], connection: loading.Connection, runs: int, verify: str
) -> tuple[list[float], list[float]]:
    """Seconds of each load, and of the verifying part of it."""
    reports = [loading.load_into_store(planned, connection, verify=verify) for _ in range(runs)]
    return [r.seconds for r in reports], [r.verify_seconds for r in reports]


def describe(what: str, times: tuple[list[float], list[float]]) -> str:
    total, verifying = (statistics.median(t) for t in times)
    return f"{what}: median {total:.3f} s, of which verifying {verifying:.3f} s"


@contextlib.contextmanager
def server(location: Path, url: str | None):
    """The given server's URL, or a new `oxigraph serve` on `location`, stopped on exit."""
    if url:
        yield url.rstrip("/")
        return
    process, started = serve(location)
    try:
        yield started
    finally:
        process.terminate()
        process.wait()


def main(runs: int, scale: int, url: str | None = None) -> None:
    kg = load()
    graphs = kg.graphs()
    started = time.perf_counter()
    planned = loading.uploads(graphs)
    print(
        f"request bodies (N-Triples): {time.perf_counter() - started:.3f} s, "
        f"{sum(len(u.body) for u in planned) / 1024:.0f} KiB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        with server(Path(tmp) / "db", url) as base:
            connection = loading.Connection(f"{base}/store", f"{base}/query")
            report = loading.load_into_store(planned, connection, verify="counts")
            print(f"guian-kg load into an empty store: {report.seconds:.3f} s (PUTs + counts)")
            for result in report.graphs:
                print(f"  {result.graph:<45} {result.found:>7} triples")
            for verify in loading.VERIFY_MODES:
                what = (
                    f"guian-kg load again (replacing) --verify {verify}, {report.triples} triples"
                )
                print(describe(what, timed_loads(planned, connection, runs, verify)))
            default = loading.uploads(graphs, default_graph=True)
            times = timed_loads(default, connection, runs, "full")
            print(describe("guian-kg load --default-graph --verify full", times))
            if scale > 1:
                big = scaled(kg.data, scale)
                body = loading.uploads({URIRef("urn:bench:big"): big})
                size = f"{len(big)} triples, {len(body[0].body) / 1e6:.1f} MB"
                for verify in loading.VERIFY_MODES:
                    times = timed_loads(body, connection, max(1, runs // 2), verify)
                    print(describe(f"synthetic graph, {size}, --verify {verify}", times))
        nquads = Path(tmp) / "guian-kg.nq"
        nquads.write_text(serialize_dataset(graphs, "nq"), encoding="utf-8")
        executable = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        times = []
        for i in range(runs):
            started = time.perf_counter()
            subprocess.run(
                [
                    executable,
                    "load",
                    "--location",
                    str(Path(tmp) / f"bulk{i}"),
                    "--file",
                    str(nquads),
                ],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - started)
        print(
            f"oxigraph load --file guian-kg.nq (new location, process start included): median "
            f"{statistics.median(times):.3f} s"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", type=int, nargs="?", default=5)
    parser.add_argument("scale", type=int, nargs="?", default=1)
    parser.add_argument("--url", help="an Oxigraph server to load into (its graphs are replaced)")
    parser.add_argument("--smoke", action="store_true", help="everything once: RUNS 1, SCALE 2")
    args = parser.parse_args()
    main(1 if args.smoke else args.runs, 2 if args.smoke else args.scale, args.url)
