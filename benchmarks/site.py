"""How fast, and in how much memory, `guian-kg site` writes a static site of a synthetic corpus
(benchmarks/corpus.py), next to the way it was written before and to plain file writes of the
same bytes, all measured in the same run.

Usage: python benchmarks/site.py [ARTICLES] [--workers N] [--seed S] [--no-dict]   (default 100)
       python benchmarks/site.py --smoke                                            (2 articles)

The corpus is read and enriched by the build, and its store made (not counted). Then, each in a
process forked for it (so that its peak RSS is its own; its workers are forked from it):
- before: every file rendered into one dict (`site_files`: the workers pickle their files back),
  then published into an empty folder (`publish_tree` of the dict); and the baseline, the same
  bytes written into another empty folder with `Path.write_bytes` and no flush. Left out with
  --no-dict (a thousand articles make several GiB of files);
- streamed: `publish_site` into an empty folder, each worker writing its batches of files straight
  into the staging folder;
- again: `publish_site` with nothing changed (every file linked from the old tree, none written).
A resource document is one of the six files of a thing: its page in zh and en, Turtle, N-Triples,
JSON-LD, RDF/XML. The goal (issue 12) is 2,000 resource documents per second on 2 cores, the whole
site rendered and published; on a shared machine the CPU seconds (the process and its workers)
say what 2 free cores would do. Peak RSS: of the process (it starts with the store and the graph,
shown as "at the start") and of its largest worker.
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOAL = 2_000  # resource documents per second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="?", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None, help="default: the cores")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-dict", action="store_true", help="skip the dict of every file")
    parser.add_argument("--smoke", action="store_true", help="2 articles")
    args = parser.parse_args()
    articles = 2 if args.smoke else args.articles
    sys.path.insert(0, str(HERE))
    from corpus import generate

    from guian_kg.build import load
    from guian_kg.corpus import Corpus
    from guian_kg.parallel import available_cores
    from guian_kg.publish_tree import publish_tree
    from guian_kg.server.site import load_site
    from guian_kg.static_site import TYPE_MAP, publish_site, site_files, thing_count

    workers = args.workers or available_cores()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        generate(folder / "corpus", articles, seed=args.seed)
        site = load_site(load(corpus=Corpus(folder / "corpus"), cache_dir=None))
        print(f"articles: {articles}, triples: {site.total:,}, workers: {workers}", flush=True)

        def documents(names) -> int:
            return sum(1 for n in names if n.startswith("doc/") and not n.endswith(TYPE_MAP))

        if not args.no_dict:

            def before() -> tuple:
                files = site_files(site, workers=workers)
                rendered = time.perf_counter()
                written = publish_tree(files, folder / "before").written
                published = time.perf_counter()
                for name, data in files.items():
                    path = folder / "plain" / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                plain = time.perf_counter() - published
                size = sum(map(len, files.values())) / 2**20
                return list(files), written, published - rendered, plain, size

            (names, written, published, plain, size), run = measured(before)
            print(
                f"things: {thing_count(names):,}, resource documents: {documents(names):,}, "
                f"files: {len(names):,} ({size:.1f} MiB)"
            )
            report("before: site_files, then publish_tree", documents(names), written, run)
            print(
                f"  of which publish_tree of the dict: {published:.2f} s; baseline, plain writes, "
                f"same bytes: {plain:.2f} s (publish_tree / plain: {published / plain:.1f}x)",
                flush=True,
            )
        streamed, run = measured(lambda: publish_site(site, folder / "site", workers=workers))
        if args.no_dict:
            print(
                f"things: {thing_count(streamed.names):,}, resource documents: "
                f"{documents(streamed.names):,}, files: {len(streamed.names):,}"
            )
        count = documents(streamed.names)
        report("streamed: publish_site", count, streamed.written, run)
        again, rerun = measured(lambda: publish_site(site, folder / "site", workers=workers))
        report("again, nothing changed: publish_site", count, again.written, rerun)
    wall, cpu = run[0], run[1]
    print(
        f"resource documents per second, the whole site rendered and published (streamed): "
        f"{count / wall:,.0f} (goal {GOAL:,} on 2 cores); per CPU second {count / cpu:,.0f}"
    )


def report(what: str, documents: int, written: int, run: tuple) -> None:
    wall, cpu, start, peak, worker = run
    print(
        f"{what}: {wall:.2f} s wall, {cpu:.2f} s CPU, {written:,} files written: "
        f"{documents / wall:,.0f} documents/s, {documents / cpu:,.0f} per CPU second; peak RSS "
        f"{peak:,.0f} MiB ({start:,.0f} at the start), of a worker {worker:,.0f} MiB",
        flush=True,
    )


def measured(function: Callable[[], object]) -> tuple[object, tuple]:
    """function() in a forked process: (what it returned, (wall s, CPU s of it and its workers,
    RSS at the start MiB, peak RSS MiB, the largest worker's peak RSS MiB))."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, send the answer (or the traceback) back, leave at once
        os.close(read)
        try:
            start_rss = _rss()
            started, cpu = time.perf_counter(), _cpu()
            result = function()
            wall, used = time.perf_counter() - started, _cpu() - cpu
            own, children = (
                resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            )
            answer = (
                result,
                (wall, used, start_rss, own.ru_maxrss / 1024, children.ru_maxrss / 1024),
            )
        except BaseException:
            answer = RuntimeError(traceback.format_exc())
        with os.fdopen(write, "wb") as out:
            pickle.dump(answer, out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answers:
        answer = pickle.load(answers)
    os.waitpid(pid, 0)
    if isinstance(answer, RuntimeError):
        raise answer
    return answer


def _rss() -> float:
    """This process's resident memory now, in MiB."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(status["VmRSS"].split()[0]) / 1024


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the forked workers)."""
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
