"""What validation works out from each SHACL-SPARQL query with rdflib's parser, which is slow
(0.045 s a query: 0.7 s of every validation of the project's graph): how $this gets its value
(sparql_constraints), around which variable the query reads (locality), and its part in a cheaper
query that proves whole-graph rules find nothing (scan_proof).

The analyses of the project's own queries ship with the package (query_analyses.json, written by
`pytest --update-expected`; tests/test_query_analyses.py recomputes each). An entry counts only
for the code that made it: the file names the checksum of the analysing modules and the rdflib
and pyoxigraph releases that parsed, and is used only where both are the same; any query it does
not hold is analysed where it runs.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.metadata import version
from pathlib import Path

FILE = Path(__file__).with_name("query_analyses.json")
# The modules whose functions the analyses are.
CODE = ("sparql_constraints.py", "locality.py", "scan_proof.py", "sparql_tree.py")


def code_checksum() -> str:
    """Checksum of the analysing modules."""
    digest = hashlib.sha256()
    for name in CODE:
        digest.update(Path(__file__).with_name(name).read_bytes())
    return digest.hexdigest()[:32]


def parsers() -> str:
    return f"rdflib {version('rdflib')}, pyoxigraph {version('pyoxigraph')}"


def read() -> dict:
    """The shipped file: {"code": …, "parsers": …, "queries": {query key: analysis}}."""
    try:
        return json.loads(FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def query_key(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()[:32]


@cache
def _shipped() -> dict[str, dict]:
    table = read()
    current = table.get("code") == code_checksum() and table.get("parsers") == parsers()
    return table.get("queries", {}) if current else {}


def known(query: str) -> dict | None:
    """The shipped analysis of `query` ({"binding": …, "locality": locality.analysis_of's,
    "scan": … or null}), or None."""
    return _shipped().get(query_key(query))


def write(analyses: dict[str, dict]) -> None:
    """Ship `analyses` (query key → analysis) for the current code."""
    table = {
        "code": code_checksum(),
        "parsers": parsers(),
        "queries": dict(sorted(analyses.items())),
    }
    FILE.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    _shipped.cache_clear()
