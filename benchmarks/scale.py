"""How the build grows with the corpus: synthetic corpora of growing size (benchmarks/corpus.py),
each measured in its own process per pipeline, next to bare pyoxigraph doing the same work.

Usage: python benchmarks/scale.py [--sizes 1,10,100,400] [--cap 60] [--seed 0]
       python benchmarks/scale.py --smoke          (sizes 1 and 2)

Pipelines (one function each, in PIPELINES):
- current: guian-kg's build on the corpus as `guian-kg build --data CORPUS` runs it (guian_kg.build:
  each article read, anchored and enriched on its own in worker processes, the graph held in an
  Oxigraph store, validated, every dump of dist/ written, each article's statements sorted for the
  dumps once (counted in "dump"), dist/ published (as `guian-kg build` publishes it, replacing
  the last build's: counted in "dump" and printed apart), the on-disk store made (from the graph, while the dumps are
  written: "store" is the wait for it after them, and the dump's checksum), then a rebuild after
  one statement of one article changed (the caches warm: only that article is read and sorted
  again, the dumps made from the previous build's, the previous on-disk store updated), with its
  baselines in the same run (the same graph validated whole, its dumps made without the previous
  build's), then the cold query, `guian-kg query FILE --data` on the N-Quads dump, then
  `guian-kg build` with nothing changed since (guian_kg/build_record.py: it builds nothing),
  next to the same build without the record of the last (the work it did before).
  "largest dump worker peak" is the largest peak RSS of the build's worker processes; "peak MB
  after each build step" the build process's peak RSS after loading, validating, dumping and
  making the on-disk store (the rebuild comes after them).
- bare: pyoxigraph alone: parse the same Turtle into a Store (ontology and data graphs), dump the
  same four formats, bulk-load an on-disk store, and a cold python script that opens it read-only
  and runs the same query.

Bare pyoxigraph writes N-Triples, N-Quads, Turtle and TriG of the ontology and data graphs; the
current build writes every file of dist/ (those four with VoID, and the JSON-LD files). Times are wall seconds; peak RSS is the process's (ru_maxrss) for everything but the
cold query, whose process is measured apart. "triples" counts the input: the corpus's Turtle plus
the ontology. Exponents are least-squares slopes of log time (or log memory above the process's
size after its imports) against log triples: 1.0 is linear. A phase is skipped at a size where,
growing as it has so far (never slower than linearly), it would take longer than --cap seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ONTOLOGY_GRAPH = "https://w3id.org/guian-kg/graph/ontology"
DATA_GRAPH = "https://w3id.org/guian-kg/graph/data"
DUMPS = ("nt", "nq", "ttl", "trig")
QUERY = """\
PREFIX gk: <https://w3id.org/guian-kg/ontology#>
PREFIX qudt: <http://qudt.org/schema/qudt/>
SELECT ?metric (COUNT(?observation) AS ?observations) (SUM(?value) AS ?total)
WHERE { ?observation a gk:Observation ; gk:metric ?metric ; qudt:value ?value }
GROUP BY ?metric ORDER BY ?metric
"""
BARE_QUERY = """\
import sys
import pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as handle:
    result = store.query(handle.read(), use_default_graph_as_union=True)
