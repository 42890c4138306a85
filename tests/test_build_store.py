"""`guian-kg build` also makes the on-disk store of its N-Quads dump (in the cache folder), which
`query --data dist/guian-kg.nq` then opens, for a dump past the store threshold, instead of
parsing the dump into memory again."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from guian_kg import cache_files
from guian_kg import store as stores
from guian_kg.build import build
from guian_kg.query import answer
from guian_kg.server.app import create_app
from guian_kg.stats import statistics

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture
def built(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    return build(tmp_path / "dist")


def test_the_build_makes_the_store_of_its_dump(built, tmp_path):
    dump = tmp_path / "dist" / "guian-kg.nq"
    assert built.store == tmp_path / "cache" / f"store-{stores.file_key(dump)}"
    opened = stores.open_store(built.store)
    expected = ox.Store()
    expected.load(dump.read_bytes(), format=ox.RdfFormat.N_QUADS)
    assert set(opened.store) == set(expected)  # read back whole, not counted
    assert opened.union_view  # the three named graphs share no triple: no copy in the default graph


def test_query_opens_the_store_the_build_made_for_a_large_dump(built, tmp_path, monkeypatch):
    monkeypatch.setattr(stores, "STORE_THRESHOLD", 1024)  # the project's dump counts as large
    before = sorted((tmp_path / "cache").glob("store-*"))
    with answer(COUNT, data=[tmp_path / "dist" / "guian-kg.nq"]) as result:
        (row,) = result
    assert int(row["n"].value) == len(built.kg.store)
    assert sorted((tmp_path / "cache").glob("store-*")) == before == [built.store]


def test_the_build_notes_its_dump_in_its_store(built, tmp_path):
    dump = tmp_path / "dist" / "guian-kg.nq"
    assert stores.hinted_store(tmp_path / "cache", dump) == built.store
    other = tmp_path / "other.nq"
    other.write_bytes(dump.read_bytes())  # the same bytes, another file: no note of it
    assert stores.hinted_store(tmp_path / "cache", other) is None


def test_a_dump_changed_in_place_is_not_answered_from_its_noted_store(built, tmp_path, monkeypatch):
    """The note of a dump (device, inode, size, mtime) survives a change that keeps all four: the
    query is answered only once the dump's checksum is the noted store's key."""
    monkeypatch.setattr(stores, "STORE_THRESHOLD", 1024)
    dump = tmp_path / "dist" / "guian-kg.nq"
    before = dump.stat()
    data = dump.read_bytes()
    assert data.count(b'"39903"^^') == 2  # the value and its statement's object
    with open(dump, "r+b") as handle:  # the same inode, the same size
        handle.write(data.replace(b'"39903"^^', b'"39904"^^'))
    os.utime(dump, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert stores.hinted_store(tmp_path / "cache", dump) == built.store  # the note still holds
    assert stores.proven_store(tmp_path / "cache", dump) is None  # the kernel moved its ctime
    asked = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p 39904 } }"
    with answer(asked, data=[dump]) as result:
        (row,) = result
    assert int(row["n"].value) == 2
    changed = tmp_path / "cache" / f"store-{stores.file_key(dump)}"
    assert stores.hinted_store(tmp_path / "cache", dump) in (changed, built.store)
    assert (changed / stores.DUMPS).is_dir()  # the changed dump's own store notes it too


def test_a_query_after_the_build_trusts_its_proof_and_reads_no_byte_of_the_dump(
    built, tmp_path, monkeypatch
):
    monkeypatch.setattr(stores, "STORE_THRESHOLD", 1024)
    dump = tmp_path / "dist" / "guian-kg.nq"
    assert stores.proven_store(tmp_path / "cache", dump) == built.store

    def unread(path):
        raise AssertionError(f"{path} hashed")

    monkeypatch.setattr(stores, "file_key", unread)
    with answer(COUNT, data=[dump]) as result:
        (row,) = result
    assert int(row["n"].value) == len(built.kg.store)
    copy = tmp_path / "copy.nq"  # the same bytes in another file: no proof of it
    copy.write_bytes(dump.read_bytes())
    assert stores.proven_store(tmp_path / "cache", copy) is None


def test_serve_dist_opens_the_store_the_build_proved_without_hashing_the_dump(
    built, tmp_path, monkeypatch
):
    monkeypatch.setattr(stores, "file_key", lambda path: pytest.fail(f"{path} hashed"))
    site = create_app(tmp_path / "dist", workers=1).state.server.site
    assert site.store_path == built.store


def _stat_with(st: os.stat_result, **changed: int) -> os.stat_result:
    fields = [f for f in dir(st) if f.startswith("st_")]
    values = {f: getattr(st, f) for f in fields} | changed
    return os.stat_result(
        tuple(values[f] for f in ("st_mode", "st_ino", "st_dev", "st_nlink", "st_uid", "st_gid",
                                  "st_size", "st_atime", "st_mtime", "st_ctime")),
        {f: values[f] for f in fields},
    )  # fmt: skip


@pytest.mark.parametrize(
    "seen",
    [lambda st: {"st_ctime_ns": st.st_ctime_ns}, lambda st: {"st_dev": st.st_dev + 1}],
    ids=["same tick", "another file system"],
)
def test_no_proof_unless_the_clock_of_the_dumps_file_system_is_past_its_ctime(
    tmp_path, monkeypatch, seen
):
    """The proof holds because any later change gets a ctime past the one noted: the clock file's
    ctime must be past the dump's, on the dump's file system."""
    dump = tmp_path / "dump.nq"
    dump.write_bytes(b"<http://e/s> <http://e/p> <http://e/o> <http://e/g> .\n")
    key, proof = stores.checked_key(dump, tmp_path)
    assert key == stores.file_key(dump) and proof is not None  # the clock ticked meanwhile
    st, fstat = dump.stat(), os.fstat
    monkeypatch.setattr(cache_files.os, "fstat", lambda fd: _stat_with(fstat(fd), **seen(st)))
    monkeypatch.setattr(cache_files.time, "sleep", lambda seconds: None)
    assert stores.checked_key(dump, tmp_path) == (key, None)


def test_no_proof_of_a_dump_that_changed_while_it_was_hashed(tmp_path, monkeypatch):
    dump = tmp_path / "dump.nq"
    dump.write_bytes(b"<http://e/s> <http://e/p> <http://e/o> <http://e/g> .\n")
    file_key = stores.file_key

    def changing(path):
        key = file_key(path)
        with open(path, "ab") as handle:
            handle.write(b"<http://e/s> <http://e/p> <http://e/other> <http://e/g> .\n")
        return key

    monkeypatch.setattr(stores, "file_key", changing)
    assert stores.checked_key(dump, tmp_path)[1] is None


def test_the_store_stays_locked_while_the_answer_is_read(built, tmp_path, monkeypatch):
    monkeypatch.setattr(stores, "STORE_THRESHOLD", 1024)
    with answer(COUNT, data=[tmp_path / "dist" / "guian-kg.nq"]) as result:
        with open(built.store / stores.MARK, "rb") as mark, pytest.raises(BlockingIOError):
            fcntl.flock(mark, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what dropping an old store takes
        (row,) = result
    assert int(row["n"].value) == len(built.kg.store)
    with open(built.store / stores.MARK, "rb") as mark:
        fcntl.flock(mark, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released with the answer


def test_a_small_dump_is_parsed_into_memory(built, tmp_path):
    with answer(COUNT, data=[tmp_path / "dist" / "guian-kg.nq"]) as result:
        (row,) = result
    assert int(row["n"].value) == len(built.kg.store)
    assert sorted((tmp_path / "cache").glob("store-*")) == [built.store]  # none made for it


def test_a_dump_bulk_loaded_in_batches_of_lines_makes_the_store_of_the_whole_file(
    tmp_path, monkeypatch
):
    """The store is bulk-loaded a batch of lines at a time (the loader holds a batch in memory):
    a blank node whose statements fall in two batches stays one node."""
    lines = [
        '_:b1 <http://e/p> "一" <http://e/g> .',
        "<http://e/s> <http://e/q> _:b1 <http://e/g> .",
        '_:b1 <http://e/p> "二"@zh <http://e/g> .',
        "_:b2 <http://e/p> _:b1 <http://e/h> .",
        '<http://e/s> <http://e/r> "3"^^<http://www.w3.org/2001/XMLSchema#integer> <http://e/h> .',
    ]
    dump = tmp_path / "dump.nq"
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(stores, "_BULK_QUADS", 2)
    stored = stores.open_store(stores.ensure_store("k", lambda: dump, tmp_path / "cache")).store
    assert set(stored) == set(ox.parse(dump.read_bytes(), format=ox.RdfFormat.N_QUADS))
    linked = (
        "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?x <http://e/p> ?v . <http://e/s> <http://e/q> ?x } }"
    )
    assert [int(row["n"].value) for row in stored.query(linked)] == [2]


def test_every_graph_is_bulk_loaded_in_one_stream_of_batches_each_an_iterator():
    """A batch is a load whose files compaction merges with all the others: the graphs share
    batches (a small graph loaded apart would be one more), and each batch is handed over as an
    iterator (a list would hold a batch of Python objects). The named graphs are counted."""
    g, h = ox.NamedNode("http://e/g"), ox.NamedNode("http://e/h")
    source = ox.Store()
    for i in range(5):
        source.add(
            ox.Quad(
                ox.NamedNode(f"http://e/s{i}"), ox.NamedNode("http://e/p"), ox.Literal(str(i)), g
            )
        )
    for i in range(4):
        source.add(ox.Quad(ox.NamedNode(f"http://e/t{i}"), ox.NamedNode("http://e/p"), g, h))

    batches = []

    class Loader:  # what the store's bulk loader is given
        def bulk_extend(self, quads):
            assert not isinstance(quads, list | tuple)
            batches.append(list(quads))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stores, "_BULK_QUADS", 3)
        sizes = stores._bulk_load_graphs(Loader(), source)
    assert [len(batch) for batch in batches] == [3, 3, 3]  # apart: 3, 2 and 3, 1
    loaded = [quad for batch in batches for quad in batch]
    assert len(loaded) == len(set(loaded)) == 9 and set(loaded) == set(source)
    assert sizes == {g: 5, h: 4}


def _two_units(a: str, b: str, other: str) -> tuple[ox.Store, list[bytes]]:
    """A graph as the build holds it: units a and b (N-Triples) in the data graph, `other` (an
    N-Triples line) in a graph of its own."""
    data, units = ox.NamedNode("http://e/data"), [a.encode(), b.encode()]
    source = ox.Store()
    for unit in units:
        source.load(unit, format=ox.RdfFormat.N_TRIPLES, to_graph=data)
    source.load(other.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("http://e/o"))
    return source, units


def _updated_and_cold(tmp_path, *builds: tuple[ox.Store, list[bytes]]) -> tuple[list[Path], Path]:
    """The stores of two builds in one cache (the second updated from the first), and the
    second's made cold in another folder."""
    from guian_kg.dump_runs import ensure_runs

    cache, runs = tmp_path / "cache", tmp_path / "cache" / "runs"
    made = []
    for key, (source, units) in zip(("k1", "k2"), builds, strict=True):
        parts = stores.StoreParts(source, "http://e/data", runs, ensure_runs(runs, units, 1))
        nquads = source.dump(format=ox.RdfFormat.N_QUADS)
        made.append(stores.ensure_store(key, lambda q=nquads: q, cache, parts))
    last = builds[-1][0]
    cold = stores.ensure_store("k2", lambda: last.dump(format=ox.RdfFormat.N_QUADS), tmp_path)
    assert json.loads((made[1] / stores.MARK).read_text())["made"] == "updated"
    return made, cold


