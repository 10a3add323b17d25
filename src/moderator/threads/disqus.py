"""Disqus XML exports (Admin → Moderation → Export): ``<thread>``s, then all ``<post>``s.

Posts are flat and point at their thread with ``<thread dsq:id>`` and at the post they
answer with ``<parent dsq:id>``; they can come anywhere in the file, so the file is streamed
element by element and only a compact record per post is kept until the end, when posts
are grouped by thread (threads in file order) and put in reply order.

``isSpam`` / ``isDeleted`` posts are skipped and counted unless ``include_removed``; a skipped
post with shown replies stays as an empty ``removed`` placeholder (see ``assemble``).
Malformed XML is recovered element by element (``xmlstream``); a post that cannot be read is
counted as skipped in its thread when its thread reference can be found.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from .assemble import Record, build_comments
from .html_text import html_to_text
from .model import Thread
from .tree import order_by_parent
from .xmlstream import RecordStream, Unreadable, local

log = logging.getLogger("moderator")

FORMAT = "disqus"
UNREADABLE = "unreadable (malformed XML)"
_ISO = re.compile(r"^\s*(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.\d+)?\s*(Z|[+-]\d\d:?\d\d)?\s*$")


def sniff(source) -> float:
    head = source.head_text()
    if "<disqus" in head and ("disqus.com" in head or "<post" in head or "<thread" in head):
        return 0.95
    if "disqus.com/disqus-internals" in head:
        return 0.85
    return 0.0


def _dsq_id(elem: Element | None) -> str | None:
    if elem is None:
        return None
    for key, value in elem.attrib.items():
        if local(key) == "id":
            return value.strip() or None
    return None


def _children(elem: Element) -> dict[str, Element]:
    found: dict[str, Element] = {}
    for child in elem:
        found.setdefault(local(child.tag), child)
    return found


def _text(elem: Element | None) -> str:
    return "" if elem is None or elem.text is None else elem.text


def _true(elem: Element | None) -> bool:
    return _text(elem).strip().lower() in ("true", "1")


def parse(source, options) -> Iterator[Thread]:
    stream = RecordStream(
        source,
        records=frozenset({"category", "thread", "post"}),
        depth=1,
        expect_root=frozenset({"disqus"}),
        kind="Disqus",
        salvage=_salvage,
    )
    meta: dict[str, tuple[str, str]] = {}  # thread id -> (title, article), file order
    posts: dict[str, list[Record]] = {}
    unreadable: Counter = Counter()
    for elem in stream:
        if isinstance(elem, Unreadable):
            _report(source, elem, unreadable)
            continue
        name = local(elem.tag)
        if name == "thread":
            thread_id = _dsq_id(elem) or f"thread-{len(meta) + 1}"
            fields = _children(elem)
            title = html_to_text(_text(fields.get("title")))
            meta.setdefault(thread_id, (title, html_to_text(_text(fields.get("message")))))
        elif name == "post":
            fields = _children(elem)
            thread_id = _dsq_id(fields.get("thread")) or ""
            posts.setdefault(thread_id, []).append(_record(elem, fields, thread_id, posts))
    order = list(meta) + [t for t in {**posts, **unreadable} if t not in meta]
    undefined = [t for t in order if t not in meta]
    if undefined:
        log.warning(
            "%s: %d thread(s) have posts but no <thread> element (%s); kept without a title",
            source.name, len(undefined), ", ".join(t or "(none)" for t in undefined[:5]),
        )
    for thread_id in order:
        records = posts.pop(thread_id, [])
        if not records and not unreadable[thread_id]:
            continue
        ordered = order_by_parent(
            records, key=lambda r: r.id, parent_key=lambda r: r.parent_id, source_name=source.name
        )
        comments, skipped = build_comments(ordered, options.include_removed)
        if unreadable[thread_id]:
            skipped[UNREADABLE] += unreadable[thread_id]
        title, article = meta.get(thread_id, ("", ""))
        yield Thread(
            id=thread_id or "(no thread)",
            title=title,
            article=article,
            source={"path": source.name, "format": FORMAT},
            comments=comments,
            skipped=skipped,
        )


def _record(elem: Element, fields: dict[str, Element], thread_id: str, posts: dict) -> Record:
    post_id = _dsq_id(elem) or f"{thread_id}-{len(posts.get(thread_id, ())) + 1}"
    author = None
    author_elem = fields.get("author")
    if author_elem is not None:
        who = _children(author_elem)
        author = (_text(who.get("name")).strip() or _text(who.get("username")).strip()) or None
    skip = "spam" if _true(fields.get("isSpam")) else None
    if skip is None and _true(fields.get("isDeleted")):
        skip = "deleted"
    return Record(
        id=post_id,
        parent_id=_dsq_id(fields.get("parent")),
        author=author,
        timestamp=_timestamp(_text(fields.get("createdAt"))),
        text=html_to_text(_text(fields.get("message"))),
        skip=skip,
    )


def _timestamp(value: str) -> str | None:
    m = _ISO.match(value)
    if not m:
        return None
    date, time, zone = m.groups()
    if zone and zone != "Z" and ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    return f"{date}T{time}{zone or ''}"


_KIND = re.compile(r"<(?:[\w.-]+:)?(post|thread|category)")
_THREAD_REF = re.compile(r"<(?:[\w.-]+:)?thread\s[^>]*?\bid\s*=\s*[\"']([^\"']+)[\"'][^>]*/>")
_OWN_ID = re.compile(r"<(?:[\w.-]+:)?(?:post|thread)\s[^>]*?\bid\s*=\s*[\"']([^\"']+)[\"']")


def _salvage(text: str) -> tuple[str, str | None, str | None]:
    """(element kind, its thread's id, its own id) found by pattern in unreadable text."""
    kind = _KIND.match(text)
    ref = _THREAD_REF.search(text)
    own = _OWN_ID.match(text)
    return (kind.group(1) if kind else "?", ref.group(1) if ref else None,
            own.group(1) if own else None)


def _report(source, bad: Unreadable, unreadable: Counter) -> None:
    kind, thread_ref, own_id = bad.info
    if kind == "post":
        unreadable[thread_ref or ""] += 1
        log.warning(
            "%s:%d: Disqus post %s could not be read (%s); counted as skipped in thread %s",
            source.name, bad.line, own_id or "(no id)", bad.reason, thread_ref or "(unknown)",
        )
    else:
        log.warning(
            "%s:%d: Disqus <%s> %s could not be read (%s)%s",
            source.name, bad.line, kind, own_id or "(no id)", bad.reason,
            "; its posts are kept without its title" if kind == "thread" else "",
        )
