"""The HTML pages, for `guian-kg serve` and for the static site (`guian-kg site`): one set of
templates, one function per page that gathers what it shows.

Templates link to the server's paths (`/`, `/id/place/guian-new-area`, `/static/style.css`) through
`url()`: `serve` keeps them as they are; the static site maps each to its file, relative to the page
being written, so that the folder can move (guian_kg/static_site.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from rdflib import URIRef
from rdflib.namespace import DCTERMS

from .negotiation import DOCUMENT_FORMATS
from .ontology import OntologyView
from .pages import MAX_LINKS, ResourceView, class_counts, literal_in, resource_view
from .site import Site
from .timeline import timeline
from .ui import STRINGS, Shown, curie, text

TEMPLATES = Path(__file__).resolve().parent / "templates"


def same_path(path: str, page: str | None, lang: str) -> str:
    """`serve`'s links: the server's own paths."""
    return path


class Pages:
    """Renders a template with the words of one language; `url(path)` maps each link (the
    server's path) to what the page needs, given the page being rendered and its language."""

    def __init__(self, site: Site, url: Callable[[str, str | None, str], str] = same_path):
        self.site, self._url = site, url
        self._page: str | None = None
        self._lang = "zh"
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
        self.env.globals["url"] = self.url
        self.env.globals["term"] = self.term
        self.env.filters["local"] = lambda iri: self.url(site.local(iri))

    def url(self, path: str) -> str:
        return self._url(path, self._page, self._lang)

    def term(self, v: Shown | None) -> Markup:
        """A term as pages show it: an IRI as a link to it (its label, then its prefixed name), a
        literal as its text (its language or datatype after it). A function, not a macro: a page
        shows a few hundred terms, and a macro call costs ten times as much."""
        if v is None:
            return Markup("")
        if v.href:
            html = f'<a href="{escape(self.url(v.href))}">{escape(v.text)}</a>'
            note = "curie"
        else:
            lang = f' lang="{escape(v.lang)}"' if v.lang else ""
            html = f'<span class="literal"{lang}>{escape(v.text)}</span>'
            note = "note"
        if v.note:
            html += f' <small class="{note}">{escape(v.note)}</small>'
        return Markup(html)

    def render(
        self,
        template: str,
        lang: str,
        toggles: dict[str, str],
        page: str | None = None,
        **context,
    ) -> str:
        """The page; `page` is where it will lie (the static site's path), None on the server."""
        self._page, self._lang = page, lang
        return self.env.get_template(template).render(
            lang=lang,
            t=lambda key: text(key, lang),
            toggles=toggles,
            site_name=STRINGS["site"],
            **context,
        )


def alternates(site: Site, document: str) -> list[tuple[str, str]]:
    """(media type, server path) of every RDF version of a document (its published IRI), for
    `<link rel="alternate">` and the page's list of formats."""
    local = site.local(document)
    return [(f.media_type, f"{local}.{f.extension}") for f in DOCUMENT_FORMATS]


def home(site: Site, lang: str, alternates) -> dict:
    """What the home page shows."""
    return dict(
        title=text("site", lang),
        timeline=timeline(site, lang),
        description=literal_in(site, site.iris.dataset, DCTERMS.description, lang),
        counts=class_counts(site, lang),
        downloads=sorted(site.downloads),
        examples=list(site.examples.values()),
        graphs=[(name, curie(name, site.prefixes), n) for name, n in site.sizes.items()],
        total=site.total,
        alternates=alternates,
    )


def resource(site: Site, thing: URIRef, document: str, lang: str, alternates) -> dict:
    """What the page of a thing shows (`document`: its document's published IRI)."""
    view: ResourceView = resource_view(site, thing, lang)
    return dict(
        title=view.title,
        view=view,
        alternates=alternates,
        document=document,
        max_links=MAX_LINKS,
    )


def ontology(site: Site, view: OntologyView, alternates) -> dict:
    """What the ontology page shows."""
    return dict(title=view.title, view=view, alternates=alternates, shapes=len(site.shapes))


def graph(site: Site, iri: str, alternates) -> dict:
    """What the page of a named graph shows."""
    return dict(
        title=curie(iri, site.prefixes), iri=iri, triples=site.sizes[iri], alternates=alternates
    )
