"""Deterministic JSON text of JSON-LD documents: what `json.dumps(doc, ensure_ascii=False,
indent=2, sort_keys=True)` writes, with every array in one stable order (nodes by id, other
values by their JSON), written directly: json's indenting encoder is pure Python and several
times slower on a corpus-sized document."""

from __future__ import annotations

import json
from typing import Any

_encode = json.encoder.encode_basestring  # the C encoder json.dumps uses with ensure_ascii=False


def _text(value: Any) -> str:
    """The JSON of a value as `jsonld._sort_key` writes it (arrays inside already in order)."""
    if type(value) is str:
        return _encode(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _in_order(items: list) -> list:
    """`jsonld._stable`'s order of an array: nodes by id (then JSON), then other values by JSON."""
    ids, others = [], []
    for item in items:
        node_id = item.get("id", item.get("@id")) if type(item) is dict else None
        if type(node_id) is str:
            ids.append((node_id, item))
        else:
            if type(item) in (dict, list):
                item = stable(item)
            others.append((_text(item), item))
    if len({node_id for node_id, _ in ids}) < len(ids):  # a shared id: the JSON decides
        ids = sorted(((node_id, _text(stable(item)), item) for node_id, item in ids))
    else:
        ids.sort(key=_first)
    others.sort(key=_first)
    return [entry[-1] for entry in ids] + [item for _, item in others]


def _first(entry: tuple) -> Any:
    return entry[0]


def stable(value: Any) -> Any:
    """Every array of `value` in `jsonld._stable`'s order."""
    if type(value) is dict:
        return {k: stable(v) for k, v in value.items()}
    if type(value) is list:
        return _in_order([stable(v) for v in value])
    return value


class Raw(str):
    """JSON text written as it is: pieces of a document written before (`dump_value`)."""


def dump_value(value: Any, indent: str, shared: dict[int, dict[str, str]] | None = None) -> str:
    """The JSON text `dump_sorted` writes for `value` where it stands at `indent` (a newline and
    the spaces before the line that holds it). `shared`: the objects (by id; the caller keeps them
    alive and unchanged) met in several values, and their texts at each indent where written."""
    out: list[str] = []
    _write(value, out, indent, True, shared)
    return "".join(out)


def dump_sorted(doc: dict, unsorted: tuple[str, ...] = ()) -> str:
    """`json.dumps(stable(doc), ensure_ascii=False, indent=2, sort_keys=True)` and a newline,
    written directly (json's indenting encoder is pure Python and several times slower); the
    arrays under the top-level keys `unsorted` keep their order."""
    out: list[str] = []
    if not doc:
        return "{}\n"
    inner = "\n  "
    out.append("{" + inner)
    for i, key in enumerate(sorted(doc)):
        if i:
            out.append("," + inner)
        out.append(_encode(key) + ": ")
        _write(doc[key], out, inner, key not in unsorted)
    out.append("\n}\n")
    return "".join(out)


def _write(
    value: Any, out: list[str], indent: str, ordered: bool, shared: dict | None = None
) -> None:
    kind = type(value)
    if kind is str:
        out.append(_encode(value))
    elif kind is dict:
        texts = shared.get(id(value)) if shared else None
        if texts is None:
            _write_object(value, out, indent, ordered, shared)
            return
        text = texts.get(indent)
        if text is None:
            written: list[str] = []
            _write_object(value, written, indent, ordered, shared)
            text = texts[indent] = "".join(written)
        out.append(text)
    elif kind is list:
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        separator = "," + inner
        out.append("[" + inner)
        first = True
        for item in _in_order(value) if ordered and len(value) > 1 else value:
            if first:
                first = False
            else:
                out.append(separator)
            if type(item) is str:
                out.append(_encode(item))
            else:
                _write(item, out, inner, ordered, shared)
        out.append(indent + "]")
    elif kind is Raw:
        out.append(value)
    elif kind is int:  # as json.dumps writes it, and numbers, booleans, null below
        out.append(int.__repr__(value))
    else:
        out.append(json.dumps(value))


def _write_object(value: dict, out: list[str], indent: str, ordered: bool, shared: dict | None):
    if not value:
        out.append("{}")
        return
    inner = indent + "  "
    separator = "," + inner
    out.append("{" + inner)
    first = True
    for key in sorted(value):
        if first:
            first = False
        else:
            out.append(separator)
        out.append(_KEYS.get(key) or _key(key))
        item = value[key]
        if type(item) is str:  # most values: written here, not by a call of _write
            out.append(_encode(item))
        else:
            _write(item, out, inner, ordered, shared)
    out.append(indent + "}")


_KEYS: dict[str, str] = {}  # a key's JSON and the colon after it, for the keys met (terms)


def _key(key: str) -> str:
    text = _encode(key) + ": "
    if len(_KEYS) < 1 << 16:
        _KEYS[key] = text
    return text
