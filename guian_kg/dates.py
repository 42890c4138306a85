"""Companions for dates kept at their precision: the period's first and last day, and the precision.

SPARQL engines disagree on ordering xsd:gYearMonth and xsd:gYear (SPARQL 1.1 §17.3 leaves them
unordered; rdflib answers range tests on them wrongly), so every gk:date gets xsd:date companions
that all engines order, as Wikidata pairs a time value with its precision.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

import pyoxigraph as ox
from rdflib.namespace import XSD

from .errors import InputError
from .facts import Facts
from .namespaces import GK
from .terms import node

_PRECISION = "https://w3id.org/guian-kg/id/precision/"
_PATTERNS = {
    str(XSD.date): re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    str(XSD.gYearMonth): re.compile(r"^(\d{4})-(\d{2})$"),
    str(XSD.gYear): re.compile(r"^(\d{4})$"),
}
_DATE, _START, _END, _PRECISION_OF = (
    node(GK[name]) for name in ("date", "periodStart", "periodEnd", "datePrecision")
)
_XSD_DATE = node(XSD.date)


def period(date: ox.Literal) -> tuple[dt.date, dt.date, ox.NamedNode]:
    """Return (first day, last day, precision concept) of a date literal at its own precision."""
    datatype = date.datatype.value
    pattern = _PATTERNS.get(datatype)
    match = pattern.match(date.value) if pattern else None
    if not match:
        raise InputError(
            f"gk:date {date} is not an xsd:date, xsd:gYearMonth or xsd:gYear without time zone"
        )
    parts = [int(p) for p in match.groups()]
    try:
        if datatype == str(XSD.date):
            day = dt.date(*parts)
            return day, day, ox.NamedNode(_PRECISION + "day")
        if datatype == str(XSD.gYearMonth):
            year, month = parts
            last = calendar.monthrange(year, month)[1]
            first = dt.date(year, month, 1)
            return first, dt.date(year, month, last), ox.NamedNode(_PRECISION + "month")
        (year,) = parts
        return dt.date(year, 1, 1), dt.date(year, 12, 31), ox.NamedNode(_PRECISION + "year")
    except ValueError as exc:
        raise InputError(f"gk:date {date} is not a valid date: {exc}") from None


def add_date_companions(facts: Facts) -> int:
    """Add gk:periodStart, gk:periodEnd and gk:datePrecision for every gk:date; return how many dates."""
    count = 0
    for subject, date in sorted(
        facts.subject_objects(_DATE), key=lambda so: (str(so[0]), str(so[1]))
    ):
        if not isinstance(date, ox.Literal):
            raise InputError(f"{subject.value}: gk:date must be a literal, found {date}")
        start, end, precision = period(date)
        facts.add(ox.Triple(subject, _START, ox.Literal(start.isoformat(), datatype=_XSD_DATE)))
        facts.add(ox.Triple(subject, _END, ox.Literal(end.isoformat(), datatype=_XSD_DATE)))
        facts.add(ox.Triple(subject, _PRECISION_OF, precision))
        count += 1
    return count
