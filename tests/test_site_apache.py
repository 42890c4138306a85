"""The static site (`guian-kg site`) in a real Apache httpd (Debian's `apache2`; .ci/run installs it),
started on a loopback port with its own configuration: every IRI answers as `guian-kg serve` does,
the w3id.org rules send the IRIs there, a crawl from the home page reaches every thing, and
Chromium shows the pages (screenshots in artifacts/)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
import pytest
from conftest import ServeProcess, require_installed, stop_process, wait_until_answering
from test_serve_negotiation import ACCEPT_TABLE, LANGUAGE_TABLE, NOT_ACCEPTABLE
from test_serve_process import ARTIFACTS, browse

from guian_kg.server.negotiation import HTML_FIRST

pytestmark = pytest.mark.integration

APACHE = "/usr/sbin/apache2"
MODULES = "/usr/lib/apache2/modules"
ACCEPTS = (
    list(dict.fromkeys([None, *(a for a, offered, _ in ACCEPT_TABLE if offered == HTML_FIRST)]))
    + NOT_ACCEPTABLE
)
# Where Apache's mod_negotiation chooses otherwise than `serve` (README "Publishing without a
# server"): Accept header → the type Apache answers with.
APACHE_DIFFERS = {
    # Apache reads a q-value it cannot parse as 1; serve drops the range (RFC 9110: malformed).
    "text/turtle;q=2, application/n-triples": ("/doc/place/guian-new-area.ttl", 200),
    # An empty Accept: Apache finds nothing acceptable (406); serve reads it as */* (the page).
    "": (None, 406),
    # Not in serve's table. No q-value in the header: Apache weighs */* 0.01, below any type
    # named; serve gives both q=1 and its first type, the page, wins.
    "text/turtle, */*": ("/doc/place/guian-new-area.ttl", 200),
    # One type named twice: Apache takes its first range, serve the highest q.
    "text/turtle;q=0.1, text/turtle;q=0.9, application/n-triples;q=0.5": (
        "/doc/place/guian-new-area.nt",
        200,
    ),
}
PATHS = ["/", "/ontology", "/void", "/.well-known/void", "/graph/void", "/download/guian-kg"]
# serve's table, and a tag no type map lists (Apache matches zh-Hans to it, not zh-Hans-CN).
LANGUAGES = [*(header for header, _ in LANGUAGE_TABLE), "zh-Hans-CN, en;q=0.5"]
# Where Apache chooses a page's language otherwise than `serve` (README): Accept-Language → the
# language of Apache's page.
APACHE_LANGUAGE_DIFFERS = {
    # Equal q-values: Apache takes the first of its LanguagePriority (zh), serve the first written.
    "en, zh": "zh",
    "fr, en-GB, zh": "zh",
    # Apache reads a q-value it cannot parse as 1; serve drops the range.
    "en;q=2, zh;q=0.5": "en",
    # A regional tag the type maps do not list: Apache finds no zh in it (serve: zh-* is zh).
    "zh-Hans-CN, en;q=0.5": "en",
}
# (?lang=, the lang cookie, Accept-Language), and the requests they are tried with.
LANG_CHOICES = [
    ("?lang=en", None, "zh"),
    ("", "en", "zh"),
    ("?lang=zh", "en", "en"),
    ("", "zh", "en"),
]
PAGE_ACCEPTS = [
    (path, accept)
    for path in ("/id/place/guian-new-area", "/doc/place/guian-new-area", "/")
    for accept in ("text/html", "text/turtle, text/html;q=0.5", "*/*")
]
PAGES = ["/id/place/guian-new-area", "/doc/place/guian-new-area", "/", "/ontology", "/graph/data"]


def apache() -> str:
    """The apache2 executable; missing, the test fails under CI and is skipped elsewhere."""
    message = "apache2 is not installed (apt-get install apache2; .ci/run installs it)"
    require_installed(Path(APACHE).exists(), message)
    return APACHE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CONFIG = """\
