"""Hacker News item trees, in the two shapes its APIs return.

(a) Firebase (``/v0/item/<id>.json``), collected into a JSON array: flat items linked by
    ``parent`` and ``kids``. Each story (or poll, job) is a thread; its comments follow the
    ``kids`` order (items whose ``parent`` points at an item that does not list them come after
    its listed kids, in file order). Comments whose story is not in the file form a thread
    named after the missing item. ``deleted`` and ``dead`` items are skipped and counted unless
    ``include_removed``; one with shown replies stays as an empty ``removed`` placeholder.
(b) Algolia (``/api/v1/items/<id>``): one object with nested ``children``; several such
    objects in an array are several threads. A child with neither author nor text is a
    deleted comment.
(c) Firebase items gathered under keys of one object, as scripts that fetch a story save
    them: ``{"post": {...}, "comments": [...]}``. Every object and array of objects under the
    top-level keys that holds items is read as (a), in key order; other values (a fetch
    date, a count, an object of metadata) are not items and are left alone.

``text`` is HTML (``<p>`` paragraphs, links, ``<i>``, ``<pre><code>``, entities) and becomes
plain text with paragraphs joined by a blank line. The story's article is its text, else its
URL. Everything is walked without recursion (20,000-deep chains are fine).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..errors import ThreadFormatError
from .assemble import Record, build_comments, iso_from_unix
from .html_text import html_to_text
from .jsonload import load_source, type_name
from .model import Thread

log = logging.getLogger("moderator")

FORMAT = "hn"
STORY_TYPES = frozenset({"story", "job", "poll"})
_ISO = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def sniff(source) -> float:
    head = source.head_text().lstrip()
    if not head.startswith(("[", "{")):
        return 0.0
    compact = head.replace(" ", "")
    if '"kind":"' in compact:  # Reddit
        return 0.0
    typed = '"type":"story"' in compact or '"type":"comment"' in compact
    if typed and ('"kids":' in compact or '"by":' in compact or '"parent":' in compact):
        return 0.9
    if '"children":' in compact and ('"created_at_i":' in compact or '"story_id":' in compact):
        return 0.9
    return 0.0


def parse(source, options) -> Iterator[Thread]:
    name = source.name
    items = _items(name, load_source(source))
    if not items:
        raise ThreadFormatError(name, "not a Hacker News export: an empty array")
    firebase: list[tuple[int, dict]] = []
    threads: list[tuple[int, Thread]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ThreadFormatError(name, f"item {index + 1}: expected an object, got "
                                          f"{type_name(item)}")
        if "children" in item:
            threads.append((index, _algolia_thread(name, item, index, options.include_removed)))
        else:
            firebase.append((index, item))
    if firebase:
        threads.extend(_firebase_threads(name, firebase, options.include_removed))
    threads.sort(key=lambda pair: pair[0])
    for _, thread in threads:
        yield thread


SHAPES = ("a JSON array of items, an Algolia item (an object with \"children\"), or an "
          "object gathering items under keys ({\"post\": {...}, \"comments\": [...]})")
_ITEM_KEYS = frozenset({"id", "type", "by", "kids", "parent", "children"})


def _items(name: str, data: Any) -> list:
    """The file's items, whichever of the three shapes it has."""
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise ThreadFormatError(name, f"not a Hacker News export: expected {SHAPES}; got "
                                      f"{type_name(data)}")
    if _ITEM_KEYS & data.keys():
        return [data]
    items: list = []
    for value in data.values():
        if isinstance(value, dict) and _ITEM_KEYS & value.keys():
            items.append(value)
        elif isinstance(value, list) and any(isinstance(v, dict) and _ITEM_KEYS & v.keys()
                                             for v in value):
            items.extend(value)  # all of it: an odd element is named, never dropped
    if not items:
        keys = ", ".join(str(key) for key in list(data)[:10]) or "none"
        raise ThreadFormatError(name, f"not a Hacker News export: expected {SHAPES}; got an "
                                      f"object with keys {keys}")
    return items


# -- shared checks ------------------------------------------------------------------------

def _check(name: str, item: dict, where: str, key: str, kinds: tuple, what: str) -> Any:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        raise ThreadFormatError(name, f"{where}: \"{key}\" should be {what}, got "
                                      f"{type_name(value)}")
    return value


def _item_id(name: str, item: dict, where: str) -> str:
    value = item.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise ThreadFormatError(name, f"{where}: \"id\" should be a number, got "
                                      f"{type_name(value)}")
    return str(value)