def test_an_updated_store_counts_what_a_cold_load_counts(tmp_path):
    """The update counts its changes (from the previous store's counts): a statement of the
    changed unit that the other unit also holds stays, and a triple in two graphs (no union
    view: the union copied into the default graph) is counted once in the default graph."""
    shared = "<http://e/s> <http://e/p> <http://e/o1> .\n"
    first, first_units = _two_units(
        shared + '<http://e/a> <http://e/p> "1" .\n', shared, '<http://e/a> <http://e/p> "1" .\n'
    )
    second, second_units = _two_units(
        '<http://e/a> <http://e/p> "2" .\n<http://e/a> <http://e/q> <http://e/s> .\n',
        shared,
        '<http://e/a> <http://e/p> "2" .\n<http://e/x> <http://e/p> "3" .\n',
    )
    made, cold = _updated_and_cold(tmp_path, (first, first_units), (second, second_units))
    updated, loaded = stores.open_store(made[1]), stores.open_store(cold)
    assert not loaded.union_view
    assert updated.sizes == loaded.sizes == {"http://e/data": 3, "http://e/o": 2, "": 4}
    assert set(updated.store) == set(loaded.store)


def test_an_updated_store_counts_the_classes_a_cold_load_counts(tmp_path):
    """The rdf:type statements per class of each graph, in the mark of an updated store as in a
    loaded one's (one the other unit also holds stays; a class left with none is dropped)."""
    T = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    a_is, b_is = f"<http://e/a> <{T}> <http://e/A> .\n", f"<http://e/b> <{T}> <http://e/A> .\n"
    first, first_units = _two_units(a_is + b_is, b_is, f"<http://e/o> <{T}> <http://e/O> .\n")
    second, second_units = _two_units(
        f"<http://e/a> <{T}> <http://e/B> .\n<http://e/c> <{T}> <http://e/B> .\n", b_is, ""
    )
    made, cold = _updated_and_cold(tmp_path, (first, first_units), (second, second_units))
    assert stores.open_store(made[0]).classes == {
        "http://e/data": {"http://e/A": 2},
        "http://e/o": {"http://e/O": 1},
    }
    updated, loaded = stores.open_store(made[1]), stores.open_store(cold)
    expected = {"http://e/data": {"http://e/A": 1, "http://e/B": 2}}
    assert updated.classes == loaded.classes == expected


