"""Print validation's figures, old against new: pySHACL alone (the reference), its core constraints,
the split engine (core on pySHACL, SHACL-SPARQL on Oxigraph: `guian-kg validate --engine split`),
the build's (every constraint on Oxigraph: validate_store, in one process), each SPARQL constraint,
peak memory.

Usage: python benchmarks/validate.py [--copies N ...] [--runs R] [--smoke]

--copies N validates a corpus of N copies of the project's data, each copy's own resources given an IRI
suffix (so the corpus still conforms); the ontology and the dataset description are there once.
Each validation runs in a fresh child process, so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from guian_kg import sparql_constraints
from guian_kg.build import load, shapes_graph
from guian_kg.namespaces import shorten
from guian_kg.terms import to_oxigraph
from guian_kg.validate import validate, validate_store

ID = "https://w3id.org/guian-kg/id/"
DATA_GRAPH = ox.NamedNode("https://w3id.org/guian-kg/graph/data")
ONTOLOGY_GRAPH = ox.NamedNode("https://w3id.org/guian-kg/graph/ontology")
SEQUENCE_NUMBER = URIRef("https://w3id.org/guian-kg/ontology#sequenceNumber")


def corpus(copies: int) -> tuple[Graph, Graph]:
    """The data graph (data + dataset description) of `copies` copies, and the ontology."""
    kg = load()
    data = Graph()
    data += kg.data
    data += kg.void
    # The data's own resources get a suffix per copy; concepts of the ontology's schemes stay shared.
    own = {s for s in kg.data.subjects() if isinstance(s, URIRef) and s.startswith(ID)}
    for copy in range(1, copies):

        def suffixed(term, copy=copy):
            return URIRef(f"{term}-{copy}") if term in own else term

        # Sequence numbers are unique across the corpus: copies hold preface designations only.
        data.addN(
            (suffixed(s), p, suffixed(o), data) for s, p, o in kg.data if p != SEQUENCE_NUMBER
        )
    return data, kg.ontology


def without_sparql(shapes: Graph) -> Graph:
    """The shapes graph with its sh:sparql constraints taken out: the core constraints alone."""
    core = Graph()
    core.addN((s, p, o, core) for s, p, o in shapes if p != SH.sparql)
    return core


def pyshacl(data: Graph, shapes: Graph, ontology: Graph) -> bool:
    conforms, _, _ = shacl_validate(
        data + ontology,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    return bool(conforms)


def focus_nodes(shapes: Graph, shape, graph: Graph) -> set:
    """The focus nodes of a shape holding sh:sparql: its sh:targetNode, or its parent's sh:targetClass."""
    holders = [shape, *shapes.subjects(SH.property, shape)]
    nodes = set()
    for holder in holders:
        nodes.update(shapes.objects(holder, SH.targetNode))
        for target in shapes.objects(holder, SH.targetClass):
            for cls in graph.transitive_subjects(RDFS.subClassOf, target):
                nodes.update(graph.subjects(RDF.type, cls))
    return nodes


def rdflib_constraint_seconds(data: Graph, shapes: Graph, ontology: Graph) -> dict[str, float]:
    """CPU seconds of each SHACL-SPARQL constraint on rdflib's engine, one query per focus node as pySHACL runs it."""
    graph = data + ontology
    seconds = {}
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        prefixes = "".join(
            f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>\n"
            for holder in shapes.objects(constraint, SH.prefixes)
            for d in shapes.objects(holder, SH.declare)
        )
        query = prefixes + str(shapes.value(constraint, SH.select))
        started = time.process_time()
        for focus in focus_nodes(shapes, shape, graph):
            list(graph.query(query, initBindings={"this": focus}))
        seconds[name_of(shapes, shape)] = time.process_time() - started
    return seconds


def oxigraph_constraint_seconds(data: Graph, shapes: Graph, ontology: Graph) -> dict[str, float]:
    """CPU seconds of each SHACL-SPARQL constraint on Oxigraph, and of copying the data into it."""
    started = time.process_time()
    copy = sparql_constraints.OxigraphCopy.of([data, ontology])
    seconds = {"(copy into Oxigraph)": time.process_time() - started}
    _, constraints = sparql_constraints.split(shapes)
    for constraint in constraints:
        started = time.process_time()
        sparql_constraints.evaluate([constraint], shapes, copy, [data, ontology])
        seconds[name_of(shapes, constraint.shape)] = time.process_time() - started
    return seconds


