"""The CPU and memory of the cold build's JSON-LD documents (guian-kg.jsonld, designations.jsonld),
as the build writes them: `jsonld_pieces.write_jsonld` of a loaded corpus (build.load), both in
one process forked for them (the build's "jsonld" group), with no pieces kept from a previous
build (a cold cache). Next to it, alternating in one run: another checkout of guian-kg
(--baseline, e.g. a git worktree of main), forked from the same loaded process (its modules
imported in the child); one without `write_jsonld` writes each document in a process of its own
(`write_compacted`, `write_designations`: two dump groups). "same bytes" says whether each
document is byte for byte equal to the baseline's.

Usage: python benchmarks/jsonld_groups.py [--articles 300] [--rounds 2] [--baseline PATH]
       python benchmarks/jsonld_groups.py --profile   (cProfile of this checkout's writers)
       python benchmarks/jsonld_groups.py --smoke     (2 articles, 1 round, this checkout as baseline)

CPU seconds (time.process_time) of the writers in the children, summed; peak RSS of the largest
child (getrusage's ru_maxrss), and its growth over its RSS when forked (the loaded store, shared
with the parent). The machine may be shared: compare the two checkouts within one run.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOCUMENTS = {"compacted": "guian-kg.jsonld", "designations": "designations.jsonld"}


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


def _rss() -> int:
    """This process's resident set, in bytes."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _write(kg, root: Path, writer: str, out: Path, profile: bool = False) -> dict:
    """In a forked child: the writer of the guian-kg at `root` ("jsonld": both documents, else
    one of DOCUMENTS), on a cold cache of pieces; {"missing": True} where it has none such."""
    forked = _rss()
    if root != ROOT:  # this process's modules replaced by the baseline's, in the child alone
        for name in [m for m in sys.modules if m == "guian_kg" or m.startswith("guian_kg.")]:
            del sys.modules[name]
        sys.path.insert(0, str(root))
    from guian_kg import jsonld_pieces

    function = getattr(jsonld_pieces, f"write_{writer}", None)
    if function is None:
        return {"missing": True}
    cache = out / "jsonld"
    shutil.rmtree(cache, ignore_errors=True)
    parts = jsonld_pieces.Parts(cache, *kg.runs, kg.shortcuts)
    names = list(DOCUMENTS) if writer == "jsonld" else [writer]
    paths = [out / DOCUMENTS[name] for name in names]
    for path in paths:
        path.unlink(missing_ok=True)
    profiler = cProfile.Profile() if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    function(kg.store, *paths, parts)
    if profiler:
        profiler.disable()
    cpu = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    answer = {"cpu": cpu, "peak": peak, "growth": peak - forked, "sha256": {}}
    for name, path in zip(names, paths, strict=True):
        answer["sha256"][name] = hashlib.sha256(path.read_bytes()).hexdigest()
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
        print(f"{args.articles} articles, {len(kg.store):,} quads; the JSON-LD writers, cold cache")
        out = Path(folder) / "out"
        out.mkdir()
        if args.profile:
            answer = _forked(lambda: _write(kg, ROOT, "jsonld", out, profile=True))
            print(f"write_jsonld: {answer['cpu']:.2f} CPU s (profiled)\n{answer['profile']}")
            return
        checkouts = {"this": ROOT, "baseline": args.baseline.resolve()}
        figures: dict[str, dict[str, list]] = {c: {} for c in checkouts}
        digests = {(d, c): set() for d in DOCUMENTS for c in checkouts}
        processes = {}
        for _ in range(args.rounds):
            for name, root in checkouts.items():
                answers = [_forked(lambda r=root: _write(kg, r, "jsonld", out))]
                if answers[0].get("missing"):  # the documents written one process each
                    answers = [
                        _forked(lambda w=w, r=root: _write(kg, r, w, out)) for w in DOCUMENTS
                    ]
                processes[name] = len(answers)
                for key, value in (
                    ("cpu", sum(a["cpu"] for a in answers)),
                    ("peak", max(a["peak"] for a in answers)),
                    ("growth", max(a["growth"] for a in answers)),
                ):
                    figures[name].setdefault(key, []).append(value)
                for answer in answers:
                    for document, digest in answer["sha256"].items():
                        digests[(document, name)].add(digest)
        this, base = ({k: statistics.median(v) for k, v in figures[c].items()} for c in checkouts)
        print(f"processes: this {processes['this']}, baseline {processes['baseline']}")
        print(f"{'':<22} {'this':>8} {'baseline':>9} {'saved':>8} {'ratio':>6}")
        for key, label, scale in (
            ("cpu", "CPU s, summed", 1),
            ("peak", "peak RSS MiB, largest", 2**20),
            ("growth", "  above the fork MiB", 2**20),
        ):
            a, b = this[key] / scale, base[key] / scale
            print(f"{label:<22} {a:>8.2f} {b:>9.2f} {b - a:>8.2f} {a / b:>6.2f}")
        for document, file in DOCUMENTS.items():
            mine, theirs = digests[(document, "this")], digests[(document, "baseline")]
            same = mine == theirs and len(mine) == 1
            print(f"{file}: same bytes {'yes' if same else 'NO'}")
        print(f"(medians of {args.rounds} rounds, this and the baseline alternating)")


if __name__ == "__main__":
    main()
