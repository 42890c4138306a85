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


def test_validate_benchmark_runs_in_smoke_mode():
    out = _run("benchmarks/validate.py", "--smoke")
    assert "old: pySHACL, every constraint" in out and "new: core on pySHACL" in out
    assert "CPU ratio old/new" in out
    assert "gks:ReferenceShape" in out and "all SHACL-SPARQL constraints" in out
