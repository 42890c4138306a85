"""`guian-kg site`: the graph as a folder of plain files that any static host serves, with the
rewrite rules that give every IRI its 303 (guian_kg/rewrite_rules.py).

Every file lies at the path `guian-kg serve` answers for it: `doc/{kind}/{slug}.html|.ttl|.nt|
.jsonld|.rdf` for each thing under `{base}id/`, `ontology.*`, `void.*`, `graph/{name}.*`,
`download/*`, `context.jsonld`, `queries/*.rq`, `static/style.css`. A path that `serve`
negotiates (`/`, `/doc/{kind}/{slug}`, `/ontology`, `/void`, `/graph/{name}`, `/download/guian-kg`)
has a type map beside its variants (`NAME.var`) that Apache's mod_negotiation reads. Pages are
rendered by the server's own code (guian_kg/server/render.py) with links relative to each page,
in Chinese (`NAME.html`) and English (`NAME.en.html`); the SPARQL examples are run here, their
results written into `examples.html`.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL

from .compaction import compact_quads
from .formats import DUMP_FORMATS, RDFFormat, get_format
from .iri import GRAPH_NAMES
from .parallel import available_cores, bounded_call, fork_map
from .publish_tree import TreePublished, publish_tree
from .rewrite_rules import rule_files
from .server import render
from .server.negotiation import DOCUMENT_FORMATS, HTML, JSON, QUAD_FORMATS
from .server.ontology import ontology_view
from .server.pages import describe
from .server.routes import MAX_GRAPH_DOCUMENT
from .server.site import Site, from_oxigraph
from .server.state import HERE
from .server.ui import LANGS, text
from .void import DUMP_STEM
from .write import oxigraph_quads, serialize_quads

TYPE_MAP = ".var"  # the suffix of a type map (AddHandler type-map .var in the .htaccess)
# The language tags a page's variant declares in its type map: its language and the commonest
# regional forms, since Apache matches `zh-CN` in Accept-Language to `zh-CN` only (serve to zh).
LANGUAGE_TAGS = {
    "zh": "zh, zh-CN, zh-TW, zh-HK, zh-SG, zh-MO, zh-Hans, zh-Hant",
    "en": "en, en-US, en-GB, en-AU, en-CA, en-IE, en-IN, en-NZ, en-SG, en-ZA",
}
RESOURCES_PER_TASK = 64  # things rendered by one task of a worker process
# Rows of an example's result on the examples page (its query, a file of the site, gives them all):
# one example lists every statement in schema.org terms, 107,358 rows at 100 articles.
MAX_EXAMPLE_ROWS = 1_000
# What an example query may take while the site is written, as `serve`'s workers do: at 1,000
# articles one example took 19 GB before the kernel killed it, and the whole site with it.
EXAMPLE_MEMORY = 2 * 1024**3  # bytes of address space above the site's process
EXAMPLE_SECONDS = 120  # CPU seconds


def page_file(path: str, lang: str) -> tuple[str, str]:
    """(file, fragment) of the server path `path` in the static site, for a page in `lang`."""
    path, _, fragment = path.partition("#")
    path, _, query = path.partition("?")
    suffix = "" if lang == "zh" else f".{lang}"
    parts = path.strip("/").split("/")
    if path == "/":
        return f"index{suffix}.html", fragment
    if path == "/sparql":  # no endpoint here: the examples, each with its result
        example = parse_qs(query).get("example", [""])[0]
        return f"examples{suffix}.html", example or fragment
    if path in ("/ontology", "/void"):
        return f"{path[1:]}{suffix}.html", fragment
    if parts[0] == "dataset":  # the dataset and its partitions: described in VoID
        return f"void{suffix}.html", fragment
    if len(parts) == 3 and parts[0] in ("id", "doc") and "." not in parts[2]:
        return f"doc/{parts[1]}/{parts[2]}{suffix}.html", fragment
    if len(parts) == 2 and parts[0] == "graph" and "." not in parts[1]:
        return f"graph/{parts[1]}{suffix}.html", fragment
    return path[1:], fragment


def relative_url(path: str, page: str | None, lang: str) -> str:
    """The link from the static page `page` to the server path `path` (other IRIs as they are)."""
    if not path.startswith("/") or page is None:
        return path
    return _relative(path, page.rpartition("/")[0], lang)  # posixpath.dirname, faster


@functools.lru_cache(maxsize=65_536)  # a page links to the same few hundred paths as its neighbours
def _relative(path: str, folder: str, lang: str) -> str:
    target, fragment = page_file(path, lang)
    here, there = folder.split("/") if folder else [], target.split("/")
    common = 0
    while common < min(len(here), len(there) - 1) and here[common] == there[common]:
        common += 1
    link = "/".join([".."] * (len(here) - common) + there[common:])
    return link + (f"#{fragment}" if fragment else "")


@dataclass(frozen=True)
class Variant:
    uri: str  # relative to the type map
    media_type: str
    language: str = ""  # a page's (zh, en): Apache weighs it by Accept-Language (LANGUAGE_TAGS)


def type_map(variants: Iterable[Variant]) -> bytes:
    """A type map (mod_negotiation) listing the variants in the server's order of preference.

    Apache compares Accept's q-values first; between equally acceptable variants it compares
    languages, levels, charsets, encodings, then lengths, and keeps the first listed. Every
    variant declares the same charset and the same length, so a tie goes to the first listed: the
    type `serve` offers first. A page's variants name their language, which Apache weighs next.
    """
    blocks = [
        f"URI: {v.uri}\nContent-Type: {v.media_type}; charset=utf-8\n"
        + (f"Content-Language: {LANGUAGE_TAGS[v.language]}\n" if v.language else "")
        + "Content-Length: 0\n"
        for v in variants
    ]
    return ("\n".join(blocks)).encode("utf-8")


def document_variants(stem: str, html: str | None = None, extra=()) -> list[Variant]:
    """HTML (the page `html`, else STEM.html, in Chinese; its English twin), the RDF formats,
    plain JSON (as JSON-LD), `extra`."""
    rdf = [Variant(f"{stem}.{f.extension}", f.media_type) for f in DOCUMENT_FORMATS]
    extra_variants = [Variant(f"{stem}.{f.extension}", f.media_type) for f in extra]
    page = (html or f"{stem}.html").removesuffix(".html")  # in zh; NAME.en.html in en
    return [
        *(
            Variant(f"{page}{'' if lang == 'zh' else '.' + lang}.html", HTML, lang)
            for lang in LANGS
        ),
        *rdf,
        Variant(f"{stem}.json", JSON),
        *extra_variants,
    ]


class SiteWriter:
    """Renders the files of the static site from a Site (the store of the graph)."""

    def __init__(self, site: Site, target: str | None = None):
        self.site, self.target = site, target
        self.pages = render.Pages(site, relative_url)

    # ------------------------------------------------------------ pages and documents

    def page(self, template: str, server_path: str, lang: str, context: dict) -> bytes:
        file, _ = page_file(server_path, lang)
        toggles = {code: relative_url(server_path, file, code) for code in LANGS}
        return self.pages.render(template, lang, toggles, page=file, **context).encode("utf-8")

    def rdf(self, graph: Graph, stem: str) -> dict[str, bytes]:
        """STEM.ttl, .nt, .jsonld, .rdf of a graph, as `serve` writes them (serialize_graph: its
        statements turned into Oxigraph's terms once, not once a format)."""
        quads = list(oxigraph_quads(((None, graph),)))
        return {
            name: body for f in DOCUMENT_FORMATS for name, body in self.documents(quads, stem, f)
        }

    def documents(self, quads: list[ox.Quad], stem: str, *formats: RDFFormat):
        """(STEM.ext, bytes) of the quads in each of `formats`, as write.serialize_quads writes them
        (JSON-LD: compaction.compact_quads)."""
        for f in formats:
            if f.name == "jsonld":
                text = compact_quads(quads, self.site.base)
            else:
                text = serialize_quads(quads, f, self.site.base)
            yield f"{stem}.{f.extension}", text.encode("utf-8")

    @property
    def ontology_version(self) -> str:
        graph = self.site.small_graphs["ontology"]
        return str(graph.value(self.site.iris.ontology, OWL.versionInfo))

    def alternates(self, document: str) -> list[tuple[str, str]]:
        return render.alternates(self.site, document)

    def thing(self, iri: str) -> dict[str, bytes]:
        """The documents of one thing `{base}id/{kind}/{slug}`, and the type map of its document."""
        site = self.site
        kind, slug = site.iris.parse_thing(iri)
        doc = str(site.iris.doc(kind, slug))
        stem = f"doc/{kind}/{slug}"
        with site.remembering():  # the document and both pages ask the store the same things
            files = self.rdf(describe(site, URIRef(iri), URIRef(doc)), stem)
            for lang in LANGS:
                context = render.resource(site, URIRef(iri), doc, lang, self.alternates(doc))
                html = self.page("resource.html", f"/{stem}", lang, context)
                files[page_file(f"/{stem}", lang)[0]] = html
        files[stem + TYPE_MAP] = type_map(document_variants(slug))
        return files

    def things(self) -> list[str]:
        """Every IRI under `{base}id/` the graph mentions (as subject or object), sorted."""
        prefix = f"{self.site.base}id/"
        found = set()
        for solution in self.site.select(
            "SELECT DISTINCT ?t { { ?t ?p ?o } UNION { ?s ?p ?t } "
            f'FILTER(isIRI(?t) && STRSTARTS(STR(?t), "{prefix}")) }}'
        ):
            iri = solution["t"].value
            if self.site.iris.parse_thing(iri) is not None:
                found.add(iri)
        return sorted(found)

    def home(self) -> dict[str, bytes]:
        site = self.site
        files = {}
        for lang in LANGS:
            context = render.home(site, lang, self.alternates(f"{site.base}void"))
            files[page_file("/", lang)[0]] = self.page("home.html", "/", lang, context)
        files["index" + TYPE_MAP] = type_map(document_variants("void", html="index.html"))
        return files

    def void(self) -> dict[str, bytes]:
        site = self.site
        document = f"{site.base}void"
        files = self.rdf(site.small_graphs["void"], "void")
        for lang in LANGS:
            context = render.resource(
                site, site.iris.dataset, document, lang, self.alternates(document)
            )
            files[page_file("/void", lang)[0]] = self.page("resource.html", "/void", lang, context)
        files["void" + TYPE_MAP] = type_map(document_variants("void"))
        return files

    def ontology(self) -> dict[str, bytes]:
        site = self.site
        document = f"{site.base}ontology"
        files = self.rdf(site.small_graphs["ontology"], "ontology")
        for lang in LANGS:
            context = render.ontology(site, ontology_view(site, lang), self.alternates(document))
            html = self.page("ontology.html", "/ontology", lang, context)
            files[page_file("/ontology", lang)[0]] = html
        files["ontology" + TYPE_MAP] = type_map(document_variants("ontology"))
        return files

    def graphs(self) -> Iterator[dict[str, bytes]]:
        """Each named graph: its page, and its RDF unless it is too large (then the N-Quads dump),
        a file at a time (a graph may hold MAX_GRAPH_DOCUMENT triples)."""
        site = self.site
        for name in GRAPH_NAMES:
            iri = str(site.iris.graph(name))
            small = site.sizes[iri] <= MAX_GRAPH_DOCUMENT
            alternates = render.alternates(site, iri) if small else []
            if small:  # straight from the store: no rdflib graph of MAX_GRAPH_DOCUMENT triples
                named = list(
                    site.opened.store.quads_for_pattern(None, None, None, ox.NamedNode(iri))
                )
                for file, body in self.documents(named, f"graph/{name}", *QUAD_FORMATS):
                    yield {file: body}
                triples = [ox.Quad(q.subject, q.predicate, q.object) for q in named]
                del named
                for file, body in self.documents(triples, f"graph/{name}", *DOCUMENT_FORMATS):
                    yield {file: body}
                del triples  # before the next graph is read
                yield {
                    f"graph/{name}{TYPE_MAP}": type_map(document_variants(name, extra=QUAD_FORMATS))
                }
            else:
                alternates = [(get_format("nq").media_type, f"/download/{DUMP_STEM}.nq")]
            for lang in LANGS:
                context = render.graph(site, iri, alternates)
                html = self.page("graph.html", f"/graph/{name}", lang, context)
                yield {page_file(f"/graph/{name}", lang)[0]: html}

    def examples(self) -> dict[str, bytes]:
        """The examples page: each question, its query and its result, run on the store now (once
        for both languages, each in a process of its own within EXAMPLE_MEMORY and EXAMPLE_SECONDS:
        on a corpus some queries hold gigabytes while they run; one that does not finish within
        them is shown as such), the first MAX_EXAMPLE_ROWS rows shown."""
        site = self.site
        answers = {
            name: bounded_call(
                lambda name=name: self.answer(site.example_text(name)),
                EXAMPLE_MEMORY,
                EXAMPLE_SECONDS,
            )
            or {"kind": "unanswered"}
            for name in site.examples
        }
        files = {}
        for lang in LANGS:
            shown = [
                {
                    "name": e.name,
                    "question": e.question_zh if lang == "zh" else e.question_en,
                    "text": site.example_text(e.name),
                    "result": self.result(answers[e.name], lang),
                }
                for e in site.examples.values()
            ]
            context = {"title": text("examples", lang), "examples": shown}
            files[page_file("/sparql", lang)[0]] = self.page(
                "examples.html", "/sparql", lang, context
            )
        for e in site.examples.values():
            files[f"queries/{e.name}.rq"] = site.example_text(e.name).encode("utf-8")
        return files

    def answer(self, query: str) -> dict:
        """A query's answer: a boolean, or its first MAX_EXAMPLE_ROWS rows (a graph's triples in
        the order of their N-Triples lines) and how many there are."""
        site = self.site
        answer = site.opened.store.query(query, use_default_graph_as_union=site.opened.union_view)
        if isinstance(answer, ox.QueryBoolean):
            return {"kind": "ask", "boolean": bool(answer)}
        total = 0

        def counted(rows):
            nonlocal total
            for row in rows:
                total += 1
                yield row

        if isinstance(answer, ox.QuerySolutions):
            names = [v.value for v in answer.variables]
            rows = [[s[name] for name in names] for s in islice(counted(answer), MAX_EXAMPLE_ROWS)]
            total += sum(1 for _ in answer)
            return {"kind": "select", "names": names, "rows": rows, "total": total}
        ordered = heapq.nsmallest(MAX_EXAMPLE_ROWS, counted(answer), key=str)
        rows = [[t.subject, t.predicate, t.object] for t in ordered]
        return {
            "kind": "graph",
            "names": ["subject", "predicate", "object"],
            "rows": rows,
            "total": total,
        }

    def result(self, answer: dict, lang: str) -> dict:
        """An answer as the result table of the SPARQL page shows it in `lang`."""
        if answer["kind"] in ("ask", "unanswered"):
            return answer
        site = self.site

        def cell(term) -> object:
            return None if term is None else site.shown(from_oxigraph(term), lang)

        return {**answer, "rows": [[cell(term) for term in row] for row in answer["rows"]]}

    def downloads(self) -> dict[str, bytes]:
        """The context, the stylesheet and the type map of `download/guian-kg` (the dumps: `dumps`)."""
        site = self.site
        files = {"context.jsonld": site.download("context.jsonld")}
        files["static/style.css"] = (HERE / "static" / "style.css").read_bytes()
        dumps = [get_format(n) for n in DUMP_FORMATS if f"{DUMP_STEM}.{n}" in site.downloads]
        quads_first = sorted(dumps, key=lambda f: not f.quads)
        variants = [Variant(f"{DUMP_STEM}.{f.extension}", f.media_type) for f in quads_first]
        if any(f.name == "jsonld" for f in dumps):
            variants.append(Variant(f"{DUMP_STEM}.json", JSON))
        files[f"download/{DUMP_STEM}{TYPE_MAP}"] = type_map(variants)
        return files

    def dumps(self) -> Iterator[dict[str, bytes]]:
        """The dumps under download/, one at a time (each may be as large as the graph)."""
        for name in sorted(self.site.downloads):
            yield {f"download/{name}": self.site.download(name)}

    def sitemap(self, files: Iterable[str]) -> bytes:
        """sitemap.xml: every HTML page, at the target (else under the base)."""
        root = self.target or self.site.base
        urls = [
            f"<url><loc>{escape(root + name)}</loc></url>"
            for name in sorted(files)
            if name.endswith(".html")
        ]
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(urls)
            + "\n</urlset>\n"
        ).encode("utf-8")