ServerRoot {root}
ServerName 127.0.0.1
PidFile {root}/httpd.pid
Listen 127.0.0.1:{port}
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule dir_module {modules}/mod_dir.so
LoadModule rewrite_module {modules}/mod_rewrite.so
LoadModule headers_module {modules}/mod_headers.so
LoadModule negotiation_module {modules}/mod_negotiation.so
TypesConfig /etc/mime.types
ErrorLog {root}/error.log
DocumentRoot {root}/www
<Directory {root}/www>
    AllowOverride All
    Require all granted
</Directory>
"""


@pytest.fixture(scope="module")
def hosted() -> Iterator[dict]:
    """Apache serving www/site/ (the site, built with --target …/site/) and www/guian-kg/ (w3id's
    rules, sending the IRIs to the site), and a `guian-kg serve` of the same graph."""
    executable = apache()
    port = free_port()
    # Apache's children may run as another user: a world-readable folder, not pytest's own.
    root = Path(tempfile.mkdtemp(prefix="guian-kg-apache-"))
    os.chmod(root, 0o755)
    target = f"http://127.0.0.1:{port}/site/"
    www = root / "www"
    www.mkdir(mode=0o755)
    guian_kg = shutil.which("guian-kg") or str(Path(sys.executable).with_name("guian-kg"))
    made = subprocess.run(
        [guian_kg, "site", "--out", str(www / "site"), "--target", target],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert made.returncode == 0, made.stderr
    (www / "guian-kg").mkdir(mode=0o755)
    shutil.copy(www / "site/rules/w3id.org-guian-kg.htaccess", www / "guian-kg/.htaccess")
    os.chmod(www / "guian-kg/.htaccess", 0o644)
    config = root / "httpd.conf"
    config.write_text(CONFIG.format(root=root, port=port, modules=MODULES))
    process = subprocess.Popen(
        [executable, "-f", str(config), "-DFOREGROUND"],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "stderr.log", "wb"),  # noqa: SIM115 (closed with the process)
    )
    serve = ServeProcess(root / "serve.log", cache=root / "cache")
    try:
        wait_until_answering(target, process, root / "stderr.log", "apache2")
        yield {"site": target, "serve": serve.url, "root": www, "port": port}
    finally:
        serve.stop()
        stop_process(process, 20)
        shutil.rmtree(root)


def things(site: Path) -> list[str]:
    """The server path of every thing the site documents (/id/{kind}/{slug})."""
    maps = sorted((site / "doc").glob("*/*.var"))
    return [f"/id/{p.parent.name}/{p.stem}" for p in maps]


def get(url: str, accept: str | None) -> httpx.Response:
    """GET `url` without following redirects; `accept` None sends no Accept header at all."""
    with httpx.Client(timeout=30) as client:
        request = client.build_request("GET", url)
        if accept is None:
            del request.headers["accept"]
        else:
            request.headers["accept"] = accept
        return client.send(request)


def answer(root: str, path: str, accept: str | None) -> tuple:
    """(status, the 303's target as a path under `root`, the final status and media type)."""
    first = get(root + path[1:], accept)
    if first.status_code != 303:
        return first.status_code, None, first.status_code, _media_type(first)
    location = urljoin(root + path[1:], first.headers["location"])
    assert location.startswith(root), location
    final = get(location, accept)
    return 303, "/" + location[len(root) :], final.status_code, _media_type(final)


def _media_type(response: httpx.Response) -> str | None:
    if response.status_code >= 400:
        return None  # error pages: Apache's own, in HTML
    return response.headers["content-type"]


def page_language(
    root: str, path: str, header: str | None, cookie: str | None = None, accept: str = "text/html"
) -> tuple:
    """A browser's request for `path` with Accept-Language `header` (None: none) and a `lang`
    cookie: (status, the 303's target under `root`, the final status, Content-Language and
    Content-Type, and the `lang` cookie it sets)."""
    headers = {
        "accept": accept,
        "accept-language": header,
        "cookie": cookie and f"lang={cookie}",
    }
    headers = {name: value for name, value in headers.items() if value is not None}
    with httpx.Client(timeout=30, headers=headers) as client:
        first = client.get(root + path[1:])
        target = None
        if first.status_code == 303:
            location = urljoin(root + path[1:], first.headers["location"])
            target = "/" + location[len(root) :]
            final = client.get(location)
        else:
            final = first
    cookie_set = re.match(r"lang=(\w+)", final.headers.get("set-cookie", ""))
    return (
        first.status_code,
        target,
        final.status_code,
        final.headers.get("content-language"),
        final.headers.get("content-type"),
        cookie_set and cookie_set.group(1),
    )


def link_headers(root: str, path: str, accept: str | None) -> list[str | None]:
    """The Link headers of the answer to `path` and, after a 303, of its target; this host's
    paths written from its root, as on `serve`."""
    first = get(root + path[1:], accept)
    answers = [first]
    if first.status_code == 303:
        answers.append(get(urljoin(root + path[1:], first.headers["location"]), accept))
    prefix = urlsplit(root).path
    return [
        r.headers["link"].replace(f"<{prefix}", "</") if "link" in r.headers else None
        for r in answers
    ]


def sample(site: Path) -> list[str]:
    """A few things of different kinds, and every negotiated path that is not a thing."""
    every = things(site)
    kinds = {}
    for path in every:
        kinds.setdefault(path.split("/")[2], path)
    rule = re.search(r"\^ontology/(\S+)\$", (site / ".htaccess").read_text()).group(1)
    version = rule.replace("\\", "")
    more = [every[len(every) // 2].replace("/id/", "/doc/"), f"/ontology/{version}", "/dataset"]
    return [*sorted(kinds.values())[:8], *PATHS, *more]


@pytest.mark.parametrize("accept", ACCEPTS, ids=[str(a) for a in ACCEPTS])
def test_every_iri_answers_in_apache_as_serve_answers_it(hosted, accept):
    for path in sample(hosted["root"] / "site"):
        served = answer(hosted["serve"], path, accept)
        static = answer(hosted["site"], path, accept)
        if accept in APACHE_DIFFERS:
            assert static != served, f"{path}: no longer differs; update APACHE_DIFFERS and README"
            continue
        assert static == served, f"{path} with Accept {accept!r}"


@pytest.mark.parametrize("accept", sorted(APACHE_DIFFERS))
def test_where_apache_chooses_otherwise_it_answers_as_the_readme_says(hosted, accept):
    """The cases of the Accept table where Apache and serve differ (README "Publishing without a
    server"), each answered as recorded in APACHE_DIFFERS."""
    target, status = APACHE_DIFFERS[accept]
    static = answer(hosted["site"], "/id/place/guian-new-area", accept)
    assert (static[1], static[2]) == (target, status)
    served = answer(hosted["serve"], "/id/place/guian-new-area", accept)
    assert served[1] != target


@pytest.mark.parametrize("header", LANGUAGES, ids=[str(h) for h in LANGUAGES])
def test_pages_follow_accept_language_in_apache_as_in_serve(hosted, header):
    for path in PAGES:
        served = page_language(hosted["serve"], path, header)
        static = page_language(hosted["site"], path, header)
        if header in APACHE_LANGUAGE_DIFFERS:
            assert static[3] == APACHE_LANGUAGE_DIFFERS[header] != served[3], path
            continue
        assert static == served, f"{path} with Accept-Language {header!r}"


def test_lang_and_its_cookie_choose_the_page_in_apache_as_in_serve(hosted):
    """?lang= wins over the cookie, which wins over Accept-Language; ?lang= sets the cookie; none
    of them changes the format Accept chooses."""
    for query, cookie, header in LANG_CHOICES:
        for path, accept in PAGE_ACCEPTS:
            served = page_language(hosted["serve"], path + query, header, cookie, accept)
            static = page_language(hosted["site"], path + query, header, cookie, accept)
            assert static == served, f"{path}{query}, cookie {cookie}, {header}, {accept}"
            if accept == "text/html":
                assert static[3] == (query[-2:] or cookie)


def test_every_answer_carries_serves_link_header_in_apache(hosted):
    """The 303 names the document (describedby); a document its formats, itself and its subject."""
    for path in sample(hosted["root"] / "site"):
        for accept in ("text/html", "text/turtle", "application/json", None):
            served = link_headers(hosted["serve"], path, accept)
            assert link_headers(hosted["site"], path, accept) == served, f"{path} {accept}"
    assert link_headers(hosted["site"], "/id/place/guian-new-area", "text/turtle")[0] == (
        '</doc/place/guian-new-area>; rel="describedby"'
    )


def test_unknown_iris_are_404_in_both(hosted):
    for path in (
        "/id/place/no-such-place",
        "/doc/place/no-such-place",
        "/doc/place/x.xyz",
        "/ontology/no-such-version",
    ):
        assert answer(hosted["serve"], path, "text/turtle")[0] == 404
        assert answer(hosted["site"], path, "text/turtle")[0] == 404


def test_the_303_carries_vary_accept_and_the_query(hosted):
    response = get(hosted["site"] + "id/place/guian-new-area?lang=en", "text/turtle")
    assert response.status_code == 303
    assert response.headers["location"].endswith("/site/doc/place/guian-new-area.ttl?lang=en")
    assert "accept" in response.headers["vary"].lower()
    assert response.headers["access-control-allow-origin"] == "*"


def test_the_w3id_rules_send_every_iri_to_the_site(hosted):
    """w3id.org's .htaccess under /guian-kg/ in the same Apache, its target the site on loopback."""
    w3id = f"http://127.0.0.1:{hosted['port']}/guian-kg/"
    for path in things(hosted["root"] / "site")[::40]:
        for accept in (None, "text/turtle", "application/ld+json;q=0.9, text/html;q=0.5"):
            first = get(w3id + path[1:], accept)
            assert first.status_code == 303
            document = hosted["site"] + path[1:].replace("id/", "doc/", 1)
            assert first.headers["location"] == document
            final = get(document, accept)
            served = answer(hosted["serve"], path, accept)
            assert (final.status_code, _media_type(final)) == served[2:]
    for path, status in (("ontology", 302), ("void", 302), ("download/guian-kg.nq", 302)):
        response = get(w3id + path, "text/turtle")
        assert (response.status_code, response.headers["location"]) == (
            status,
            hosted["site"] + path,
        )
        assert get(response.headers["location"], "text/turtle").status_code == 200


def crawl(start: str) -> dict[str, str]:
    """Every page and file reachable by links from `start` within its folder: URL → content type.
    Fails on the first link that does not answer 200."""
    seen: dict[str, str] = {}
    queue = [start]
    with httpx.Client(timeout=30) as client:
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            response = client.get(url)
            assert response.status_code == 200, f"broken link: {url}"
            seen[url] = response.headers["content-type"]
            if not seen[url].startswith("text/html"):
                continue
            for link in re.findall(r'(?:href|src)="([^"]+)"', response.text):
                found = urldefrag(urljoin(url, unescape(link)))[0]
                if found.startswith(start) and found not in seen:
                    queue.append(found)
    return seen


def test_a_crawl_from_the_home_page_reaches_every_thing_and_no_broken_link(hosted):
    home = hosted["site"]
    reached = crawl(home)
    site = hosted["root"] / "site"
    for path in things(site):
        for name in (f"{path[4:]}.html", f"{path[4:]}.en.html", f"{path[4:]}.ttl"):
            assert f"{home}doc/{name}" in reached, f"no link leads to doc/{name}"
    assert f"{home}ontology.html" in reached and f"{home}examples.en.html" in reached
    pages = [url for url, kind in reached.items() if kind.startswith("text/html")]
    # Each thing's page and the home, ontology, VoID, examples and three graph pages, in zh and
    # en; and the home page once more at the folder's own URL.
    assert len(pages) == 2 * (len(things(site)) + 1 + 1 + 1 + 1 + 3) + 1


def test_chromium_shows_the_home_page_and_a_designation_without_a_server_of_ours(hosted, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    home = browse(hosted["site"] + "index.en.html", tmp_path / "home", ARTIFACTS / "site-home.png")
    marks = re.findall(r'<a class="mark" href="([^"]+)">', home)
    assert len(marks) == 10 and all(m.startswith("doc/designation/") for m in marks)
    page = browse(
        hosted["site"] + marks[2], tmp_path / "designation", ARTIFACTS / "site-designation.png"
    )
    assert re.search(r"<h1>.+</h1>", page) and "<mark>" in page
    assert urlsplit(hosted["site"] + marks[2]).path.endswith(".en.html")
