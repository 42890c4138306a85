"""The enrich stage: what the build computes and adds to the curated facts (nothing else is generated).

Quote offsets and context (guian_kg.anchor), date companions (guian_kg.dates); the dataset
description is made after it (guian_kg.void).
"""

from __future__ import annotations

from rdflib import Graph

from .anchor import anchor_quotes
from .dates import add_date_companions


def enrich(data: Graph, sources: dict[str, str]) -> Graph:
    """Add what the build computes: quote offsets and context, date companions."""
    anchor_quotes(data, sources)
    add_date_companions(data)
    return data
