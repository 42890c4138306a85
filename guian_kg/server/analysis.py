"""What the endpoint must know about a query before it runs: its form, SERVICE, and its dataset clause.

Oxigraph parses and runs the query (in a worker process); it offers no parse-only call from Python
and evaluates SERVICE by fetching the remote endpoint, so SERVICE has to be refused before the
query reaches it. That needs the query's tokens, not a keyword search: this is a lexer for the
terminals of the SPARQL 1.1 grammar (https://www.w3.org/TR/sparql11-query/#terminals), so that
`"SERVICE"` in a string, `# SERVICE` in a comment, `ex:SERVICE` or `?service` are not the keyword,
and a bare `SERVICE` token, the only way to write the keyword, always is. Oxigraph reads `\\u`
escapes inside strings and IRIs only (not before tokenising, checked in the tests), as this lexer does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)

_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:'{{0,2}}(?:[^'\\]|\\.))*'''
              | \"\"\"(?:"{{0,2}}(?:[^"\\]|\\.))*\"\"\"
              | '(?:[^'\\\n\r]|\\.)*'
              | "(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*)
  | (?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
  | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<punct>\^\^|\|\||&&|!=|<=|>=|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class QueryTextError(ValueError):
    """The query text cannot be tokenised (an unterminated string or IRI, a stray character)."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int


@dataclass
class QueryText:
    """The facts the endpoint checks before running a query."""

    form: str | None  # SELECT, CONSTRUCT, DESCRIBE, ASK, or None (an update or not SPARQL)
    service: int | None = None  # line of the first SERVICE keyword
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)


def tokens(text: str) -> list[Token]:
    """The significant tokens of `text` (no whitespace or comments)."""
    out, line, at = [], 1, 0
    while at < len(text):
        match = _TOKEN.match(text, at)  # always matches: the last alternative takes any character
        kind, value = match.lastgroup or "punct", match.group()
        if value in ("'", '"'):  # a quote that starts no complete string
            raise QueryTextError(f"line {line}: unterminated string")
        if kind not in ("ws", "comment"):
            out.append(Token(kind, value, line))
        line += value.count("\n")
        at = match.end()
    return out


def analyse(text: str, base: str | None = None) -> QueryText:
    """Form, SERVICE and FROM / FROM NAMED graphs (absolute IRIs) of a query; QueryTextError if untokenisable."""
    toks = tokens(text)
    prefixes: dict[str, str] = {}
    base_iri = base
    at = 0
    # The prologue: BASE <iri> and PREFIX p: <iri>, in any order (grammar rule [4]).
    while (
        at < len(toks) and toks[at].kind == "word" and toks[at].text.upper() in ("BASE", "PREFIX")
    ):
        keyword = toks[at].text.upper()
        if keyword == "BASE" and at + 1 < len(toks) and toks[at + 1].kind == "iri":
            base_iri = _resolve(_iri_value(toks[at + 1].text), base_iri)
            at += 2
        elif keyword == "PREFIX" and at + 2 < len(toks) and toks[at + 1].kind == "pname":
            if toks[at + 2].kind != "iri":
                break
            prefixes[toks[at + 1].text[:-1]] = _resolve(_iri_value(toks[at + 2].text), base_iri)
            at += 3
        else:
            break
    first = toks[at].text.upper() if at < len(toks) and toks[at].kind == "word" else None
    result = QueryText(first if first in _FORMS else None)
    for i, token in enumerate(toks):
        if token.kind != "word":
            continue
        keyword = token.text.upper()
        if keyword == "SERVICE" and result.service is None:
            result.service = token.line
        elif keyword == "FROM":
            named = (
                i + 1 < len(toks)
                and toks[i + 1].kind == "word"
                and toks[i + 1].text.upper() == "NAMED"
            )
            target = toks[i + 2] if named else (toks[i + 1] if i + 1 < len(toks) else None)
            iri = _graph_iri(target, prefixes, base_iri) if target else None
            if iri is None:
                raise QueryTextError(f"line {token.line}: FROM must be followed by an IRI")
            (result.from_named_graphs if named else result.from_graphs).append(iri)
    return result


def _graph_iri(token: Token, prefixes: dict[str, str], base: str | None) -> str | None:
    if token.kind == "iri":
        return _resolve(_iri_value(token.text), base)
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix not in prefixes:
            return None
        return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def _iri_value(token: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token[1:-1])


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base and ":" not in iri.split("/", 1)[0] else iri
