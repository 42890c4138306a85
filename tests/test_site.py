"""`guian-kg site`: the files it writes, its links, its pages (serve's, with relative links), and
how it replaces its folder (only its own, atomically, rewriting only what changed). The site in a
real Apache is tests/test_site_apache.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pyoxigraph as ox
import pytest

from guian_kg import static_site
from guian_kg.errors import OutputError
from guian_kg.parallel import bounded_call
from guian_kg.publish import MANIFEST, STAGING_MARKER
from guian_kg.publish_tree import publish_tree
from guian_kg.query import examples
from guian_kg.server.site import load_site
from guian_kg.static_site import (
    LANGUAGE_TAGS,
    page_file,
    publish_site,
    relative_url,
    site_files,
    thing_count,
)

PAST = 1_000_000_000  # an mtime long ago: a file written again gets a new one


@pytest.fixture(scope="module")
def files(kg) -> dict[str, bytes]:
    return site_files(load_site(kg), "https://kg.example.org/data/", workers=2)


LINKS = [
    # (server path, the page it is linked from, language, the link)
    ("/id/place/guian-new-area", "index.html", "zh", "doc/place/guian-new-area.html"),
    ("/id/place/guian-new-area", "doc/designation/x.html", "en", "../place/guian-new-area.en.html"),
    ("/doc/place/guian-new-area.ttl", "doc/place/a.html", "zh", "guian-new-area.ttl"),
    ("/ontology#Designation", "doc/place/a.html", "zh", "../../ontology.html#Designation"),
    ("/", "graph/data.en.html", "en", "../index.en.html"),
    ("/sparql?example=timeline", "index.html", "zh", "examples.html#timeline"),
    ("/dataset/class/x", "index.html", "en", "void.en.html"),
    ("/static/style.css", "doc/place/a.html", "en", "../../static/style.css"),
    ("https://www.w3.org/ns/prov#agent", "index.html", "zh", "https://www.w3.org/ns/prov#agent"),
]


@pytest.mark.parametrize(("path", "page", "lang", "link"), LINKS)
def test_links_are_relative_to_the_page_and_lead_to_its_file(path, page, lang, link):
    assert relative_url(path, page, lang) == link


def test_every_thing_has_its_documents_and_its_type_map(files, kg):
    things = {
        str(s)
        for s in kg.data.subjects()
        if str(s).startswith("https://w3id.org/guian-kg/id/") and str(s).count("/") == 6
    }
    assert thing_count(files) == 727 >= len(things)
    for iri in things:
        stem = "doc/" + iri[len("https://w3id.org/guian-kg/id/") :]
        for suffix in (".html", ".en.html", ".ttl", ".nt", ".jsonld", ".rdf", ".var"):
            assert stem + suffix in files
    assert files["doc/place/guian-new-area.var"].decode().split("\n\n")[:3] == [
        "URI: guian-new-area.html\nContent-Type: text/html; charset=utf-8\n"
        f"Content-Language: {LANGUAGE_TAGS['zh']}\nContent-Length: 0",
        "URI: guian-new-area.en.html\nContent-Type: text/html; charset=utf-8\n"
        f"Content-Language: {LANGUAGE_TAGS['en']}\nContent-Length: 0",
        "URI: guian-new-area.ttl\nContent-Type: text/turtle; charset=utf-8\nContent-Length: 0",
    ]
    for name in ("index.html", "ontology.ttl", "void.jsonld", "examples.en.html", "sitemap.xml"):
        assert name in files
    assert files["context.jsonld"] and files["download/guian-kg.nq"]
    assert "rules/w3id.org-guian-kg.htaccess" in files and ".htaccess" in files
    assert "rules/nginx-http.conf" in files and "rules/nginx.conf" in files


def test_no_page_links_outside_the_folder_or_to_a_file_it_lacks(files):
    """Every link of every page is relative and names a file of the site (or another origin)."""
    for name, data in files.items():
        if not name.endswith(".html"):
            continue
        for link in re.findall(r'(?:href|src)="([^"]+)"', data.decode()):
            link = unescape(link)
            if link.startswith(("http://", "https://")):
                continue
            assert not link.startswith("/"), (name, link)
            target = os.path.normpath(os.path.join(os.path.dirname(name), link.split("#")[0]))
            assert link.startswith("#") or target in files, (name, link)


def test_a_page_of_the_site_is_the_page_serve_renders_but_for_its_links(files, serve_client):
    """One code path: serve's page and the site's file differ only in where their links point."""
    for path, lang in (("/doc/place/guian-new-area", "zh"), ("/ontology", "en"), ("/", "en")):
        served = serve_client.get(path, params={"lang": lang}, headers={"Accept": "text/html"})
        static = files[page_file(path, lang)[0]].decode()

        def unlinked(page: str) -> str:
            return re.sub(r'(href|src)="[^"]*"', r'\1=""', page)

        assert unlinked(static) == unlinked(served.text)


def test_the_rdf_documents_are_the_bytes_serve_answers(files, serve_client):
    """A thing's four formats (its statements turned into Oxigraph's terms once) and each named
    graph's six (read straight from the store, not through an rdflib graph) are serve's bytes."""
    names = [n for n in files if n.startswith("graph/") and not n.endswith((".html", ".var"))]
    names += [f"doc/place/guian-new-area.{ext}" for ext in ("ttl", "nt", "jsonld", "rdf")]
    assert len(names) == 4 + 3 * 6  # the ontology, data and void graphs in six formats
    for name in names:
        assert serve_client.get(f"/{name}").content == files[name], name


def test_the_sitemap_lists_every_page_at_the_target(files):
    sitemap = files["sitemap.xml"].decode()
    pages = sorted(n for n in files if n.endswith(".html"))
    assert re.findall(r"<loc>https://kg\.example\.org/data/([^<]+)</loc>", sitemap) == pages


def test_a_rebuild_writes_only_the_files_whose_bytes_changed(files, tmp_path):
    out = tmp_path / "site"
    first = publish_tree(files, out)
    assert first.written == len(files)
    for path in out.rglob("*"):
        if path.is_file():
            os.utime(path, (PAST, PAST))
    changed = dict(files)
    changed["doc/place/guian-new-area.ttl"] += b"# changed\n"
    dropped = next(
        n for n in sorted(files) if n.startswith("doc/organization/") and n.endswith(".nt")
    )
    del changed[dropped]
    changed["doc/place/new.txt"] = b"new\n"
    again = publish_tree(changed, out)
    assert again.written == 2
    rewritten = {
        str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.stat().st_mtime != PAST
    }
    assert rewritten == {"doc/place/guian-new-area.ttl", "doc/place/new.txt", MANIFEST}
    assert not (out / dropped).exists()
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert on_disk == {*changed, MANIFEST}
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no staging folder left


def test_the_site_written_by_workers_into_its_folder_holds_the_same_bytes(files, kg, tmp_path):
    """publish_site streams each batch into the staging folder from the workers that render it:
    the folder holds exactly the files site_files renders in memory."""
    published = publish_site(load_site(kg), tmp_path / "site", "https://kg.example.org/data/", 2)
    assert published.names == sorted(files) and published.written == len(files)
    on_disk = {
        str(p.relative_to(tmp_path / "site")): p.read_bytes()
        for p in (tmp_path / "site").rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    assert on_disk == files


def test_a_failure_halfway_through_the_batches_leaves_nothing_and_the_old_folder(tmp_path):
    out = tmp_path / "site"
    publish_tree({"index.html": b"old\n"}, out)

    def fill(staging):
        staging.add({"index.html": b"new\n", "doc/place/a.html": b"a\n"})
        staging.add({"doc/place/b.html": b"b\n"})
        raise RuntimeError("the renderer failed")

    with pytest.raises(RuntimeError, match="renderer failed"):
        publish_tree(fill, out)
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "index.html"]
    assert (out / "index.html").read_bytes() == b"old\n"


def test_a_killed_publish_s_staging_is_removed_by_the_names_its_marker_grew(tmp_path):
    """The marker gets a line per batch before the batch's files exist; a line cut short by the
    kill names files not made yet. A file it does not name keeps the folder (and is kept)."""
    for case in ("killed", "with-a-users-file"):
        staging = tmp_path / f".site.new-{case}"
        (staging / "doc/place").mkdir(parents=True)
        (staging / "index.html").write_text("home")
        (staging / "doc/place/a.html").write_text("a")
        lines = [
            '{"guian-kg-staging": 1, "files": []}',
            '{"guian-kg-staging": 1, "files": ["index.html"]}',
            '{"guian-kg-staging": 1, "files": ["doc/place/a.html"]}',
            '{"guian-kg-staging": 1, "files": ["doc/pl',
        ]
        (staging / STAGING_MARKER).write_text("\n".join(lines))
        if case == "with-a-users-file":
            (staging / "doc/place/mine.txt").write_text("mine")
    published = publish_tree({"index.html": b"new\n"}, tmp_path / "site")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.new-with-a-users-file", "site"]
    left = tmp_path / ".site.new-with-a-users-file"
    assert [str(p.relative_to(left)) for p in left.rglob("*")] == [
        "doc",
        "doc/place",
        "doc/place/mine.txt",
    ]
    assert published.warnings == [f"left {left}: it holds files guian-kg did not make"]


def test_the_same_graph_gives_the_same_bytes_whatever_the_hash_seed(tmp_path):
    """Two runs of the command with other hash seeds: the second writes nothing, mtimes stay."""
    executable = shutil.which("guian-kg") or str(Path(sys.executable).with_name("guian-kg"))
    out = tmp_path / "site"
    said = []
    for seed in ("1", "2"):
        run = subprocess.run(
            [executable, "site", "--out", str(out)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=600,
        )
        assert run.returncode == 0, run.stderr
        said.append(run.stderr.strip().splitlines()[-1])
        if seed == "1":
            for path in out.rglob("*"):
                os.utime(path, (PAST, PAST), follow_symlinks=False)
    files = sum(1 for p in out.rglob("*") if p.is_file() and p.name != MANIFEST)
    assert said[1].endswith(f": {files} files, 0 written, {files} unchanged"), said
    assert all(p.stat().st_mtime == PAST for p in out.rglob("*") if p.is_file())


@pytest.mark.parametrize("case", ["users-folder", "file-added", "file-edited", "symlink", "file"])
def test_a_folder_it_did_not_make_is_refused_and_nothing_changes(files, tmp_path, case):
    out = tmp_path / "site"
    small = {"index.html": b"<p>home</p>\n", "doc/place/a.html": b"<p>a</p>\n"}
    if case == "users-folder":
        (out / "notes").mkdir(parents=True)
        (out / "notes/todo.txt").write_text("mine")
    elif case in ("file-added", "file-edited"):
        publish_tree(small, out)
        name = "doc/place/mine.txt" if case == "file-added" else "doc/place/a.html"
        (out / name).write_text("mine")
    elif case == "symlink":
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere/keep.txt").write_text("mine")
        out.symlink_to(tmp_path / "elsewhere")
    else:
        out.write_text("mine")

    def snapshot():
        return sorted(
            (str(p.relative_to(tmp_path)), p.is_symlink() or (p.is_file() and p.read_bytes()))
            for p in tmp_path.rglob("*")
        )

    before = snapshot()
    with pytest.raises(OutputError, match="refused to replace"):
        publish_tree(small, out)
    assert snapshot() == before


_SITE_OF = """
import resource, sys
from pathlib import Path
from guian_kg.build import load
from guian_kg.corpus import Corpus
from guian_kg.server.site import load_site
from guian_kg.static_site import publish_site, thing_count
site = load_site(load(corpus=Corpus(Path(sys.argv[1])), cache_dir=None))
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
cap = (int(status["VmSize"].split()[0]) << 10) + (int(sys.argv[3]) << 20)  # VmSize is in kB
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
published = publish_site(site, Path(sys.argv[2]), workers=2)
print(thing_count(published.names), len(published.names), published.written)
"""


def test_a_site_of_10_articles_is_written_within_80_mib_more_than_its_graph(tmp_path):
    """Its files are 121 MiB: site_files' dict of every file's bytes, then published, fails here
    (MemoryError at 96 MiB; it needs ~127), the streamed site passes (it needs less than 48):
    each process holds a batch of files at a time, and a named graph's documents one by one."""
    from conftest import corpus_generator

    corpus_generator().generate(tmp_path / "corpus", 10, seed=0)
    run = subprocess.run(
        [sys.executable, "-c", _SITE_OF, str(tmp_path / "corpus"), str(tmp_path / "site"), "80"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["2498", "17587", "17587"]


def test_a_call_past_its_memory_or_cpu_limit_gives_none_and_others_their_value():
    assert bounded_call(lambda: sum(range(1000)), 256 * 1024**2, 10) == 499500
    assert bounded_call(lambda: bytearray(512 * 1024**2), 64 * 1024**2, 10) is None  # MemoryError
    assert (
        bounded_call(lambda: ox.Store().update(BIG_UPDATE) or len(ox.Store()), 64 * 1024**2, 30)
        is None
    )
    assert (
        bounded_call(lambda: [0 for _ in iter(int, 1)], 256 * 1024**2, 1) is None
    )  # CPU: never ends


# Oxigraph's own allocations (Rust, outside Python's MemoryError): 4 million literals.
BIG_UPDATE = """INSERT { ?s <urn:p> ?o } WHERE {
  VALUES ?a { 0 1 2 3 4 5 6 7 8 9 } VALUES ?b { 0 1 2 3 4 5 6 7 8 9 } VALUES ?c { 0 1 2 3 4 5 6 7 8 9 }
  VALUES ?d { 0 1 2 3 4 5 6 7 8 9 } VALUES ?e { 0 1 2 3 4 5 6 7 8 9 } VALUES ?f { 0 1 2 3 4 5 6 7 8 9 }
  VALUES ?g { 0 1 2 3 }
  BIND(IRI(CONCAT("urn:s", STR(?a), STR(?b), STR(?c), STR(?d), STR(?e), STR(?f), STR(?g))) AS ?s)
  BIND(CONCAT("a long enough literal for each of the statements ", STR(?a * ?b * ?c)) AS ?o) }"""


def test_an_example_past_the_limits_is_shown_as_unanswered(kg, monkeypatch):
    """The limits themselves are the test above; here, what the page says of an example that
    went past them (the first one's call gives None), and that the others are answered."""
    calls = []

    def first_past_its_limits(function, memory, seconds):
        calls.append((memory, seconds))
        return None if len(calls) == 1 else bounded_call(function, memory, seconds)

    monkeypatch.setattr(static_site, "bounded_call", first_past_its_limits)
    pages = site_files(load_site(kg), workers=1)
    assert calls == [(static_site.EXAMPLE_MEMORY, static_site.EXAMPLE_SECONDS)] * len(examples())
    first = sorted(e.name for e in examples())[0]
    for page, note in (("examples.html", "此查询超出"), ("examples.en.html", "went past the time")):
        text = pages[page].decode("utf-8")
        assert text.count(note) == 1, page
        section = text[text.index(f'id="{first}"') :]
        assert section.index(note) < section.index('<section class="example"'), page