class Sink(Protocol):
    """Where the site's files go, batch by batch: a publish_tree.Staging (into the folder) or
    Files (in memory). `write` may run in a forked worker; `record` takes what it returned."""

    listing: Mapping[str, object]  # the files recorded so far, by path

    def write(self, files: dict[str, bytes]) -> object: ...

    def record(self, written) -> None: ...

    def add(self, files: dict[str, bytes]) -> None: ...


class Files(dict):
    """The files of a site in memory, path → bytes: for a small graph (the tests)."""

    @property
    def listing(self) -> dict[str, bytes]:
        return self

    def write(self, files: dict[str, bytes]) -> dict[str, bytes]:
        return files

    def record(self, written: dict[str, bytes]) -> None:
        self.update(written)

    def add(self, files: dict[str, bytes]) -> None:
        self.update(files)


def write_things(writer: SiteWriter, sink: Sink, workers: int | None = None) -> None:
    """The documents and type maps of every thing, rendered and written by `workers` forked
    processes, RESOURCES_PER_TASK things a batch: no process holds more than a batch."""
    things = writer.things()
    chunks = [things[i : i + RESOURCES_PER_TASK] for i in range(0, len(things), RESOURCES_PER_TASK)]

    def write_chunk(chunk: list[str]):
        files: dict[str, bytes] = {}
        for iri in chunk:
            files.update(writer.thing(iri))
        return sink.write(files)

    for written in fork_map(write_chunk, chunks, workers or available_cores()):
        sink.record(written)


