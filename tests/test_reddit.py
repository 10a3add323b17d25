"""Reddit thread JSON: nested replies, more stubs, deleted/removed, wrong types, deep nesting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderator.errors import ThreadFormatError
from moderator.threads import ParseOptions, Source, read_threads, reddit

FIXTURE = Path(__file__).parent / "fixtures" / "reddit" / "homebrew-thread.json"


def threads_of(path, include_removed=False):
    return list(read_threads(path, format="reddit",
                             options=ParseOptions(include_removed=include_removed)))


def listing(children):
    return {"kind": "Listing", "data": {"children": children}}


def t1(cid, body="x", replies=""):
    return {"kind": "t1", "data": {"id": cid, "name": f"t1_{cid}", "body": body,
                                   "author": "a", "created_utc": 0, "score": 1,
                                   "replies": replies}}


def write(tmp_path, data, name="thread.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_post_and_comment_tree():
    [thread] = threads_of(FIXTURE)
    assert thread.id == "1a2b3c"
    assert thread.title == "First batch stuck at 1.020 & smells fine"
    assert thread.article == ("Brewed a simple pale ale last weekend. Fermentation stalled at "
                              "1.020 & I'm not sure why.\n\nTemp was around 18\u00b0C the whole "
                              "time. Any ideas?")
    assert thread.source == {"path": str(FIXTURE), "format": "reddit"}
    rows = [(c.id, c.parent_id, c.depth, c.position, c.removed) for c in thread.comments]
    assert rows == [
        ("k001", None, 0, 0, False),
        ("k002", "k001", 1, 1, False),
        ("k003", "k002", 2, 2, False),
        ("k004", "k001", 1, 3, True),
        ("k005", "k004", 2, 4, False),
        ("k006", None, 0, 5, False),
        ("k007", None, 0, 6, True),
    ]
    first = thread.comments[0]
    assert first.author == "yeast_whisperer"
    assert first.timestamp == "2023-11-14T22:23:20Z"
    assert first.likes == 41
    assert first.text == ("Probably under-pitched. How many packets did you use?\n\n"
                          "Also, > 18C is fine for most ale yeasts.")
    assert thread.comments[1].text == "Just one packet for 23 litres & no starter."
    deleted, removed = thread.by_id()["k004"], thread.by_id()["k007"]
    assert (deleted.author, deleted.text) == (None, "")
    assert (removed.author, removed.text) == (None, "")
    assert thread.by_id()["k006"].likes == -14
    # more stubs: 3 + 2 ids + 1 "continue this thread"
    assert thread.skipped == {"more stub (not in file)": 6}


def test_include_removed_changes_nothing_for_reddit():
    kept = threads_of(FIXTURE, include_removed=True)[0]
    assert kept.to_dict() == threads_of(FIXTURE)[0].to_dict()


def test_sniff():
    with Source(FIXTURE) as source:
        assert reddit.sniff(source) >= 0.9


def test_comments_listing_alone(tmp_path):
    comment = t1("c1")
    comment["data"]["link_id"] = "t3_zz9"
    path = write(tmp_path, listing([comment, t1("c2")]))
    [thread] = threads_of(path)
    assert thread.id == "zz9" and [c.id for c in thread.comments] == ["c1", "c2"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "t3"}, "listing 1: expected a Reddit Listing object, got kind 't3'"),
        ([listing([]), 5], "listing 2: expected a Reddit Listing object, got a number"),
        ([{"kind": "Listing", "data": {"children": {}}}],
         'listing 1: "data.children" should be an array, got an object'),
        ([listing([t1("c1", body=7)])], 'comment c1: "body" should be a string, got a number'),
        ([listing([t1("c1", replies=[1])])],
         "replies of comment c1: expected a Reddit Listing object, got an array"),
        ([listing([t1("c1", replies=listing([3]))])],
         'reply 1 of comment c1: expected an object with "kind" and "data", got a number'),
        ([listing([{"kind": "t5", "data": {}}])],
         "top-level comment 1: expected a t1 comment or a more stub, got kind 't5'"),
        ([], "not a Reddit thread: an empty array"),
    ],
)
def test_wrong_value_types_are_named(tmp_path, data, message):
    path = write(tmp_path, data)
    with pytest.raises(ThreadFormatError) as info:
        threads_of(path)
    assert str(info.value) == f"{path}: {message}"


def test_truncated_json_names_line_and_column(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(FIXTURE.read_text(encoding="utf-8")[:500], encoding="utf-8")
    with pytest.raises(ThreadFormatError, match=r"cut\.json:\d+:\d+: truncated JSON: "):
        threads_of(path)


def test_twenty_thousand_deep_replies(tmp_path):
    depth = 20_000
    post = {"kind": "t3", "data": {"id": "p1", "title": "Deep", "selftext": ""}}
    # json.dumps recurses too: write the nesting by hand
    head = json.dumps([listing([post])])[:-1] + ', {"kind": "Listing", "data": {"children": ['
    parts = [head]
    for i in range(1, depth + 1):
        parts.append(f'{{"kind": "t1", "data": {{"id": "c{i}", "body": "reply {i}", '
                     f'"author": "a", "created_utc": {i}, "score": 1, "replies": ')
        parts.append('{"kind": "Listing", "data": {"children": [' if i < depth else '""}}')
    parts.append("]}}}}" * (depth - 1) + "]}}]")
    path = tmp_path / "deep.json"
    path.write_text("".join(parts), encoding="utf-8")
    [thread] = threads_of(path)
    assert len(thread.comments) == depth
    last = thread.comments[-1]
    assert (last.id, last.parent_id, last.depth, last.text) == (
        f"c{depth}", f"c{depth - 1}", depth - 1, f"reply {depth}")