def test_an_updated_store_brings_the_derived_statements_to_the_new_graph_s(tmp_path):
    """Statements made on the whole graph (StoreParts.derived, in no unit) are compared with the
    lines the previous store's folder keeps: one gone, one new, one kept, whatever the units."""
    from guian_kg.dump_runs import ensure_runs

    data, derived = ox.NamedNode("http://e/data"), ox.NamedNode("http://e/d")
    cache, runs = tmp_path / "cache", tmp_path / "cache" / "runs"
    made = []
    for key, unit, shortcuts in (
        ("k1", '<http://e/a> <http://e/p> "1" .\n', ("b", "c")),
        ("k2", '<http://e/a> <http://e/p> "2" .\n', ("c", "e")),
    ):
        source, units = _two_units(unit, "<http://e/s> <http://e/p> <http://e/o1> .\n", "")
        for name in shortcuts:
            source.add(
                ox.Quad(ox.NamedNode("http://e/s"), derived, ox.NamedNode(f"http://e/{name}"), data)
            )
        parts = stores.StoreParts(source, data.value, runs, ensure_runs(runs, units, 1), (derived,))
        nquads = source.dump(format=ox.RdfFormat.N_QUADS)
        made.append(stores.ensure_store(key, lambda q=nquads: q, cache, parts))
    assert json.loads((made[1] / stores.MARK).read_text())["made"] == "updated"
    updated = stores.open_store(made[1])
    assert set(updated.store) == set(source)
    assert updated.sizes == {"http://e/data": 4, "": 4}


