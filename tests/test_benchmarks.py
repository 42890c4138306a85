"""Every benchmark runs in a small smoke mode, so that none rots (the figures themselves are not tested)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_hostile_input_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/hostile_input.py", "--smoke")
    assert "Accept header (event loop)" in out
    assert "check: OR filter" in out and "oxigraph: OR filter" in out


@pytest.mark.integration
def test_serve_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/serve.py", "20", "2", "1")
    assert "same answers on both servers: all" in out
    assert "throughput ratio guian-kg/oxigraph" in out and "worker process cost" in out


@pytest.mark.integration
def test_serve_scale_benchmark_runs_in_smoke_mode(kg):
    out = _run("benchmarks/serve_scale.py", "--smoke")
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["1"], ["2"])]
    assert [int(row[0]) for row in rows] == [1, 2], out
    assert int(rows[0][1]) == len(kg.ontology) + len(kg.data) + len(kg.void), out
    assert 0 < int(rows[1][1]) - int(rows[0][1]) <= len(kg.data), out  # a copy of the data
    assert all(
        "yes (39 of 39 answered" in line for line in out.splitlines() if line[:6].strip().isdigit()
    ), out
    assert "process start → first 200 on /" in out
    for row in rows:  # the server, with its workers, and the PSS of them all, after /
        assert 0 < int(row[10]) < int(row[9]) and int(row[8]) < int(row[9]), out
    assert "floor: a Python process importing pyoxigraph, Starlette and uvicorn" in out


def test_build_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/build.py", "--smoke")
    assert "runs: 1" in out and "peak RSS:" in out and "validate" in out


def test_rebuild_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/rebuild.py", "--smoke")
    assert "cold build" in out and "beside/before:" in out
    assert "rebuild, validation beside:" in out and "validate wait" in out
    assert "rebuild, validation before:" in out and "; 1 of 3)" in out


def test_rebuild_benchmark_edits_a_copy_of_the_corpus_it_is_given(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    _run("benchmarks/corpus.py", str(corpus), "2")
    before = _snapshot(corpus)
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    out = _run("benchmarks/rebuild.py", "--corpus", str(corpus), "--rebuilds", "1")
    assert "first build (not cold)" in out and "; 1 of 3)" in out
    assert _snapshot(corpus) == before


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Each file's bytes and mtime, by its path under `folder`."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_checkpoint_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/checkpoint.py", "--smoke")
    assert "cold build" in out and "checkpoint/memory:" in out
    assert "rebuild, checkpoint (on a checkpoint):" in out
    assert "rebuild, memory (in memory):" in out


def test_unit_load_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/unit_load.py", "--smoke")
    rows = [line.split() for line in out.splitlines()[2:-1]]
    assert [" ".join(row[:-4]) for row in rows] == [
        "per unit",
        "concatenated",
        "2 threads",
        "bulk_extend",
        "bulk_load",
    ], out
    assert all(row[-2] == "yes" for row in rows), out  # the same quads every way


def test_unit_cpu_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/unit_cpu.py", "--smoke")
    assert [line.split()[0] for line in out.splitlines()[3:7]] == [
        "enrich",
        "runs",
        "load",
        "total",
    ], out
    assert "bare pyoxigraph" in out and "same unit N-Triples and runs: yes" in out


def test_query_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/query.py", "--smoke")
    assert "runs per example: 1" in out
    rows = [line for line in out.splitlines() if line.endswith((" yes", " NO"))]
    assert len(rows) == 2 and all(row.endswith(" yes") for row in rows), out


@pytest.mark.integration
def test_store_load_benchmark_runs_in_smoke_mode(oxigraph_servers, tmp_path):
    server = oxigraph_servers(
        tmp_path / "store-load-db"
    )  # its own server: the benchmark replaces graphs
    out = _run("benchmarks/store_load.py", "--smoke", "--url", server.url)
    assert "guian-kg load into an empty store" in out
    assert "synthetic graph" in out and "oxigraph load --file guian-kg.nq" in out


def test_store_batches_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/store_batches.py", "--smoke")
    assert "baseline (batches of 100,000)" in out and "build/baseline CPU:" in out
    assert "same quads and counts: yes" in out and "same query answers: yes" in out


def test_jsonld_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/jsonld.py", "--smoke")
    rows = [line for line in out.splitlines() if line.endswith((" yes", " NO"))]
    assert len(rows) == 4 and all(row.endswith(" yes") for row in rows), out  # 2 sizes, 2 files
    assert "designations.jsonld (framed)" in out and "target 100,000 triples/s" in out


def test_corpus_generator_runs_in_smoke_mode():
    out = _run("benchmarks/corpus.py", "--smoke")
    assert "articles: 2, seed 0" in out and "1696 per article" in out


def test_scale_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/scale.py", "--smoke")
    rows = {tuple(line.split()[0:3:2]) for line in out.splitlines() if line[:8].strip().isdigit()}
    assert {("1", "bare"), ("1", "current"), ("2", "bare"), ("2", "current")} <= rows, out
    assert "growth exponents" in out and "ratios current/bare" in out
    assert out.count("conforms: yes") == 2, out
    assert "rebuild enriched: 1 of 2" in out and "rebuild after one article changed" in out
    assert out.count("build with nothing changed says so: yes") == 2, out
    assert out.count("then `guian-kg build` with nothing changed since: ") == 2, out
    assert out.count("same query answer as bare: yes") == 2, out


def test_validate_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/validate.py", "--smoke")
    assert "old: pySHACL, every constraint" in out and "split: core on pySHACL" in out
    assert "new (the build's): all on Oxigraph" in out and "CPU ratio old/new" in out
    assert "DOES NOT CONFORM" not in out
    assert "gks:ReferenceShape" in out and "all SHACL-SPARQL constraints" in out


def test_validate_scale_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/validate_scale.py", "--smoke")
    rows = [line.split() for line in out.splitlines() if line.endswith("conforms")]
    # 1 and 2 copies on the oxigraph engine (its core on Oxigraph), 1 copy on pySHACL.
    assert [(row[0], row[2]) for row in rows] == [
        ("1", "oxigraph"),
        ("1", "pyshacl"),
        ("2", "oxigraph"),
    ]
    assert "(core on" not in out  # no fallback to pySHACL
    assert "growth exponent of oxigraph CPU time" in out and "CPU ratio pySHACL/oxigraph" in out


def test_shortcuts_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/shortcuts.py", "--smoke")
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["1"], ["2"])]
    assert [row[0] for row in rows] == ["1", "2"], out
    assert "growth exponent of the shortcut step" in out


def test_site_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/site.py", "--smoke")
    assert "articles: 2" in out and "resource documents per second" in out
    assert "things: 618, resource documents: 3,708, files: 4,427" in out
    assert "baseline, plain writes, same bytes" in out
    assert "streamed: publish_site" in out and ", 4,427 files written" in out
    assert "again, nothing changed: publish_site" in out and ", 0 files written" in out


def test_scan_rules_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/scan_rules.py", "--smoke")
    assert out.count("rule as written") == 5 and out.count("proof  ") == 3, out
    assert out.count("finds nothing: True") == 3 and "reports equal: yes" in out, out


def test_jsonld_groups_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/jsonld_groups.py", "--smoke")
    rows = [line for line in out.splitlines() if ": same bytes " in line]
    assert rows == ["guian-kg.jsonld: same bytes yes", "designations.jsonld: same bytes yes"], out
    assert "processes: this 1, baseline 1" in out and "2 articles" in out
    for label in ("CPU s, summed", "peak RSS MiB, largest", "above the fork MiB"):
        assert label in out, out
