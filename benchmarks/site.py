"""How fast `guian-kg site` writes a static site, on a synthetic corpus (benchmarks/corpus.py), next
to plain file writes of the same bytes measured in the same run.

Usage: python benchmarks/site.py [ARTICLES] [--workers N] [--seed S]   (default 100 articles)
       python benchmarks/site.py --smoke                                (2 articles)

The corpus is read and enriched by the build (not counted). Then, in wall seconds: rendering every
file of the site (`site_files`: each thing's documents in `--workers` forked processes, then the
home page, ontology, VoID, graphs and the examples run on the store); publishing them into an
empty folder (`publish_tree`: staging, manifest, flush, rename); the baseline, the same bytes
written into another empty folder with `Path.write_bytes` and no flush; and publishing again with
nothing changed (every file linked from the old tree, none written). A resource document is one
of the six files of a thing: its page in zh and en, Turtle, N-Triples, JSON-LD, RDF/XML. The goal
(issue 12) is 2,000 resource documents per second on 2 cores, rendering and publishing counted;
on a shared machine the CPU seconds of rendering (this process and its workers) say what 2 free
cores would do.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOAL = 2_000  # resource documents per second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="?", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None, help="default: the cores")
    parser.add_argument("--seed", type=int, default=0)
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
    from guian_kg.static_site import TYPE_MAP, SiteWriter, site_files, thing_count, thing_files

    workers = args.workers or available_cores()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        generate(folder / "corpus", articles, seed=args.seed)
        kg = load(corpus=Corpus(folder / "corpus"), cache_dir=None)
        site = load_site(kg)
        started, cpu = time.perf_counter(), _cpu()
        things = thing_files(SiteWriter(site), workers)
        thing_wall, thing_cpu = time.perf_counter() - started, _cpu() - cpu
        documents = sum(1 for n in things if not n.endswith(TYPE_MAP))
        print(f"articles: {articles}, triples: {site.total:,}, workers: {workers}")
        print(
            f"things: {thing_count(things):,}, resource documents: {documents:,} "
            f"({sum(map(len, things.values())) / 2**20:.1f} MiB)"
        )
        print(
            f"resource documents (thing_files):     {thing_wall:7.2f} s wall, {thing_cpu:.2f} s "
            f"CPU: {documents / thing_wall:,.0f} documents/s, {documents / thing_cpu:,.0f} per "
            "CPU second (this process and its workers)",
            flush=True,
        )
        started, cpu = time.perf_counter(), _cpu()
        files = site_files(site, workers=workers)
        rendered, rendered_cpu = time.perf_counter() - started, _cpu() - cpu
        print(
            f"the whole site (site_files):          {rendered:7.2f} s wall, {rendered_cpu:.2f} s "
            f"CPU, {len(files):,} files ({sum(map(len, files.values())) / 2**20:.1f} MiB): the "
            "documents again, the home page, ontology, VoID, graphs, examples run, dumps",
            flush=True,
        )
        started = time.perf_counter()
        first = publish_tree(files, folder / "site")
        published = time.perf_counter() - started
        print(
            f"publish_tree into an empty folder:    {published:7.2f} s wall, "
            f"{first.written:,} files written",
            flush=True,
        )
        started = time.perf_counter()
        for name, data in files.items():
            path = folder / "plain" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        plain = time.perf_counter() - started
        print(
            f"baseline, plain writes, same bytes:   {plain:7.2f} s wall "
            f"(publish_tree / plain: {published / plain:.1f}x)",
            flush=True,
        )
        started = time.perf_counter()
        again = publish_tree(files, folder / "site")
        republished = time.perf_counter() - started
        print(
            f"publish_tree again, nothing changed:  {republished:7.2f} s wall, "
            f"{again.written} files written"
        )
    total = thing_wall + published * documents / len(files)
    print(
        f"resource documents per second, rendered and published: {documents / total:,.0f} "
        f"(goal {GOAL:,} on 2 cores); per CPU second of rendering {documents / thing_cpu:,.0f}"
    )


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the forked workers)."""
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
