"""The build's on-disk store made from its graph in batches of two sizes: CPU against memory.

Usage: python benchmarks/store_batches.py [ARTICLES] [--baseline 100000] [--smoke]

The graph of a generated corpus of ARTICLES articles (benchmarks/corpus.py; 300 by default) is
loaded as `guian-kg build` loads it, then the store is made from it as the build makes it
(guian_kg.store._made: bulk-loaded, counted, compacted), once in batches of --baseline quads and
once in batches of guian_kg.store._BULK_QUADS, each in a process of its own (its memory its own).
Printed for each: the CPU seconds of the whole process while the store is made (RocksDB's merging
of the batches' files, in threads of its own, shown apart), the growth of its peak RSS over what it
held before, the table files left, the cold query of benchmarks/scale.py on
the store (bare pyoxigraph, median of 3), and whether both stores hold the same quads (their
N-Quads dumps the same bytes) and the same counts. --smoke: 2 articles.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _status_mb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith(field))


def _rocksdb_cpu() -> float:
    """CPU seconds of this process's RocksDB threads (named rocksdb:*): merging files."""
    total = 0
    for task in os.listdir("/proc/self/task"):
        try:
            name = Path(f"/proc/self/task/{task}/comm").read_text().strip()
            fields = Path(f"/proc/self/task/{task}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if name.startswith("rocksdb"):
            total += int(fields[11]) + int(fields[12])  # utime, stime (ticks)
    return total / os.sysconf("SC_CLK_TCK")


def one(corpus: Path, batch: int, folder: Path) -> dict[str, object]:
    """Make the store of the corpus's graph in `folder` in batches of `batch` quads."""
    import pyoxigraph as ox

    from guian_kg import store as stores
    from guian_kg.build import load, store_parts
    from guian_kg.corpus import Corpus

    parts = store_parts(load(corpus=Corpus(corpus), dump_runs=True))
    stores._BULK_QUADS = batch
    before = _status_mb("VmRSS")
    # The kernel's peak (a thread sampling RSS would miss it: bulk_extend holds the GIL).
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from the RSS now
    folder.mkdir(parents=True)
    usage, merging = resource.getrusage(resource.RUSAGE_SELF), _rocksdb_cpu()
    union_view, sizes, *_ = stores._made(folder, folder / "db", parts, None)
    after, merged = resource.getrusage(resource.RUSAGE_SELF), _rocksdb_cpu() - merging
    peak = _status_mb("VmHWM")
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    dump = ox.Store.read_only(str(folder / "db")).dump(format=ox.RdfFormat.N_QUADS)
    return {
        "cpu": cpu,
        "merging": merged,
        "rss": peak - before,
        "files": len(list((folder / "db").glob("*.sst"))),
        "quads": hashlib.sha256(dump).hexdigest(),
        "counts": [union_view, sizes],
    }


def _query_seconds(db: Path, work: Path) -> tuple[float, bytes]:
    """The median wall seconds of the cold query of benchmarks/scale.py on `db`, and its answer."""
    from scale import BARE_QUERY, QUERY

    script, query = work / "bare_query.py", work / "query.rq"
    script.write_text(BARE_QUERY, encoding="utf-8")
    query.write_text(QUERY, encoding="utf-8")
    times, answer = [], b""
    for _ in range(3):
        started = time.perf_counter()
        command = [sys.executable, str(script), str(db), str(query)]
        answer = subprocess.run(command, check=True, capture_output=True).stdout
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


def main(articles: int, baseline: int) -> None:
    sys.path.insert(0, str(HERE))
    import corpus as generator

    from guian_kg import store as stores

    with tempfile.TemporaryDirectory(prefix="guian-kg-store-batches-") as tmp:
        work = Path(tmp)
        generator.generate(work / "corpus", articles)
        env = {**os.environ, "GUIAN_KG_CACHE_DIR": str(work / "cache")}
        rows, answers = [], set()
        print(f"{articles} articles; CPU s of the process while the store is made")
        for name, batch in (("baseline", baseline), ("build", stores._BULK_QUADS)):
            folder = work / name
            command = [
                sys.executable,
                __file__,
                "--one",
                str(work / "corpus"),
                str(batch),
                str(folder),
            ]
            found = json.loads(
                subprocess.run(command, check=True, capture_output=True, env=env).stdout
            )
            seconds, answer = _query_seconds(folder / "db", work)
            answers.add(answer)
            rows.append(found)
            print(
                f"{name} (batches of {batch:,}): CPU {found['cpu']:.2f} s (merging "
                f"{found['merging']:.2f}), RSS +{found['rss']} MB, {found['files']} table files, "
                f"cold query {seconds:.3f} s"
            )
        print(f"build/baseline CPU: {rows[1]['cpu'] / rows[0]['cpu']:.2f}")
        same = len({row["quads"] for row in rows}) == 1 and rows[0]["counts"] == rows[1]["counts"]
        print(f"same quads and counts: {'yes' if same else 'NO'}")
        print(f"same query answers: {'yes' if len(answers) == 1 else 'NO'}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))))
        sys.exit()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", type=int, nargs="?", default=300)
    parser.add_argument("--baseline", type=int, default=100_000, help="quads a batch (baseline)")
    parser.add_argument("--smoke", action="store_true", help="2 articles")
    args = parser.parse_args()
    main(2 if args.smoke else args.articles, args.baseline)
