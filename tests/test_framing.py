"""The framed documents written straight from Oxigraph quads (framing.py) are, byte for byte, what
PyLD's framing gives (the reference) on the project's graph and a generated corpus; frame
features and statements it does not handle are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from guian_kg import jsonld
from guian_kg.build import dump_files
from guian_kg.compaction import CompactionUnsupported, compactor
from guian_kg.framing import FRAMES, frame_quads, load_frame_document, read_frame
from guian_kg.iri import DEFAULT_BASE
from guian_kg.write import oxigraph_quads

ROOT = Path(__file__).resolve().parents[1]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def new_and_pyld(kg, name: str, base: str = DEFAULT_BASE) -> tuple[str, str]:
    pairs = jsonld.web_graphs(kg.graphs(base), base)
    new = frame_quads(oxigraph_quads(pairs), name, base)
    union = pairs[0][1] + pairs[1][1]
    return new, jsonld.dumps(jsonld.frame_with_pyld(union, name, base))


@pytest.mark.parametrize("name", FRAMES)
def test_each_frame_is_pyld_framing_byte_for_byte(kg, name):
    new, pyld = new_and_pyld(kg, name)
    assert new.count('"id": ') > 100 and new == pyld
    assert ": null" not in new  # PyLD ran without the omitDefault option: the frames say it


def test_the_designations_of_a_generated_corpus_frame_as_pyld_frames_them(corpus_kg):
    new, pyld = new_and_pyld(corpus_kg, "designation")
    assert [d["type"] for d in json.loads(new)["@graph"]] == [["Designation"]] * 20
    assert new == pyld


def test_another_base_frames_as_pyld_does(kg):
    base = "http://127.0.0.1:8000/"
    new, pyld = new_and_pyld(kg, "designation", base)
    assert json.loads(new)["@context"][0] == "http://127.0.0.1:8000/context.jsonld"
    assert new == pyld


def test_a_node_embedded_in_many_objects_is_framed_again_where_its_nodes_are_ancestors():
    """A node framed once is reused elsewhere (framing._Framer keeps it), but not where a node
    it embeds is an ancestor of the new place (there PyLD writes a reference to that node)."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDF, RDFS

    gk, data = "https://w3id.org/guian-kg/ontology#", "https://w3id.org/guian-kg/id/"
    graph = Graph()
    programme = URIRef(data + "programme/p")
    graph.add((programme, RDFS.label, Literal("计划", lang="zh")))
    designations = [URIRef(f"{data}designation/d{i}") for i in range(5)]
    for d in designations:
        graph.add((d, RDF.type, URIRef(gk + "Designation")))
        graph.add((d, URIRef(gk + "programme"), programme))
        graph.add((d, RDFS.label, Literal(d.rsplit("/", 1)[1], lang="en")))
    for d in designations[1::2]:  # embedded in the programme, which every designation embeds
        graph.add((programme, RDFS.seeAlso, d))
    new = frame_quads(oxigraph_quads([(None, graph)]), "designation")
    assert new == jsonld.dumps(jsonld.frame_with_pyld(graph, "designation"))
    framed = {d["id"]: d for d in json.loads(new)["@graph"]}
    seen_from_0 = framed["designation:d0"]["inProgramme"][0]["rdfs:seeAlso"]
    seen_from_1 = framed["designation:d1"]["inProgramme"][0]["rdfs:seeAlso"]
    assert sorted(map(len, seen_from_0)) == [4, 4] and sorted(map(len, seen_from_1)) == [1, 4]


def test_the_build_writes_the_new_framing(kg):
    files = dump_files(kg)
    assert files["designations.jsonld"].decode() == new_and_pyld(kg, "designation")[0]


@pytest.mark.parametrize(
    "change",
    [
        {"@embed": "@once"},
        {"@requireAll": True},
        {"heldBy": {"@id": "organization:x", "@omitDefault": True}},
        # matches on a property
        {
            "heldBy": {
                "rdfs:label": {"@omitDefault": True},
                "@embed": "@always",
                "@omitDefault": True,
            }
        },
        {"label": {"@omitDefault": True}},  # a language-mapped term: read as a language map
        {
            "inProgramme": {
                "@id": {},
                "@embed": "@always",
                "@type": "Programme",
                "@omitDefault": True,
            }
        },
        # without "@omitDefault": true, framing writes "heldBy": null where there is none
        {"heldBy": {"@id": {}, "@embed": "@always"}},
        {"heldBy": {"@id": {}, "@embed": "@always", "@omitDefault": False}},
    ],
)
def test_frame_features_it_does_not_handle_are_refused(change):
    frame = {**load_frame_document("designation"), **change}
    with pytest.raises(CompactionUnsupported):
        read_frame(frame, compactor(DEFAULT_BASE))


def test_a_node_value_under_a_frame_without_embed_is_refused():
    """heldBy's frame names "rdfs:label": {} (no @embed): PyLD would embed an IRI label @once,
    which is not implemented, so it is refused rather than written otherwise."""
    designation, org = (
        ox.NamedNode(f"{DEFAULT_BASE}id/designation/x"),
        ox.NamedNode(f"{DEFAULT_BASE}id/organization/y"),
    )
    quads = [
        ox.Quad(
            designation, ox.NamedNode(RDF_TYPE), ox.NamedNode(f"{DEFAULT_BASE}ontology#Designation")
        ),
        ox.Quad(designation, ox.NamedNode(f"{DEFAULT_BASE}ontology#heldBy"), org),
        ox.Quad(org, ox.NamedNode(RDFS_LABEL), ox.NamedNode("http://example.org/label")),
    ]
    assert '"heldBy": [\n        "organization:y"' in frame_quads(quads[:2], "designation")
    with pytest.raises(CompactionUnsupported, match="without @embed"):
        frame_quads(quads, "designation")


def test_a_blank_node_is_refused():
    quad = ox.Quad(ox.BlankNode("b"), ox.NamedNode("http://example.org/p"), ox.Literal("x"))
    with pytest.raises(CompactionUnsupported):
        frame_quads([quad], "designation")
