"""The static site (`guian-kg site`) in a real nginx (Debian's `nginx`; .ci/run installs it), started
on a loopback port with its own configuration and the site's two includes (rules/nginx-http.conf,
rules/nginx.conf): every IRI answers as `guian-kg serve` does, except in the cases named here and
in README "Publishing without a server"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ServeProcess, require_installed, stop_process, wait_until_answering
from test_site_apache import (
    ACCEPTS,
    APACHE_DIFFERS,
    LANG_CHOICES,
    LANGUAGES,
    PAGE_ACCEPTS,
    PAGES,
    answer,
    free_port,
    get,
    link_headers,
    page_language,
    sample,
)

from guian_kg.nginx_rules import MAX_HEADER

pytestmark = pytest.mark.integration

NGINX = "/usr/sbin/nginx"
LONG_ACCEPT = ", ".join(["text/turtle", *["application/x-other"] * 50])
assert len(LONG_ACCEPT) > MAX_HEADER
# Where nginx's regular expressions choose otherwise than `serve` (README "Publishing without a
# server"): Accept header → (the 303's target for /id/place/guian-new-area, status).
NGINX_DIFFERS = {
    # q-values count to their first decimal: 0.95 and 0.9 are equal, serve's first type wins.
    "text/turtle;q=0.9, application/n-triples;q=0.95": ("/doc/place/guian-new-area.ttl", 303),
    # A header naming nothing valid: serve reads it as */* (the page), nginx finds nothing (406).
    "garbage": (None, 406),
    # A header longer than MAX_HEADER is not read (serve: Turtle).
    LONG_ACCEPT: (None, 406),
}
# Where nginx chooses a page's language otherwise than `serve`: Accept-Language → nginx's.
NGINX_LANGUAGE_DIFFERS = {
    # Equal q-values: nginx takes zh (its first), serve the range written first.
    "en, zh": "zh",
    "fr, en-GB, zh": "zh",
}

CONFIG = """\
daemon off;
pcre_jit on;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/temp/body;
    proxy_temp_path {root}/temp/proxy;
    fastcgi_temp_path {root}/temp/fastcgi;
    uwsgi_temp_path {root}/temp/uwsgi;
    scgi_temp_path {root}/temp/scgi;
    include {root}/www/site/rules/nginx-http.conf;
    server {{
        listen 127.0.0.1:{port};
        root {root}/www;
        include {root}/www/site/rules/nginx.conf;
    }}
}}
"""


def nginx() -> str:
    """The nginx executable; missing, the test fails under CI and is skipped elsewhere."""
    message = "nginx is not installed (apt-get install nginx; .ci/run installs it)"
    require_installed(Path(NGINX).exists(), message)
    return NGINX


@pytest.fixture(scope="module")
def hosted() -> Iterator[dict]:
    """nginx serving www/site/ (the site, built with --target …/site/), and a `guian-kg serve` of
    the same graph."""
    executable = nginx()
    port = free_port()
    # nginx's workers run as another user when it starts as root: a world-readable folder.
    root = Path(tempfile.mkdtemp(prefix="guian-kg-nginx-"))
    os.chmod(root, 0o755)
    (root / "www").mkdir(mode=0o755)
    (root / "temp").mkdir()
    target = f"http://127.0.0.1:{port}/site/"
    guian_kg = shutil.which("guian-kg") or str(Path(sys.executable).with_name("guian-kg"))
    made = subprocess.run(
        [guian_kg, "site", "--out", str(root / "www/site"), "--target", target],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert made.returncode == 0, made.stderr
    config = root / "nginx.conf"
    config.write_text(CONFIG.format(root=root, port=port))
    process = subprocess.Popen(
        [executable, "-p", str(root), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "stderr.log", "wb"),  # noqa: SIM115 (closed with the process)
    )
    serve = ServeProcess(root / "serve.log", cache=root / "cache")
    try:
        wait_until_answering(target, process, root / "stderr.log", "nginx")
        yield {"site": target, "serve": serve.url, "root": root / "www"}
    finally:
        serve.stop()
        stop_process(process, 20)
        shutil.rmtree(root)


@pytest.mark.parametrize("accept", ACCEPTS, ids=[str(a) for a in ACCEPTS])
def test_every_iri_answers_in_nginx_as_serve_answers_it(hosted, accept):
    for path in sample(hosted["root"] / "site"):
        served = answer(hosted["serve"], path, accept)
        static = answer(hosted["site"], path, accept)
        assert static == served, f"{path} with Accept {accept!r}"


@pytest.mark.parametrize(
    "accept", sorted(NGINX_DIFFERS), ids=[a[:40] for a in sorted(NGINX_DIFFERS)]
)
def test_where_nginx_chooses_otherwise_it_answers_as_the_readme_says(hosted, accept):
    target, status = NGINX_DIFFERS[accept]
    static = answer(hosted["site"], "/id/place/guian-new-area", accept)
    assert (static[1], static[0]) == (target, status)
    assert answer(hosted["serve"], "/id/place/guian-new-area", accept) != static


@pytest.mark.parametrize("accept", sorted(APACHE_DIFFERS))
def test_where_apache_chooses_otherwise_nginx_answers_as_serve(hosted, accept):
    for path in ("/id/place/guian-new-area", "/doc/place/guian-new-area", "/download/guian-kg"):
        served = answer(hosted["serve"], path, accept)
        assert answer(hosted["site"], path, accept) == served, path


def test_unknown_iris_are_404_in_nginx(hosted):
    for path in (
        "/id/place/no-such-place",
        "/doc/place/no-such-place",
        "/doc/place/x.xyz",
        "/ontology/no-such-version",
    ):
        for accept in ("text/turtle", "text/html", None):
            assert answer(hosted["serve"], path, accept)[0] == 404
            assert answer(hosted["site"], path, accept)[0] == 404, f"{path} {accept}"


def test_the_303_carries_vary_accept_and_the_query(hosted):
    for path in ("/id/place/guian-new-area", "/download/guian-kg", "/dataset"):
        response = get(hosted["site"] + path[1:], "text/turtle")
        assert response.status_code == 303, path
        assert response.headers["vary"] == "Accept"
        assert response.headers["access-control-allow-origin"] == "*"
    response = get(hosted["site"] + "id/place/guian-new-area?lang=en", "text/turtle")
    assert response.headers["location"].endswith("/site/doc/place/guian-new-area.ttl?lang=en")


def test_documents_have_the_content_type_and_charset_of_serve(hosted):
    """Every format at its own path, and negotiated: the full Content-Type, charset included."""
    for path in ("/doc/place/guian-new-area", "/ontology", "/void", "/graph/data"):
        for suffix in ("", ".html", ".ttl", ".nt", ".jsonld", ".rdf"):
            served = get(hosted["serve"] + path[1:] + suffix, None)
            static = get(hosted["site"] + path[1:] + suffix, None)
            assert static.status_code == served.status_code == 200, path + suffix
            assert static.headers["content-type"] == served.headers["content-type"], path + suffix
        for accept in ("application/json", "application/ld+json", "text/turtle"):
            served = get(hosted["serve"] + path[1:], accept)
            static = get(hosted["site"] + path[1:], accept)
            assert static.headers["content-type"] == served.headers["content-type"], path
            assert static.content == served.content, f"{path} as {accept}"
    for name in ("guian-kg.nq", "guian-kg.ttl", "designations.schema.json", "context.jsonld"):
        served = get(hosted["serve"] + "download/" + name, None)
        static = get(hosted["site"] + "download/" + name, None)
        assert static.headers["content-type"] == served.headers["content-type"], name


@pytest.mark.parametrize("header", LANGUAGES, ids=[str(h) for h in LANGUAGES])
def test_pages_follow_accept_language_in_nginx_as_in_serve(hosted, header):
    for path in PAGES:
        served = page_language(hosted["serve"], path, header)
        static = page_language(hosted["site"], path, header)
        if header in NGINX_LANGUAGE_DIFFERS:
            assert static[3] == NGINX_LANGUAGE_DIFFERS[header] != served[3], path
            continue
        assert static == served, f"{path} with Accept-Language {header!r}"


def test_lang_and_its_cookie_choose_the_page_in_nginx_as_in_serve(hosted):
    for query, cookie, header in LANG_CHOICES:
        for path, accept in PAGE_ACCEPTS:
            served = page_language(hosted["serve"], path + query, header, cookie, accept)
            static = page_language(hosted["site"], path + query, header, cookie, accept)
            assert static == served, f"{path}{query}, cookie {cookie}, {header}, {accept}"


def test_every_answer_carries_serves_link_header_in_nginx(hosted):
    for path in sample(hosted["root"] / "site"):
        for accept in ("text/html", "text/turtle", "application/json", None):
            served = link_headers(hosted["serve"], path, accept)
            assert link_headers(hosted["site"], path, accept) == served, f"{path} {accept}"
