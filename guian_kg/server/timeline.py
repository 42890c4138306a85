"""The home page's timeline: every dated designation as a bar spanning its date's precision, drawn as SVG."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import URIRef

from ..namespaces import GK
from .site import Site

WIDTH, ROW, TOP, AXIS_LEFT, AXIS_RIGHT = 1000, 34, 44, 560, 980
MAX_MARKS = 100  # designations drawn, at most (a page of bounded size whatever the graph)
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
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
    if isinstance(value, ox.Literal) and value.datatype == XSD_DATE:
        try:
            return dt.date.fromisoformat(value.value)
        except ValueError:
            return None
    return None


def timeline(site: Site, lang: str) -> Timeline:
    """The designations with a gk:periodStart, in date order (ties by their number in the article):
    the first MAX_MARKS of them."""
    gk = site.term(GK.Designation)[: -len("Designation")]
    solutions = site.select(
        f"""PREFIX gk: <{gk}>
SELECT ?designation ?start ?end ?number ?precision ?date WHERE {{
  ?designation a gk:Designation ; gk:periodStart ?start .
  FILTER(datatype(?start) = <{XSD_DATE.value}>)
  OPTIONAL {{ ?designation gk:periodEnd ?end }}
  OPTIONAL {{ ?designation gk:sequenceNumber ?number }}
  OPTIONAL {{ ?designation gk:datePrecision ?precision }}
  OPTIONAL {{ ?designation gk:date ?date }}
}} ORDER BY ?start COALESCE(?number, 99) STR(?designation) LIMIT {MAX_MARKS * 4 + 1}"""
    )
    rows, seen = [], set()
    for solution in solutions:
        designation = solution["designation"].value
        start = _date(solution["start"])
        if designation in seen or start is None:
            continue
        seen.add(designation)
        number = solution["number"]
        precision = solution["precision"]
        rows.append(
            (
                start,
                _date(solution["end"]) or start,
                int(number.value) if isinstance(number, ox.Literal) else None,
                designation,
                precision.value if isinstance(precision, ox.NamedNode) else None,
                solution["date"].value if solution["date"] is not None else str(start),
            )
        )
    rows.sort(key=lambda r: (r[0], r[2] if r[2] is not None else 99, r[3]))
    more = len(rows) > MAX_MARKS
    rows = rows[:MAX_MARKS]
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
