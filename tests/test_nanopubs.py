"""`guian-kg export --format nanopub`: each statement node as a nanopublication that the `nanopub`
library (PyPI) reads and whose trusty URI it verifies; the exact quads of one, an inferred date's
reason, the same bytes whatever PYTHONHASHSEED and without network, one per statement node of the
project's graph."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF

from guian_kg import DEFAULT_BASE
from guian_kg.build import load
from guian_kg.cli import cli
from guian_kg.corpus import Corpus
from guian_kg.errors import InputError
from guian_kg.formats import EXPORT_FORMATS, FORMATS, output_format
from guian_kg.nanopubs import nanopublications, source_date, statement_nodes, trig
from guian_kg.trusty import artifact_code

# The library reads rdflib's ConjunctiveGraph (its quads' graphs as Graph objects), deprecated in rdflib 7.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "nanopub-corpus"
GOLDEN = CORPUS / "figure-nanopub.trig"
NP = rdflib.Namespace("http://www.nanopub.org/nschema#")
GK = rdflib.Namespace("https://w3id.org/guian-kg/ontology#")
STATUS = rdflib.Namespace("https://w3id.org/guian-kg/id/status/")
CREATED = {"SOURCE_DATE_EPOCH": "1751241600"}  # 2025-06-30T00:00:00Z


@pytest.fixture(scope="module")
def fixture_kg():
    """The test corpus of four statement nodes (tests/nanopub-corpus/), read and enriched."""
    return load(corpus=Corpus(CORPUS))


@pytest.fixture(scope="module")
def exported(fixture_kg) -> str:
    return trig(nanopublications(fixture_kg.store, created=source_date(CREATED)))


@pytest.fixture
def nanopub_library(monkeypatch):
    """The `nanopub` library, reading literals as written (it sets rdflib.NORMALIZE_LITERALS off
    when imported; here only for the test that uses it)."""
    normalize = rdflib.NORMALIZE_LITERALS
    import nanopub
    from nanopub.trustyuri.rdf import RdfHasher

    rdflib.NORMALIZE_LITERALS = normalize
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)
    return nanopub, RdfHasher


def split(text: str) -> dict[URIRef, rdflib.ConjunctiveGraph]:
    """Each nanopublication of a TriG document as a graph of its own four named graphs, by IRI:
    the library reads one at a time."""
    dataset = Dataset()
    dataset.parse(data=text, format="trig")
    found = {}
    for this, _, _, head in dataset.quads((None, RDF.type, NP.Nanopublication, None)):
        part = rdflib.ConjunctiveGraph()
        names = [head] + [
            o
            for p in (NP.hasAssertion, NP.hasProvenance, NP.hasPublicationInfo)
            for o in dataset.graph(head).objects(this, p)
        ]
        for name in names:
            for triple in dataset.graph(name):
                part.add((*triple, part.get_context(name)))
        found[this] = part
    return found


@pytest.mark.parametrize("base", ["https://w3id.org/guian-kg/", "https://example.org/kg/"])
def test_the_nanopub_library_reads_each_nanopublication_and_verifies_its_trusty_uri(
    fixture_kg, nanopub_library, base
):
    nanopub, _ = nanopub_library
    found = split(trig(nanopublications(fixture_kg.store, base, source_date(CREATED)), base))
    assert len(found) == len(statement_nodes(fixture_kg.store)) == 4
    for iri, graph in found.items():
        assert str(iri).startswith(f"{base}np/RA")
        terms = {t for quad in graph.quads((None, None, None, None)) for t in quad[:3]}
        assert base == DEFAULT_BASE or not any(str(t).startswith(DEFAULT_BASE) for t in terms)
        publication = nanopub.Nanopub(rdf=graph)
        assert publication.source_uri == str(iri)
        assert publication.is_valid
        assert publication.has_valid_trusty


def test_a_nanopublication_changed_after_export_fails_the_library_s_check(
    exported, nanopub_library
):
    nanopub, _ = nanopub_library
    changed = exported.replace("qudt:value 120 ", "qudt:value 121 ")
    assert changed != exported
    (graph,) = [g for g in split(changed).values() if (None, None, Literal(121)) in g]
    with pytest.raises(nanopub.utils.MalformedNanopubError, match="is not valid"):
        assert nanopub.Nanopub(rdf=graph).has_valid_trusty


def test_our_artifact_code_is_the_library_s_on_literals_of_every_kind(nanopub_library):
    """Language tags (upper case, and a tagged and a plain literal of one text), datatypes, a
    newline and a backslash, a quad twice, and IRIs of the nanopublication itself."""
    _, hasher = nanopub_library
    ns = "https://example.org/np/"
    g = URIRef(f"{ns}%20#assertion")
    s = URIRef("https://example.org/s")
    objects = [
        Literal("a", lang="en-GB"),
        Literal("a"),
        Literal("a", datatype=URIRef("https://example.org/t")),
        Literal("1", datatype=rdflib.XSD.integer),
        Literal("line\nbreak \\ back"),
        URIRef(f"{ns}%20"),
        URIRef("https://example.org/o"),
    ]
    quads = [(s, URIRef(f"https://example.org/p{i}"), o, g) for i, o in enumerate(objects)]
    quads += [(s, URIRef("https://example.org/p0"), o, g) for o in objects]
    ours = artifact_code(
        (ox.Quad(*(_ox(t) for t in (s_, p, o, c))) for s_, p, o, c in quads), namespace=ns
    )
    assert ours == hasher.make_hash([(_spaced(c), s_, p, _spaced(o)) for s_, p, o, c in quads])
    assert ours.startswith("RA") and len(ours) == 45


def _ox(term):
    from guian_kg.terms import to_oxigraph

    return to_oxigraph(term)


def _spaced(term):
    return URIRef(str(term).replace("%20", " ")) if isinstance(term, URIRef) else term


def test_the_nanopublication_of_a_figure_holds_exactly_the_golden_quads(fixture_kg, request):
    """Assertion: the figure's triple; provenance: its narrow quote with offsets and its sentence,
    status and stated forms; publication info: licence, publisher, time, the export that made it."""
    nanopubs = nanopublications(fixture_kg.store, created=source_date(CREATED))
    figure = ox.Literal("120", datatype=ox.NamedNode(str(rdflib.XSD.integer)))
    (quads,) = [n for n in nanopubs if any(q.object == figure for q in n)]
    if request.config.getoption("--update-expected"):
        GOLDEN.write_text(trig([quads]), encoding="utf-8")
    assert set(quads) == set(ox.parse(GOLDEN.read_bytes(), format=ox.RdfFormat.TRIG))


def test_an_inferred_date_s_provenance_holds_its_status_and_reason(exported):
    date = Literal("2025-05", datatype=rdflib.XSD.gYearMonth)
    (graph,) = [g for g in split(exported).values() if (None, GK.date, date) in g]
    (this,) = graph.subjects(RDF.type, NP.Nanopublication)
    (assertion,) = graph.objects(this, NP.hasAssertion)
    (provenance,) = graph.objects(this, NP.hasProvenance)
    said = graph.get_context(provenance)
    assert set(said.objects(assertion, GK.status)) == {STATUS.inferred}
    assert set(said.objects(assertion, GK.inferenceReason)) == {
        Literal("原文为“截至今年5月”，未写年份；测试稿取为2025年。", lang="zh"),
        Literal(
            "The text says 截至今年5月 (as of May this year) without a year; "
            "the test article takes it to be 2025.",
            lang="en",
        ),
    }
    (quote,) = said.objects(assertion, rdflib.PROV.wasDerivedFrom)
    oa = rdflib.Namespace("http://www.w3.org/ns/oa#")
    assert said.value(quote, oa.exact) == Literal("截至今年5月")
    assert (said.value(quote, oa.start), said.value(quote, oa.end)) == (Literal(51), Literal(57))
    sentence = said.value(quote, GK.sentence)
    assert said.value(sentence, oa.exact) == Literal("截至今年5月，贵安新区已建成测试数据中心12个")


def test_the_export_is_byte_identical_across_hash_seeds_and_needs_no_network(tmp_path):
    """Run with the kernel refusing every socket (guian_kg.sandbox), as the `guian-kg` program runs."""
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from guian_kg.sandbox import deny_network
        deny_network()
        from guian_kg.build import load
        from guian_kg.corpus import Corpus
        from guian_kg.nanopubs import nanopublications, source_date, trig
        kg = load(corpus=Corpus(Path({str(CORPUS)!r})), cache_dir=None)
        print(trig(nanopublications(kg.store, created=source_date())), end="")
        """
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, **CREATED}
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, env=env, timeout=300, check=False
        )
        assert run.returncode == 0, run.stderr.decode()
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b" a np:Nanopublication ") == 4