sys.stdout.buffer.write(result.serialize(format=ox.QueryResultsFormat.CSV))
"""


def _corpus_files(corpus: Path) -> tuple[list[Path], list[Path]]:
    """(shared files, article folders) of a corpus, sorted."""
    return sorted((corpus / "shared").glob("*.ttl")), sorted((corpus / "articles").iterdir())


def _timed(times: dict[str, float], phase: str, function: Callable[[], object]) -> object:
    started = time.perf_counter()
    value = function()
    times[phase] = times.get(phase, 0.0) + time.perf_counter() - started
    return value


# Runs a command and prints its wall seconds and peak RSS (KiB). A wrapper of its own, because a
# child's ru_maxrss on Linux starts from its parent's size at fork: measured from the big pipeline
# process, a small query process would look as big as the pipeline.
COLD = """\
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, check=True)
seconds = time.perf_counter() - started
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "rss_kib": rss, "stdout": done.stdout.decode()}))
"""


def _cold(command: list[str], times: dict[str, float], info: dict[str, object]) -> None:
    """Run a command as a user would (a new process): its wall time, peak RSS and answer."""
    done = subprocess.run([sys.executable, "-c", COLD, *command], capture_output=True, check=True)
    figures = json.loads(done.stdout)
    times["query"] = figures["seconds"]
    info["query peak MB"] = round(figures["rss_kib"] / 1024)
    info["answer"] = figures["stdout"]


# ---------------------------------------------------------------- pipelines (run in a child process)


def current(corpus: Path, work: Path, phases: set[str]) -> dict[str, object]:
    """guian-kg's build as `guian-kg build --data CORPUS` runs it, phase by phase, then a rebuild
    after one article changed (its cache warm), then a cold `guian-kg query` on the N-Quads dump."""
    from guian_kg import DEFAULT_BASE, build_record
    from guian_kg.build import (
        check,
        in_memory,
        load,
        releasing_previous,
        shapes_graph,
        store_parts,
        validated,
        write_dump_files,
    )
    from guian_kg.cache_files import prove_kept, scratch_folder
    from guian_kg.corpus import Corpus
    from guian_kg.dump_patch import patched
    from guian_kg.parallel import available_cores
    from guian_kg.publish import publish, remember
    from guian_kg.store import checked_key, note_dump, proven_store, store_beside
    from guian_kg.units import read_inputs
    from guian_kg.validate import validate_store
    from guian_kg.void import statistics

    times: dict[str, float] = {}
    info: dict[str, object] = {"cores": available_cores()}
    cache = work / "cache"
    os.environ["GUIAN_KG_CACHE_DIR"] = str(cache)  # the cold query opens the store made here
    nquads = work / "current.nq"
    out = work / "dist"

    def read(timings: dict[str, float]):
        """The inputs keyed (as build.build: a file unchanged since is not read, and the dumps kept
        before the last build's released meanwhile), then loaded;
        what the build record says the build is made of."""
        started = time.perf_counter()
        with releasing_previous(cache):  # the dumps before the last build's
            inputs = read_inputs(None, Corpus(corpus), cache)
        made = build_record.made_of(inputs, DEFAULT_BASE, out)
        timings["inputs"] = time.perf_counter() - started
        kg = load(timings=timings, cache_dir=cache, dump_runs=True, inputs=inputs)
        return kg, made

    if "parse" in phases:  # and with it everything that needs the graph
        timings: dict[str, float] = {}
        kg, made = read(timings)
        times["parse"] = timings["inputs"] + timings["load"] + timings["store"]
        times["parse"] += timings["describe"]
        times["enrich"] = timings["enrich"]  # read, anchor and enrich each article
        times["dump"] = timings["runs"]  # each article's statements sorted for the dumps
        info["triples built"] = len(kg.store)
        peaks = {"load": _peak_mb()}  # the process's peak RSS so far, after each step
        if "validate" in phases:
            report = _timed(times, "validate", lambda: check(kg))
            info["conforms"] = "yes" if report.conforms else f"NO ({len(report.results)} results)"
            peaks["validate"] = _peak_mb()

        def dumps_published(kg, made, times: dict[str, float], name: str, conforming=None) -> Path:
            """As `guian-kg build` does (build.build): the dumps written into a scratch folder,
            published to `out` (replacing the last build's: counted in "dump", and in
            info["NAME publish s"] too), then the on-disk store of the dump,
            which `query` then opens, made from the graph while the dumps are written ("store":
            what is left of it after), keyed and noted with its proof: `query` reads the dump
            unhashed; the build recorded (build_record: the next build checks the folder it
            replaces by it). With `conforming` (a validation beside the dumps, build.validated),
            its report is waited for before publishing (counted in "dump"). Its N-Quads dump."""
            remember(build_record.published_checksums(cache, made))
            with store_beside(cache, store_parts(kg)) as place:
                with scratch_folder(cache, ".dist-") as folder:
                    files = _timed(times, "dump", lambda: write_dump_files(kg, Path(folder)))
                    if conforming is not None:
                        report = conforming()
                        info[f"{name} validated"] = "{:,} of {:,} units".format(*report.units)
                    publishing: dict[str, float] = {}
                    published = _timed(
                        publishing, "publish", lambda: publish(files, out, moved=True)
                    )
                    times["dump"] += publishing["publish"]
                    info[f"{name} publish s"] = round(publishing["publish"], 2)
                for kept in ("dumps", "jsonld"):
                    prove_kept(cache / kept)
                nq = published.folder / "guian-kg.nq"

                def keyed() -> Path:
                    key, proof = checked_key(nq, cache)
                    store = place(key, lambda: nq)
                    note_dump(store, nq, proof)
                    return store

                store = _timed(times, "store", keyed)
            build_record.write(cache, made, published.files, store, len(kg.store))
            info[f"{name} store"] = _made(store)
            return nq

        if "dump" in phases:
            nquads = dumps_published(kg, made, times, "build")
            peaks["dump"] = _peak_mb()
            peaks["store"] = _peak_mb()
            info["largest dump worker peak MB"] = _children_peak_mb()
        info["peak MB after each build step"] = " ".join(f"{k} {v}" for k, v in peaks.items())
        del kg
        if "rebuild" in phases:
            # One article changed (a statement of one file): only it is read, anchored and sorted again.
            changed = sorted((corpus / "articles").iterdir())[-1] / "article.ttl"
            text = changed.read_text(encoding="utf-8")
            changed.write_text(text.replace("for the benchmarks.", "changed.", 1), "utf-8")

            rebuilt = {}

            def rebuild() -> None:
                parts: dict[str, float] = {}
                steps: dict[str, float] = {}
                kg, made = _timed(parts, "load", lambda: read(steps))
                info["rebuild load s"] = round(parts["load"], 2)
                info["rebuild load steps"] = " ".join(f"{k} {v:.2f}" for k, v in steps.items())
                info["rebuild enriched"] = (
                    f"{kg.units.enriched} of {kg.units.enriched + kg.units.from_cache}"
                )
                if "validate" in phases and "dump" not in phases:
                    report = _timed(parts, "validate", lambda: check(kg))
                    info["rebuild validated"] = "{:,} of {:,} units".format(*report.units)
                    info["rebuild validate s"] = round(parts["validate"], 2)
                    rebuilt["kg"] = kg
                if "dump" in phases:
                    # As build.build: a validation around the change runs beside the dumps.
                    checking: dict[str, float] = {}
                    with (
                        validated(kg, checking) if "validate" in phases else nullcontext()
                    ) as conforming:
                        nq = dumps_published(kg, made, parts, "rebuild", conforming)
                    if "validate" in checking:
                        info["rebuild validate s"] = round(checking["validate"], 2)
                        info["rebuild validated beside the dumps"] = (
                            "yes" if "validate wait" in checking else "no: before them"
                        )
                    rebuilt["nq"] = nq  # the dump a user queries next: the latest build's
                    info["rebuild dump s"] = round(parts["dump"], 2)
                    info["rebuild dumps made from the previous ones"] = " ".join(
                        patched(cache / "dumps")
                    )
                    rebuilt["kg"] = kg
                info["rebuild phases"] = " ".join(f"{k} {v:.1f}" for k, v in parts.items())

            _timed(times, "rebuild", rebuild)
            nquads = rebuilt.pop("nq", nquads)
            if "query" in phases:  # before the baselines: their dumps unlink the kept ones
                info["query's dump proven"] = "yes" if proven_store(cache, nquads) else "no"
                _cold_query(nquads, work, times, info)  # (a link's removal moves the ctime)
                phases = phases - {"query"}
            if {"validate", "dump"} <= phases:  # what `guian-kg build` does, all of it
                _built_again(corpus, work / "dist", info)
            if "kg" in rebuilt:  # the baselines: the same graph validated whole, in this run,
                kg = rebuilt.pop("kg")  # and its dumps made without the previous build's,
                # in memory as a cold build holds it (not on the rebuild's checkpoint, on disk)
                kg = dataclasses.replace(kg, store=in_memory(kg))
                full: dict[str, float] = {}
                _timed(full, "describe", lambda: statistics(kg.store))  # not from the previous
                info["rebuild description counted whole s"] = round(full["describe"], 2)
                if "validate" in phases:
                    _timed(full, "validate", lambda: validate_store(kg.store, shapes_graph()))
                    info["rebuild graph validated whole s"] = round(full["validate"], 2)
                if "dump" in phases:
                    shutil.rmtree(cache / "dumps")  # the previous build's dumps, kept
                    (work / "current-merged").mkdir()
                    _timed(full, "dump", lambda: write_dump_files(kg, work / "current-merged"))
                    info["rebuild dumps merged whole s"] = round(full["dump"], 2)
                del kg
    if "query" in phases:
        if not nquads.is_file():  # the dump was skipped: query the bare dump of the same input
            nquads = work / "bare.nq"
        _cold_query(nquads, work, times, info)
    return {"times": times, "info": info}


def _built_again(corpus: Path, out: Path, info: dict[str, object]) -> None:
    """`guian-kg build --data CORPUS --out OUT` (guian_kg.build.build, in a new process: wall
    seconds, as a user sees them) twice after the rebuild, nothing changed since: the first
    without the record of the last build (deleted), so it does the work every such build did
    before guian_kg/build_record.py; the second finds the record the first wrote."""
    from guian_kg.build_record import RECORD

    guian_kg = shutil.which("guian-kg") or str(Path(sys.executable).with_name("guian-kg"))
    command = [guian_kg, "build", "--data", str(corpus), "--out", str(out)]
    (Path(os.environ["GUIAN_KG_CACHE_DIR"]) / RECORD).unlink()
    for figure in ("build again without its record s", "build with nothing changed s"):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        info[figure] = round(time.perf_counter() - started, 2)
    info["build with nothing changed says so"] = "yes" if "nothing changed" in done.stderr else "NO"


def _cold_query(nquads: Path, work: Path, times: dict[str, float], info: dict[str, object]) -> None:
    """`guian-kg query` on the dump, in a new process, as a user runs it after a build."""
    guian_kg = shutil.which("guian-kg") or str(Path(sys.executable).with_name("guian-kg"))
    query = work / "query.rq"
    _cold([guian_kg, "query", str(query), "--data", str(nquads), "--format", "csv"], times, info)


def _made(store: Path) -> str:
    """How the build's on-disk store was made: "updated" from the previous one, or "loaded"."""
    return json.loads((store / "guian-kg-store.json").read_text(encoding="ascii"))["made"]


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _children_peak_mb() -> int:
    """The peak RSS of the largest worker process that has ended (a forked worker's count starts
    from this process's size when it forked)."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def bare(corpus: Path, work: Path, phases: set[str]) -> dict[str, object]:
    """pyoxigraph alone: parse the Turtle, write the dumps and an on-disk store, query it cold."""
    import pyoxigraph as ox

    from guian_kg.namespaces import prefixes
    from guian_kg.resources import ontology_files

    times: dict[str, float] = {}
    shared_files, folders = _corpus_files(corpus)
    store = ox.Store()
    graphs = {ONTOLOGY_GRAPH: ontology_files(), DATA_GRAPH: shared_files}

    def parse() -> None:
        for name, paths in graphs.items():
            for path in paths:
                store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(name))
        data = ox.NamedNode(DATA_GRAPH)
        for folder in folders:
            for path in sorted(folder.rglob("*.ttl")):
                store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=data)

    _timed(times, "parse", parse)
    info: dict[str, object] = {"quads": len(store)}
    names = {f: ox.RdfFormat.from_extension(f) for f in DUMPS}
    bound = prefixes()

    def dump() -> None:
        for fmt, rdf_format in names.items():
            with open(work / f"bare.{fmt}", "wb") as handle:
                if rdf_format.supports_datasets:
                    store.dump(handle, rdf_format, prefixes=bound)
                else:  # a triple format holds the union: one graph after the other
                    for graph in graphs:
                        store.dump(
                            handle, rdf_format, from_graph=ox.NamedNode(graph), prefixes=bound
                        )

    if "dump" in phases or "query" in phases:
        _timed(times, "dump", dump)
    if "store" in phases or "query" in phases:
        location = work / "bare-store"
        _timed(
            times,
            "store",
            lambda: ox.Store(str(location)).bulk_load(
                path=str(work / "bare.nq"), format=ox.RdfFormat.N_QUADS
            ),
        )
    if "query" in phases:
        script = work / "bare_query.py"
        script.write_text(BARE_QUERY, encoding="utf-8")
        command = [sys.executable, str(script), str(work / "bare-store"), str(work / "query.rq")]
        _cold(command, times, info)
    return {"times": times, "info": info}


# Each pipeline: its function and its phases. Add the rebuilt core here (and to BUILD, UNVALIDATED).
PIPELINES: dict[
    str, tuple[Callable[[Path, Path, set[str]], dict[str, object]], tuple[str, ...]]
] = {
    "current": (current, ("parse", "enrich", "validate", "dump", "store", "rebuild", "query")),
    "bare": (bare, ("parse", "dump", "store", "query")),
}
# Phases that need another one (skipped with it). The current query reads a dump of the same
# input (the bare one if its own was skipped), so it is measured at every size.
NEEDS = {
    "current": {p: "parse" for p in ("enrich", "validate", "dump", "rebuild")} | {"store": "dump"},
    "bare": {p: "parse" for p in ("dump", "store", "query")},
}
# The phases summed as the end-to-end build.
BUILD = {
    "current": ("parse", "enrich", "validate", "dump", "store"),
    "bare": ("parse", "dump", "store"),
}
COLUMNS = ("parse", "enrich", "validate", "dump", "store", "rebuild", "query")
# Without validation: what the issue's "within 5x of bare pyoxigraph parsing the same Turtle and
# writing the same dumps" compares (each also writes its on-disk store).
UNVALIDATED = {"current": ("parse", "enrich", "dump", "store"), "bare": ("parse", "dump", "store")}


def child(name: str, corpus: Path, work: Path, phases: set[str]) -> None:
    """Run one pipeline on one corpus; print its figures as one JSON line."""
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = PIPELINES[name][0](corpus, work, phases)
    result["rss_start_kib"] = rss_start
    result["rss_peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(result, ensure_ascii=False))


# ---------------------------------------------------------------- the parent: sizes, caps, table


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of log y against log x (NaN with fewer than two usable points)."""
    logs = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(logs) < 2:
        return math.nan
    mx = sum(x for x, _ in logs) / len(logs)
    my = sum(y for _, y in logs) / len(logs)
    den = sum((x - mx) ** 2 for x, _ in logs)
    return sum((x - mx) * (y - my) for x, y in logs) / den if den else math.nan


def _input_triples(corpus: Path) -> int:
    import pyoxigraph as ox

    from guian_kg.resources import ontology_files

    store = ox.Store()
    for path in [*ontology_files(), *sorted(corpus.rglob("*.ttl"))]:
        store.load(
            path=str(path),
            format=ox.RdfFormat.TURTLE,
            to_graph=ox.NamedNode(path.resolve().as_uri()),
        )
    return len(store)  # quads: the same triple in two files counts twice, as parsing sees it


def measure(sizes: list[int], cap: float, seed: int) -> list[dict[str, object]]:
    sys.path.insert(0, str(HERE))
    import corpus as generator

    rows: list[dict[str, object]] = []
    history: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="guian-kg-scale-") as tmp:
            folder, work = Path(tmp) / "corpus", Path(tmp)
            started = time.perf_counter()
            generator.generate(folder, size, seed)
            generated = time.perf_counter() - started
            triples = _input_triples(folder)
            (work / "query.rq").write_text(QUERY, encoding="utf-8")
            print(
                f"… {size} articles, {triples} triples (generated in {generated:.1f} s)",
                file=sys.stderr,
                flush=True,
            )
            answers = {}
            for name in ("bare", *(n for n in PIPELINES if n != "bare")):  # bare first: its dump
                phases, skipped = set(), {}
                for phase in PIPELINES[name][1]:
                    projected = _projected(history.get((name, phase), []), triples)
                    needs = NEEDS.get(name, {}).get(phase)
                    if projected > cap:
                        skipped[phase] = f"projected {projected:.0f} s > cap {cap:.0f} s"
                    elif needs in skipped:
                        skipped[phase] = f"needs {needs}"
                    else:
                        phases.add(phase)
                result = _run_child(name, folder, work, phases)
                for phase, seconds in result["times"].items():
                    history.setdefault((name, phase), []).append((triples, seconds))
                answers[name] = result["info"].pop("answer", None)
                rows.append(
                    {
                        "size": size,
                        "triples": triples,
                        "pipeline": name,
                        "skipped": skipped,
                        **result,
                    }
                )
            for row in rows[-len(PIPELINES) :]:
                if row["pipeline"] != "bare" and answers[row["pipeline"]] is not None:
                    same = answers[row["pipeline"]] == answers["bare"]
                    row["info"]["same query answer as bare"] = "yes" if same else "NO"
    return rows


