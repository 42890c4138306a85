"""designations.jsonld as a web developer reads it: one JSON type per key, dates as strings, units
with label and symbol, valid against its published JSON Schema, the README's fetch() example
run on it; and, read as JSON-LD with the context, exactly the triples it was framed from."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import jsonschema
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from guian_kg import jsonld
from guian_kg.namespaces import GK, QUDT

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE_MAPS = ("label", "comment", "title", "cohortUnit", "inferenceReason", "definition")


@pytest.fixture(scope="module")
def designations(dist) -> dict:
    return json.loads((dist / "designations.jsonld").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(dist) -> jsonschema.Draft202012Validator:
    schema = json.loads((dist / "designations.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def json_types(doc) -> dict[str, set[str]]:
    """Key → the JSON types of its values over the whole document (a language map's entries
    counted under their map: `label.*`)."""
    found: dict[str, set[str]] = defaultdict(set)

    def walk(value, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                inner = f"{key}.*" if key in (*LANGUAGE_MAPS, "altLabel") else k
                found[inner].add(type(v).__name__)
                if k != "@context":
                    walk(v, inner)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)

    walk(doc, "")
    return found


def objects(value):
    """Every object (dict) of a JSON document."""
    if isinstance(value, dict):
        yield value
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from objects(item)


# ---------------------------------------------------------------- one JSON type per key


@pytest.mark.parametrize("name", jsonld.FRAMES)
def test_each_key_of_a_framed_document_has_one_json_type(kg, name):
    doc = json.loads(jsonld.export(kg.graphs(), frame_name=name))
    types = json_types(doc["@graph"])
    mixed = {key: sorted(kinds) for key, kinds in types.items() if len(kinds) > 1}
    assert not mixed and len(types) > 20, mixed
    assert types["type"] == {"list"} and types["label.*"] == {"str"}
    assert not [key for key in types if key.startswith("@")], "no @value, @language, @id …"


def test_dates_are_strings_at_their_precision_with_the_precision_beside(designations):
    dated = [o for o in objects(designations["@graph"]) if {"date", "month", "year"} & set(o)]
    precision = {"date": "precision:day", "month": "precision:month", "year": "precision:year"}
    pattern = {"date": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}", "year": r"\d{4}"}
    seen = set()
    for thing in dated:
        (key,) = {"date", "month", "year"} & set(thing)
        seen.add(key)
        assert re.fullmatch(pattern[key], thing[key]), thing["id"]
        assert thing["datePrecision"]["id"] == precision[key], thing["id"]
        assert thing["periodStart"].startswith(thing[key]) and thing["periodEnd"] >= thing[key]
    assert seen == {"date", "month", "year"} and len(dated) > 20


def test_figures_are_a_number_or_exact_digits_and_units_have_label_and_symbol(designations):
    figures = [o for o in objects(designations["@graph"]) if "hasUnit" in o]
    assert len(figures) > 40
    for figure in figures:
        assert ("value" in figure) != ("decimalValue" in figure), figure["id"]
        if "value" in figure:
            assert isinstance(figure["value"], int) and abs(figure["value"]) < 2**31
        else:
            assert re.fullmatch(r"-?(0|[1-9]\d*)(\.\d*[1-9])?", figure["decimalValue"])
        unit = figure["hasUnit"]
        assert set(unit["label"]) == {"zh", "en"} and unit["symbol"], unit
    decimals = {f["id"]: f["decimalValue"] for f in figures if "decimalValue" in f}
    assert decimals["observation:big-data-internet-services-revenue-2024"] == "70000000000"
    units = {f["hasUnit"]["id"]: f["hasUnit"]["symbol"] for f in figures}
    assert units["unit:KiloM2"] == "km²" and units["unit:PERCENT"] == "%"
    assert units["gk:WorkingDay"] == "工作日"


# ---------------------------------------------------------------- the schema


def test_the_published_designations_validate_against_their_schema(designations, validator):
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(designations)]
    assert not errors, errors[:10]


@pytest.mark.parametrize(
    "path,old",
    [
        (("date",), {"@value": "2015-11-09", "type": "xsd:date"}),  # the shapes of release 0.1
        (("type",), "Designation"),
        (("facts", 0, "hasUnit"), "unit:NUM"),
        (("facts", 0, "value"), {"@value": "70.6", "type": "xsd:decimal"}),
        (("facts", 0, "decimalValue"), 70.6),
        (("month",), "2015-11-09"),
        (("nickname",), "a key the schema does not describe"),
    ],
)
def test_the_schema_refuses_other_shapes(designations, validator, path, old):
    doc = copy.deepcopy(designations)
    target = next(
        d for d in doc["@graph"] if d["id"].endswith("internet-backbone-direct-connection-point")
    )
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = old
    assert not validator.is_valid(doc)


def test_the_schema_is_published_under_the_base(kg):
    schema = json.loads(jsonld.schema_file("http://127.0.0.1:8000/"))
    assert schema["$id"] == "http://127.0.0.1:8000/designations.schema.json"
    assert (
        json.loads(jsonld.schema_file())["$id"]
        == "https://w3id.org/guian-kg/designations.schema.json"
    )


# ---------------------------------------------------------------- the README's example


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## JSON for web developers\n", 1)[1]
    return section.split("```js\n", 1)[1].split("```\n", 1)[0]


def js_number(value) -> str:
    """A number as JavaScript's console.log writes it."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def example_lines(designations: dict) -> list[str]:
    """What the README's example prints, computed in Python from the fields it reads."""
    lines = []
    things = sorted(designations["@graph"], key=lambda d: d.get("sequenceNumber", 99))
    for d in things:
        when = d.get("date", d.get("month", d.get("year", "undefined")))
        precision = d["datePrecision"]["label"]["en"] if "datePrecision" in d else "undefined"
        number = d.get("sequenceNumber", "·")
        lines.append(f"{number} {d['label']['zh']} {d['label']['en']} {when} {precision}")
        for i in d.get("involvements", []):
            lines.append(f"   {i['agent']['label']['en']} — {i['hadRole']['label']['en']}")
        for f in (f for f in d.get("facts", []) if "Observation" in f["type"]):
            value = f["value"] if "value" in f else float(f["decimalValue"])
            lines.append(
                f"   {f['label']['en']} {js_number(value)} {f['hasUnit']['symbol']} "
                f"{f['statedValue']} {f['quotes'][0]['exact']}"
            )
    return lines


