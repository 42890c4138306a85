"""The enrich stage: what the build computes and adds to the curated facts (nothing else is generated).

Quote offsets and context (guian_kg.anchor), date companions (guian_kg.dates); the dataset
description is made after it (guian_kg.void).
"""

from __future__ import annotations

from .anchor import Pending, anchor_quotes
from .dates import add_date_companions
from .facts import Facts


def enrich(facts: Facts, sources: dict[str, str], pending: Pending | None = None) -> Facts:
    """Add what the build computes: quote offsets and context, date companions (`pending`: see
    anchor.anchor_quotes)."""
    anchor_quotes(facts, sources, pending)
    add_date_companions(facts)
    return facts