def _article(name: str, item: dict, where: str) -> str:
    text = _check(name, item, where, "text", (str,), "a string")
    url = _check(name, item, where, "url", (str,), "a string")
    return html_to_text(text) if text else (url or "")


# -- Algolia ------------------------------------------------------------------------------

def _algolia_thread(name: str, root: dict, index: int, include_removed: bool) -> Thread:
    where = f"item {index + 1}"
    root_id = _item_id(name, root, where)
    is_story = root.get("type") in STORY_TYPES
    ordered: list[tuple[Record, int, str | None]] = []
    if is_story:
        stack = [(child, 0, None) for child in reversed(_children(name, root, root_id))]
    else:  # an Algolia comment item: its own subtree
        stack = [(root, 0, None)]
    while stack:
        node, depth, parent = stack.pop()
        if not isinstance(node, dict):
            raise ThreadFormatError(name, f"a reply of item {parent or root_id}: expected an "
                                          f"object, got {type_name(node)}")
        node_id = _item_id(name, node, f"a reply of item {parent or root_id}")
        where = f"item {node_id}"
        author = _check(name, node, where, "author", (str,), "a string")
        text = _check(name, node, where, "text", (str,), "a string")
        points = _check(name, node, where, "points", (int,), "a number")
        ordered.append((
            Record(
                id=node_id,
                author=author,
                timestamp=_algolia_time(name, node, where),
                likes=points,
                text=html_to_text(text),
                skip="deleted" if author is None and text is None else None,
            ),
            depth,
            parent,
        ))
        for child in reversed(_children(name, node, node_id)):
            stack.append((child, depth + 1, node_id))
    comments, skipped = build_comments(ordered, include_removed)
    if is_story:
        thread_id = root_id
        title = html_to_text(_check(name, root, f"item {root_id}", "title", (str,), "a string"))
        article = _article(name, root, f"item {root_id}")
    else:
        story = root.get("story_id")
        thread_id = str(story) if isinstance(story, int | str) and story != "" else root_id
        title = article = ""
    return Thread(id=thread_id, title=title, article=article,
                  source={"path": name, "format": FORMAT}, comments=comments, skipped=skipped)


def _children(name: str, node: dict, node_id: str) -> list:
    children = node.get("children")
    if children is None:
        return []
    if not isinstance(children, list):
        raise ThreadFormatError(name, f"item {node_id}: \"children\" should be an array, got "
                                      f"{type_name(children)}")
    return children


def _algolia_time(name: str, node: dict, where: str) -> str | None:
    created = _check(name, node, where, "created_at", (str,), "a string")
    m = _ISO.match(created or "")
    if m:
        return m.group(1) + (m.group(2) or "Z")
    return iso_from_unix(_check(name, node, where, "created_at_i", (int, float), "a number"))


# -- Firebase -----------------------------------------------------------------------------

