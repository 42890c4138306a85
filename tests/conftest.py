"""Shared fixtures: the loaded knowledge graph and a built dist/ (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from guian_kg.build import KnowledgeGraph, build, load

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The project's knowledge graph, loaded and enriched (not validated)."""
    return load()


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    """A dist/ folder built from the project's data into a temporary directory."""
    out = tmp_path_factory.mktemp("build") / "dist"
    build(out)
    return out
