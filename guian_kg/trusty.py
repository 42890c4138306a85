"""Trusty URIs of RDF content: the "RA" artifact code that ends a nanopublication's IRI.

An artifact code is a hash of the content itself, so anyone can check that a nanopublication is
what its IRI says, offline and without a key (Kuhn & Dumontier, "Trusty URIs: Verifiable,
Immutable, and Permanent Digital Artifacts for Linked Data", ESWC 2014; module RA: RDF graphs
and quads). This follows the reference implementations (trustyuri-java, and the `nanopub`
library's `nanopub.trustyuri.rdf.RdfHasher`, which tests/test_nanopubs.py checks it against):

1. the quads are written with every IRI of the nanopublication's own namespace holding a space
   where the code will go (`{namespace} ` for the nanopublication, `{namespace} #assertion` …;
   here they are made with PLACEHOLDER, a space percent-encoded, as an IRI cannot hold a space);
2. they are sorted by graph, subject, predicate (IRIs as text), then object (IRIs before
   literals; literals by lexical form, then datatype, a language-tagged one first, then tag);
3. each term becomes a line: an IRI as it is, a literal as `@tag text` or `^datatype text` (with
   `\\` and a newline escaped), a quad four lines; identical quads count once;
4. the code is "RA" and the SHA-256 of those lines in URL-safe base64 without padding.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

import pyoxigraph as ox

PLACEHOLDER = "%20"  # where the artifact code goes, in every IRI of the content's own namespace
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def artifact_code(quads: Iterable[ox.Quad], namespace: str) -> str:
    """The RA artifact code of quads whose IRIs in `namespace` hold PLACEHOLDER where the code
    goes (right after `namespace`)."""
    keyed = {tuple(_key(t, namespace) for t in (quad.graph_name, *quad.triple)) for quad in quads}
    lines = [_line(key) for quad in sorted(keyed) for key in quad]
    digest = hashlib.sha256("".join(lines).encode("utf-8")).digest()
    return "RA" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def with_code(term, namespace: str, code: str):
    """`term` with `code` in place of PLACEHOLDER if it is an IRI of `namespace` (which ends
    where the code goes)."""
    if isinstance(term, ox.NamedNode) and term.value.startswith(namespace + PLACEHOLDER):
        return ox.NamedNode(namespace + code + term.value[len(namespace) + len(PLACEHOLDER) :])
    return term


def _key(term, namespace: str) -> tuple:
    """A term's place in the reference order, from which its line is written too: IRIs before
    literals; literals by lexical form, then datatype (a language-tagged one, which has none in
    the reference, first), then language tag."""
    if isinstance(term, ox.NamedNode):
        own = term.value.startswith(namespace + PLACEHOLDER)
        return (0, term.value.replace(PLACEHOLDER, " ", 1) if own else term.value)
    if isinstance(term, ox.Literal):
        if term.datatype.value == _LANG_STRING:
            return (1, term.value, "", term.language)
        return (1, term.value, term.datatype.value, "")
    raise ValueError(f"a nanopublication's trusty URI covers IRIs and literals only, not {term}")


def _line(key: tuple) -> str:
    if key[0] == 0:
        return key[1] + "\n"
    _, text, datatype, language = key
    text = text.replace("\\", "\\\\").replace("\n", "\\n")
    return f"@{language.lower()} {text}\n" if language else f"^{datatype} {text}\n"
