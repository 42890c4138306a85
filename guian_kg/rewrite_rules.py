"""The web server rules of the static site (guian_kg/static_site.py): an Apache `.htaccess`, an nginx
snippet, and the `.htaccess` that w3id.org's repository needs for `guian-kg/`.

Apache answers as `guian-kg serve` does by letting mod_negotiation choose: every negotiated path has
a type map (`NAME.var`) listing its variants in the server's order, so Accept's q-values,
wildcards and 406 are Apache's own, not regular expressions over the header. A thing's IRI
(`id/{kind}/{slug}`) is rewritten to its document's type map, marked; the variant Apache picks
is then answered with a 303 to its path, as `serve` redirects to `/doc/{kind}/{slug}[.ext]`.
Where Apache's choice differs from `serve`'s, README "Publishing without a server" says so and
tests/test_site_apache.py names the case.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .formats import FORMATS
from .void import DUMP_STEM

HTACCESS = ".htaccess"
NGINX = "rules/nginx.conf"
W3ID = "rules/w3id.org-guian-kg.htaccess"  # guian-kg/.htaccess in perma-id/w3id.org


def _path_of(target: str | None) -> str:
    """The path the site lies at on its host: the path of `--target`, else the root."""
    if not target:
        return "/"
    path = urlsplit(target).path or "/"
    return path if path.endswith("/") else path + "/"


def htaccess(ontology_version: str, target: str | None = None) -> str:
    """The site's `.htaccess` (Apache 2.4: mod_rewrite, mod_headers, mod_negotiation, mod_mime)."""
    types = "\n".join(
        f"AddType {f.media_type} .{f.extension}"
        for f in FORMATS
        if f.extension not in ("html", "xml")
    )
    return f"""\
# guian-kg static site: every IRI dereferences as `guian-kg serve` answers it.
# Apache 2.4 with mod_rewrite, mod_headers, mod_negotiation and mod_mime, and AllowOverride All
# (FileInfo, Indexes, Options) for this folder. Made by `guian-kg site`; do not edit, rebuild.
Options -MultiViews -Indexes
DirectoryIndex index.var
# A type map lists the variants of a negotiated path in the server's order (see README).
AddHandler type-map .var
{types}
AddType text/plain .rq
# A charset where `serve` names one: text types, N-Triples and RDF/XML.
AddCharset utf-8 .html .ttl .nt .rdf .rq .css .xml
<Files "designations.schema.json">
ForceType application/schema+json
</Files>
Header always set Access-Control-Allow-Origin "*"
Header always set X-Content-Type-Options "nosniff"

RewriteEngine On
RewriteBase {_path_of(target)}

# A thing, and the dump without a format: negotiated as the document (or the dumps) are, marked
# GK_SEE_OTHER; the variant chosen (two internal redirects later) is answered with a 303 to it.
RewriteRule ^id/([^/]+)/([^/.]+)$ doc/$1/$2.var [E=GK_SEE_OTHER:1,L]
RewriteRule ^download/{DUMP_STEM}$ download/{DUMP_STEM}.var [E=GK_SEE_OTHER:1,L]
RewriteCond %{{ENV:REDIRECT_REDIRECT_GK_SEE_OTHER}} =1
RewriteRule ^(doc/[^/]+/[^/.]+)\\.html$ $1 [R=303,L]
RewriteCond %{{ENV:REDIRECT_REDIRECT_GK_SEE_OTHER}} =1
RewriteRule ^(.+)\\.json$ $1.jsonld [R=303,L]
RewriteCond %{{ENV:REDIRECT_REDIRECT_GK_SEE_OTHER}} =1
RewriteRule ^(.+)$ $1 [R=303,L]

# Plain JSON, chosen by a type map: the JSON-LD document, as application/json.
RewriteCond %{{ENV:REDIRECT_STATUS}} =200
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteRule ^(.+)\\.json$ $1.jsonld [E=GK_JSON:1,L]
<If "-n %{{ENV:REDIRECT_GK_JSON}}">
ForceType application/json
</If>

# Negotiated paths: their type maps.
RewriteRule ^\\.well-known/void$ void.var [L]
RewriteRule ^ontology/{re.escape(ontology_version)}$ ontology.var [L]
RewriteRule ^dataset(/.*)?$ void [R=303,L]
RewriteCond %{{REQUEST_FILENAME}}.var -f
RewriteRule ^(.+)$ $1.var [L]
"""