def test_a_rebuild_where_no_unit_changed_makes_no_store_unless_its_dump_has_none(
    tmp_path, monkeypatch
):
    """The same units as the previous store's: nothing is begun beside the dump, whose store is
    the previous one; where the dump has no store after all, it is made once its key is known."""
    from guian_kg.dump_runs import ensure_runs

    source, units = _two_units('<http://e/a> <http://e/p> "1" .\n', "", "")
    runs = tmp_path / "cache" / "runs"
    parts = stores.StoreParts(source, "http://e/data", runs, ensure_runs(runs, units, 1))
    dump = tmp_path / "dump.nq"
    dump.write_bytes(source.dump(format=ox.RdfFormat.N_QUADS))
    with stores.store_beside(tmp_path / "cache", parts) as place:
        first = place(stores.file_key(dump), lambda: dump)
    made = stores._made
    calls = []
    monkeypatch.setattr(stores, "_made", lambda *a: calls.append(a) or made(*a))
    with stores.store_beside(tmp_path / "cache", parts) as place:
        assert place(stores.file_key(dump), lambda: dump) == first
    assert calls == []
    with stores.store_beside(tmp_path / "cache", parts) as place:
        other = place("another", lambda: dump)  # as if the dump differed from the store's
    assert len(calls) == 1 and json.loads((other / stores.MARK).read_text())["made"] == "updated"
    assert set(stores.open_store(other).store) == set(source)


def test_a_store_begun_beside_a_dump_that_fails_is_not_kept(tmp_path):
    source, _ = _two_units("<http://e/s> <http://e/p> <http://e/o> .\n", "", "")
    parts = stores.StoreParts(source, "http://e/data", tmp_path / "runs", [])
    with pytest.raises(RuntimeError), stores.store_beside(tmp_path / "cache", parts):
        raise RuntimeError("the dump failed")
    assert list((tmp_path / "cache").iterdir()) == []  # neither a store nor its scratch folder


