"""The command line's formats: one table of names and aliases for every command, the format of
`-o FILE` from its extension, `query -o`, `validate` of the dumps, of stdin and in a given syntax,
`stats` of a built folder or of files, and progress only on a terminal."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pty
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph

from guian_kg.cli import cli
from guian_kg.errors import InputError
from guian_kg.formats import FORMATS, RESULT_FORMATS, named, output_format
from guian_kg.progress import Progress

UNLABELLED = (
    "<https://w3id.org/guian-kg/id/claim/unlabelled> "
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://w3id.org/guian-kg/ontology#Claim> <https://w3id.org/guian-kg/graph/data> .\n"
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner, args, code=0, **kwargs):
    result = runner.invoke(cli, args, **kwargs)
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


ALIASES = [
    ("ttl", "ttl"),
    ("turtle", "ttl"),
    ("TTL", "ttl"),
    ("nt", "nt"),
    ("ntriples", "nt"),
    ("n-triples", "nt"),
    ("nq", "nq"),
    ("nquads", "nq"),
    ("n-quads", "nq"),
    ("trig", "trig"),
    ("jsonld", "jsonld"),
    ("json-ld", "jsonld"),
    ("rdfxml", "rdfxml"),
    ("xml", "rdfxml"),
]


@pytest.mark.parametrize(("name", "canonical"), ALIASES)
def test_every_rdf_format_name_and_alias(name, canonical):
    assert named(name, FORMATS, "export") == canonical


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("table", "table"),
        ("csv", "csv"),
        ("tsv", "tsv"),
        ("json", "json"),
        ("srj", "json"),
        ("xml", "xml"),
        ("srx", "xml"),
    ],
)
def test_every_result_format_name_and_alias(name, canonical):
    assert named(name, RESULT_FORMATS, "query") == canonical


@pytest.mark.parametrize(
    ("fmt", "output", "chosen"),
    [
        (None, None, "ttl"),
        (None, "g.nq", "nq"),
        (None, "g.NQ", "nq"),
        (None, "g.trig", "trig"),
        (None, "g.jsonld", "jsonld"),
        (None, "g.rdf", "rdfxml"),
        ("turtle", "g.ttl", "ttl"),
        ("nquads", "g.nq", "nq"),
        ("nt", "/dev/stdout", "nt"),  # no extension: --format decides
    ],
)
def test_the_output_format_comes_from_format_or_the_extension(fmt, output, chosen):
    path = Path(output) if output else None
    assert output_format(fmt, path, FORMATS, "ttl", "export") == chosen


def test_a_format_contradicting_the_extension_is_refused_clearly():
    with pytest.raises(InputError) as caught:
        output_format("ttl", Path("g.nq"), FORMATS, "ttl", "export")
    assert str(caught.value) == (
        "--format ttl contradicts the file name g.nq (nq); drop --format, or name the file .ttl"
    )


def test_an_extension_that_names_no_format_asks_for_format():
    with pytest.raises(InputError) as caught:
        output_format(None, Path("g.json"), FORMATS, "ttl", "export")
    assert str(caught.value).startswith("cannot tell the format of g.json from its extension")


@pytest.mark.parametrize(("fmt", "parse_as"), [("turtle", "turtle"), ("n-quads", "nquads")])
def test_export_takes_the_aliases(runner, kg, fmt, parse_as):
    result = run(runner, ["export", "--format", fmt])
    dataset = Dataset().parse(data=result.stdout, format=parse_as)
    assert len({q[:3] for q in dataset.quads((None, None, None, None))}) == len(kg.union())


@pytest.mark.parametrize(("name", "parse_as"), [("g.nq", "nquads"), ("g.trig", "trig")])
def test_export_writes_the_format_its_file_name_says(runner, kg, tmp_path, name, parse_as):
    target = tmp_path / name
    result = run(runner, ["export", "-o", str(target)])
    assert result.stderr == f"wrote {target}\n"
    dataset = Dataset().parse(target, format=parse_as)
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == {f"https://w3id.org/guian-kg/graph/{n}" for n in ("ontology", "data", "void")}


def test_export_refuses_a_contradiction_and_writes_nothing(runner, tmp_path):
    target = tmp_path / "g.nq"
    result = run(runner, ["export", "--format", "ttl", "-o", str(target)], code=2)
    assert "--format ttl contradicts the file name" in result.stderr
    assert not target.exists()


def test_query_takes_the_rdf_aliases_for_a_graph(runner):
    turtle = run(runner, ["query", "describe-a-place", "--format", "ttl"]).stdout
    also = run(runner, ["query", "describe-a-place", "--format", "turtle"]).stdout
    assert turtle == also and len(Graph().parse(data=turtle, format="turtle")) > 0
    xml = run(runner, ["query", "describe-a-place", "--format", "xml"]).stdout
    assert len(Graph().parse(data=xml, format="xml")) == len(Graph().parse(data=turtle))


def test_query_writes_to_a_file_in_the_format_of_its_extension(runner, tmp_path):
    target = tmp_path / "timeline.srj"
    result = run(runner, ["query", "timeline", "-o", str(target)])
    assert result.stdout == "" and result.stderr == f"wrote {target}\n"
    results = json.loads(target.read_text(encoding="utf-8"))
    assert results["head"]["vars"][:2] == ["date", "precision"]
    csv = tmp_path / "timeline.csv"
    run(runner, ["query", "timeline", "-o", str(csv)])
    stdout = run(runner, ["query", "timeline", "--format", "csv"]).stdout
    assert csv.read_text(encoding="utf-8") == stdout
    graph = tmp_path / "place.nt"
    run(runner, ["query", "describe-a-place", "-o", str(graph)])
    assert len(Graph().parse(graph, format="nt")) > 0


def test_query_refuses_an_unknown_format_before_running(runner):
    result = run(runner, ["query", "no-such-example", "--format", "yaml"], code=2)
    assert result.stderr.startswith("error: unknown format 'yaml' for query; choose one of: table")


def test_query_refuses_a_file_name_that_contradicts_format(runner, tmp_path):
    target = tmp_path / "t.csv"
    result = run(runner, ["query", "timeline", "--format", "json", "-o", str(target)], code=2)
    assert "--format json contradicts the file name" in result.stderr
    assert not target.exists()


@pytest.mark.parametrize("name", ["guian-kg.nq", "guian-kg.trig", "guian-kg.jsonld"])
def test_validate_reads_the_dumps_build_writes(runner, dist, name):
    result = run(runner, ["validate", str(dist / name)])
    assert result.stdout == "Conforms: the graph satisfies every shape.\n"


def test_validate_finds_a_violation_in_a_dump(runner, dist, tmp_path):
    dump = tmp_path / "broken.nq"
    dump.write_bytes((dist / "guian-kg.nq").read_bytes() + UNLABELLED.encode())
    result = run(runner, ["validate", str(dump), "--format", "json"], code=1)
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert {r["focus"] for r in report["results"]} == {
        "https://w3id.org/guian-kg/id/claim/unlabelled"
    }


def test_validate_reads_stdin_in_the_syntax_given(runner, dist):
    nquads = (dist / "guian-kg.nq").read_bytes()
    result = run(runner, ["validate", "--data-format", "nquads", "-"], input=nquads)
    assert result.stdout == "Conforms: the graph satisfies every shape.\n"
    broken = run(
        runner, ["validate", "--data-format", "nq", "-"], input=nquads + UNLABELLED.encode(), code=1
    )
    assert "claim:unlabelled" in broken.stdout


def test_validate_stdin_is_turtle_by_default_and_named_in_errors(runner):
    result = run(runner, ["validate", "-"], input="not turtle\n", code=2)
    assert result.stderr.startswith("error: <stdin>:1: ")


def test_data_format_overrides_the_extension(runner, dist, tmp_path):
    renamed = tmp_path / "dump.txt"
    renamed.write_bytes((dist / "guian-kg.nq").read_bytes())
    result = run(runner, ["validate", "--data-format", "n-quads", str(renamed)])
    assert result.stdout.startswith("Conforms")
    wrong = run(runner, ["validate", "--data-format", "ttl", str(dist / "guian-kg.nq")], code=2)
    assert wrong.stderr.startswith(f"error: {dist / 'guian-kg.nq'}:1: ")  # the name as given
    unknown = run(runner, ["validate", "--data-format", "yaml", "-"], input="", code=2)
    assert unknown.stderr.startswith("error: unknown format 'yaml' for --data-format")


STATS_TABLE = """\
triples:
  in the ontology graph                          986
  in the data graph                            5,461
  in the void graph                              144
  in all                                       6,591
