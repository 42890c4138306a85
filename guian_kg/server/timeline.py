"""The home page's timeline: every dated designation as a bar spanning its date's precision, drawn as SVG."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from ..namespaces import GK
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


def _date(value) -> dt.date | None:
    return (
        value.toPython()
        if isinstance(value, Literal) and isinstance(value.toPython(), dt.date)
        else None
    )


def timeline(site: Site, lang: str) -> Timeline:
    """The designations with a gk:periodStart, in date order (ties by their number in the article)."""
    union = site.union
    rows = []
    for designation in set(union.subjects(RDF.type, site.term(GK.Designation))):
        start, end = (
            _date(union.value(designation, site.term(GK.periodStart))),
            _date(union.value(designation, site.term(GK.periodEnd))),
        )
        if start is None:
            continue
        number = union.value(designation, site.term(GK.sequenceNumber))
        precision = union.value(designation, site.term(GK.datePrecision))
        rows.append(
            (
                start,
                end or start,
                int(number) if number is not None else None,
                designation,
                precision,
            )
        )
    rows.sort(key=lambda r: (r[0], r[2] if r[2] is not None else 99, str(r[3])))
    if not rows:
        return Timeline([], [], WIDTH, TOP, AXIS_LEFT, AXIS_RIGHT)
    first = dt.date(min(r[0] for r in rows).year, 1, 1)
    last = dt.date(max(r[1] for r in rows).year + 1, 1, 1)
    span = (last - first).days

    def x(day: dt.date) -> float:
        return AXIS_LEFT + (day - first).days / span * (AXIS_RIGHT - AXIS_LEFT)

    marks = []
    for i, (start, end, number, designation, precision) in enumerate(rows):
        key = str(precision).rsplit("/", 1)[-1] if isinstance(precision, URIRef) else "day"
        label = site.label(designation, lang) or str(designation)
        limit = MAX_LABEL[lang]
        short = label if len(label) <= limit else label[: limit - 1] + "…"
        left = x(start)
        right = x(end + dt.timedelta(days=1))
        zh, en = PRECISIONS.get(key, (key, key))
        marks.append(
            Mark(
                number,
                str(designation),
                short,
                label,
                str(union.value(designation, site.term(GK.date)) or start),
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
    return Timeline(marks, ticks, WIDTH, TOP + len(rows) * ROW + 16, AXIS_LEFT, AXIS_RIGHT)
