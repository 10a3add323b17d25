"""WordPress WXR exports (Tools → Export): one thread per post that has comments.

An ``<item>`` is a post; its ``<wp:comment>`` elements are linked by ``<wp:comment_parent>``
(0 = top level). Elements are matched by local name, so every version of the ``wp``
namespace (``http(s)://wordpress.org/export/1.0/`` … ``1.2/``) reads the same.

- ``comment_approved`` 1 is shown; 0 (pending), ``spam`` and ``trash`` are skipped and
  counted by reason unless ``include_removed`` (then kept with ``removed=True``);
- pingbacks and trackbacks are not comments: always counted, never shown;
- a skipped comment with shown replies stays as an empty ``removed`` placeholder so the
  replies keep their true parent and depth (see ``assemble``);
- ``comment_date_gmt`` becomes ``…Z``; when it is empty or zero, the local
  ``comment_date`` is used without an offset;
- comment text is WordPress text: HTML allowed, newlines significant.

The file is streamed item by item; malformed XML is recovered item by item (``xmlstream``),
and an item that cannot be read is reported on stderr and its comments counted as skipped.
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
from .xmlstream import RecordStream, Unreadable, local, namespace

log = logging.getLogger("moderator")

FORMAT = "wxr"
UNREADABLE = "unreadable (malformed XML)"
_DATE = re.compile(r"^\s*(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)\s*$")
_SKIP_STATUS = {"0": "unapproved", "spam": "spam", "trash": "trash", "post-trashed": "trash"}
_COMMENT_TYPES = frozenset({"", "comment", "review"})
_NOT_COMMENTS = frozenset({"pingback", "trackback"})


def sniff(source) -> float:
    head = source.head_text()
    if "wordpress.org/export/" in head and "<rss" in head:
        return 0.95
    if "<wp:comment" in head or "<wp:post_id" in head or "<wp:wxr_version" in head:
        return 0.8
    return 0.0


def parse(source, options) -> Iterator[Thread]:
    stream = RecordStream(
        source,
        records=frozenset({"item"}),
        depth=2,
        expect_root=frozenset({"rss"}),
        kind="WordPress (WXR)",
        salvage=_salvage,
    )
    for index, elem in enumerate(stream):
        if isinstance(elem, Unreadable):
            thread = _unreadable_thread(source, elem, index)
        else:
            thread = _thread(source, elem, index, options.include_removed)
        if thread is not None:
            yield thread


def _text(elem: Element | None) -> str:
    return "" if elem is None or elem.text is None else elem.text


def _thread(source, item: Element, index: int, include_removed: bool) -> Thread | None:
    title = post_id = guid = link = content = ""
    comment_elems: list[Element] = []
    for child in item:
        name = local(child.tag)
        if name == "comment":
            comment_elems.append(child)
        elif name == "encoded" and "excerpt" not in namespace(child.tag):
            content = _text(child)
        elif name == "title":
            title = _text(child)
        elif name == "post_id":
            post_id = _text(child).strip()
        elif name == "guid":
            guid = _text(child).strip()
        elif name == "link":
            link = _text(child).strip()
    if not comment_elems:
        return None
    thread_id = post_id or guid or link or f"item-{index + 1}"
    records = [_record(c, thread_id, n) for n, c in enumerate(comment_elems)]
    ordered = order_by_parent(
        records, key=lambda r: r.id, parent_key=lambda r: r.parent_id, source_name=source.name
    )
    comments, skipped = build_comments(ordered, include_removed)
    return Thread(
        id=thread_id,
        title=html_to_text(title),
        article=html_to_text(content, keep_newlines=True),
        source={"path": source.name, "format": FORMAT},
        comments=comments,
        skipped=skipped,
    )


def _record(elem: Element, thread_id: str, n: int) -> Record:
    fields: dict[str, str] = {}
    for child in elem:
        fields[local(child.tag)] = _text(child)
    comment_id = fields.get("comment_id", "").strip() or f"{thread_id}-{n + 1}"
    parent = fields.get("comment_parent", "").strip()
    kind = fields.get("comment_type", "").strip().lower()
    status = fields.get("comment_approved", "1").strip().lower() or "1"
    skip, optional = None, True
    if kind in _NOT_COMMENTS:
        skip, optional = kind, False
    elif kind not in _COMMENT_TYPES:
        skip, optional = f"{kind} (not a comment)", False
    elif status != "1":
        skip = _SKIP_STATUS.get(status, f"unapproved ({status})")
    author = html_to_text(fields.get("comment_author", "")) or None
    return Record(
        id=comment_id,
        parent_id=None if parent in ("", "0") else parent,
        author=author,
        timestamp=_timestamp(fields.get("comment_date_gmt"), fields.get("comment_date")),
        text=html_to_text(fields.get("comment_content", ""), keep_newlines=True),
        skip=skip,
        optional=optional,
    )


def _timestamp(gmt: str | None, local_time: str | None) -> str | None:
    for value, suffix in ((gmt, "Z"), (local_time, "")):
        m = _DATE.match(value or "")
        if m and m.group(1) != "0000":
            y, mo, d, h, mi, s = m.groups()
            return f"{y}-{mo}-{d}T{h}:{mi}:{s}{suffix}"
    return None


# -- items that cannot be parsed --------------------------------------------------------

_POST_ID = re.compile(r"<(?:[\w.-]+:)?post_id>\s*(?:<!\[CDATA\[)?\s*([^<\]\s]+)")
_TITLE = re.compile(r"<title>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</title>", re.S)
_COMMENT_TAG = re.compile(r"<(?:[\w.-]+:)?comment(?=[\s>/])")


def _salvage(text: str) -> tuple[str, str, int]:
    """(post id, title, number of comments) found by pattern in an unreadable item."""
    post_id = _POST_ID.search(text)
    title = _TITLE.search(text)
    return (
        post_id.group(1) if post_id else "",
        title.group(1).strip() if title else "",
        len(_COMMENT_TAG.findall(text)),
    )


def _unreadable_thread(source, bad: Unreadable, index: int) -> Thread | None:
    post_id, title, count = bad.info
    log.warning(
        "%s:%d: WordPress item %s could not be read (%s); its %d comment(s) are counted "
        "as skipped",
        source.name, bad.line, post_id or f"#{index + 1}", bad.reason, count,
    )
    if not count:
        return None
    return Thread(
        id=post_id or f"item-{index + 1}",
        title=html_to_text(title),
        source={"path": source.name, "format": FORMAT},
        skipped=Counter({UNREADABLE: count}),
    )