def _firebase_threads(
    name: str, items: list[tuple[int, dict]], include_removed: bool
) -> list[tuple[int, Thread]]:
    by_id: dict[str, dict] = {}
    first_index: dict[str, int] = {}
    parent_of: dict[str, str | None] = {}
    for index, item in items:
        where = f"item {index + 1}"
        item_id = _item_id(name, item, where)
        where = f"item {item_id}"
        _check(name, item, where, "type", (str,), "a string")
        kids = _check(name, item, where, "kids", (list,), "an array")
        for kid in kids or ():
            if isinstance(kid, bool) or not isinstance(kid, int | str):
                raise ThreadFormatError(name, f"{where}: \"kids\" should hold item ids, got "
                                              f"{type_name(kid)}")
        parent = _check(name, item, where, "parent", (int, str), "a number")
        for key in ("deleted", "dead"):
            _check(name, item, where, key, (bool,), "true or false")
        if item_id in by_id:
            log.warning("%s: item %s appears twice; the first one is used", name, item_id)
            continue
        by_id[item_id] = item
        first_index[item_id] = index
        poll = item.get("poll") if item.get("type") == "pollopt" else None
        up = parent if parent is not None else poll
        parent_of[item_id] = None if item.get("type") in STORY_TYPES or up is None else str(up)

    # Children in kids order, then unlisted replies in file order.
    children: dict[str, list[str]] = {}
    claimed: set[str] = set()
    for item_id, item in by_id.items():
        for kid in item.get("kids") or ():
            kid = str(kid)
            if kid in by_id and kid not in claimed and parent_of.get(kid) == item_id:
                children.setdefault(item_id, []).append(kid)
                claimed.add(kid)
    for item_id, parent in parent_of.items():
        if parent is not None and item_id not in claimed and parent in by_id:
            children.setdefault(parent, []).append(item_id)
            claimed.add(item_id)

    # Thread of each item: its story, else the missing item (or parentless comment) at the
    # top of its chain. Paths are followed iteratively and memoised: O(n) for any depth.
    thread_of: dict[str, str] = {}
    for start in by_id:
        path: list[str] = []
        on_path: set[str] = set()
        node = start
        while True:
            if node in thread_of:
                top = thread_of[node]
                break
            if node not in by_id:
                top = node
                break
            if by_id[node].get("type") in STORY_TYPES:
                thread_of[node] = top = node
                break
            if node in on_path:
                top = f"cycle-{node}"
                break
            path.append(node)
            on_path.add(node)
            up = parent_of[node]
            if up is None:
                top = node
                break
            node = up
        for member in path:
            thread_of[member] = top

    roots: dict[str, list[str]] = {}
    for item_id, parent in parent_of.items():
        if by_id[item_id].get("type") in STORY_TYPES:
            continue
        if parent is None or parent not in by_id:
            roots.setdefault(thread_of[item_id], []).append(item_id)
    missing = [t for t in roots if t not in by_id]
    if missing:
        log.warning(
            "%s: comments of %d item(s) not in the file (%s) are kept as their own thread(s)",
            name, len(missing), ", ".join(missing[:5]),
        )

    results: list[tuple[int, Thread]] = []
    thread_ids = list(dict.fromkeys(
        [t for t in by_id if thread_of[t] == t and by_id[t].get("type") in STORY_TYPES]
        + list(roots)
    ))
    visited: set[str] = set()
    for thread_id in thread_ids:
        story = by_id.get(thread_id)
        start = list(children.get(thread_id, ())) if story else []
        start += [r for r in roots.get(thread_id, ()) if r not in start]
        ordered: list[tuple[Record, int, str | None]] = []
        skipped: Counter = Counter()
        stack = [(kid, 0, None) for kid in reversed(start)]
        while stack:
            item_id, depth, parent = stack.pop()
            if item_id in visited:
                continue
            visited.add(item_id)
            item = by_id[item_id]
            if item.get("type") == "pollopt":
                skipped["poll option (not a comment)"] += 1
                continue
            ordered.append((_firebase_record(name, item, item_id), depth, parent))
            for kid in reversed(children.get(item_id, ())):
                stack.append((kid, depth + 1, item_id))
        comments, hidden = build_comments(ordered, include_removed)
        skipped.update(hidden)
        if story is not None:
            where = f"item {thread_id}"
            title = html_to_text(_check(name, story, where, "title", (str,), "a string"))
            article = _article(name, story, where)
            index = first_index[thread_id]
        else:
            title = article = ""
            index = min(first_index[r] for r in roots[thread_id])
        results.append((index, Thread(id=thread_id, title=title, article=article,
                                      source={"path": name, "format": FORMAT},
                                      comments=comments, skipped=skipped)))
    leftover = [
        i for i in by_id if i not in visited and by_id[i].get("type") not in STORY_TYPES
    ]
    if leftover:
        # only reply cycles can be left: keep them, flattened, rather than lose them
        log.warning("%s: %d comment(s) form a reply cycle; kept at top level", name, len(leftover))
        records = [(_firebase_record(name, by_id[i], i), 0, None) for i in leftover]
        comments, skipped = build_comments(records, include_removed)
        results.append((first_index[leftover[0]], Thread(
            id=f"cycle-{leftover[0]}", source={"path": name, "format": FORMAT},
            comments=comments, skipped=skipped)))
    return results


def _firebase_record(name: str, item: dict, item_id: str) -> Record:
    where = f"item {item_id}"
    text = _check(name, item, where, "text", (str,), "a string")
    skip = "deleted" if item.get("deleted") else "dead" if item.get("dead") else None
    return Record(
        id=item_id,
        author=_check(name, item, where, "by", (str,), "a string"),
        timestamp=iso_from_unix(_check(name, item, where, "time", (int, float), "a number")),
        likes=_check(name, item, where, "score", (int,), "a number"),
        text=html_to_text(text),
        skip=skip,
    )
