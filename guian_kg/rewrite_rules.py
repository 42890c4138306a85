"""The web server rules of the static site (guian_kg/static_site.py): an Apache `.htaccess`, nginx's
(guian_kg/nginx_rules.py), and the `.htaccess` that w3id.org's repository needs for `guian-kg/`.

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
from .nginx_rules import NGINX_HTTP, NGINX_SERVER, http_conf, server_conf
from .server.negotiation import DOCUMENT_FORMATS
from .void import DUMP_STEM

HTACCESS = ".htaccess"
W3ID = "rules/w3id.org-guian-kg.htaccess"  # guian-kg/.htaccess in perma-id/w3id.org


def _path_of(target: str | None) -> str:
    """The path the site lies at on its host: the path of `--target`, else the root."""
    if not target:
        return "/"
    path = urlsplit(target).path or "/"
    return path if path.endswith("/") else path + "/"


def _links(root: str, base: str) -> str:
    """The `Header` lines giving a document `serve`'s Link header: each format's path on this host,
    the published document (canonical) and, but for a named graph, what it is about. The rules
    name the document in GK_DOC and its subject in GK_ABOUT (paths under the root and the base)."""
    alternates = ", ".join(
        [
            f'<{root}%{{GK_DOC}}e.{f.extension}>; rel="alternate"; type="{f.media_type}"'
            for f in DOCUMENT_FORMATS
        ]
        + [f'<{root}%{{GK_DOC}}e.html>; rel="alternate"; type="text/html"']
    ).replace('"', '\\"')
    canonical = f'<{base}%{{GK_DOC}}e>; rel=\\"canonical\\"'
    about = f'<{base}%{{GK_ABOUT}}e>; rel=\\"about\\"'
    return (
        f'Header set Link "{alternates}, {canonical}, {about}" env=GK_ABOUT\n'
        f'Header set Link "{alternates}, {canonical}" '
        '"expr=-n %{ENV:GK_DOC} && -z %{ENV:GK_ABOUT}"'
    )


def htaccess(ontology_version: str, base: str, target: str | None = None) -> str:
    """The site's `.htaccess` (Apache 2.4: mod_rewrite, mod_headers, mod_negotiation, mod_mime)."""
    root = _path_of(target)
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
# Pages: NAME.html in Chinese, NAME.en.html in English (as their type maps say). Accept-Language
# weighs them; where it names neither (or both equally), Chinese, as in `serve`.
AddLanguage en .en
<FilesMatch "\\.html$">
DefaultLanguage zh
</FilesMatch>
LanguagePriority zh en
ForceLanguagePriority Prefer Fallback
Header always set Access-Control-Allow-Origin "*"
Header always set X-Content-Type-Options "nosniff"

RewriteEngine On
RewriteBase {root}

# The page's language: ?lang=, else the `lang` cookie, as in `serve`: mod_negotiation reads it
# as the only language accepted (its prefer-language would also set aside the RDF variants).
RewriteCond %{{HTTP_COOKIE}} (?:^|;\\s*)lang=(zh|en)(?:;|$)
RewriteRule ^ - [E=GK_PAGE_LANG:%1]
RewriteCond %{{QUERY_STRING}} (?:^|&)lang=(zh|en)(?:&|$)
RewriteRule ^ - [E=GK_PAGE_LANG:%1,E=GK_LANG:%1]
RequestHeader set Accept-Language "%{{GK_PAGE_LANG}}e" env=GK_PAGE_LANG
<FilesMatch "\\.html$">
Header set Set-Cookie "lang=%{{GK_LANG}}e; Max-Age=31536000; Path={root}; SameSite=lax" env=GK_LANG
</FilesMatch>

