"""The nginx rules of the static site (guian_kg/static_site.py): `rules/nginx-http.conf`, maps to
include in `http {}`, and `rules/nginx.conf`, to include in the `server {}` whose root holds the site.

nginx has no content negotiation: its `map` reads a header with regular expressions only. Each
offered type gets one expression per q-value level (1, 0.9, …, 0.1), listed by level, then in
`serve`'s order, so the first that matches names the type whose most specific range (the type,
else `type/*`, else `*/*`) has the highest q, a tie going to `serve`'s first: `serve`'s choice,
except that q-values count to their first decimal (0.95 as 0.9). Accept-Language is read alike
(`zh` also matches `zh-CN`; `*` a language not named). Where nginx answers otherwise than `serve`,
README "Publishing without a server" says so and tests/test_site_nginx.py names the case.
"""

from __future__ import annotations

import re

from .formats import DUMP_FORMATS, FORMATS, get_format
from .server.negotiation import DOCUMENT_FORMATS, HTML, JSON, QUAD_FORMATS
from .server.ui import LANGS
from .void import DUMP_STEM

NGINX_HTTP = "rules/nginx-http.conf"
NGINX_SERVER = "rules/nginx.conf"

_LEVELS = ("1", *(f"0.{d}" for d in range(9, 0, -1)))
# The expressions take time in proportion to the header's length, 50 ms for nginx's 8 KB: a longer
# header is not read (406; for Accept-Language, Chinese). Real ones are a few hundred characters.
MAX_HEADER = 1024
_PARAMETERS = r"(?:;(?!\s*q\s*=)[^,;]*)*"  # a range's parameters before its q
_EXTENSIONS = r"(?:;[^,]*)?"  # accept-extensions, after the q


def _q(level: str) -> str:
    if level == "1":  # no q, or q=1
        return rf"(?:;\s*q\s*=\s*1(?:\.0{{0,3}})?{_EXTENSIONS})?"
    return rf";\s*q\s*=\s*0\.{level[2]}\d{{0,2}}{_EXTENSIONS}"


def _names(pattern: str, level: str | None = None) -> str:
    """An item of the header naming `pattern` (at q `level`: a well-formed q in it)."""
    if level is None:
        return rf"(?:^|,)\s*{pattern}\s*(?:[;,]|$)"
    return rf"(?:^|,)\s*{pattern}\s*{_PARAMETERS}{_q(level)}\s*(?:,|$)"


def _at(chain: list[str], level: str) -> str:
    """A header whose most specific range among `chain` (narrowest first) has q at `level`."""
    first, *wider = chain
    here = f"(?=.*{_names(first, level)})"
    if not wider:
        return here
    return f"(?:{here}|(?!.*{_names(first)}){_at(wider, level)})"


def _map(source: str, variable: str, offers: list[tuple[list[str], str]], empty: str) -> str:
    """A map from `source` to the value of the first offer the header prefers (offers in `serve`'s
    order); an empty or absent header gives `empty` (nginx maps an empty value to the default
    without trying the expressions), a header that accepts none of them, or longer than
    MAX_HEADER, ""."""
    lines = [
        f"map {source} ${variable} {{",
        f'    default "{empty}";',
        f'    "~^.{{{MAX_HEADER + 1}}}" "";',
    ]
    for level in _LEVELS:
        lines += [f'    "~*^{_at(chain, level)}" "{value}";' for chain, value in offers]
    return "\n".join([*lines, '    "~." "";', "}"])


def _media(media_type: str) -> list[str]:
    main = media_type.partition("/")[0]
    return [re.escape(media_type), rf"{re.escape(main)}/\*", r"\*/\*"]


def _offers(media_types: list[str]) -> list[tuple[list[str], str]]:
    """Each media type and its token: html, json (plain JSON: the JSON-LD file), or the extension."""
    tokens = {HTML: "html", JSON: "json"} | {f.media_type: f.extension for f in FORMATS}
    return [(_media(t), tokens[t]) for t in media_types]


DOCUMENT_TYPES = [HTML, *(f.media_type for f in DOCUMENT_FORMATS), JSON]
GRAPH_TYPES = [*DOCUMENT_TYPES, *(f.media_type for f in QUAD_FORMATS)]
# The dumps as static_site.py's type map lists them: the quad formats first, then JSON.
DUMP_TYPES = [
    *(f.media_type for f in sorted(map(get_format, DUMP_FORMATS), key=lambda f: not f.quads)),
    JSON,
]


