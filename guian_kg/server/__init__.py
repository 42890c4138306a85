"""`guian-kg serve`: the graph as linked data with a SPARQL 1.1 endpoint (Starlette + uvicorn).

Kept import-free so that query worker processes, which import `guian_kg.server.workers`, start
without loading Starlette, Jinja or rdflib.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
