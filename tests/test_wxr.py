"""WordPress WXR exports: threads per post, statuses, namespace versions, recovery, streaming."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from moderator.errors import ThreadFormatError
from moderator.threads import ParseOptions, Source, read_threads, wxr

FIXTURE = Path(__file__).parent / "fixtures" / "wxr" / "garden-blog-1.2.xml"
WP12 = "http://wordpress.org/export/1.2/"


def threads_of(path, include_removed=False):
    return list(read_threads(path, format="wxr",
                             options=ParseOptions(include_removed=include_removed)))


def test_posts_with_comments_become_threads():
    threads = threads_of(FIXTURE)
    # the attachment and the page have no comments: no threads
    assert [t.id for t in threads] == ["41", "57"]
    leeks = threads[0]
    assert leeks.title == "Why my leeks bolted \u2013 and what I\u2019ll do next year"
    assert leeks.article.startswith("Half of this year's leeks sent up flower stalks in June.\n\n")
    assert leeks.article.endswith("Next year I will sow later and use fleece.")
    assert "excerpt" not in leeks.article
    assert leeks.source == {"path": str(FIXTURE), "format": "wxr"}


def test_comments_tree_fields_and_skips():
    leeks = threads_of(FIXTURE)[0]
    rows = [(c.id, c.parent_id, c.depth, c.position, c.removed) for c in leeks.comments]
    assert rows == [
        ("101", None, 0, 0, False),
        ("102", "101", 1, 1, False),
        # 103 is spam but 104 replies to it: kept as an empty placeholder
        ("103", None, 0, 2, True),
        ("104", "103", 1, 3, False),
    ]
    first, reply, spam, answer = leeks.comments
    assert first.author == "Tobias"
    assert first.timestamp == "2023-06-12T19:14:03Z"
    assert first.text == ("Same here! Mine bolted after the frost too.\n\n"
                          "Did you try the variety \"Musselburgh\"? It's meant to be hardier.")
    assert reply.text == "I grew Musselburgh & a French one. Both bolted, sadly."
    assert (spam.author, spam.text) == (None, "")
    # comment_date_gmt 0000-00-00: the local comment_date, without an offset
    assert answer.timestamp == "2023-06-13T11:45:10"
    assert leeks.skipped == {"unapproved": 1, "pingback": 1, "trash": 1}
    # every <wp:comment> is either a comment or counted
    assert len(leeks.comments) + sum(leeks.skipped.values()) == 7


def test_include_removed_keeps_moderated_comments_but_not_pingbacks():
    leeks = threads_of(FIXTURE, include_removed=True)[0]
    by_id = leeks.by_id()
    assert [c.id for c in leeks.comments] == ["101", "102", "106", "103", "104", "107"]
    assert by_id["103"].removed and "discount pills" in by_id["103"].text
    assert by_id["103"].author == "cheap-pills-online"
    assert by_id["106"].removed and by_id["106"].parent_id == "101"
    assert not by_id["101"].removed
    assert leeks.skipped == {"pingback": 1}


@pytest.mark.parametrize(
    "uri",
    [
        "http://wordpress.org/export/1.0/",
        "http://wordpress.org/export/1.1/",
        "https://wordpress.org/export/1.2/",
        "https://wordpress.org/export/1.1/",
    ],
)
def test_every_namespace_version_reads_the_same(tmp_path, uri):
    text = FIXTURE.read_text(encoding="utf-8").replace(WP12, uri)
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    expected = [t.to_dict()["comments"] for t in threads_of(FIXTURE)]
    assert [t.to_dict()["comments"] for t in threads_of(path)] == expected
    with Source(path) as source:
        assert wxr.sniff(source) >= 0.9


def test_sniff():
    with Source(FIXTURE) as source:
        assert wxr.sniff(source) >= 0.9


MALFORMED = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
\t<title>Tom & Jerry's blog</title>
\t<item>
\t\t<title>First post</title>
\t\t<content:encoded><![CDATA[Body & more]]></content:encoded>
\t\t<wp:post_id>1</wp:post_id>
\t\t<wp:comment>
\t\t\t<wp:comment_id>1</wp:comment_id>
\t\t\t<wp:comment_author>Ann & Bob</wp:comment_author>
\t\t\t<wp:comment_content>Fish &nbsp;&amp; chips &copy; 2 < 3</wp:comment_content>
\t\t\t<wp:comment_approved>1</wp:comment_approved>
\t\t\t<wp:comment_parent>0</wp:comment_parent>
\t\t</wp:comment>
\t</item>
\t<item>
\t\t<title>Second post</title>
\t\t<wp:post_id>2</wp:post_id>
\t\t<wp:comment>
\t\t\t<wp:comment_id>2</wp:comment_id>
\t\t\t<wp:comment_content>Broken <b>markup</wp:comment_content>
\t\t</wp:comment>
\t\t<wp:comment><wp:comment_id>3</wp:comment_id></wp:comment>
\t</item>
\t<item>
\t\t<title>Third</title>
\t\t<wp:post_id>3</wp:post_id>
\t\t<wp:comment>
\t\t\t<wp:comment_id>4</wp:comment_id>
\t\t\t<wp:comment_content>fine</wp:comment_content>
\t\t</wp:comment>
\t</item>
</channel>
</rss>
"""


