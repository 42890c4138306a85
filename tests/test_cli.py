"""The CLI: documented exit codes (0 ok, 1 does not conform, 2 usage or input error), stdout vs stderr."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph

from guian_kg.cli import cli
from guian_kg.resources import resource_dir

PREFIXES = textwrap.dedent("""\
    @prefix gk: <https://w3id.org/guian-kg/ontology#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix oa: <http://www.w3.org/ns/oa#> .
    @prefix dcterms: <http://purl.org/dc/terms/> .
    @prefix quote: <https://w3id.org/guian-kg/id/quote/> .
    @prefix claim: <https://w3id.org/guian-kg/id/claim/> .
    @prefix article: <https://w3id.org/guian-kg/id/article/> .
""")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def previous_dist(tmp_path) -> Path:
    """A dist/ folder from an earlier build, which a failing build must leave untouched."""
    from guian_kg.publish import publish

    out = tmp_path / "dist"
    publish({"guian-kg.ttl": b"# the previous build\n"}, out)  # with its manifest: ours to replace
    return out


def data_with(tmp_path: Path, name: str, extra: str) -> Path:
    """A copy of the project's corpus with one extra file of facts in its article."""
    folder = tmp_path / "data"
    shutil.copytree(resource_dir("data"), folder)
    (folder / "articles" / "guian-national-designations" / name).write_text(extra, encoding="utf-8")
    return folder


def test_build_publishes_dist_and_lists_the_files(runner, tmp_path):
    out = tmp_path / "dist"
    result = runner.invoke(cli, ["build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(Path(line).name for line in result.stdout.splitlines()) == sorted(
        p.name for p in out.iterdir()
    )
    assert "built" in result.stderr


def test_malformed_turtle_names_file_and_line_exits_2_and_leaves_dist_untouched(
    runner, tmp_path, previous_dist
):
    data = data_with(tmp_path, "broken.ttl", PREFIXES + '\nclaim:x rdfs:label "unterminated .\n')
    result = runner.invoke(cli, ["build", "--out", str(previous_dist), "--data", str(data)])
    assert result.exit_code == 2, result.output
    assert "broken.ttl:9:" in result.stderr
    assert (previous_dist / "guian-kg.ttl").read_text() == "# the previous build\n"
    assert result.stdout == ""


def test_a_quote_not_in_the_source_fails_naming_the_fact_and_publishes_nothing(
    runner, tmp_path, previous_dist
):
    extra = PREFIXES + textwrap.dedent("""
        claim:invented gk:quote quote:invented .
        quote:invented a gk:Quote ; oa:exact "贵安新区荣获诺贝尔奖" ;
            dcterms:source article:guian-national-designations .
    """)
    result = runner.invoke(
        cli,
        ["build", "--out", str(previous_dist), "--data", str(data_with(tmp_path, "x.ttl", extra))],
    )
    assert result.exit_code == 1, result.output
    assert "https://w3id.org/guian-kg/id/claim/invented" in result.stderr
    assert "贵安新区荣获诺贝尔奖" in result.stderr
    assert (previous_dist / "guian-kg.ttl").read_text() == "# the previous build\n"


def test_a_shacl_violation_prints_a_readable_report_exits_1_and_publishes_nothing(
    runner, tmp_path, previous_dist
):
    extra = PREFIXES + '\nclaim:unlabelled a gk:Claim ; rdfs:label "无英文名称"@zh .\n'
    data = data_with(tmp_path, "x.ttl", extra)
    result = runner.invoke(cli, ["build", "--out", str(previous_dist), "--data", str(data)])
    assert result.exit_code == 1, result.output
    assert "Does not conform" in result.stderr
    assert "claim:unlabelled" in result.stderr
    assert (previous_dist / "guian-kg.ttl").read_text() == "# the previous build\n"


def test_validate_conforms_on_the_project_data(runner):
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Conforms")


@pytest.mark.parametrize("fmt", ["text", "json", "turtle"])
def test_validate_reports_violations_in_each_format_and_exits_1(runner, tmp_path, fmt):
    extra = PREFIXES + '\nclaim:unlabelled a gk:Claim ; rdfs:label "无英文名称"@zh .\n'
    data = data_with(tmp_path, "x.ttl", extra)
    result = runner.invoke(cli, ["validate", str(data), "--format", fmt])
    assert result.exit_code == 1, result.output
    if fmt == "json":
        report = json.loads(result.stdout)
        assert report["conforms"] is False
        assert any(r["focus"].endswith("/claim/unlabelled") for r in report["results"])
    elif fmt == "turtle":
        assert len(Graph().parse(data=result.stdout, format="turtle")) > 0
    else:
        assert "claim:unlabelled" in result.stdout


def test_validate_of_a_missing_file_is_an_input_error(runner, tmp_path):
    result = runner.invoke(cli, ["validate", str(tmp_path / "nope.ttl")])
    assert result.exit_code == 2
    assert "nope.ttl" in result.stderr


@pytest.mark.parametrize(
    "fmt,parse_as",
    [
        ("ttl", "turtle"),
        ("nt", "nt"),
        ("nq", "nquads"),
        ("trig", "trig"),
        ("jsonld", "json-ld"),
        ("rdfxml", "xml"),
    ],
)
def test_export_writes_each_format_to_stdout(runner, kg, fmt, parse_as):
    result = runner.invoke(cli, ["export", "--format", fmt])
    assert result.exit_code == 0, result.stderr
    ds = Dataset()
    ds.parse(data=result.stdout, format=parse_as)
    assert len({q[:3] for q in ds.quads((None, None, None, None))}) == len(kg.union())


def test_export_to_a_file(runner, tmp_path):
    target = tmp_path / "out.nq"
    result = runner.invoke(cli, ["export", "--format", "nq", "-o", str(target)])
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").count("\n") > 1000


def test_an_unknown_format_is_a_usage_error(runner):
    result = runner.invoke(cli, ["export", "--format", "csv"])
    assert result.exit_code == 2


def test_stats_counts_the_ten_numbered_designations(runner):
    result = runner.invoke(cli, ["stats", "--json"])
    assert result.exit_code == 0
    figures = json.loads(result.stdout)
    assert figures["numbered_designations"] == 10
    assert figures["triples"]["total"] == sum(
        v for k, v in figures["triples"].items() if k != "total"
    )


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: guian-kg " + command in result.stdout


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_the_readme_command_table_lists_every_command(command):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Command line") :].split("\n## ", 1)[0]
    assert f"| `guian-kg {command}" in table
