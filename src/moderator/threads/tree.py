"""Turning reply trees into the flat, document-ordered comment list — without recursion.

Two shapes arrive from exports:

- nested (generic JSON, Reddit, Algolia HN): each node holds its replies;
  ``walk_nested`` yields nodes depth-first, pre-order, with their depth and parent.
- flat with parent links (WordPress, Disqus, Firebase HN, CSV): ``order_by_parent`` puts
  replies under their parents, siblings in input order.

Both use an explicit stack, so a reply chain 20,000 levels deep is fine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any

from .model import Comment

log = logging.getLogger("moderator")


def walk_nested(
    roots: Iterable[Any], children: Callable[[Any], Sequence[Any] | None]
) -> Iterator[tuple[Any, int, Any | None]]:
    """Yield ``(node, depth, parent_node)`` in document order (pre-order DFS)."""
    stack: list[tuple[Any, int, Any | None]] = [(r, 0, None) for r in reversed(list(roots))]
    while stack:
        node, depth, parent = stack.pop()
        yield node, depth, parent
        kids = children(node) or ()
        for kid in reversed(list(kids)):
            stack.append((kid, depth + 1, node))


def order_by_parent(
    items: Sequence[Any],
    key: Callable[[Any], Hashable],
    parent_key: Callable[[Any], Hashable | None],
    source_name: str = "",
) -> list[tuple[Any, int, Hashable | None]]:
    """Arrange flat records so every reply follows its parent.

    Returns ``(item, depth, parent_key_or_None)`` in document order. A record whose parent
    is not in the input becomes top level (its parent id is dropped, with a warning), and so
    does a record caught in a parent cycle: nothing is lost.
    """
    keys = [key(item) for item in items]
    known = set(keys)
    children: dict[Hashable, list[int]] = {}
    roots: list[int] = []
    orphans = 0
    for index, item in enumerate(items):
        parent = parent_key(item)
        if parent is None or parent == "" or parent == keys[index]:
            roots.append(index)
        elif parent in known:
            children.setdefault(parent, []).append(index)
        else:
            orphans += 1
            roots.append(index)
    if orphans:
        log.warning(
            "%s: %d comment(s) reply to a parent that is not in the file; kept at top level",
            source_name or "input",
            orphans,
        )
    ordered: list[tuple[Any, int, Hashable | None]] = []
    seen = [False] * len(items)

    def visit(start: int) -> None:
        stack = [(start, 0, None)]
        while stack:
            index, depth, parent = stack.pop()
            if seen[index]:
                continue
            seen[index] = True
            ordered.append((items[index], depth, parent))
            for child in reversed(children.get(keys[index], ())):
                stack.append((child, depth + 1, keys[index]))

    for index in roots:
        visit(index)
    leftover = [i for i, done in enumerate(seen) if not done]
    if leftover:
        log.warning(
            "%s: %d comment(s) form a reply cycle; kept at top level",
            source_name or "input",
            len(leftover),
        )
        for index in leftover:
            visit(index)
    return ordered


def number(comments: Iterable[Comment]) -> list[Comment]:
    """Set ``position`` 0..n-1 in the given (document) order."""
    result = list(comments)
    for position, comment in enumerate(result):
        comment.position = position
    return result
