"""The enrich stage: what the build computes and adds to the curated facts (nothing else is generated).

Quote offsets and context (guian_kg.anchor), date companions (guian_kg.dates); the dataset
description is made after it (guian_kg.void).
"""

from __future__ import annotations

from .anchor import anchor_quotes
from .dates import add_date_companions
from .facts import Facts


def enrich(facts: Facts, sources: dict[str, str]) -> Facts:
    """Add what the build computes: quote offsets and context, date companions."""
    anchor_quotes(facts, sources)
    add_date_companions(facts)
    return facts
