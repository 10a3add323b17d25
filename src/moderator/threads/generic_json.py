"""The project's own nested JSON format: one thread, or a list of them.

::

    {
      "id": "bike-lane",                       (optional; default: file name, "-2" … in a list)
      "title": "Council approves bike lane",   (optional)
      "article": "The town council …",         (optional)
      "comments": [
        {"id": "1",                            (optional, string or integer)
         "author": "dana",                     (optional)
         "timestamp": "2024-05-02T10:00:00Z",  (optional: ISO 8601 string, or Unix seconds)
         "likes": 3,                           (optional integer)
         "removed": false,                     (optional; a removed comment may lack text)
         "text": "Great news …",
         "replies": [ … the same shape … ]}
      ]
    }

Comments without an id get ``c<N>``, N being their 1-based document position (made unique
against the ids the file does give). A value of the wrong type is a ``ThreadFormatError``
naming its JSON path, e.g. ``comments[3].replies[0].text``.

Python's ``json`` module recurses once per nesting level; when a reply chain is too deep for
it (about 1,000 levels) the file is decoded again by ``jsonload.loads_iterative``, and the
tree is flattened by the iterative ``tree.walk_nested``: 20,000 levels and more are fine.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
from collections.abc import Iterator
from typing import Any

from ..errors import ThreadFormatError
from .ids import assign_ids
from .jsonload import loads, type_name
from .model import Comment, Thread
from .tree import walk_nested

log = logging.getLogger("moderator")

SCHEMA_HINT = '{"title", "article", "comments": [{"text", "replies": [...]}]}'


def load_json(source) -> Any:
    """The decoded document; ThreadFormatError with line and column when it is not JSON."""
    return loads(source.read_text().lstrip("\ufeff"), source.name)


class _Node:
    """A comment object with how to reach it, for error paths built only when needed."""

    __slots__ = ("value", "parent", "key", "index", "comment")

    def __init__(self, value: Any, parent: _Node | None, key: str, index: int):
        self.value = value
        self.parent = parent
        self.key = key
        self.index = index
        self.comment: Comment | None = None

    def path(self, prefix: str) -> str:
        parts = []
        node: _Node | None = self
        while node is not None:
            parts.append(f"{node.key}[{node.index}]")
            node = node.parent
        return prefix + ".".join(reversed(parts))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Checker:
    """Type checks. ``where`` is a callable giving the JSON path, so that the path (long for
    deep replies) is only built when there is an error to report."""

    def __init__(self, source_name: str):
        self.name = source_name

    def fail(self, where, key: str | None, reason: str) -> ThreadFormatError:
        path = where()
        if key is not None:
            path = _join(path, key)
        return ThreadFormatError(self.name, f"{path or 'the top level'}: {reason}")

    def optional_str(self, obj: dict, key: str, where, allow_int: bool = False) -> str | None:
        value = obj.get(key)
        if value is None or isinstance(value, str):
            return value
        if allow_int and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        wanted = "a string or an integer" if allow_int else "a string"
        raise self.fail(where, key, f"expected {wanted}, got {type_name(value)}")

    def optional_list(self, obj: dict, key: str, where) -> list:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(where, key, f"expected an array, got {type_name(value)}")
        return value

    def likes(self, obj: dict, where) -> int | None:
        value = obj.get("likes")
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, "likes", f"expected an integer, got {type_name(value)}")
        return value

    def removed(self, obj: dict, where) -> bool:
        value = obj.get("removed")
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(where, "removed", f"expected true or false, got {type_name(value)}")
        return value

    def timestamp(self, obj: dict, where) -> str | None:
        value = obj.get("timestamp")
        if value is None or isinstance(value, str):
            return value or None
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                moment = _dt.datetime.fromtimestamp(value, tz=_dt.UTC)
            except (OverflowError, OSError, ValueError):
                reason = f"Unix time {value!r} is out of range"
                raise self.fail(where, "timestamp", reason) from None
            return moment.isoformat().replace("+00:00", "Z")
        raise self.fail(
            where, "timestamp",
            f"expected an ISO 8601 string or Unix seconds, got {type_name(value)}",
        )


def thread_from_object(obj: Any, source_name: str, thread_id: str, path: str = "") -> Thread:
    """One decoded thread object to a Thread; ``path`` prefixes error locations (``[2]``)."""
    check = _Checker(source_name)

    def top() -> str:
        return path

    if not isinstance(obj, dict):
        reason = f"expected a thread object {SCHEMA_HINT}, got {type_name(obj)}"
        raise check.fail(top, None, reason)
    if "comments" not in obj:
        raise check.fail(
            top, None, f'no "comments" key: not a thread in the generic JSON format {SCHEMA_HINT}'
        )
    thread = Thread(
        id=check.optional_str(obj, "id", top, allow_int=True) or thread_id,
        title=check.optional_str(obj, "title", top) or "",
        article=check.optional_str(obj, "article", top) or "",
        source={"path": source_name, "format": "json"},
    )
    prefix = f"{path}." if path else ""
    top_level = check.optional_list(obj, "comments", top)
    roots = [_Node(c, None, "comments", i) for i, c in enumerate(top_level)]

    def children(node: _Node) -> list[_Node]:
        replies = check.optional_list(node.value, "replies", lambda: node.path(prefix))
        return [_Node(r, node, "replies", i) for i, r in enumerate(replies)]

    nodes: list[_Node] = []
    # walk_nested asks for a node's children only after the loop body has checked the node
    for position, (node, depth, _parent) in enumerate(walk_nested(roots, children)):
        value = node.value

        def where(node: _Node = node) -> str:
            return node.path(prefix)

        if not isinstance(value, dict):
            raise check.fail(where, None, f"expected a comment object, got {type_name(value)}")
        removed = check.removed(value, where)
        if not removed:  # a removed comment may have lost its text; others need one
            if "text" not in value:
                raise check.fail(where, None, 'missing "text"')
            if value["text"] is None:
                raise check.fail(where, "text", "expected a string, got null")
        node.comment = Comment(
            id=check.optional_str(value, "id", where, allow_int=True) or "",
            parent_id=None,
            depth=depth,
            position=position,
            author=check.optional_str(value, "author", where),
            timestamp=check.timestamp(value, where),
            likes=check.likes(value, where),
            removed=removed,
            text=check.optional_str(value, "text", where) or "",
        )
        nodes.append(node)
        thread.comments.append(node.comment)

    assign_ids(thread.comments, source_name)
    for node in nodes:
        if node.parent is not None:
            node.comment.parent_id = node.parent.comment.id
        node.value = None  # let the decoded document go
    return thread


def _stem(name: str) -> str:
    if name == "<stdin>":
        return "stdin"
    return os.path.splitext(os.path.basename(name))[0] or name


def sniff(source) -> float:
    head = source.head_text().lstrip("\ufeff").lstrip()
    if not head or head[0] not in "{[":
        return 0.0
    if '"comments"' in head:
        return 0.6
    if '"article"' in head:
        return 0.4
    return 0.02  # JSON of some kind: if nothing else claims it, say what is wrong with it


def parse(source, options=None) -> Iterator[Thread]:
    document = load_json(source)
    stem = _stem(source.name)
    if isinstance(document, list):
        if not document:
            raise ThreadFormatError(source.name, "an empty JSON list: no threads")
        for index, item in enumerate(document):
            yield thread_from_object(item, source.name, f"{stem}-{index + 1}", f"[{index}]")
    else:
        yield thread_from_object(document, source.name, stem)
