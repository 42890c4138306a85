"""Start-up time and memory of `guian-kg serve --dist` next to `oxigraph serve-read-only` on the same
store, at growing sizes (up to about 1.2 million triples).

Usage: python benchmarks/serve_scale.py [--copies 1,10,100,415] [--smoke]   (--smoke: copies 1,2)

A large dist/ is the real built dataset with its data graph copied COPIES times, every
https://w3id.org/guian-kg/id/ IRI of copy N suffixed "-rN" (the ontology's own concepts, roles,
metrics, units…, are kept, so the copies share them), published as `guian-kg build` publishes a
folder (with its manifest), holding guian-kg.nq and the context. For each size:

- guian-kg, first start: `guian-kg serve --dist` with an empty cache, from process start to the
  first 200 on / (this includes making the on-disk store from the N-Quads, once);
- guian-kg, start: the same again, the store made (what every later start costs);
- oxigraph: `oxigraph serve-read-only --location <that same store> --union-default-graph`,
  process start to the first 200 on /;
- RSS after the first /, and again after every example query has run once on each server: the
  server process, and for guian-kg also with its query workers (each opens the store read-only),
  and their PSS (each page shared between the processes, such as the interpreter's and
  pyoxigraph's code, counted once over them: the memory they take together);
- the floor of any server in Python on the same libraries: the RSS of a process that imports
  pyoxigraph, Starlette and uvicorn and serves nothing.

Both servers answer every example; their answers are compared (the same multiset of rows).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from guian_kg.build import build
from guian_kg.publish import publish
from guian_kg.query import examples

ID = "https://w3id.org/guian-kg/id/"
IRI = re.compile(r"<(https://w3id\.org/guian-kg/id/[^>]*)>")
DATA_GRAPH = "<https://w3id.org/guian-kg/graph/data>"
MIB = 1024 * 1024


def large_dist(real: Path, copies: int, out: Path) -> int:
    """A dist/ holding the real graph with its data graph copied `copies` times; its triple count."""
    lines = (real / "guian-kg.nq").read_text(encoding="utf-8").splitlines()
    data = [line for line in lines if line.endswith(f"{DATA_GRAPH} .")]
    others = [line for line in lines if not line.endswith(f"{DATA_GRAPH} .")]
    # The ontology's own IRIs under id/ (concept schemes, roles, metrics, units…) stay shared.
    shared = {m for line in others for m in IRI.findall(line.split(" ", 1)[0])}
    out_lines = list(others)
    for n in range(1, copies + 1):
        suffix = f"-r{n}"

        def rename(match: re.Match, suffix=suffix) -> str:
            iri = match.group(1)
            return match.group(0) if iri in shared else f"<{iri}{suffix}>"

        out_lines.extend(IRI.sub(rename, line) for line in data)
    out_lines = sorted(set(out_lines))  # a triple naming no resource of the data is shared too
    nquads = ("\n".join(out_lines) + "\n").encode("utf-8")
    files = {"guian-kg.nq": nquads, "context.jsonld": (real / "context.jsonld").read_bytes()}
    publish(files, out)
    return len(out_lines)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the thread ended meanwhile
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def rss(pid: int) -> int:
    return _field(f"/proc/{pid}/status", "VmRSS:")


def pss(pid: int) -> int:
    """Proportional set size: each page shared with other processes counted in part."""
    return _field(f"/proc/{pid}/smaps_rollup", "Pss:")


def _field(path: str, name: str) -> int:
    """A "NAME: N kB" line of a /proc file, in bytes (0 if it is not there)."""
    for line in Path(path).read_text().splitlines():
        if line.startswith(name):
            return int(line.split()[1]) * 1024
    return 0


# The RSS of a Python process with the libraries every server in Python on Oxigraph needs here.
FLOOR = """
import pyoxigraph, starlette.applications, uvicorn
print(open("/proc/self/status").read().split("VmRSS:")[1].split()[0])
"""


def python_floor() -> int:
    done = subprocess.run([sys.executable, "-c", FLOOR], capture_output=True, text=True, check=True)
    return int(done.stdout) * 1024


class Running:
    """A server process started now; `ready` is the seconds from start to its first 200 on /."""

    def __init__(self, command: list[str], url: str, log: Path, env: dict[str, str]):
        self.url = url
        started = time.perf_counter()
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, env=env
            )
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"{command[0]} exited: {log.read_text(errors='replace')}")
            try:
                if httpx.get(url, timeout=60).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.02)
        else:
            self.stop()
            sys.exit(f"{url} did not answer")
        self.ready = time.perf_counter() - started

    def memory(self) -> tuple[int, int, int]:
        """RSS of the server process, and with its child processes; PSS of them all."""
        pids = [self.process.pid, *children(self.process.pid)]
        return rss(pids[0]), sum(rss(pid) for pid in pids), sum(pss(pid) for pid in pids)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def answers(endpoint: str, names: set[str] | None = None) -> dict[str, object]:
    """Each example's answer (a multiset of JSON rows, a boolean, or sorted N-Triples lines), or
    its HTTP status if it is not 200; only `names` if given."""
    found: dict[str, object] = {}
    for example in examples():
        if names is not None and example.name not in names:
            continue
        response = httpx.post(
            endpoint,
            content=example.text.encode("utf-8"),
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json, application/n-triples;q=0.9",
            },
            timeout=600,
        )
        if response.status_code != 200:
            found[example.name] = f"HTTP {response.status_code}"
        elif response.headers["content-type"].startswith("application/n-triples"):
            found[example.name] = sorted(response.text.splitlines())
        else:
            data = json.loads(response.content)
            rows = data.get("results", {}).get("bindings", [])
            found[example.name] = data.get(
                "boolean", sorted(Counter(json.dumps(r, sort_keys=True) for r in rows).items())
            )
    return found


def measure(dist: Path, folder: Path) -> dict:
    executable = Path(sys.executable)
    guian_kg = shutil.which("guian-kg") or str(executable.with_name("guian-kg"))
    oxigraph = shutil.which("oxigraph") or str(executable.with_name("oxigraph"))
    cache = folder / "cache"
    folder.mkdir()
    env = {**os.environ, "GUIAN_KG_CACHE_DIR": str(cache)}
    figures: dict[str, float] = {}

    def ours(label: str) -> Running:
        port = free_port()
        command = [guian_kg, "serve", "--dist", str(dist), "--port", str(port)]
        return Running(command, f"http://127.0.0.1:{port}/", folder / f"{label}.log", env)

    first = ours("first")
    figures["first start"] = first.ready
    first.stop()
    server = ours("again")
    figures["guian-kg start"] = server.ready
    figures["guian-kg rss"], figures["guian-kg rss+workers"], figures["guian-kg pss"] = (
        server.memory()
    )
    ours_answers = answers(server.url + "sparql")
    # At scale some examples pass the timeout (503) or the row cap (422); Oxigraph, which has
    # neither, is asked only the others.
    answered = {name for name, answer in ours_answers.items() if not isinstance(answer, str)}
    (
        figures["guian-kg rss queried"],
        figures["guian-kg rss+workers queried"],
        figures["guian-kg pss queried"],
    ) = server.memory()
    server.stop()
    (store,) = [p for p in cache.iterdir() if p.name.startswith("store-")]
    port = free_port()
    command = [
        oxigraph,
        "serve-read-only",
        "--location",
        str(store / "db"),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]
    theirs = Running(command, f"http://127.0.0.1:{port}/", folder / "oxigraph.log", env)
    figures["oxigraph start"] = theirs.ready
    figures["oxigraph rss"] = theirs.memory()[0]
    their_answers = answers(theirs.url + "query", answered)
    figures["oxigraph rss queried"] = theirs.memory()[0]
    theirs.stop()
    figures["answered"] = len(answered)
    figures["differ"] = [n for n in answered if ours_answers[n] != their_answers[n]]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", default="1,10,100,415")
    parser.add_argument("--smoke", action="store_true", help="copies 1,2: what the tests run")
    args = parser.parse_args()
    copies = [1, 2] if args.smoke else [int(c) for c in args.copies.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        real = folder / "real"
        build(real)
        print(
            f"{'copies':>6} {'triples':>9} | {'first s':>7} {'start s':>7} {'oxigraph s':>10} "
            f"{'ratio':>5} | {'RSS MiB':>7} {'+workers':>8} {'PSS all':>7} {'oxigraph':>8} "
            f"{'ratio':>5} | {'queried':>7} {'+workers':>8} {'PSS all':>7} {'oxigraph':>8} "
            f"{'ratio':>5} | same answers (examples)"
        )
        for n in copies:
            dist = folder / f"dist-{n}"
            triples = large_dist(real, n, dist)
            f = measure(dist, folder / f"run-{n}")
            f["triples"] = triples
            print(
                f"{n:>6} {triples:>9} | {f['first start']:>7.2f} {f['guian-kg start']:>7.2f} "
                f"{f['oxigraph start']:>10.2f} {f['guian-kg start'] / f['oxigraph start']:>5.1f} | "
                + _memory(f, "")
                + _memory(f, " queried")
                + f"{'yes' if not f['differ'] else 'NO: ' + ', '.join(f['differ'])} "
                f"({f['answered']} of {len(examples())} answered within the limits)"
            )
            shutil.rmtree(dist)
            shutil.rmtree(folder / f"run-{n}")
        floor = python_floor()
        theirs = f["oxigraph rss"]
    print(
        "start: process start → first 200 on / (first: with an empty cache, making the store); "
        "RSS of the server process (guian-kg: +workers adds its query workers; PSS all: the "
        "proportional set size of them all), after the first / and after every example ran once; "
        "ratio guian-kg/oxigraph of the server process's RSS (goals: start ≤ 5 s at 1.2M triples, "
        "RSS ≤ 2×)"
    )
    print(
        f"floor: a Python process importing pyoxigraph, Starlette and uvicorn, serving nothing: "
        f"{floor / MIB:.0f} MiB RSS, {floor / theirs:.1f}× Oxigraph's after / at the last size"
    )


def _memory(f: dict, when: str) -> str:
    """One run's memory columns, after / (`when` "") or after the examples (" queried")."""
    ours, theirs = f[f"guian-kg rss{when}"], f[f"oxigraph rss{when}"]
    return (
        f"{ours / MIB:>7.0f} {f[f'guian-kg rss+workers{when}'] / MIB:>8.0f} "
        f"{f[f'guian-kg pss{when}'] / MIB:>7.0f} {theirs / MIB:>8.0f} {ours / theirs:>5.1f} | "
    )


if __name__ == "__main__":
    main()