def test_the_readme_example_reads_fields_every_designation_has(designations):
    example = readme_example()
    for field in ("d.date ?? d.month ?? d.year", "f.value ?? Number(f.decimalValue)"):
        assert field in example
    lines = example_lines(designations)
    assert len(lines) > 60 and not [line for line in lines if "None" in line]
    assert (
        "7 贵阳·贵安国家级互联网骨干直联点 Guiyang-Gui'an national internet backbone direct connection point 2015-11-09 day"
        in lines
    )


def test_the_readme_example_runs_in_node_on_the_published_file(designations, dist, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    script = tmp_path / "example.mjs"
    # fetch() of the published file, as a page served next to it would get it
    script.write_text(
        'import { readFile } from "node:fs/promises";\n'
        f"const dist = {json.dumps(str(dist))};\n"
        "globalThis.fetch = async (name) => ({ json: async () => "
        'JSON.parse(await readFile(`${dist}/${name}`, "utf8")) });\n' + readme_example(),
        encoding="utf-8",
    )
    run = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "".join(f"{line}\n" for line in example_lines(designations))


# ---------------------------------------------------------------- the round trip


def test_read_as_json_ld_it_gives_back_the_literals_it_was_framed_from(designations, kg):
    """Dates, figures, issue dates and unit symbols keep their exact datatype and lexical form:
    PyLD's reading of the document, with the context, holds every such triple of the graph
    about the things the document shows, and no other."""
    back = Graph()
    for s, p, o, _ in jsonld.to_dataset(designations).quads((None, None, None, None)):
        back.add((s, p, o))
    graph = kg.ontology + kg.data
    shown = set(back.subjects())
    for prop in (GK.date, QUDT.value, DCTERMS.issued, QUDT.symbol):
        expected = {t for t in graph.triples((None, prop, None)) if t[0] in shown}
        assert set(back.triples((None, prop, None))) == expected and expected, prop
    fund = URIRef(f"{jsonld.DEFAULT_BASE}id/observation/big-data-internet-services-revenue-2024")
    assert back.value(fund, QUDT.value) == Literal("70000000000", datatype=XSD.decimal)


def test_the_server_offers_the_schema_as_json_schema(serve_client):
    response = serve_client.get("/download/designations.schema.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/schema+json"
    assert response.json()["$id"].endswith("/designations.schema.json")