# A document's Link header: GK_DOC names it, GK_ABOUT its subject (none for a named graph; the
# home page, whose RDF is VoID's, names neither in its page and no subject in its RDF). The home
# page's variant is two internal redirects after GK_HOME is set, three for plain JSON.
RewriteRule ^(doc/([^/]+)/([^/.]+))(\\.[a-z.]+)?$ - [E=GK_DOC:$1,E=GK_ABOUT:id/$2/$3]
RewriteRule ^(ontology)(\\.[a-z]+|/[^/]+)?$ - [E=GK_DOC:ontology,E=GK_ABOUT:ontology]
RewriteRule ^$ index.var [E=GK_HOME:1,L]
RewriteCond %{{ENV:REDIRECT_REDIRECT_GK_HOME}}%{{ENV:REDIRECT_REDIRECT_REDIRECT_GK_HOME}} !=1
RewriteRule ^(void(\\.[a-z]+)?|\\.well-known/void)$ - [E=GK_DOC:void,E=GK_ABOUT:dataset]
RewriteCond %{{ENV:REDIRECT_REDIRECT_GK_HOME}}%{{ENV:REDIRECT_REDIRECT_REDIRECT_GK_HOME}} =1
RewriteRule ^void\\.[a-z]+$ - [E=GK_DOC:void]
RewriteRule ^(graph/[^/.]+)(\\.[a-z]+)?$ - [E=GK_DOC:$1]
{_links(root, base)}

# A thing, and the dump without a format: negotiated as the document (or the dumps) are, marked
# GK_SEE_OTHER; the variant chosen (two internal redirects later) is answered with a 303 to it,
# a page (in either language) to the document's own path, which `serve` answers with a page.
RewriteRule ^id/([^/]+)/([^/.]+)$ doc/$1/$2.var [E=GK_SEE_OTHER:1,L]
RewriteRule ^download/{DUMP_STEM}$ download/{DUMP_STEM}.var [E=GK_SEE_OTHER:1,L]
RewriteCond %{{ENV:REDIRECT_REDIRECT_GK_SEE_OTHER}} =1
RewriteRule ^(doc/[^/]+/[^/.]+)(\\.en)?\\.html$ $1 [R=303,L,E=GK_DESCRIBEDBY:$1]
RewriteCond %{{ENV:REDIRECT_REDIRECT_GK_SEE_OTHER}} =1
RewriteRule ^((doc/[^/]+/[^/.]+)\\.json)$ $2.jsonld [R=303,L,E=GK_DESCRIBEDBY:$2]
RewriteCond %{{ENV:REDIRECT_REDIRECT_GK_SEE_OTHER}} =1
RewriteRule ^(doc/[^/]+/[^/.]+)\\.[a-z]+$ $0 [R=303,L,E=GK_DESCRIBEDBY:$1]
RewriteCond %{{ENV:REDIRECT_REDIRECT_GK_SEE_OTHER}} =1
RewriteRule ^(.+)\\.json$ $1.jsonld [R=303,L]
RewriteCond %{{ENV:REDIRECT_REDIRECT_GK_SEE_OTHER}} =1
RewriteRule ^(.+)$ $1 [R=303,L]
# A thing's 303 names its document (rel="describedby"), as `serve`'s does.
Header always set Link "<{root}%{{GK_DESCRIBEDBY}}e>; rel=\\"describedby\\"" env=GK_DESCRIBEDBY

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
# (Only a path that names no folder: `ontology/x` is not `ontology.var` with a path info.)
RewriteCond %{{REQUEST_FILENAME}}.var -f
RewriteCond %{{PATH_INFO}} =""
RewriteRule ^(.+)$ $1.var [L]
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


def rule_files(ontology_version: str, base: str, target: str | None) -> dict[str, bytes]:
    """The rules the site carries: its `.htaccess`, nginx's two includes and, with a target, w3id's."""
    files = {
        HTACCESS: htaccess(ontology_version, base, target).encode("utf-8"),
        NGINX_HTTP: http_conf(base, _path_of(target)).encode("utf-8"),
        NGINX_SERVER: server_conf(ontology_version, _path_of(target)).encode("utf-8"),
    }
    if target:
        files[W3ID] = w3id(target).encode("utf-8")
    return files
