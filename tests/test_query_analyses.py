"""The analyses of the project's SHACL-SPARQL queries shipped with the package
(guian_kg/query_analyses.json) are what the current code works out; `pytest --update-expected`
writes them anew."""

from __future__ import annotations

import subprocess
import sys

from guian_kg import locality, query_analyses, scan_proof, sparql_constraints
from guian_kg.build import shapes_graph


def test_the_shipped_analyses_are_what_the_code_works_out(request, monkeypatch):
    asked: list[str] = []
    original = sparql_constraints.binding_of
    monkeypatch.setattr(query_analyses, "known", lambda query: None)
    monkeypatch.setattr(sparql_constraints, "binding_of", lambda q: asked.append(q) or original(q))
    sparql_constraints._binding.cache_clear()
    try:
        sparql_constraints.split(shapes_graph())
    finally:
        sparql_constraints._binding.cache_clear()
    assert len(asked) == 16  # the project's sh:sparql constraints
    computed = {
        query_analyses.query_key(q): {
            "binding": original(q),
            "locality": locality.analysis_of(q),
            "scan": scan_proof.analysis_of(q),
        }
        for q in asked
    }
    if request.config.getoption("--update-expected"):
        query_analyses.write(computed)
    shipped = query_analyses.read()
    assert shipped["code"] == query_analyses.code_checksum(), "run pytest --update-expected"
    if shipped["parsers"] == query_analyses.parsers():  # other releases: the file is not used
        assert shipped["queries"] == computed


def test_a_query_not_shipped_is_analysed_where_it_runs():
    query = "SELECT $this WHERE { $this <urn:p> ?o . ?o <urn:q> ?r }"
    assert query_analyses.known(query) is None
    assert sparql_constraints._binding(query) == sparql_constraints.FREE
    assert locality._analysis(query)["local"]["this"] is True


def test_validate_loads_no_sparql_parser_where_the_analyses_serve():
    """`guian-kg validate` of the real data, in a fresh process: rdflib's SPARQL parser (0.1 to
    0.2 s to build its grammar) is never loaded, the shipped analyses standing for its parses."""
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from guian_kg.cli import cli\n"
        "result = CliRunner().invoke(cli, ['validate'])\n"
        "print(result.exit_code, 'rdflib.plugins.sparql.parser' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["0", "False"]
