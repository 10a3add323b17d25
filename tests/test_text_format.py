"""The plain-text page format, on pages written for these tests."""

from __future__ import annotations

import logging

import pytest

from moderator.threads import Source, detect_format, read_threads
from moderator.threads import text as text_format
from moderator.threads.model import Comment, Thread


def _one(path, **kwargs) -> Thread:
    threads = list(read_threads(path, **kwargs))
    assert len(threads) == 1
    return threads[0]


def test_page_structure(fixtures):
    thread = _one(fixtures / "text" / "page.txt")
    assert thread.id == "page"
    assert thread.title == "Harbour ferry timetable changes from March"
    assert thread.source["format"] == "text"
    got = [(c.id, c.parent_id, c.depth, c.position, c.likes) for c in thread.comments]
    assert got == [
        ("c1", None, 0, 0, 4),
        ("c2", None, 0, 1, 1),
        ("c2.1", "c2", 1, 2, 2),
        ("c2.1.1", "c2.1", 2, 3, None),
        ("c3", None, 0, 4, None),
    ]
    by_id = thread.by_id()
    assert by_id["c1"].text == "Finally. The half-hour gap made me late twice a week."
    # lines without a blank between them stay one paragraph; text that resumes after the
    # replies is a new paragraph of the comment it is indented under
    assert by_id["c2"].text == (
        "Will the Sunday service change too? The notice only talks about weekdays.\n"
        "I could not find it on the website either.\n\n"
        "Same question about public holidays, by the way."
    )
    assert by_id["c2.1"].text == (
        "The board's page says Sundays stay hourly for now.\n"
        "They plan to review it in the summer.\n\n"
        "Sundays are busy in July though, so I hope they do."
    )
    assert all(c.author is None and c.timestamp is None and not c.removed for c in thread.comments)


def test_article_keeps_numbered_list_and_see_also(fixtures):
    thread = _one(fixtures / "text" / "page.txt")
    article = thread.article
    assert article.startswith("The harbour ferry will run")
    assert "1. more commuters on the morning boats" in article
    assert "• New bus links to the ferry terminal" in article
    assert "Finally." not in article
    assert "Leave a Reply" not in article
    for comment in thread.comments:
        for word in ("Liked by", "Leave a Reply", "Fill in your details", "Akismet"):
            assert word not in comment.text


def test_page_without_comments(fixtures):
    thread = _one(fixtures / "text" / "article_only.txt")
    assert thread.title == "Library extends weekend opening hours"
    assert thread.comments == []
    assert thread.article == (
        "The central library will open on Sundays from noon to five starting next month.\n\n"
        "Volunteers from the reading club will help at the front desk."
    )


def test_comments_without_title(fixtures):
    thread = _one(fixtures / "text" / "comments_only.txt")
    assert thread.title == "" and thread.article == ""
    assert [(c.id, c.depth, c.text) for c in thread.comments] == [
        ("c1", 0, "First comment with no title above it."),
        ("c1.1", 1, "A reply to it."),
        ("c2", 0, "Second comment."),
    ]


def test_unknown_chrome_after_comments_is_reported_not_merged(fixtures, caplog):
    with caplog.at_level(logging.WARNING, logger="moderator"):
        thread = _one(fixtures / "text" / "chrome_tail.txt")
    assert [c.text for c in thread.comments] == [
        "About time, the potholes are awful.",
        "Which nights exactly?",
    ]
    assert "Share this" not in thread.article
    assert "2 unindented line(s) after the comments" in caplog.text


def test_footer_without_comments_is_not_article(tmp_path):
    page = tmp_path / "quiet.txt"
    page.write_text(
        "Quiet news day\n\nNothing happened.\n\nLeave a Reply\n\nConnecting to %s\n",
        encoding="utf-8",
    )
    thread = _one(page)
    assert thread.article == "Nothing happened."
    assert thread.comments == []


def test_numbered_list_ending_article_followed_by_comments(tmp_path):
    page = tmp_path / "list.txt"
    page.write_text(
        "Title\n\nSteps:\n\n  1. one\n  2. two\n\nAfterword.\n\n  1. A comment\n  2. Another\n",
        encoding="utf-8",
    )
    thread = _one(page)
    assert "1. one" in thread.article and "Afterword." in thread.article
    assert [c.text for c in thread.comments] == ["A comment", "Another"]


def test_liked_by_thousands_and_tabs(tmp_path):
    page = tmp_path / "tabs.txt"
    page.write_text(
        "T\n\nA.\n\n1. top\n\tLiked by 1,204 people\n\t\u2022 reply\n\t\tLiked by 1 person\n",
        encoding="utf-8",
    )
    thread = _one(page)
    assert [(c.depth, c.likes) for c in thread.comments] == [(0, 1204), (1, 1)]


def test_crlf_and_bom(tmp_path):
    page = tmp_path / "win.txt"
    page.write_bytes("\ufeffTitle\r\n\r\nBody.\r\n\r\n  1. Hello\r\n    \u2022 Hi\r\n".encode())
    thread = _one(page)
    assert thread.title == "Title"
    assert [c.text for c in thread.comments] == ["Hello", "Hi"]


def test_stdin_thread_id(monkeypatch, fixtures):
    import io
    import sys

    data = (fixtures / "text" / "comments_only.txt").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    thread = _one("-")
    assert thread.id == "stdin"
    assert thread.source == {"path": "<stdin>", "format": "text"}
    assert len(thread.comments) == 3


@pytest.mark.parametrize(
    "content, expected",
    [
        ("Just a paragraph of prose.\n", 0.1),
        ('{"comments": []}', 0.0),
        ("<rss></rss>", 0.0),
        ("[1, 2]", 0.0),
    ],
)
def test_sniff_levels(tmp_path, content, expected):
    path = tmp_path / "x.txt"
    path.write_text(content, encoding="utf-8")
    with Source(path) as source:
        assert text_format.sniff(source) == pytest.approx(expected)


def test_sniff_prefers_pages_with_comment_markers(fixtures):
    with Source(fixtures / "text" / "page.txt") as source:
        assert text_format.sniff(source) > 0.5
        assert detect_format(source) == "text"


def test_render_reads_back():
    thread = Thread(id="t", title="A title", article="Para one.\n\nPara two.")
    thread.comments = [
        Comment("c1", None, 0, 0, likes=2, text="Top.\n\nSecond paragraph."),
        Comment("c1.1", "c1", 1, 1, text="Reply\nsame paragraph"),
        Comment("c1.1.1", "c1.1", 2, 2, likes=1, text="Deeper."),
        Comment("c1.2", "c1", 1, 3, text=""),
        Comment("c2", None, 0, 4, likes=0, text="Last."),
    ]
    back = text_format.parse_lines(
        text_format._clean_lines(text_format.render(thread)), "t", {}
    )
    assert back.title == thread.title and back.article == thread.article
    assert [c.to_dict() for c in back.comments] == [c.to_dict() for c in thread.comments]
