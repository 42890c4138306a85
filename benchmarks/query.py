"""Cold-process wall time of `guian-kg query NAME` for every example, next to a bare pyoxigraph
script running the same query on the same data (the dist/ N-Quads dump), and their ratio.

Usage: python benchmarks/query.py [RUNS]   (median of RUNS runs per example, default 5; --smoke: one
run of the first SMOKE_EXAMPLES examples)

Each run is a new process, as a user's command is. `guian-kg query` answers from its N-Quads cache
(filled once before timing; the first query after a data change also builds the graph, timed
separately as "cache miss"). Both sides run with bytecode caching on, as after `pip install`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from guian_kg.build import dump_files, load
from guian_kg.query import examples

BARE = """\
import sys
import pyoxigraph as ox
store = ox.Store()
store.load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)
with open(sys.argv[2], encoding="utf-8") as handle:
    result = store.query(handle.read(), use_default_graph_as_union=True)
if isinstance(result, ox.QueryTriples):
    sys.stdout.buffer.write(ox.serialize(result, format=ox.RdfFormat.TURTLE))
else:
    sys.stdout.buffer.write(result.serialize(format=ox.QueryResultsFormat.CSV))
"""


def wall(command: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=True)
    return time.perf_counter() - started, done.stdout


def answer(output: bytes, graph: bool) -> bytes | set[str]:
    """CSV results as they are; a Turtle graph as its set of triples (ours is sorted, prefixed)."""
    return {str(t) for t in ox.parse(output, format=ox.RdfFormat.TURTLE)} if graph else output


SMOKE_EXAMPLES = 2


def main(runs: int, smoke: bool = False) -> None:
    guian_kg = shutil.which("guian-kg") or str(Path(sys.executable).with_name("guian-kg"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dump = folder / "guian-kg.nq"  # the bytes `guian-kg build` writes to dist/guian-kg.nq
        dump.write_bytes(dump_files(load())["guian-kg.nq"])
        bare = folder / "bare.py"
        bare.write_text(BARE, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["GUIAN_KG_CACHE_DIR"] = str(folder / "cache")

        miss, _ = wall([guian_kg, "query", "timeline"], env)
        floor = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import click'": [sys.executable, "-c", "import click"],
            "python -c 'import rdflib'": [sys.executable, "-c", "import rdflib"],
        }
        floors = {
            name: statistics.median(wall(cmd, env)[0] for _ in range(runs))
            for name, cmd in floor.items()
        }

        print(f"runs per example: {runs} (median), data: {dump.stat().st_size} bytes of N-Quads")
        print(f"{'example':<34} {'guian-kg ms':>11} {'bare ms':>8} {'ratio':>6}  same")
        ratios = []
        for example in examples()[:SMOKE_EXAMPLES] if smoke else examples():
            ours, theirs, same = [], [], True
            for _ in range(runs):
                seconds, out = wall([guian_kg, "query", example.name], env)
                ours.append(seconds)
                seconds, reference = wall(
                    [sys.executable, str(bare), str(dump), str(example.path)], env
                )
                theirs.append(seconds)
                graph = example.path.with_suffix(".ttl").is_file()
                same = same and answer(out, graph) == answer(reference, graph)
            ratio = statistics.median(ours) / statistics.median(theirs)
            ratios.append(ratio)
            print(
                f"{example.name:<34} {statistics.median(ours) * 1000:>11.1f} "
                f"{statistics.median(theirs) * 1000:>8.1f} {ratio:>6.2f}  {'yes' if same else 'NO'}"
            )
    print(f"ratio: median {statistics.median(ratios):.2f}, max {max(ratios):.2f}, goal <= 2.00")
    print(f"cache miss (first query after a data change): {miss * 1000:.0f} ms")
    for name, seconds in floors.items():
        print(f"{name:<28} {seconds * 1000:>7.1f} ms")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--smoke"]
    smoke = "--smoke" in sys.argv[1:]
    main(1 if smoke else int(args[0]) if args else 5, smoke)
