"""Decoding JSON thread files, however deeply their replies nest.

The standard library's ``json`` recurses once per nesting level and stops with
``RecursionError`` near the interpreter's recursion limit (about 1,000 levels). Reddit and
Algolia HN files nest one level per reply, and real reply chains (or hostile files) go far
deeper. ``loads`` therefore tries the fast C decoder first and, only when it runs out of
recursion, decodes again with an iterative decoder (an explicit stack, no recursion limit).
This works the same on every Python version, changes no process-wide setting (recursion
limit, thread stack size) and costs nothing for ordinary files.

Errors come out as ``ThreadFormatError`` naming the file and the line/column.

Use it from every JSON format (reddit, hn, generic json)::

    from .jsonload import load_source
    data = load_source(source)          # a Source; or loads(text, name)

Whatever walks the decoded value must be iterative as well (``tree.walk_nested``).
"""

from __future__ import annotations

import json
import re
from json.decoder import JSONDecodeError, scanstring
from typing import Any

from ..errors import ThreadFormatError

__all__ = ["JSONDecodeError", "decode_error", "load_source", "loads", "loads_iterative",
           "type_name"]

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?")
_CONSTANTS = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": float("-inf"),
}


def loads(text: str, name: str) -> Any:
    """Decode ``text`` (the contents of file ``name``); ThreadFormatError when it is not JSON."""
    try:
        try:
            return json.loads(text)
        except RecursionError:
            return loads_iterative(text)
    except JSONDecodeError as exc:
        raise decode_error(name, text, exc) from None


def decode_error(name: str, text: str, exc: JSONDecodeError) -> ThreadFormatError:
    """The one-line error for ``exc``: "truncated JSON" when the text ends before the value
    does (an unterminated string always does), else "invalid JSON"; json's messages that
    end in "at" (the position follows in json's own str()) end in "here", the line and column
    given before them."""
    message = exc.msg
    if message.endswith(" at"):
        message = message[: -len(" at")] + " here"
    cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
    kind = "truncated JSON" if cut else "invalid JSON"
    return ThreadFormatError(name, f"{kind}: {message}", exc.lineno, exc.colno)


def load_source(source) -> Any:
    """Decode a whole ``Source`` (BOM and encoding already handled by the source)."""
    return loads(source.read_text(), source.name)


def type_name(value: Any) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _object_key(s: str, idx: int, ws, scanstring) -> tuple[str, int]:
    """At ``idx`` (whitespace skipped): ``"key" :``; returns the key and the index after the
    colon and its whitespace."""
    if idx >= len(s) or s[idx] != '"':
        raise JSONDecodeError("Expecting property name enclosed in double quotes", s, idx)
    key, idx = scanstring(s, idx + 1)
    idx = ws(s, idx).end()
    if idx >= len(s) or s[idx] != ":":
        raise JSONDecodeError("Expecting ':' delimiter", s, idx)
    return key, ws(s, idx + 1).end()


def loads_iterative(s: str) -> Any:
    """Decode JSON like ``json.loads`` (same values, same errors) without recursion."""
    ws = _WS.match
    end = ws(s, 0).end()
    # Stack entries: [container, pending_key]; pending_key is used for objects only.
    stack: list[list[Any]] = []
    value: Any
    idx = end
    n = len(s)
    while True:
        # -- parse one value starting at idx (or open a container) --
        if idx >= n:
            raise JSONDecodeError("Expecting value", s, idx)
        ch = s[idx]
        if ch == "{":
            idx = ws(s, idx + 1).end()
            if idx < n and s[idx] == "}":
                value, idx = {}, idx + 1
            else:
                key, idx = _object_key(s, idx, ws, scanstring)
                stack.append([{}, key])
                continue
        elif ch == "[":
            idx = ws(s, idx + 1).end()
            if idx < n and s[idx] == "]":
                value, idx = [], idx + 1
            else:
                stack.append([[], None])
                continue
        elif ch == '"':
            value, idx = scanstring(s, idx + 1)
        else:
            m = _NUMBER.match(s, idx)
            if m:
                integer, frac, exp = m.groups()
                value = float(integer + (frac or "") + (exp or "")) if frac or exp else int(integer)
                idx = m.end()
            else:
                for word, constant in _CONSTANTS.items():
                    if s.startswith(word, idx):
                        value, idx = constant, idx + len(word)
                        break
                else:
                    raise JSONDecodeError("Expecting value", s, idx)
        # -- attach the finished value to its container; close containers that end here --
        while True:
            if not stack:
                idx = ws(s, idx).end()
                if idx != n:
                    raise JSONDecodeError("Extra data", s, idx)
                return value
            top = stack[-1]
            container = top[0]
            if isinstance(container, dict):
                container[top[1]] = value
                idx = ws(s, idx).end()
                if idx < n and s[idx] == ",":
                    key, idx = _object_key(s, ws(s, idx + 1).end(), ws, scanstring)
                    top[1] = key
                    break
                if idx < n and s[idx] == "}":
                    idx += 1
                    value = stack.pop()[0]
                    continue
                raise JSONDecodeError("Expecting ',' delimiter", s, idx)
            container.append(value)
            idx = ws(s, idx).end()
            if idx < n and s[idx] == ",":
                idx = ws(s, idx + 1).end()
                break
            if idx < n and s[idx] == "]":
                idx += 1
                value = stack.pop()[0]
                continue
            raise JSONDecodeError("Expecting ',' delimiter", s, idx)