def name_of(shapes: Graph, shape) -> str:
    """A shape's short name; a blank property shape is named by its node shape and path."""
    if isinstance(shape, URIRef):
        return shorten(str(shape))
    parent = next(shapes.subjects(SH.property, shape))
    return f"{shorten(str(parent))} {shorten(str(shapes.value(shape, SH.path)))}"


def child(engine: str, copies: int) -> None:
    """Validate once in this process and print a JSON line: CPU and wall seconds, verdict, peak RSS."""
    data, ontology = corpus(copies)
    shapes = shapes_graph()
    if engine == "core":
        shapes = without_sparql(shapes)
    cpu, wall = time.process_time(), time.perf_counter()
    if engine == "split":
        report = validate(data, shapes, ontology, engine="split")
        conforms = report.conforms and report.sparql_engine == "oxigraph"
    elif engine == "build":  # the graph held in a store as the build holds it (not timed)
        wall, store = time.perf_counter() - wall, _store(data, ontology)
        cpu, wall = time.process_time(), time.perf_counter()
        report = validate_store(store, shapes, workers=1)
        conforms = report.conforms and report.core_engine == "oxigraph"
    else:
        conforms = pyshacl(data, shapes, ontology)
    figures = {
        "cpu": time.process_time() - cpu,
        "wall": time.perf_counter() - wall,
        "conforms": conforms,
        "triples": len(data) + len(ontology),
        # ru_maxrss is in KiB on Linux.
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(figures))


def _store(data: Graph, ontology: Graph) -> ox.Store:
    """The two graphs as the build's store holds them: named graphs, in Oxigraph terms."""
    store = ox.Store()
    for name, graph in ((DATA_GRAPH, data), (ONTOLOGY_GRAPH, ontology)):
        store.extend(ox.Quad(*(to_oxigraph(t) for t in triple), name) for triple in graph)
    return store


def run_child(engine: str, copies: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", engine, "--copies", str(copies)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.splitlines()[-1])


def main(copies_list: list[int], runs: int) -> None:
    engines = (
        ("pyshacl", "old: pySHACL, every constraint"),
        ("core", "pySHACL, core constraints only"),
        ("split", "split: core on pySHACL, SPARQL on Oxigraph"),
        ("build", "new (the build's): all on Oxigraph"),
    )
    for copies in copies_list:
        figures = {
            engine: [run_child(engine, copies) for _ in range(runs)] for engine, _ in engines
        }
        print(
            f"copies: {copies}, triples validated: {figures['pyshacl'][0]['triples']}, runs: {runs}"
        )
        print(f"{'validation':<42} {'median CPU s':>12} {'wall s':>8} {'peak RSS MiB':>13}")
        cpu = {}
        for engine, label in engines:
            cpu[engine] = statistics.median(f["cpu"] for f in figures[engine])
            wall = statistics.median(f["wall"] for f in figures[engine])
            rss = max(f["rss"] for f in figures[engine])
            verdict = "conforms" if figures[engine][0]["conforms"] else "DOES NOT CONFORM"
            print(f"{label:<42} {cpu[engine]:>12.3f} {wall:>8.3f} {rss:>13.1f}  {verdict}")
        print(f"{'CPU ratio old/split':<42} {cpu['pyshacl'] / cpu['split']:>11.1f}x")
        print(f"{'CPU ratio old/new':<42} {cpu['pyshacl'] / cpu['build']:>11.1f}x")
        data, ontology = corpus(copies)
        shapes = shapes_graph()
        old = rdflib_constraint_seconds(data, shapes, ontology)
        new = oxigraph_constraint_seconds(data, shapes, ontology)
        print(
            f"{'SHACL-SPARQL constraint, CPU s':<42} {'rdflib':>12} {'oxigraph':>8} {'ratio':>13}"
        )
        for name, value in sorted(old.items(), key=lambda item: -item[1]):
            print(f"{name:<42} {value:>12.3f} {new[name]:>8.4f} {value / new[name]:>12.0f}x")
        total_old, total_new = sum(old.values()), sum(new.values())
        print(f"{'(copy into Oxigraph)':<42} {'':>12} {new['(copy into Oxigraph)']:>8.4f}")
        print(
            f"{'all SHACL-SPARQL constraints':<42} {total_old:>12.3f} {total_new:>8.4f} "
            f"{total_old / total_new:>12.0f}x"
        )
        print()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="one run on the real graph")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.copies[0])
    elif args.smoke:
        main([1], 1)
    else:
        main(args.copies, args.runs)
