"""Disqus XML exports: posts grouped by thread, spam/deleted handling, recovery, deep chains."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from moderator.errors import ThreadFormatError
from moderator.threads import ParseOptions, Source, disqus, read_threads

FIXTURE = Path(__file__).parent / "fixtures" / "disqus" / "cycling-club.xml"
HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">\n')


def threads_of(path, include_removed=False):
    return list(read_threads(path, format="disqus",
                             options=ParseOptions(include_removed=include_removed)))


def post(pid, thread, text, parent=None, spam=False, deleted=False):
    parent_xml = f'<parent dsq:id="{parent}" />' if parent else ""
    return (f'<post dsq:id="{pid}"><message><![CDATA[{text}]]></message>'
            f"<createdAt>2023-01-01T00:00:00Z</createdAt>"
            f"<isDeleted>{str(deleted).lower()}</isDeleted><isSpam>{str(spam).lower()}</isSpam>"
            f"<author><name>n{pid}</name></author>"
            f'<thread dsq:id="{thread}" />{parent_xml}</post>\n')


def test_threads_in_file_order_with_their_posts():
    threads = threads_of(FIXTURE)
    # the thread without posts is not a comment thread
    assert [t.id for t in threads] == ["7700112233", "7700112240"]
    hill, gloves = threads
    assert hill.title == "Sunday hill loop: new route from April"
    assert hill.article == "From April the Sunday ride takes the quieter lane past the reservoir."
    assert hill.source == {"path": str(FIXTURE), "format": "disqus"}
    assert [(c.id, c.parent_id, c.depth, c.position, c.removed) for c in hill.comments] == [
        ("5100000001", None, 0, 0, False),
        ("5100000002", "5100000001", 1, 1, False),
        # deleted, but 5100000006 answers it: an empty placeholder keeps the tree true
        ("5100000005", "5100000002", 2, 2, True),
        ("5100000006", "5100000005", 3, 3, False),
    ]
    first, second, placeholder, answer = hill.comments
    assert (first.author, first.timestamp) == ("Priya", "2023-03-20T09:12:44Z")
    assert second.text == "Agreed.\n\nIs the caf\u00e9 stop still at the top?"
    assert (placeholder.author, placeholder.text) == (None, "")
    # <name> empty: the username
    assert answer.author == "nrcc_secretary"
    assert answer.text == "No need for that.\nYes, the caf\u00e9 is still there."
    assert hill.skipped == {"spam": 1}
    assert [c.text for c in gloves.comments] == ["Mittens over liner gloves. Ugly but warm."]


def test_include_removed_keeps_spam_and_deleted_marked_removed():
    hill = threads_of(FIXTURE, include_removed=True)[0]
    by_id = hill.by_id()
    assert by_id["5100000005"].text == "You lot are all clueless, shut up."
    assert by_id["5100000005"].removed and by_id["5100000005"].author == "Anon Rider"
    assert by_id["5100000003"].removed and "replica jerseys" in by_id["5100000003"].text
    assert hill.skipped == {}
    assert len(hill.comments) == 5


def test_every_post_is_shown_or_counted():
    text = FIXTURE.read_text(encoding="utf-8")
    posts = text.count("<post ")
    threads = threads_of(FIXTURE)
    assert sum(len(t.comments) + sum(t.skipped.values()) for t in threads) == posts == 6


def test_posts_of_an_undeclared_thread_are_kept(tmp_path, caplog):
    path = tmp_path / "orphans.xml"
    path.write_text(HEAD + post("1", "404", "hello") + post("2", "404", "hi", parent="1")
                    + "</disqus>\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="moderator"):
        [thread] = threads_of(path)
    assert (thread.id, thread.title) == ("404", "")
    assert [(c.id, c.parent_id) for c in thread.comments] == [("1", None), ("2", "1")]
    assert "have posts but no <thread> element (404)" in caplog.text


def test_malformed_post_is_counted_and_the_rest_recovered(tmp_path, caplog):
    broken = post("3", "77", "fine too").replace("<isSpam>", "<isSpam>&nbsp;", 1)
    bad = ('<post dsq:id="4"><message>a <b>b</message><thread dsq:id="77" /></post>\n')
    path = tmp_path / "broken.xml"
    path.write_text(HEAD + '<thread dsq:id="77"><title>T &amp; C</title></thread>\n'
                    + post("1", "77", "first") + bad + post("2", "77", "second", parent="1")
                    + broken + "</disqus>\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="moderator"):
        [thread] = threads_of(path)
    assert thread.title == "T & C"
    assert [c.id for c in thread.comments] == ["1", "2", "3"]
    assert thread.skipped == {"unreadable (malformed XML)": 1}
    assert f"{path}:5:35: malformed XML (mismatched tag)" in caplog.text
    assert (f"{path}:5: Disqus post 4 could not be read (mismatched tag); counted as skipped "
            "in thread 77") in caplog.text


def test_wrong_root_is_refused(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text("<rss><channel/></rss>", encoding="utf-8")
    with pytest.raises(ThreadFormatError, match="not a Disqus export: the root element is <rss>"):
        threads_of(path)


def test_twenty_thousand_deep_reply_chain(tmp_path):
    depth = 20_000
    body = "".join(post(str(i), "9", f"reply {i}", parent=str(i - 1) if i > 1 else None)
                   for i in range(1, depth + 1))
    path = tmp_path / "deep.xml"
    path.write_text(HEAD + '<thread dsq:id="9"><title>Deep</title></thread>\n' + body
                    + "</disqus>\n", encoding="utf-8")
    [thread] = threads_of(path)
    assert len(thread.comments) == depth
    assert [c.depth for c in thread.comments[-2:]] == [depth - 2, depth - 1]
    assert thread.comments[-1].parent_id == str(depth - 1)


def test_sniff():
    with Source(FIXTURE) as source:
        assert disqus.sniff(source) >= 0.9