def test_malformed_export_is_recovered_and_losses_reported(tmp_path, caplog):
    """Undeclared wp: prefix, bare &, HTML entities, a stray < and one broken item."""
    path = tmp_path / "broken.xml"
    path.write_text(MALFORMED, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="moderator"):
        threads = threads_of(path)
    assert [t.id for t in threads] == ["1", "2", "3"]
    first, broken, third = threads
    assert first.article == "Body & more"
    [comment] = first.comments
    assert (comment.author, comment.text) == ("Ann & Bob", "Fish & chips \u00a9 2 < 3")
    assert broken.comments == [] and broken.skipped == {"unreadable (malformed XML)": 2}
    assert [c.text for c in third.comments] == ["fine"]
    messages = [r.getMessage() for r in caplog.records]
    assert any(f"{path}:4:14: malformed XML" in m for m in messages)
    assert any(f"{path}:22: WordPress item 2 could not be read (mismatched tag); its 2 "
               "comment(s) are counted as skipped" in m for m in messages)


def test_error_in_the_middle_keeps_the_items_before(tmp_path, caplog):
    good = FIXTURE.read_text(encoding="utf-8")
    # an undeclared prefix on the second post only
    broken = good.replace("<wp:post_id>57</wp:post_id>",
                          "<wp:post_id>57</wp:post_id><yoast:score>9</yoast:score>")
    path = tmp_path / "export.xml"
    path.write_text(broken, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="moderator"):
        threads = threads_of(path)
    assert [t.to_dict() for t in threads] == [
        dict(t.to_dict(), source={"path": str(path), "format": "wxr"}) for t in threads_of(FIXTURE)
    ]
    assert "unbound prefix" in caplog.text


def test_unrecoverable_xml_names_file_line_and_column(tmp_path):
    path = tmp_path / "truncated.xml"
    path.write_text('<rss xmlns:wp="http://wordpress.org/export/1.2/">\n<channel><item>'
                    "<title>x</title><wp:comment>", encoding="utf-8")
    with pytest.raises(ThreadFormatError) as info:
        threads_of(path)
    assert str(info.value) == f"{path}:2:44: malformed XML: no element found"


def test_not_xml_at_all(tmp_path):
    path = tmp_path / "notes.xml"
    path.write_text("just some notes, no markup\n", encoding="utf-8")
    with pytest.raises(ThreadFormatError, match=r"notes\.xml:1:1: malformed XML: syntax error"):
        threads_of(path)


def test_other_xml_is_not_taken_for_wordpress(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>')
    with pytest.raises(ThreadFormatError, match=r"not a WordPress \(WXR\) export: the root "
                                                r"element is <feed>, expected <rss>"):
        threads_of(path)


def wxr_chain(depth: int) -> str:
    comments = "".join(
        f"<wp:comment><wp:comment_id>{i}</wp:comment_id>"
        f"<wp:comment_content>reply {i}</wp:comment_content>"
        f"<wp:comment_approved>1</wp:comment_approved>"
        f"<wp:comment_parent>{i - 1}</wp:comment_parent></wp:comment>"
        for i in range(1, depth + 1)
    )
    return (f'<rss xmlns:wp="{WP12}"><channel><item><title>Deep</title>'
            f"<wp:post_id>9</wp:post_id>{comments}</item></channel></rss>")


def test_twenty_thousand_deep_reply_chain(tmp_path):
    path = tmp_path / "deep.xml"
    path.write_text(wxr_chain(20_000), encoding="utf-8")
    [thread] = threads_of(path)
    assert len(thread.comments) == 20_000
    last = thread.comments[-1]
    assert (last.id, last.parent_id, last.depth, last.text) == ("20000", "19999", 19_999,
                                                               "reply 20000")


def test_encodings_utf16_and_bom(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8")
    expected = [t.to_dict()["comments"] for t in threads_of(FIXTURE)]
    for name, data in [("utf16.xml", text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
                        .encode("utf-16")),
                       ("bom.xml", b"\xef\xbb\xbf" + text.encode("utf-8"))]:
        path = tmp_path / name
        path.write_bytes(data)
        assert [t.to_dict()["comments"] for t in threads_of(path)] == expected


@pytest.mark.slow
def test_large_export_streams_in_bounded_memory(tmp_path):
    """A 15 MB export parses in a fresh process without its memory growing with the file
    (loading it whole would take several times its size)."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    big = tmp_path / "big.xml"
    subprocess.run([sys.executable, str(repo / "bench" / "make_big_wxr.py"), "15", str(big)],
                   check=True, capture_output=True)
    # The peak is read from /proc (VmHWM, this process image only): ru_maxrss survives exec, so
    # a child forked from a pytest that already holds trained models reports pytest's size.
    code = (
        "import sys\n"
        "from moderator.threads import read_threads\n"
        "n = sum(len(t.comments) + sum(t.skipped.values())"
        " for t in read_threads(sys.argv[1], format='wxr'))\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1].split()\n"
        "print(n, int(status[0]) // 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(big)], check=True,
                          capture_output=True, text=True)
    comments, peak_mb = map(int, done.stdout.split())
    assert comments == big.read_text(encoding="utf-8").count("<wp:comment>")
    assert peak_mb < 50, f"peak RSS {peak_mb} MB for a 15 MB export"


@pytest.mark.parametrize("fmt", ["wxr", "disqus"])
def test_plain_text_as_xml_is_the_error_alone(tmp_path, fmt):
    """Nothing to recover, so no recovery WARNING before the Error line."""
    from click.testing import CliRunner

    from moderator.cli import main

    page = tmp_path / "page.txt"
    page.write_text("A title\n\nAn article.\n\n  1. A comment.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", str(page), "--format", fmt])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {page}:1:1: malformed XML: syntax error\n"