def http_conf(base: str, root: str) -> str:
    """The maps (`http {}` context): the negotiated choices, and the headers of each path."""
    languages = [([rf"{lang}(?:-[^,;\s]*)?", r"\*"], _page_suffix(lang)) for lang in LANGS]
    page_suffixes = "\n".join(
        f'    "~^{lang}\\|" "{_page_suffix(lang)}";\n'
        f'    "~^(?!zh\\||en\\|)[^|]*\\|{lang}\\|" "{_page_suffix(lang)}";'
        for lang in LANGS
    )
    formats = ", ".join(
        [
            f'<{root}$gk_l.{f.extension}>; rel=\\"alternate\\"; type=\\"{f.media_type}\\"'
            for f in DOCUMENT_FORMATS
        ]
        + [f'<{root}$gk_l.html>; rel=\\"alternate\\"; type=\\"text/html\\"']
    )
    canonical = f'{formats}, <{base}$gk_l>; rel=\\"canonical\\"'
    r = re.escape(root)
    return f"""\
# guian-kg static site behind nginx, part 1 of 2: include in `http {{}}`, and rules/nginx.conf in
# the `server {{}}` whose root holds the site at {root}. Made by `guian-kg site`; do not edit.
# Content negotiation by regular expressions (nginx has no other): see README "Publishing
# without a server" for where this answers otherwise than `guian-kg serve`.

# Accept → the type `serve` would choose: html, json (plain JSON) or a file extension; "" for 406.
{_map("$http_accept", "guian_kg_document", _offers(DOCUMENT_TYPES), "html")}
{_map("$http_accept", "guian_kg_graph", _offers(GRAPH_TYPES), "html")}
{_map("$http_accept", "guian_kg_dump", _offers(DUMP_TYPES), _offers(DUMP_TYPES)[0][1])}

# The page's language: ?lang=, else the `lang` cookie, else Accept-Language (else Chinese).
{_map("$http_accept_language", "guian_kg_accept_language", languages, "")}
map "$arg_lang|$cookie_lang|$guian_kg_accept_language" $guian_kg_page {{
    default $guian_kg_accept_language;
{page_suffixes}
}}

# The headers of what is answered, by its path (after the rewrites to the file answered).
# The home page's RDF is VoID's, about nothing (as in `serve`): the path asked is read too.
map "$uri|$request_uri" $guian_kg_link {{
    default "";
    "~^{r}(?<gk_l>void)\\.[a-z.]+\\|{r}(?:\\?.*)?$" "{canonical}";
    "~^{r}(?<gk_l>doc/(?<gk_k>[^/]+)/(?<gk_s>[^/.]+))\\.[a-z.]+\\|" "{canonical}, <{base}id/$gk_k/$gk_s>; rel=\\"about\\"";
    "~^{r}(?<gk_l>ontology)\\.[a-z.]+\\|" "{canonical}, <{base}ontology>; rel=\\"about\\"";
    "~^{r}(?<gk_l>void)\\.[a-z.]+\\|" "{canonical}, <{base}dataset>; rel=\\"about\\"";
    "~^{r}(?<gk_l>graph/[^/.]+)\\.[a-z.]+\\|" "{canonical}";
    "~^{r}id/(?<gk_k>[^/]+)/(?<gk_s>[^/.]+)\\|" "<{root}doc/$gk_k/$gk_s>; rel=\\"describedby\\"";
}}
map $uri $guian_kg_vary {{
    default "";
    "~\\.html$" "Accept, Accept-Language, Cookie";
    "~^{r}(?:(?:doc/[^/]+/[^/]+|ontology|void|graph/[^/]+)\\.[a-z.]+|id/.*|dataset.*|download/{DUMP_STEM})$" "Accept";
}}
map $uri $guian_kg_content_language {{
    default "";
    "~\\.en\\.html$" "en";
    "~\\.html$" "zh";
}}
map "$arg_lang|$uri" $guian_kg_set_cookie {{
    default "";
    "~^(?<gk_lang>zh|en)\\|.*\\.html$" "lang=$gk_lang; Max-Age=31536000; Path={root}; SameSite=lax";
}}
"""