def write_site(
    site: Site, sink: Sink, target: str | None = None, workers: int | None = None
) -> None:
    """Every file of the static site of `site`, into `sink`."""
    writer = SiteWriter(site, target)
    write_things(writer, sink, workers)
    # One batch at a time: a named graph's documents and the dumps are as large as the graph.
    for part in chain(
        [writer.home(), writer.void(), writer.ontology()],
        writer.graphs(),
        [writer.examples(), writer.downloads()],
        writer.dumps(),
    ):
        sink.add(part)
    sink.add({"sitemap.xml": writer.sitemap(sink.listing)})
    sink.add(rule_files(writer.ontology_version, site.base, target))


def site_files(
    site: Site, target: str | None = None, workers: int | None = None
) -> dict[str, bytes]:
    """Every file of the static site of `site` in memory: relative path → bytes, sorted by path."""
    files = Files()
    write_site(site, files, target, workers)
    return dict(sorted(files.items()))


def publish_site(
    site: Site, out: Path, target: str | None = None, workers: int | None = None
) -> TreePublished:
    """Write the static site of `site` into folder `out` (publish_tree: only a folder guian-kg
    made is replaced, atomically), each batch of files straight into the staging folder."""
    return publish_tree(lambda staging: write_site(site, staging, target, workers), out)


def thing_count(files: Iterable[str]) -> int:
    """How many things the site documents (one type map under doc/ each)."""
    return sum(1 for name in files if name.startswith("doc/") and name.endswith(TYPE_MAP))