def _projected(history: list[tuple[int, float]], triples: int) -> float:
    if not history:
        return 0.0
    exponent = slope([(float(x), y) for x, y in history])
    exponent = max(1.0, exponent) if not math.isnan(exponent) else 1.0
    last_triples, last_seconds = history[-1]
    return last_seconds * (triples / last_triples) ** exponent


def _run_child(name: str, corpus: Path, work: Path, phases: set[str]) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        name,
        str(corpus),
        str(work),
        ",".join(sorted(phases)),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"}
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(rows: list[dict[str, object]], cap: float) -> None:
    """The table, what was skipped, the growth exponents and the ratios current/bare."""
    head = " ".join(f"{c:>9}" for c in (*COLUMNS, "build", "no-valid."))
    print(f"{'articles':>8} {'triples':>9} {'pipeline':<8} {head} {'peak MB':>8} {'KB/triple':>9}")
    for row in rows:
        times = row["times"]
        cells = [
            f"{times[c]:>9.2f}" if c in times else f"{'>cap' if c in row['skipped'] else '':>9}"
            for c in COLUMNS
        ]
        cells += [_fmt(_seconds(row, BUILD), 9, 2), _fmt(_seconds(row, UNVALIDATED), 9, 2)]
        peak = row["rss_peak_kib"]
        print(
            f"{row['size']:>8} {row['triples']:>9} {row['pipeline']:<8} {' '.join(cells)} "
            f"{peak / 1024:>8.0f} {_fmt(_per_triple(row), 9, 2)}"
        )
    print("(seconds; build = the pipeline's phases end to end, no-valid. = without validation;")
    print(
        " KB/triple = the process's peak RSS over the input triples, if it parsed them; query = a cold process,"
    )
    print(" its peak RSS given below)")
    for row in rows:
        for phase, seconds in row["skipped"].items():  # seconds: why
            print(f"skipped: {row['pipeline']} {phase} at {row['size']} articles ({seconds})")
    for row in rows:
        if row["info"]:
            facts = ", ".join(f"{k}: {v}" for k, v in row["info"].items())
            print(f"{row['pipeline']} at {row['size']} articles: {facts}")

    print("\ngrowth exponents (slope of log against log triples; 1.0 is linear), over all sizes")
    print("and over the two largest sizes measured, where fixed costs weigh least:")
    for name in PIPELINES:
        mine = [r for r in rows if r["pipeline"] == name]
        parts = []
        for phase in (*PIPELINES[name][1], "build", "no-valid."):
            table = {"build": BUILD, "no-valid.": UNVALIDATED}.get(phase)
            points = [
                (r["triples"], _seconds(r, table) if table else r["times"].get(phase, math.nan))
                for r in mine
            ]
            points = [p for p in points if not math.isnan(p[1])]
            parts.append(f"{phase} {_fmt(slope(points), 0, 2)}/{_fmt(slope(points[-2:]), 0, 2)}")
        # Memory only between runs of the same phases as the largest (a skipped phase changes the peak).
        same = [r for r in mine if set(r["times"]) == set(mine[-1]["times"])]
        memory = [(r["triples"], r["rss_peak_kib"] - r["rss_start_kib"]) for r in same]
        parts.append(
            f"peak memory above imports {_fmt(slope(memory), 0, 2)}/{_fmt(slope(memory[-2:]), 0, 2)}"
            f" ({'+'.join(sorted(mine[-1]['times']))}, {len(same)} sizes)"
        )
        print(f"  {name:<8} " + ", ".join(parts))

    print(
        "\nratios current/bare (build, build without validation, parse, dump, cold query, peak RSS):"
    )
    by = {(r["size"], r["pipeline"]): r for r in rows}
    for size in sorted({r["size"] for r in rows}):
        ours, theirs = by.get((size, "current")), by.get((size, "bare"))
        if not ours or not theirs:
            continue
        figures = {
            "build": _ratio(_seconds(ours, BUILD), _seconds(theirs, BUILD)),
            "no-valid.": _ratio(_seconds(ours, UNVALIDATED), _seconds(theirs, UNVALIDATED)),
            **{
                phase: _ratio(ours["times"].get(phase), theirs["times"].get(phase))
                for phase in ("parse", "dump", "query")
            },
            "peak RSS": _ratio(_per_triple(ours), _per_triple(theirs)),
        }
        print(
            f"  {size:>5} articles: "
            + ", ".join(f"{k} {_fmt(v, 0, 1)}" for k, v in figures.items())
        )
    print("\nrebuild after one article changed, as a share of the full build:")
    for row in rows:
        if row["pipeline"] == "current" and "rebuild" in row["times"]:
            share = _ratio(row["times"]["rebuild"], _seconds(row, BUILD))
            line = f"  {row['size']:>5} articles: {_fmt(100 * share, 0, 1)}%"
            info = row["info"]
            if "rebuild description counted whole s" in info:
                line += (
                    f"; its load {info['rebuild load s']:.2f} s ({info['rebuild load steps']}),"
                    f" where the description counted whole takes "
                    f"{info['rebuild description counted whole s']:.2f} s"
                )
            if "rebuild validate s" in info:
                seconds = info["rebuild validate s"]
                beside = info.get("rebuild validated beside the dumps", "no: before them")
                line += (
                    f"; its validation {seconds:.2f} s ({info['rebuild validated']}; beside the"
                    f" dumps: {beside}),"
                    f" where the same graph validated whole takes "
                    f"{info['rebuild graph validated whole s']:.2f} s"
                )
            if "rebuild dumps merged whole s" in info:
                line += (
                    f"; its dumps {info['rebuild dump s']:.2f} s (N-Triples, N-Quads, Turtle and"
                    f" TriG made from the previous build's: "
                    f"{info['rebuild dumps made from the previous ones'] or 'none'}), where made"
                    f" without them {info['rebuild dumps merged whole s']:.2f} s"
                )
            print(line)
            if "build with nothing changed s" in info:
                seconds, whole = (
                    info["build with nothing changed s"],
                    info["build again without its record s"],
                )
                print(
                    f"         then `guian-kg build` with nothing changed since: {seconds:.2f} s"
                    f" ({_fmt(100 * _ratio(seconds, _seconds(row, BUILD)), 0, 1)}% of the build),"
                    f" where the same build without the record of the last takes {whole:.2f} s"
                )