def _page_suffix(lang: str) -> str:
    return "" if lang == "zh" else f".{lang}"


def _negotiate(root: str, choice: str, stem: str, page: str | None = None) -> str:
    """The body of a location answering a negotiated path with the file `choice` names: `stem`'s
    (and the page `page`, else `stem`, in the page's language); plain JSON as application/json."""
    return f"""\
    if (${choice} = "") {{ return 406; }}
    if (${choice} = json) {{ rewrite ^ {root}.json/{stem}.jsonld last; }}
    if (${choice} = html) {{ rewrite ^ {root}{page or stem}$guian_kg_page.html last; }}
    rewrite ^ {root}{stem}.${choice} last;"""


def server_conf(ontology_version: str, root: str) -> str:
    """The locations and headers (`server {}` context) of the site at `root` on the host."""
    types = "\n".join(
        f"    {f.media_type} {f.extension};" for f in FORMATS if f.extension != "json"
    )
    return f"""\
# guian-kg static site behind nginx, part 2 of 2: include in the `server {{}}` whose root holds
# the site at {root} (rules/nginx-http.conf goes in `http {{}}`). Made by `guian-kg site`.
# The site's files are served as the server serves static files: do not set other `add_header`
# for them, which would replace these.
types {{
{types}
    text/html html;
    text/css css;
    text/plain rq;
    application/xml xml;
    application/json json;
}}
charset utf-8;
charset_types text/turtle application/n-triples application/rdf+xml text/css text/plain application/xml;
add_header Access-Control-Allow-Origin "*" always;
add_header X-Content-Type-Options "nosniff" always;
add_header Vary $guian_kg_vary;
add_header Link $guian_kg_link;
add_header Content-Language $guian_kg_content_language;
add_header Set-Cookie $guian_kg_set_cookie;

# A thing: 303 See Other to its document in the negotiated format (the page to the document).
location ~ ^{re.escape(root)}id/(?<gk_kind>[^/]+)/(?<gk_slug>[^/.]+)$ {{
    if ($guian_kg_document = "") {{ return 406; }}
    if (!-f $document_root{root}doc/$gk_kind/$gk_slug.html) {{ return 404; }}
    if ($guian_kg_document = html) {{ return 303 {root}doc/$gk_kind/$gk_slug$is_args$args; }}
    if ($guian_kg_document = json) {{ return 303 {root}doc/$gk_kind/$gk_slug.jsonld$is_args$args; }}
    return 303 {root}doc/$gk_kind/$gk_slug.$guian_kg_document$is_args$args;
}}
# The negotiated paths: the file of the chosen format (or page), answered from its own path.
location ~ ^{re.escape(root)}(?<gk_doc>doc/[^/]+/[^/.]+|ontology|void)$ {{
{_negotiate(root, "guian_kg_document", "$gk_doc")}
}}
location ~ ^{re.escape(root)}(?<gk_doc>graph/[^/.]+)$ {{
{_negotiate(root, "guian_kg_graph", "$gk_doc")}
}}
location = {root} {{
{_negotiate(root, "guian_kg_document", "void", "index")}
}}
location = {root}.well-known/void {{
    rewrite ^ {root}void last;
}}
location = {root}ontology/{ontology_version} {{
    rewrite ^ {root}ontology last;
}}
location ~ ^{re.escape(root)}dataset(?:/.*)?$ {{
    return 303 {root}void;
}}
location = {root}download/{DUMP_STEM} {{
    if ($guian_kg_dump = "") {{ return 406; }}
    if ($guian_kg_dump = json) {{ return 303 {root}download/{DUMP_STEM}.jsonld; }}
    return 303 {root}download/{DUMP_STEM}.$guian_kg_dump;
}}
# Plain JSON, negotiated: the JSON-LD file, as application/json.
location ~ ^{re.escape(root)}\\.json/(?<gk_file>.+)$ {{
    internal;
    types {{ }}
    default_type application/json;
    try_files {root}$gk_file =404;
}}
location = {root}download/designations.schema.json {{
    types {{ }}
    default_type application/schema+json;
}}
"""