def test_a_store_made_beside_its_dump_holds_its_quads_and_blank_node_labels(tmp_path):
    """The build's store is loaded from the graph the dump is written from: the same quads, each
    blank node under the label the dump gives it (bulk_load would relabel them)."""
    from guian_kg.dump_runs import ensure_runs

    source, units = _two_units(
        '_:b1 <http://e/p> "1" .\n<http://e/s> <http://e/q> _:b1 .\n', "", ""
    )
    runs = tmp_path / "cache" / "runs"
    parts = stores.StoreParts(source, "http://e/data", runs, ensure_runs(runs, units, 1))
    dump = tmp_path / "dump.nq"
    with stores.store_beside(tmp_path / "cache", parts) as place:
        dump.write_bytes(source.dump(format=ox.RdfFormat.N_QUADS))
        made = stores.open_store(place(stores.file_key(dump), lambda: dump))
    assert dump.read_bytes().count(b"_:") == 2  # one node, relabelled by the graph's store
    assert set(made.store) == set(ox.parse(dump.read_bytes(), format=ox.RdfFormat.N_QUADS))
    assert (made.union_view, made.sizes) == (True, {"http://e/data": 2, "": 2})


def test_a_pattern_with_an_integer_object_matches_only_that_integer_on_disk(tmp_path):
    # pyoxigraph 0.5.13's on-disk store answers some lookups of an xsd:integer it does not hold
    # with quads of other integers (7 in these 3,000); stores.matching checks every quad.
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    p, g = ox.NamedNode("http://example.org/p"), ox.NamedNode("http://example.org/g")
    store = ox.Store(str(tmp_path / "db"))
    store.extend(
        ox.Quad(
            ox.NamedNode(f"http://example.org/s{i % 50}"),
            p,
            ox.Literal(str(i), datatype=integer),
            g,
        )
        for i in range(0, 100_000, 7)
    )
    raw_wrong = matched = 0
    for i in range(3000):
        pattern = (
            ox.NamedNode(f"http://example.org/s{i % 50}"),
            p,
            ox.Literal(str(i), datatype=integer),
        )
        raw_wrong += any(q.object != pattern[2] for q in store.quads_for_pattern(*pattern, None))
        found = list(stores.matching(store, *pattern))
        assert found == ([ox.Quad(*pattern, g)] if i % 7 == 0 else []), i
        matched += len(found)
    assert matched == 429
    print(f"lookups the store answered wrongly: {raw_wrong}")  # 7 with pyoxigraph 0.5.13


def test_the_build_s_store_is_compacted_once_loaded(tmp_path, monkeypatch):
    """Each batch of a bulk load spans every index, so its files overlap the other batches' and a
    query would read them all: the build's store is compacted, left with a file or so per index
    (Oxigraph keeps eleven) however many batches loaded it."""
    from guian_kg.dump_runs import ensure_runs

    lines = "".join(f"<http://e/s{i}> <http://e/p> <http://e/o{i % 7}> .\n" for i in range(3000))
    source, units = _two_units(lines, "", "")
    runs = tmp_path / "cache" / "runs"
    parts = stores.StoreParts(source, "http://e/data", runs, ensure_runs(runs, units, 1))
    monkeypatch.setattr(stores, "_BULK_QUADS", 100)  # thirty batches
    dump = tmp_path / "dump.nq"
    with stores.store_beside(tmp_path / "cache", parts) as place:
        dump.write_bytes(source.dump(format=ox.RdfFormat.N_QUADS))
        folder = place(stores.file_key(dump), lambda: dump)
    files = sorted((folder / "db").glob("*.sst"))
    print(f"{len(files)} table files")
    assert len(files) <= 11
    assert len(stores.open_store(folder).store) == 3000


def test_stats_of_a_built_store_reads_its_triple_counts_from_its_mark(built):
    """`stats --dist` of a large dump counts triples per graph as the store's mark holds them
    (counted when the store was made), and gives the figures a count of the store gives."""
    opened = stores.open_store(built.store)
    counted = statistics(opened.store)  # a bare store: every figure counted by a query
    assert statistics(opened) == counted
    assert counted["triples"]["total"] == len(built.kg.store)
    data = next(graph for graph in opened.sizes if graph.endswith("/graph/data"))
    forged = dataclasses.replace(opened, sizes={**opened.sizes, data: 1})
    assert statistics(forged)["triples"]["data"] == 1  # read from the mark, not counted
