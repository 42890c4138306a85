"""The home page's timeline: every dated designation as a bar spanning its date's precision, drawn as SVG."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rdflib import URIRef

from ..home_figures import Dated, dated_designations, day_of
from ..namespaces import GK
from ..terms import to_oxigraph
from .site import Site

WIDTH, ROW, TOP, AXIS_LEFT, AXIS_RIGHT = 1000, 34, 44, 560, 980
PRECISIONS = {"day": ("日", "day"), "month": ("月", "month"), "year": ("年", "year")}
MAX_LABEL = {
    "zh": 24,
    "en": 44,
}  # characters before a label is cut with "…" (the full label is the tooltip)


@dataclass(frozen=True)
class Mark:
    number: int | None
    href: str
    label: str
    full_label: str
    date: str
    precision: str  # day, month, year
    precision_text: str
    x: float
    width: float
    y: float


@dataclass(frozen=True)
class Tick:
    x: float
    year: int


@dataclass(frozen=True)
class Timeline:
    marks: list[Mark]
    ticks: list[Tick]
    width: int
    height: int
    axis_left: int
    axis_right: int
    more: bool = False  # more than home_figures.MAX_MARKS have a date: the first ones are drawn


def dated(site: Site) -> tuple[list[Dated], bool]:
    """The designations the timeline draws and whether there are more: as the store's mark holds
    them (home_figures), else found now."""
    gk = site.term(GK.Designation)[: -len("Designation")]
    kept = site.opened.timeline
    if kept is not None and kept["gk"] == gk:
        return kept["dated"], kept["more"]
    return dated_designations(site.opened.store, gk)


def timeline(site: Site, lang: str) -> Timeline:
    """The designations with a gk:periodStart, in date order (ties by their number in the article):
    the first home_figures.MAX_MARKS of them."""
    drawn, more = dated(site)
    rows = []
    for start, number, designation in drawn:
        iri = URIRef(designation)
        end = site.value(iri, site.term(GK.periodEnd))
        precision = site.value(iri, site.term(GK.datePrecision))
        date = site.value(iri, site.term(GK.date))
        rows.append(
            (
                start,
                (end is not None and day_of(to_oxigraph(end))) or start,
                number,
                designation,
                str(precision) if isinstance(precision, URIRef) else None,
                str(date) if date is not None else str(start),
            )
        )
    if not rows:
        return Timeline([], [], WIDTH, TOP, AXIS_LEFT, AXIS_RIGHT)
    first = dt.date(min(r[0] for r in rows).year, 1, 1)
    last = dt.date(max(r[1] for r in rows).year + 1, 1, 1)
    span = (last - first).days

    def x(day: dt.date) -> float:
        return AXIS_LEFT + (day - first).days / span * (AXIS_RIGHT - AXIS_LEFT)

    marks = []
    for i, (start, end, number, designation, precision, date) in enumerate(rows):
        key = precision.rsplit("/", 1)[-1] if precision else "day"
        label = site.label(URIRef(designation), lang) or designation
        limit = MAX_LABEL[lang]
        short = label if len(label) <= limit else label[: limit - 1] + "…"
        left = x(start)
        right = x(end + dt.timedelta(days=1))
        zh, en = PRECISIONS.get(key, (key, key))
        marks.append(
            Mark(
                number,
                site.local(designation),
                short,
                label,
                date,
                key,
                zh if lang == "zh" else en,
                round(left, 1),
                round(max(right - left, 4.0), 1),
                TOP + i * ROW,
            )
        )
    ticks = [
        Tick(round(x(dt.date(year, 1, 1)), 1), year) for year in range(first.year, last.year + 1)
    ]
    return Timeline(marks, ticks, WIDTH, TOP + len(rows) * ROW + 16, AXIS_LEFT, AXIS_RIGHT, more)
