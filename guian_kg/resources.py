"""Where the bundled Turtle, shapes, queries and source text live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

from .corpus import Corpus

_PACKAGE = Path(__file__).resolve().parent
# A wheel carries the top-level folders under guian_kg/_bundled (see pyproject's force-include);
# a checkout (and an editable install) reads them from the repository root.
_ROOTS = (_PACKAGE / "_bundled", _PACKAGE.parent)


def resource_dir(name: str) -> Path:
    """Return the folder `name` (ontology, data, shapes, queries), installed or in a checkout."""
    for root in _ROOTS:
        candidate = root / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"guian-kg resource folder {name!r} not found under {_ROOTS}")


def ontology_files() -> list[Path]:
    return sorted(resource_dir("ontology").glob("*.ttl"))


def corpus() -> Corpus:
    """The project's corpus (data/): shared things and one folder per article."""
    return Corpus(resource_dir("data"))


def data_files() -> list[Path]:
    return corpus().fact_files


def shapes_files() -> list[Path]:
    return sorted(resource_dir("shapes").glob("*.ttl"))


def context_path() -> Path:
    return _PACKAGE / "context.jsonld"
