"""The wheel carries what an installed guian-kg needs: ontology, data, source text, shapes, queries."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from the checkout, offline (no build isolation: hatchling comes with the test extras)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("guian_kg-*.whl")
    return found


def test_the_wheel_bundles_every_turtle_file_the_source_and_the_queries(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("ontology", "data", "shapes", "queries"):
        files = [p for p in (ROOT / folder).rglob("*") if p.is_file()]
        assert files, folder
        for path in files:
            assert f"guian_kg/_bundled/{path.relative_to(ROOT).as_posix()}" in names, path
    assert "guian_kg/context.jsonld" in names
    package = ROOT / "guian_kg"
    for pattern in (
        "frames/*.jsonld",
        "schemas/*.schema.json",
        "server/templates/*.html",
        "server/static/*",
    ):
        files = sorted(package.glob(pattern))
        assert files, pattern
        for path in files:
            assert f"guian_kg/{path.relative_to(package).as_posix()}" in names, path


def test_an_installed_wheel_builds_dist_without_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    # Run from an empty folder with only the installed package (and the venv's dependencies) on the path.
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import guian_kg.resources as r, sys; print(r.resource_dir('data'))",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().startswith(str(target))
    build = subprocess.run(
        [sys.executable, "-m", "guian_kg", "build", "--out", "dist"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    assert (tmp_path / "dist" / "guian-kg.ttl").stat().st_size > 100_000
