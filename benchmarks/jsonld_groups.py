"""The CPU of the cold build's two JSON-LD dump groups (build.DUMP_GROUPS "designations" and
"jsonld"), as the build runs them: `jsonld_pieces.write_designations` and `write_compacted` of a
loaded corpus (build.load), each in a process forked for it, with no pieces kept from a previous
build (a cold cache). Next to them, alternating in one run: the same writers of another checkout
of guian-kg (--baseline, e.g. a git worktree of main), forked from the same loaded process (its
modules imported in the child). "same" says whether the two documents are byte for byte equal.

Usage: python benchmarks/jsonld_groups.py [--articles 300] [--rounds 2] [--baseline PATH]
       python benchmarks/jsonld_groups.py --profile   (cProfile of this checkout's writers)
       python benchmarks/jsonld_groups.py --smoke     (2 articles, 1 round, this checkout as baseline)

CPU seconds (time.process_time) of the writer in the child; the machine may be shared: compare
the two checkouts within one run.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WRITERS = {"designations": "designations.jsonld", "compacted": "guian-kg.jsonld"}


def _forked(function) -> dict:
    """`function()` (a dict) run in a child forked from this process."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, send the answer, leave without cleaning up the parent's state
        os.close(read)
        try:
            answer = json.dumps(function()).encode("utf-8")
        except BaseException as error:  # the parent reports it
            answer = json.dumps({"error": repr(error)}).encode("utf-8")
        with os.fdopen(write, "wb") as out:
            out.write(answer)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as handle:
        answer = json.loads(handle.read() or b"{}")
    os.waitpid(pid, 0)
    if "error" in answer:
        raise RuntimeError(answer["error"])
    return answer


def _write(kg, root: Path, writer: str, out: Path, profile: bool = False) -> dict:
    """In a forked child: the writer of the guian-kg at `root`, on a cold cache of pieces."""
    if root != ROOT:  # this process's modules replaced by the baseline's, in the child alone
        for name in [m for m in sys.modules if m == "guian_kg" or m.startswith("guian_kg.")]:
            del sys.modules[name]
        sys.path.insert(0, str(root))
    from guian_kg import jsonld_pieces

    cache = out / "jsonld"
    shutil.rmtree(cache, ignore_errors=True)
    parts = jsonld_pieces.Parts(cache, *kg.runs, kg.shortcuts)
    path = out / WRITERS[writer]
    path.unlink(missing_ok=True)
    function = getattr(jsonld_pieces, f"write_{writer}")
    profiler = cProfile.Profile() if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    function(kg.store, path, parts)
    if profiler:
        profiler.disable()
    cpu = time.process_time() - started
    answer = {"cpu": cpu, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(30)
        answer["profile"] = text.getvalue()
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", type=Path, default=ROOT, help="another checkout")
    parser.add_argument("--profile", action="store_true", help="cProfile this checkout's writers")
    parser.add_argument("--smoke", action="store_true", help="2 articles, 1 round")
    args = parser.parse_args()
    if args.smoke:
        args.articles, args.rounds = 2, 1
    sys.path.insert(0, str(HERE))
    from corpus import generate

    with tempfile.TemporaryDirectory(prefix="jsonld-groups-") as folder:
        os.environ["GUIAN_KG_CACHE_DIR"] = str(Path(folder) / "cache")
        from guian_kg.build import load
        from guian_kg.corpus import Corpus

        generate(Path(folder) / "corpus", args.articles, seed=0)
        kg = load(corpus=Corpus(Path(folder) / "corpus"), dump_runs=True)
        print(
            f"{args.articles} articles, {len(kg.store):,} quads; CPU s of each writer, cold cache"
        )
        out = Path(folder) / "out"
        out.mkdir()
        if args.profile:
            for writer in WRITERS:
                answer = _forked(lambda w=writer: _write(kg, ROOT, w, out, profile=True))
                print(f"{writer}: {answer['cpu']:.2f} CPU s (profiled)\n{answer['profile']}")
            return
        checkouts = {"this": ROOT, "baseline": args.baseline.resolve()}
        figures = {(w, c): [] for w in WRITERS for c in checkouts}
        digests = {(w, c): set() for w in WRITERS for c in checkouts}
        for _ in range(args.rounds):
            for writer in WRITERS:
                for name, root in checkouts.items():
                    answer = _forked(lambda w=writer, r=root: _write(kg, r, w, out))
                    figures[(writer, name)].append(answer["cpu"])
                    digests[(writer, name)].add(answer["sha256"])
        print(f"{'writer':<14} {'this':>7} {'baseline':>9} {'saved':>7} {'ratio':>6} same bytes")
        total = {name: 0.0 for name in checkouts}
        for writer in WRITERS:
            this, base = (statistics.median(figures[(writer, c)]) for c in checkouts)
            total["this"] += this
            total["baseline"] += base
            same = digests[(writer, "this")] == digests[(writer, "baseline")]
            same = same and len(digests[(writer, "this")]) == 1
            print(
                f"{writer:<14} {this:>7.2f} {base:>9.2f} {base - this:>7.2f}"
                f" {this / base:>6.2f} {'yes' if same else 'NO'}"
            )
        this, base = total["this"], total["baseline"]
        print(f"{'both':<14} {this:>7.2f} {base:>9.2f} {base - this:>7.2f} {this / base:>6.2f}")
        print(f"(medians of {args.rounds} rounds, this and the baseline alternating)")


if __name__ == "__main__":
    main()
