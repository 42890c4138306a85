"""What hostile input costs: the server's Accept parsing (on its event loop) and the query check (in
a worker, under the timeout), at growing sizes, next to Oxigraph parsing the same query text.

Usage: python benchmarks/hostile_input.py [--smoke]

For each shape it prints the seconds at each size and the growth exponent (the slope of log time
against log size: 1.0 is linear). The Accept header must stay linear: it is read on the event loop.
The query check (rdflib's grammar) is not linear on every shape; it runs only for queries whose
text mentions SERVICE or FROM, in a worker, and the endpoint's timeout bounds it.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable

import pyoxigraph as ox

from guian_kg.query_check import UncheckableQuery, reach
from guian_kg.server.negotiation import parse_accept

ACCEPT_SHAPES: dict[str, Callable[[int], str]] = {
    "escaped quotes, unterminated": lambda n: '"' + '\\"' * (n // 2),
    "many items": lambda n: ", ".join(["text/html;q=0.5"] * (n // 17)),
    "quoted parameters": lambda n: 'a/b;x="' + "a,b;" * (n // 4) + '"',
}
QUERY_SHAPES: dict[str, Callable[[int], str]] = {
    "triple patterns": lambda n: (
        "SELECT * FROM <http://g/> { "
        + " ".join(f"?s <http://e/p> ?o{i} ." for i in range(n // 26))
        + " }"
    ),
    "VALUES list": lambda n: (
        "SELECT * FROM <http://g/> { VALUES ?x { "
        + " ".join(f"<http://e/{i}>" for i in range(n // 16))
        + " } }"
    ),
    "OR filter": lambda n: (
        "SELECT * FROM <http://g/> { ?s ?p ?o FILTER("
        + " || ".join(f'?o = "v{i}"' for i in range(n // 15))
        + ") }"
    ),
    "nested groups": lambda n: (
        "SELECT * FROM <http://g/> { " + "{" * (n // 2) + "}" * (n // 2) + " }"
    ),
}


GIVE_UP = 10.0  # seconds: larger sizes of a shape that took longer are not run


def timings(function: Callable[[int], object], sizes: list[int]) -> list[float]:
    """Seconds at each size; NaN past the first size that took longer than GIVE_UP."""
    out: list[float] = []
    for size in sizes:
        out.append(math.nan if out and out[-1] > GIVE_UP else seconds(lambda s=size: function(s)))
    return out


def seconds(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    with contextlib.suppress(UncheckableQuery, SyntaxError):
        function()
    return time.perf_counter() - started


def exponent(sizes: list[int], times: list[float]) -> float:
    pairs = [(s, t) for s, t in zip(sizes, times, strict=True) if not math.isnan(t)]
    xs = [math.log(s) for s, _ in pairs]
    ys = [math.log(max(t, 1e-7)) for _, t in pairs]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def report(title: str, sizes: list[int], runs: dict[str, list[float]]) -> None:
    print(f"\n{title}")
    print(f"{'shape':<32}" + "".join(f"{s:>10}" for s in sizes) + f"{'exponent':>10}")
    for name, times in runs.items():
        cells = "".join(f"{'-':>10}" if math.isnan(t) else f"{t * 1000:>8.1f}ms" for t in times)
        print(f"{name:<32}{cells}{exponent(sizes, times):>10.2f}")


def main(smoke: bool) -> None:
    sizes = [1000, 2000, 4000] if smoke else [2000, 4000, 8000, 16000, 32000]
    sys.setrecursionlimit(20_000)  # as in the query workers
    accept = {
        name: timings(lambda s, m=make: parse_accept(m(s)), sizes)
        for name, make in ACCEPT_SHAPES.items()
    }
    report("Accept header (event loop)", sizes, accept)
    runs = {}
    for name, make in QUERY_SHAPES.items():
        runs[f"check: {name}"] = timings(lambda s, m=make: reach(m(s)), sizes)
        runs[f"oxigraph: {name}"] = timings(lambda s, m=make: ox.Store().query(m(s)), sizes)
    report("Query check (worker, under the timeout) vs Oxigraph's own parse and plan", sizes, runs)


if __name__ == "__main__":
    main("--smoke" in sys.argv[1:])
