"""Reddit thread JSON: the two-listing array that a thread URL with ``.json`` returns.

``[ {kind: Listing, data: {children: [{kind: t3, data: post}]}},
    {kind: Listing, data: {children: [t1 comments and "more" stubs]}} ]``

- each ``t1`` holds its replies in ``data.replies`` (a Listing, or ``""`` when none); the
  nesting is the reply structure, walked without recursion (20,000 levels are fine);
- ``more`` stubs stand for comments the file does not contain ("load more comments",
  "continue this thread"): their ``count`` (or number of ids, at least 1) is counted in
  ``Thread.skipped`` as ``"more stub (not in file)"``;
- ``[deleted]`` / ``[removed]`` comments are kept (replies hang under them) with
  ``removed=True`` and empty text; ``[deleted]`` authors become ``None``;
- ``body`` is Markdown with ``&amp;``/``&lt;``/``&gt;`` escaped: entities are decoded, the
  Markdown kept as text; ``score`` → ``likes``; ``created_utc`` → ISO 8601 UTC.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..errors import ThreadFormatError
from .assemble import Record, build_comments, iso_from_unix
from .html_text import plain_text
from .jsonload import load_source, type_name
from .model import Thread

FORMAT = "reddit"
MORE = "more stub (not in file)"
_GONE = frozenset({"[deleted]", "[removed]"})


def sniff(source) -> float:
    head = source.head_text().lstrip()
    if not head.startswith(("[", "{")):
        return 0.0
    compact = head.replace(" ", "")
    if '"kind":"Listing"' in compact and ('"kind":"t3"' in compact or '"kind":"t1"' in compact):
        return 0.95
    return 0.0


def parse(source, options) -> Iterator[Thread]:
    data = load_source(source)
    name = source.name
    listings = data if isinstance(data, list) else [data]
    if not listings:
        raise ThreadFormatError(name, "not a Reddit thread: an empty array")
    post: dict | None = None
    roots: list[Any] = []
    for index, listing in enumerate(listings):
        children = _listing_children(name, listing, f"listing {index + 1}")
        if post is None and children and _kind(children[0]) == "t3":
            post = children[0].get("data")
            if not isinstance(post, dict):
                raise ThreadFormatError(name, f"listing {index + 1}: the post's \"data\" should "
                                              f"be an object, got {type_name(post)}")
            continue
        roots.extend(children)
    skipped: Counter = Counter()
    ordered = _walk(name, roots, skipped)
    comments, hidden = build_comments(ordered, options.include_removed)
    skipped.update(hidden)
    if post is not None:
        thread_id = _str(post.get("id")) or _str(post.get("name")).removeprefix("t3_")
        title = html.unescape(_str(post.get("title")))
        article = plain_text(html.unescape(_str(post.get("selftext"))))
    else:
        first = next((r["data"] for r in roots if _kind(r) == "t1"), {})
        thread_id = _str(first.get("link_id")).removeprefix("t3_")
        title = article = ""
    if post is None and not ordered and not skipped:
        raise ThreadFormatError(name, "not a Reddit thread: no t3 post and no t1 comments")
    yield Thread(
        id=thread_id or "reddit",
        title=title,
        article=article,
        source={"path": name, "format": FORMAT},
        comments=comments,
        skipped=skipped,
    )


def _kind(thing: Any) -> str | None:
    return thing.get("kind") if isinstance(thing, dict) else None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _listing_children(name: str, listing: Any, where: str) -> list:
    if not isinstance(listing, dict) or listing.get("kind") != "Listing":
        got = type_name(listing) if not isinstance(listing, dict) else (
            f"kind {listing.get('kind')!r}")
        raise ThreadFormatError(name, f"{where}: expected a Reddit Listing object, got {got}")
    data = listing.get("data")
    children = data.get("children") if isinstance(data, dict) else None
    if not isinstance(children, list):
        raise ThreadFormatError(
            name, f"{where}: \"data.children\" should be an array, got "
                  f"{type_name(children) if isinstance(data, dict) else type_name(data)}")
    return children


def _walk(name: str, roots: list, skipped: Counter) -> list[tuple[Record, int, str | None]]:
    """Pre-order (record, depth, parent id) without recursion; counts ``more`` stubs."""
    ordered: list[tuple[Record, int, str | None]] = []
    stack = [(node, 0, None, f"top-level comment {i + 1}") for i, node in enumerate(roots)]
    stack.reverse()
    while stack:
        node, depth, parent, where = stack.pop()
        kind = _kind(node)
        data = node.get("data") if isinstance(node, dict) else None
        if kind is None or not isinstance(data, dict):
            raise ThreadFormatError(
                name, f"{where}: expected an object with \"kind\" and \"data\", "
                      f"got {type_name(node) if not isinstance(node, dict) else 'other keys'}")
        if kind == "more":
            count = data.get("count")
            ids = data.get("children")
            n = max(count if isinstance(count, int) and not isinstance(count, bool) else 0,
                    len(ids) if isinstance(ids, list) else 0, 1)
            skipped[MORE] += n
            continue
        if kind != "t1":
            raise ThreadFormatError(name, f"{where}: expected a t1 comment or a more stub, "
                                          f"got kind {kind!r}")
        record = _record(name, data, where)
        ordered.append((record, depth, parent))
        replies = data.get("replies")
        if replies in ("", None):
            continue
        children = _listing_children(name, replies, f"replies of comment {record.id}")
        for i in range(len(children) - 1, -1, -1):
            stack.append((children[i], depth + 1, record.id,
                          f"reply {i + 1} of comment {record.id}"))
    return ordered


def _record(name: str, data: dict, where: str) -> Record:
    comment_id = data.get("id")
    if not isinstance(comment_id, str) or not comment_id:
        comment_id = _str(data.get("name")).removeprefix("t1_")
    if not comment_id:
        raise ThreadFormatError(name, f"{where}: a t1 comment without an \"id\"")
    where = f"comment {comment_id}"
    body = data.get("body", "")
    if not isinstance(body, str):
        raise ThreadFormatError(name, f"{where}: \"body\" should be a string, got "
                                      f"{type_name(body)}")
    author = data.get("author")
    if author is not None and not isinstance(author, str):
        raise ThreadFormatError(name, f"{where}: \"author\" should be a string, got "
                                      f"{type_name(author)}")
    created = data.get("created_utc")
    if created is not None and (isinstance(created, bool) or not isinstance(created, int | float)):
        raise ThreadFormatError(name, f"{where}: \"created_utc\" should be a number, got "
                                      f"{type_name(created)}")
    score = data.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise ThreadFormatError(name, f"{where}: \"score\" should be a number, got "
                                      f"{type_name(score)}")
    gone = body.strip() in _GONE
    return Record(
        id=comment_id,
        author=None if author in (None, "", "[deleted]") else author,
        timestamp=iso_from_unix(created),
        likes=None if score is None else int(score),
        text="" if gone else plain_text(html.unescape(body)),
        removed=gone,
    )
