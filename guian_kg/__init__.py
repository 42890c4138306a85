"""guian-kg: the national-level designations of Gui'an New Area as a linked-data knowledge graph."""

import os
from pathlib import Path

__version__ = "0.1.0"
# The base of every published IRI (`--base` moves them). Here, not in iri.py, so that modules
# that must start fast (the query command, the corpus) need not import rdflib to know it.
DEFAULT_BASE = "https://w3id.org/guian-kg/"


def default_cache_dir() -> Path:
    """Where guian-kg keeps what it can make again (query caches, stores, enriched articles):
    $GUIAN_KG_CACHE_DIR, else $XDG_CACHE_HOME/guian-kg, else ~/.cache/guian-kg."""
    if os.environ.get("GUIAN_KG_CACHE_DIR"):
        return Path(os.environ["GUIAN_KG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "guian-kg"
