"""guian-kg: the national-level designations of Gui'an New Area as a linked-data knowledge graph."""

__version__ = "0.1.0"
# The base of every published IRI (`--base` moves them). Here, not in iri.py, so that modules
# that must start fast (the query command, the corpus) need not import rdflib to know it.
DEFAULT_BASE = "https://w3id.org/guian-kg/"
