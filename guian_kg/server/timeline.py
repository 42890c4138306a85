"""The home page's timeline: every dated designation as a bar spanning its date's precision, drawn as SVG."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from ..namespaces import GK
from .site import Site, from_oxigraph

WIDTH, ROW, TOP, AXIS_LEFT, AXIS_RIGHT = 1000, 34, 44, 560, 980
MAX_MARKS = 100  # designations drawn, at most (a page of bounded size whatever the graph)
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
    more: bool = False  # more than MAX_MARKS designations have a date: the first ones are drawn


def _date(value) -> dt.date | None:
    """An xsd:date's day; None for any other term."""
    if isinstance(value, Literal) and value.datatype == XSD.date:
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            return None
    return None


def timeline(site: Site, lang: str) -> Timeline:
    """The designations with a gk:periodStart, in date order (ties by their number in the article):
    the first MAX_MARKS of them."""
    gk = site.term(GK.Designation)[: -len("Designation")]
    # The other values are looked up for the designations drawn only: OPTIONALs here would join
    # against the periods of every figure in the graph.
    solutions = site.select(
        f"PREFIX gk: <{gk}> SELECT ?designation ?start ?number {{ ?designation a gk:Designation ; "
        "gk:periodStart ?start OPTIONAL { ?designation gk:sequenceNumber ?number } }"
    )
    found: dict[str, tuple] = {}
    for solution in solutions:
        start = _date(from_oxigraph(solution["start"]))
        designation, number = solution["designation"].value, solution["number"]
        if start is not None and designation not in found:
            found[designation] = (
                start,
                int(number.value) if number is not None else None,
                designation,
            )
    numbered = list(found.values())
    numbered.sort(key=lambda r: (r[0], r[1] if r[1] is not None else 99, r[2]))
    more = len(numbered) > MAX_MARKS
    rows = []
    for start, number, designation in numbered[:MAX_MARKS]:
        iri = URIRef(designation)
        end = site.value(iri, site.term(GK.periodEnd))
        precision = site.value(iri, site.term(GK.datePrecision))
        date = site.value(iri, site.term(GK.date))
        rows.append(
            (
                start,
                _date(end) or start,
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