designations                                      13
numbered designations                             10
observations                                      58
milestones                                         4
claims                                            46
quotes                                           228
instances per class in the data graph:
"""


def test_stats_table_uses_words(runner):
    assert run(runner, ["stats"]).stdout.startswith(STATS_TABLE)


def test_stats_of_a_built_folder_and_of_files(runner, dist):
    project = json.loads(run(runner, ["stats", "--json"]).stdout)
    assert json.loads(run(runner, ["stats", "--dist", str(dist), "--json"]).stdout) == project
    assert run(runner, ["stats", "--dist", str(dist)]).stdout.startswith(STATS_TABLE)
    turtle = json.loads(run(runner, ["stats", str(dist / "guian-kg.ttl"), "--json"]).stdout)
    assert turtle["triples"] == {"default": 6591, "total": 6591}
    # No named graph: the default graph is counted, the ontology's classes with the data's.
    others = ("triples", "classes")
    assert {k: v for k, v in turtle.items() if k not in others} == {
        k: v for k, v in project.items() if k not in others
    }
    assert turtle["classes"] == project["classes"] | {
        k: v for k, v in turtle["classes"].items() if k not in project["classes"]
    }
    assert turtle["classes"]["owl:Class"] > 0
    both = run(runner, ["stats", "--dist", str(dist), str(dist / "guian-kg.ttl")], code=2)
    assert "give --dist or FILES, not both" in both.stderr


def test_progress_draws_on_a_terminal_and_clears_its_line():
    controller, terminal = pty.openpty()
    with os.fdopen(terminal, "w") as stream, Progress(stream) as progress:
        progress.step("validating 3,828 triples")
    drawn = b""
    with contextlib.suppress(OSError):  # EIO: the terminal side is closed, all is read
        while chunk := os.read(controller, 1024):
            drawn += chunk
    os.close(controller)
    text = drawn.decode()
    assert text.startswith("\r\x1b[Kvalidating 3,828 triples… 0 s")
    assert text.endswith("\r\x1b[K")


def test_progress_writes_nothing_in_a_pipe():
    stream = io.StringIO()
    with Progress(stream) as progress:
        progress.step("validating")
    assert stream.getvalue() == ""


def test_build_and_validate_print_no_progress_in_a_pipe(runner, tmp_path):
    assert run(runner, ["validate"]).stderr == ""
    build = run(runner, ["build", "--out", str(tmp_path / "dist")])
    assert build.stderr.startswith("built 6591 triples into ")