def nginx(target: str | None = None) -> str:
    """An nginx `server` snippet for the site (nginx reads Accept with regular expressions only)."""
    root = _path_of(target)
    return f"""\
# guian-kg static site behind nginx: include inside a `server {{}}` whose `root` holds the site
# at {root}. Made by `guian-kg site`.
# nginx cannot weigh q-values: the first of these types that Accept names wins, in the order
# `guian-kg serve` offers them; text/html, */* or nothing gives the page. Apache's .htaccess
# (type maps) answers as `serve` does; use it where you can (README "Publishing without a server").
map $http_accept $guian_kg_ext {{
    default "";
    "~*text/html" "";
    "~*text/turtle" ".ttl";
    "~*application/n-triples" ".nt";
    "~*application/ld\\+json" ".jsonld";
    "~*application/rdf\\+xml" ".rdf";
    "~*application/json" ".jsonld";
}}
map $guian_kg_ext $guian_kg_page {{
    default $guian_kg_ext;
    "" ".html";
}}
types {{
    text/turtle ttl;
    application/n-triples nt;
    application/n-quads nq;
    application/trig trig;
    application/ld+json jsonld;
    application/rdf+xml rdf;
    text/plain rq;
    text/html html;
    text/css css;
    application/xml xml;
    application/json json;
}}
charset utf-8;
charset_types text/html text/turtle application/n-triples application/rdf+xml text/css;
add_header Access-Control-Allow-Origin "*" always;
add_header Vary "Accept" always;
location ~ ^{root}id/([^/]+)/([^/.]+)$ {{
    if (!-f $document_root{root}doc/$1/$2.html) {{ return 404; }}
    return 303 {root}doc/$1/$2$guian_kg_ext$is_args$args;
}}
location ~ ^{root}(doc/[^/]+/[^/.]+|ontology|void|graph/[^/.]+)$ {{
    try_files /$1$guian_kg_page =404;
}}
location = {root}.well-known/void {{
    try_files /void$guian_kg_page =404;
}}
location = {root} {{
    try_files /index$guian_kg_page =404;
}}
"""


def w3id(target: str) -> str:
    """The `.htaccess` for `guian-kg/` in the w3id.org repository, sending every IRI to `target`.

    w3id.org's rules cannot read q-values either, so they do not negotiate: a thing goes (303)
    to its document at the target, whose own rules negotiate; everything else (documents, the
    ontology, VoID, the dumps, the context) goes (302) to the same path there.
    """
    return f"""\
# https://w3id.org/guian-kg/ : the Gui'an New Area national designations knowledge graph.
# Served as a static site (`guian-kg site`) at {target}, whose rules negotiate the format.
# Made by `guian-kg site --target {target}`.
Options +FollowSymLinks
RewriteEngine on
Header always set Access-Control-Allow-Origin "*"

# A thing: 303 See Other to its document, negotiated there (Accept goes along).
RewriteRule ^id/([^/]+)/([^/]+)$ {target}doc/$1/$2 [R=303,L]
# Everything else: the same path on the site.
RewriteRule ^(.*)$ {target}$1 [R=302,L]
"""


def rule_files(ontology_version: str, target: str | None) -> dict[str, bytes]:
    """The rules the site carries: its `.htaccess`, the nginx snippet and, with a target, w3id's."""
    files = {
        HTACCESS: htaccess(ontology_version, target).encode("utf-8"),
        NGINX: nginx(target).encode("utf-8"),
    }
    if target:
        files[W3ID] = w3id(target).encode("utf-8")
    return files
