"""guian-kg: the national-level designations of Gui'an New Area as a linked-data knowledge graph."""

__version__ = "0.1.0"