def test_the_creation_time_is_source_date_epoch_s_or_none():
    assert source_date(CREATED) == "2025-06-30T00:00:00Z"
    assert source_date({}) is None
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH must be a number"):
        source_date({"SOURCE_DATE_EPOCH": "yesterday"})


def test_a_statement_whose_triple_is_not_in_the_graph_is_refused_naming_it(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    facts = corpus / "articles" / "fixture-statements" / "statements.ttl"
    text = facts.read_text(encoding="utf-8")
    facts.write_text(text.replace("    rdf:object 120 ;", "    rdf:object 121 ;"), "utf-8")
    kg = load(corpus=Corpus(corpus), cache_dir=None)
    with pytest.raises(InputError, match=r"--value>: its triple is not in the graph"):
        nanopublications(kg.store)


def test_nanopub_takes_a_trig_file_name_and_refuses_another():
    assert output_format("nanopub", Path("n.trig"), EXPORT_FORMATS, "ttl", "export") == "nanopub"
    assert output_format(None, Path("n.trig"), EXPORT_FORMATS, "ttl", "export") == "trig"
    with pytest.raises(InputError, match=r"--format nanopub contradicts the file name n\.nq"):
        output_format("nanopub", Path("n.nq"), EXPORT_FORMATS, "ttl", "export")
    with pytest.raises(InputError, match="unknown format 'nanopub' for query"):
        output_format("nanopub", None, FORMATS, "ttl", "query")


def test_the_project_graph_gives_one_nanopublication_per_statement_node(kg, tmp_path):
    """Compared with a SPARQL count of the graph's statement nodes; with none, export says so and
    exits 2 rather than write an empty file."""
    (row,) = kg.store.query(
        "SELECT (COUNT(DISTINCT ?st) AS ?n) WHERE { GRAPH ?g { ?st a rdf:Statement } }",
        prefixes={"rdf": str(RDF)},
    )
    statements = int(row["n"].value)
    out = tmp_path / "nanopubs.trig"
    result = CliRunner().invoke(cli, ["export", "--format", "nanopub", "-o", str(out)])
    if statements == 0:
        assert result.exit_code == 2, result.output
        assert "the graph holds no statement nodes" in result.stderr
        assert not out.exists()
    else:
        assert result.exit_code == 0, result.output
        assert len(split(out.read_text(encoding="utf-8"))) == statements


def test_the_readme_s_check_verifies_every_nanopublication(exported, tmp_path):
    """The README's Python block, run as written next to the exported nanopubs.trig."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Nanopublications\n", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "nanopubs.trig").write_text(exported, encoding="utf-8")
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, env=env, timeout=300
    )
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode() == "4 nanopublications, every trusty URI verified\n"
