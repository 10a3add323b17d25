"""Property tests: a random thread rendered as a text page, generic JSON or a CSV table parses
back to the same tree, and no input makes a parser fail with anything but ThreadFormatError."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderator.errors import ThreadFormatError
from moderator.output import ROW_FIELDS, comment_rows, write_csv
from moderator.threads import read_threads
from moderator.threads import text as text_format
from moderator.threads.model import Comment, Thread

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Page text: plain lowercase words, so no line reads as a marker, a "Liked by" or a footer.
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöé", min_size=1, max_size=8)
LINE = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
PARAGRAPH = st.lists(LINE, min_size=1, max_size=3).map("\n".join)
PAGE_TEXT = st.lists(PARAGRAPH, min_size=1, max_size=3).map("\n\n".join)
# JSON and CSV carry any text: commas, quotes, newlines, emoji …
ANY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from('\n,";'),
    max_size=40,
)


@st.composite
def trees(draw, text=PAGE_TEXT, rich=False):
    """A thread whose comments are a valid pre-order (each depth at most one more than the
    previous), with parent ids filled in."""
    n = draw(st.integers(0, 12))
    comments: list[Comment] = []
    path: list[Comment] = []
    use_ids = rich and draw(st.booleans())
    for position in range(n):
        depth = 0 if position == 0 else draw(st.integers(0, comments[-1].depth + 1))
        del path[depth:]
        comment = Comment(
            id=f"k{position}" if use_ids else f"c{position + 1}",
            parent_id=path[-1].id if path else None,
            depth=depth,
            position=position,
            likes=draw(st.none() | st.integers(0, 10**6)),
            text=draw(text),
        )
        if rich:
            comment.author = draw(st.none() | WORD)
            comment.timestamp = draw(st.none() | st.just("2024-05-01T12:00:00Z"))
            comment.removed = draw(st.booleans())
        path.append(comment)
        comments.append(comment)
    return Thread(
        id="t",
        title=draw(LINE),
        article=draw(st.just("") | (PAGE_TEXT if not rich else ANY_TEXT)),
        comments=comments,
    )


def shape(thread: Thread) -> list[tuple]:
    index = {c.id: i for i, c in enumerate(thread.comments)}
    return [
        (c.depth, c.position, index.get(c.parent_id), c.likes, c.text, c.author, c.timestamp,
         c.removed)
        for c in thread.comments
    ]


def _write(name: str, data: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="moderator-roundtrip-"))
    path = folder / name
    path.write_text(data, encoding="utf-8")
    return path


def _read_one(path: Path) -> Thread:
    try:
        threads = list(read_threads(path))  # detected, as a user would run it
    finally:
        path.unlink()
        path.parent.rmdir()
    assert len(threads) == 1
    return threads[0]


def to_json(thread: Thread) -> str:
    nodes = []
    by_id: dict[str, dict] = {}
    for c in thread.comments:  # pre-order: a parent is always seen before its replies
        node = {"id": c.id, "author": c.author, "timestamp": c.timestamp, "likes": c.likes,
                "removed": c.removed, "text": c.text, "replies": []}
        by_id[c.id] = node
        (by_id[c.parent_id]["replies"] if c.parent_id else nodes).append(node)
    return json.dumps({"title": thread.title, "article": thread.article, "comments": nodes})


def to_csv(thread: Thread) -> str:
    buffer = io.StringIO()
    extra = [{"title": thread.title, "article": thread.article}] * len(thread.comments)
    write_csv(comment_rows(thread, extra), buffer, [*ROW_FIELDS, "title", "article"])
    return buffer.getvalue()


@SETTINGS
@given(trees())
def test_text_page_roundtrip(thread):
    back = _read_one(_write("page.txt", text_format.render(thread)))
    assert back.source["format"] == "text"
    assert (back.title, back.article) == (thread.title, thread.article)
    assert shape(back) == shape(thread)
    # path-style ids: the parent's id is a prefix of the reply's
    for comment in back.comments:
        if comment.parent_id:
            assert comment.id.startswith(comment.parent_id + ".")


@SETTINGS
@given(trees(text=ANY_TEXT, rich=True))
def test_json_roundtrip(thread):
    back = _read_one(_write("thread.json", to_json(thread)))
    assert back.source["format"] == "json"
    assert (back.title, back.article) == (thread.title, thread.article)
    assert [c.to_dict() for c in back.comments] == [c.to_dict() for c in thread.comments]


@SETTINGS
@given(trees(text=ANY_TEXT, rich=True))
def test_csv_roundtrip(thread):
    if not thread.comments:
        return  # a table without rows holds no thread
    back = _read_one(_write("comments.csv", to_csv(thread)))
    assert back.source["format"] == "csv"
    assert back.id == thread.id
    assert (back.title, back.article) == (thread.title, thread.article)
    assert [c.to_dict() for c in back.comments] == [c.to_dict() for c in thread.comments]


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=300) | ANY_TEXT.map(str.encode),
    format=st.sampled_from([None, "text", "json", "csv"]),
)
def test_parsers_fail_only_with_their_own_error(data, format):
    path = Path(tempfile.mkdtemp(prefix="moderator-fuzz-")) / "input"
    path.write_bytes(data)
    try:
        for thread in read_threads(path, format=format):
            assert all(c.position == i for i, c in enumerate(thread.comments))
    except ThreadFormatError as error:
        assert str(error).startswith(str(path))
    finally:
        path.unlink()
        path.parent.rmdir()


def test_every_example_comment_is_counted():
    """The shipped examples: comments in the file, counted independently, all come out."""
    import csv
    import re

    from conftest import REPO

    examples = REPO / "examples"
    page = (examples / "thread.txt").read_text(encoding="utf-8")
    markers = len(re.findall(r"^ *(?:\d+\.|\u2022) ", page, flags=re.MULTILINE))
    document = (examples / "thread.json").read_text(encoding="utf-8")
    texts = document.count('"text":')
    with open(examples / "comments.csv", newline="", encoding="utf-8") as f:
        rows = sum(1 for _ in csv.DictReader(f))
    for name, expected in (("thread.txt", markers), ("thread.json", texts), ("comments.csv", rows)):
        threads = list(read_threads(examples / name))
        found = sum(len(t.comments) + sum(t.skipped.values()) for t in threads)
        assert found == expected, name
    assert (markers, texts, rows) == (14, 8, 7)
