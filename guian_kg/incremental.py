"""Incremental validation: a rebuild validates what its change can affect, with the same report
as a full validation.

After a validation that found nothing (no result of any severity), the build writes a record in
its cache (CACHE/validation-record, marked as guian-kg's): a fingerprint of the shapes' bytes, the
ontology graph and the validating code, each unit's part (units.Part: its key, its article, the
identity of its triples) and the dataset description (the void graph). The next build reuses it
only when the fingerprint and the shared unit are unchanged; it then finds the changed triples
(each changed, added or removed article's triples before and after, read from the unit cache, and
the void graph's), and validates around the nodes they touch (`focus`):

  S = the subjects of the changed triples, O = their objects (IRIs), P = the nodes that point at
  a node of S in the new graph; the focus is S ∪ O ∪ P.

Why this gives the full report. The previous graph had no result. A constraint is local
(guian_kg.locality) when, at a focus node f, it reads only triples with f as subject or object,
triples whose subject is a node f points at, and triples about classes and properties. A result
at f that the new graph has and the old had not needs a changed triple among those f reads in one
of the graphs: one with f as subject or object (f in S or O), or one whose subject n is a node f
points at. If f still points at n, f is in P; if it no longer does, the triple f → n changed and
f is in S. Triples about classes and properties are unchanged: a change that touches a node used
as a class (an object of rdf:type or rdfs:subClassOf, a subject of rdfs:subClassOf) or as a
predicate is validated whole. So every result of the new graph is at a focus node in S ∪ O ∪ P,
and the local constraints run for those nodes find them all. For the graph-wide SHACL-SPARQL rules
(their focus node the ontology IRI) the same holds of ?value, the node each solution is about.
Blank nodes, which the store relabels, are validated whole.

What a SHACL-SPARQL query reads is read off rdflib's parse tree of it (locality.py), never off its
text; the project's queries are analysed once and shipped (query_analyses.json), used only with
the code and parser releases that made them, and the shapes, the code and those releases are in
the fingerprint. Three things widen the reads a rule may have and stay sound:

- A sequence path (gk:quote/oa:exact) is the chain of triple patterns SPARQL defines it as
  (section 18.2.2.4: the same solutions), through a node one step away: the stated forms of a
  statement, checked against its quote's text, are local around ?value.
- A path of any length (the place hierarchy the shortcut rule walks,
  (schema:containedInPlace|^schema:containsPlace)*) reads only triples of its predicates: where no
  changed triple has one of them, it relates the same nodes in both graphs (a node it relates to
  itself is bound by a local pattern too, so in both graphs), and the rule's results change only
  where its other, local reads do. Where one has, the rule runs whole (validate._around).
- A key (locality.query_key): the unique sequence numbers of an article join two designations
  through their article (?article), which no node near either designation is. The query is
  monotone: the parse tree holds only triple patterns, joins, unions, filters and binds that read
  no graph, and one OPTIONAL whose solutions a FILTER (BOUND(?other) && …) keeps only where it
  matched, which is a join. So a solution of the new graph that the old had not holds a triple
  the change added, matched by some pattern s p o; every solution's triples are in the new graph,
  and the query leads from every subject variable to ?article along patterns of its own
  ($this gk:quote ?q . ?q dcterms:source ?article), so the solution's ?article is where one of
  those chains leads in the new graph from the subject of an added triple with predicate p. The
  run keeps the ?article that the chains from each predicate lead to from the subjects of the
  changed triples with that predicate (Planned.changed) and leaves $this free: both designations
  of a new duplicate are found, the one the change touched and the other. A node becomes a focus
  node of the rule ($this, a gk:Designation) by a changed triple that touches it (rdf:type, on
  no chain): it is in the focus, and the run keeps the ?article the chains from $this lead to
  from every focus node too.

How a rule runs around ?value changes its cost, not its rows: with a VALUES block at the head
of its WHERE group (where the parse tree shows it lands there: sparql_constraints.values_first),
or, where it has an OPTIONAL or a path of any length (the shortcuts, the sentences of quotes),
which Oxigraph evaluates over the whole graph unless their variables are bound before they run,
once per node with ?value substituted, and with it each ?x that a pattern ?value p ?x every
solution matches binds (?sentence), one run for each pair the store holds: the parse tree shows
each is bound before any part of the query reads it (sparql_constraints.free_is_exact), so the
runs give exactly the rows that bind them so (locality._each).

The shortcuts the build adds after loading (guian_kg.shortcuts) are not in the unit cache: their
subjects are designations, and they derive from a designation's gk:heldBy and gk:involvement (a
changed one: the designation is in S), an involvement's prov:agent (the designation points at
the involvement: in P, or in S if it no longer does), the place hierarchy and which nodes are
places (shortcuts.HIERARCHY, shortcuts.PLACE: a change of these in an article alters the
shortcuts of designations anywhere, and is validated whole, as a change of the shared places is);
a change of their code changes the fingerprint. Where a rule reads a shortcut to a key, every
focus node counts as a subject of a changed shortcut.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF, RDFS

from . import __version__
from .cache_files import starts_with, write_whole
from .iri import Iris
from .read import parse_files
from .shortcuts import PREDICATES as SHORTCUTS
from .shortcuts import touches_places
from .terms import node
from .units import Part, cached_triples
from .validate import NotLocal, Report, validate_store

RECORD = "validation-record"
_MARK = b"# guian-kg validation record\n"
_CODE = (
    "incremental.py", "locality.py", "validate.py", "shacl_sparql.py", "sparql_constraints.py",
    "sparql_terms.py", "shortcuts.py", "scan_proof.py", "sparql_tree.py",
)  # fmt: skip
_TYPE, _SUBCLASS = node(RDF.type), node(RDFS.subClassOf)


def validate(
    store: ox.Store, shapes_files: Sequence[Path], parts: Sequence[Part], cache_dir: Path | None
) -> Report:
    """The report of validate_store(store, the shapes), computed around what changed since the
    recorded validation where that is sound; `report.units` says how many units were validated."""
    return plan(store, shapes_files, parts, cache_dir).run()


@dataclass
class Planned:
    """A validation decided on before it runs: around `nodes` (the focus, `units` of the parts
    changed) where the record allows, else whole (`nodes` None). `run` gives the report and
    writes the record after a clean one; it may run in a process forked from this one."""

    store: ox.Store
    shapes: Graph
    fingerprint: str
    parts: Sequence[Part]
    cache_dir: Path | None
    nodes: set[str] | None = None
    units: int = 0
    # The predicates of the triples that changed or may have, each with their subjects.
    changed: dict[str, set[str]] | None = None

    def run(self, workers: int | None = None) -> Report:
        """The report (validate_store's, its checks run by `workers` processes)."""
        report = None
        if self.nodes is not None:
            try:
                report = validate_store(
                    self.store,
                    self.shapes,
                    around=self.nodes,
                    workers=workers,
                    changed=self.changed,
                )
                report.units = (self.units, len(self.parts))
            except NotLocal:
                report = None
        if report is None:
            report = validate_store(self.store, self.shapes, workers=workers)
            report.units = (len(self.parts), len(self.parts))
        if self.cache_dir is not None and not report.results:
            _write(self.cache_dir, self.fingerprint, self.parts, _void(self.store))
        return report


def plan(
    store: ox.Store, shapes_files: Sequence[Path], parts: Sequence[Part], cache_dir: Path | None
) -> Planned:
    """How `validate` will validate: around the nodes what changed since the record touches, or
    whole (a rule that is not local still makes `run` validate whole)."""
    shapes = parse_files(shapes_files)
    fingerprint = _fingerprint(store, shapes_files)
    planned = Planned(store, shapes, fingerprint, parts, cache_dir)
    record = _read(cache_dir) if cache_dir is not None else None
    if record is not None and record.get("fingerprint") == fingerprint:
        changed = _changed(store, record, parts, cache_dir)
        if changed is not None:
            planned.nodes, planned.units, planned.changed = changed
    return planned


def focus(store: ox.Store, changed: set[ox.Triple]) -> set[str] | None:
    """The nodes to validate around after `changed` triples (added or removed), as the module
    docstring says; None when the change must be validated whole."""
    subjects = {t.subject for t in changed}
    objects = {t.object for t in changed if not isinstance(t.object, ox.Literal)}
    if any(isinstance(n, ox.BlankNode) for n in subjects | objects):
        return None
    if any(t.predicate == _SUBCLASS for t in changed) or subjects & (
        {t.predicate for t in changed} | {t.object for t in changed if t.predicate == _TYPE}
    ):
        return None
    if touches_places(changed):
        return None  # the shortcuts of designations anywhere may change
    nodes = set(subjects | objects)
    for subject in subjects:
        if _used_as_vocabulary(store, subject):
            return None
        nodes.update(q.subject for q in store.quads_for_pattern(None, None, subject))
    if any(isinstance(n, ox.BlankNode) for n in nodes):
        return None
    return {n.value for n in nodes}


def _used_as_vocabulary(store: ox.Store, term) -> bool:
    patterns = ((None, term, None), (None, _TYPE, term), (term, _SUBCLASS, None))
    patterns += ((None, _SUBCLASS, term),)
    return any(next(store.quads_for_pattern(*p), None) is not None for p in patterns)


def _changed(
    store: ox.Store, record: dict, parts: Sequence[Part], cache_dir: Path
) -> tuple[set[str], int, dict[str, set[str]]] | None:
    """The focus nodes, the number of units changed since the record and the predicates of the
    triples that changed or may have, each with their subjects (`_by_predicate`); None to
    validate whole."""
    before = {entry["article"]: Part(**entry) for entry in record["parts"]}
    now = {part.article: part for part in parts}
    if len(now) != len(parts) or len(before) != len(record["parts"]):
        return None
    if before.get("") != now.get("") or "" not in now:
        return None  # the shared unit (or the --data files) changed: everything may have
    changed: set[ox.Triple] = set()
    units = 0
    for article in sorted(before.keys() | now.keys()):
        old, new = before.get(article), now.get(article)
        if old == new:
            continue
        units += 1
        triples: list[set[ox.Triple]] = []
        for part in (old, new):
            text = b"" if part is None else cached_triples(cache_dir, part)
            if text is None:
                return None
            triples.append(set(ox.parse(text, format=ox.RdfFormat.N_TRIPLES)))
        changed |= triples[0] ^ triples[1]
    changed |= set(_triples(record["void"])) ^ set(_triples(_void(store)))
    nodes = focus(store, changed)
    return None if nodes is None else (nodes, units, _by_predicate(changed, nodes))


def _by_predicate(changed: set[ox.Triple], nodes: set[str]) -> dict[str, set[str]]:
    """The predicates of the `changed` triples, each with their subjects, and the shortcuts'
    (which no unit's triples hold) with every focus node: the module docstring says why a
    designation whose shortcuts changed is one."""
    found: dict[str, set[str]] = {p.value: set(nodes) for p in SHORTCUTS}
    for triple in changed:
        found.setdefault(triple.predicate.value, set()).add(triple.subject.value)
    return found


def _void(store: ox.Store) -> str:
    void = node(Iris().graph("void"))
    triples = (q.triple for q in store.quads_for_pattern(None, None, None, void))
    return "".join(sorted(f"{t} .\n" for t in triples))


def _triples(text: str) -> list[ox.Triple]:
    return list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))