def _seconds(row: dict, table: dict[str, tuple[str, ...]]) -> float:
    """The sum of the row's phases listed in `table`, NaN if one of them was skipped."""
    phases = table[row["pipeline"]]
    times = row["times"]
    return sum(times[p] for p in phases) if all(p in times for p in phases) else math.nan


def _per_triple(row: dict) -> float:
    """Peak RSS in KB per input triple; NaN if the input was not parsed (a skipped parse)."""
    if "parse" not in row["times"]:
        return math.nan
    return row["rss_peak_kib"] * 1.024 / row["triples"]


def _ratio(ours: float | None, theirs: float | None) -> float:
    if not ours or not theirs or math.isnan(ours) or math.isnan(theirs):
        return math.nan
    return ours / theirs


def _fmt(value: float, width: int, digits: int) -> str:
    return f"{'—':>{width}}" if math.isnan(value) else f"{value:>{width}.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100,400", help="article counts, comma-separated")
    parser.add_argument("--cap", type=float, default=60.0, help="skip a phase projected past this")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="sizes 1 and 2")
    parser.add_argument("--child", nargs=4, metavar=("PIPELINE", "CORPUS", "WORK", "PHASES"))
    args = parser.parse_args()
    if args.child:
        name, corpus, work, phases = args.child
        child(name, Path(corpus), Path(work), set(filter(None, phases.split(","))))
        return
    sizes = [1, 2] if args.smoke else [int(s) for s in args.sizes.split(",")]
    print(
        f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}, cap {args.cap:.0f} s, seed {args.seed}"
    )
    report(measure(sizes, args.cap, args.seed), args.cap)


if __name__ == "__main__":
    main()
