"""Companions for dates kept at their precision: the period's first and last day, and the precision.

SPARQL engines disagree on ordering xsd:gYearMonth and xsd:gYear (SPARQL 1.1 §17.3 leaves them
unordered; rdflib answers range tests on them wrongly), so every gk:date gets xsd:date companions
that all engines order, as Wikidata pairs a time value with its precision.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from .errors import InputError
from .namespaces import GK

_PRECISION = "https://w3id.org/guian-kg/id/precision/"
_PATTERNS = {
    XSD.date: re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    XSD.gYearMonth: re.compile(r"^(\d{4})-(\d{2})$"),
    XSD.gYear: re.compile(r"^(\d{4})$"),
}


def period(date: Literal) -> tuple[dt.date, dt.date, URIRef]:
    """Return (first day, last day, precision concept) of a date literal at its own precision."""
    pattern = _PATTERNS.get(date.datatype)
    match = pattern.match(str(date)) if pattern else None
    if not match:
        raise InputError(
            f"gk:date {date.n3()} is not an xsd:date, xsd:gYearMonth or xsd:gYear without time zone"
        )
    parts = [int(p) for p in match.groups()]
    try:
        if date.datatype == XSD.date:
            day = dt.date(*parts)
            return day, day, URIRef(_PRECISION + "day")
        if date.datatype == XSD.gYearMonth:
            year, month = parts
            last = calendar.monthrange(year, month)[1]
            return dt.date(year, month, 1), dt.date(year, month, last), URIRef(_PRECISION + "month")
        (year,) = parts
        return dt.date(year, 1, 1), dt.date(year, 12, 31), URIRef(_PRECISION + "year")
    except ValueError as exc:
        raise InputError(f"gk:date {date.n3()} is not a valid date: {exc}") from None


def add_date_companions(graph: Graph) -> int:
    """Add gk:periodStart, gk:periodEnd and gk:datePrecision for every gk:date; return how many dates."""
    count = 0
    for subject, date in sorted(graph.subject_objects(GK.date)):
        if not isinstance(date, Literal):
            raise InputError(f"{subject}: gk:date must be a literal, found {date.n3()}")
        start, end, precision = period(date)
        graph.add((subject, GK.periodStart, Literal(start.isoformat(), datatype=XSD.date)))
        graph.add((subject, GK.periodEnd, Literal(end.isoformat(), datatype=XSD.date)))
        graph.add((subject, GK.datePrecision, precision))
        count += 1
    return count