def _fingerprint(store: ox.Store, shapes_files: Sequence[Path]) -> str:
    """What makes a validation reusable: the shapes, the ontology graph and the code that validates."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in shapes_files:
        data = Path(path).read_bytes()
        digest.update(f"{Path(path).name}\0{len(data)}\0".encode())
        digest.update(data)
    ontology = node(Iris().graph("ontology"))
    lines = sorted(f"{q.triple} .\n" for q in store.quads_for_pattern(None, None, None, ontology))
    digest.update("".join(lines).encode("utf-8"))
    for name in _CODE:
        digest.update((here / name).read_bytes())
    for package in ("pyoxigraph", "pyshacl", "rdflib"):
        digest.update(f"\0{package} {version(package)}".encode())
    digest.update(__version__.encode("ascii"))
    return digest.hexdigest()


def _read(cache_dir: Path) -> dict | None:
    """The record, if it is ours (it starts with the mark) and reads whole."""
    path = cache_dir / RECORD
    if not starts_with(path, _MARK):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            record = json.loads(handle.read()[len(_MARK) :])
    except (OSError, ValueError):
        return None
    fields = set(Part.__dataclass_fields__)
    if not (
        isinstance(record, dict)
        and set(record) == {"fingerprint", "parts", "void"}
        and all(isinstance(p, dict) and set(p) == fields for p in record["parts"])
    ):
        return None  # written by another version: validate whole, then replace it
    return record


def _write(cache_dir: Path, fingerprint: str, parts: Sequence[Part], void: str) -> None:
    """Replace the record, only if the file there is ours (or there is none)."""
    path = cache_dir / RECORD
    if (path.exists() or path.is_symlink()) and not starts_with(path, _MARK):
        return
    record = {
        "fingerprint": fingerprint,
        "parts": [part.__dict__ for part in parts],
        "void": void,
    }
    write_whole(path, _MARK + json.dumps(record, sort_keys=True).encode("utf-8"))
