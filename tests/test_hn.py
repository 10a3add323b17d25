"""Hacker News: Firebase item arrays (kids order, deleted/dead) and Algolia nested items."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from moderator.errors import ThreadFormatError
from moderator.threads import ParseOptions, Source, hn, read_threads

FIXTURES = Path(__file__).parent / "fixtures" / "hn"
FIREBASE = FIXTURES / "firebase-items.json"
ALGOLIA = FIXTURES / "algolia-item.json"


def threads_of(path, include_removed=False):
    return list(read_threads(path, format="hn",
                             options=ParseOptions(include_removed=include_removed)))


def write(tmp_path, data, name="items.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_firebase_stories_are_threads_in_kids_order():
    show, ask = threads_of(FIREBASE)
    assert (show.id, show.title, show.article) == (
        "39000001", "Show HN: A tiny static site generator in 300 lines", "https://tinygen.example/")
    assert show.source == {"path": str(FIREBASE), "format": "hn"}
    # kids order [10, 2, 20], not file order; 20 is deleted but 21 answers it
    assert [(c.id, c.parent_id, c.depth, c.position, c.removed) for c in show.comments] == [
        ("39000010", None, 0, 0, False),
        ("39000002", None, 0, 1, False),
        ("39000003", "39000002", 1, 2, False),
        ("39000020", None, 0, 3, True),
        ("39000021", "39000020", 1, 4, False),
    ]
    by_id = show.by_id()
    assert by_id["39000010"].text == ("Love the no dependencies approach. See also "
                                      "https://example.org/ssg-list")
    assert by_id["39000002"].text == ("Nice! How does it handle incremental builds?\n\n"
                                      "I've been bitten by full rebuilds on large sites.")
    assert by_id["39000003"].text == ("It hashes each source file and skips unchanged ones:\n\n"
                                      "  if digest == cache.get(path):\n      continue\n\n"
                                      "Not fancy, but it works.")
    assert (by_id["39000002"].author, by_id["39000002"].timestamp) == (
        "rustfan", "2024-01-23T08:58:20Z")
    assert (by_id["39000020"].author, by_id["39000020"].text) == (None, "")
    assert show.skipped == {"dead": 1}
    assert ask.article == ("I keep starting side projects and never finishing them.\n\n"
                           "How do you pick one and stick with it?")
    assert [c.id for c in ask.comments] == ["39000101"]
    assert ask.skipped == {"deleted": 1}


def test_firebase_include_removed():
    show, ask = threads_of(FIREBASE, include_removed=True)
    dead = show.by_id()["39000022"]
    assert (dead.parent_id, dead.depth, dead.removed) == ("39000010", 1, True)
    assert dead.text == "FREE TOKENS at coins.example !!!"
    assert show.skipped == {} and ask.skipped == {}
    assert [c.id for c in ask.comments] == ["39000101", "39000102"]


def test_every_item_is_shown_or_counted():
    items = json.loads(FIREBASE.read_text(encoding="utf-8"))
    n_comments = sum(1 for i in items if i["type"] == "comment")
    threads = threads_of(FIREBASE)
    assert sum(len(t.comments) + sum(t.skipped.values()) for t in threads) == n_comments


def test_algolia_item():
    [thread] = threads_of(ALGOLIA)
    assert (thread.id, thread.title, thread.article) == (
        "39500000", "Why does tea taste different in hard water?",
        "https://tea-notes.example/hard-water")
    assert [(c.id, c.parent_id, c.depth, c.removed) for c in thread.comments] == [
        ("39500011", None, 0, False),
        ("39500012", "39500011", 1, True),  # deleted, kept for its reply
        ("39500013", "39500012", 2, False),
        ("39500020", None, 0, False),
    ]
    first = thread.comments[0]
    assert first.text == ("Calcium carbonate reacts with the polyphenols.\n\n"
                          "Try a filter jug & compare.")
    assert (first.author, first.timestamp) == ("chem_teacher", "2024-02-01T09:30:00Z")


def test_several_algolia_items_and_a_comment_subtree(tmp_path):
    story = json.loads(ALGOLIA.read_text(encoding="utf-8"))
    subtree = story["children"][0]
    path = write(tmp_path, [story, subtree])
    first, second = threads_of(path)
    assert first.id == second.id == "39500000"
    assert [c.id for c in second.comments] == ["39500011", "39500012", "39500013"]


def test_comments_without_their_story(tmp_path, caplog):
    path = write(tmp_path, [
        {"id": 2, "type": "comment", "parent": 1, "by": "a", "text": "x", "time": 1},
        {"id": 3, "type": "comment", "parent": 2, "by": "b", "text": "y", "time": 2},
    ])
    with caplog.at_level(logging.WARNING, logger="moderator"):
        [thread] = threads_of(path)
    assert thread.id == "1"
    assert [(c.id, c.parent_id, c.depth) for c in thread.comments] == [("2", None, 0),
                                                                       ("3", "2", 1)]
    assert "not in the file (1)" in caplog.text


def test_sniff():
    for path in (FIREBASE, ALGOLIA):
        with Source(path) as source:
            assert hn.sniff(source) >= 0.9


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([3], "item 1: expected an object, got a number"),
        ([{"id": [1], "type": "story"}], 'item 1: "id" should be a number, got an array'),
        ([{"id": 1, "type": "story", "kids": "2"}], 'item 1: "kids" should be an array, got a '
                                                    "string"),
        ([{"id": 1, "type": "story"}, {"id": 2, "type": "comment", "parent": 1, "text": 5}],
         'item 2: "text" should be a string, got a number'),
        ([{"id": 1, "type": "comment", "parent": 9, "deleted": "yes"}],
         'item 1: "deleted" should be true or false, got a string'),
        ({"id": 1, "type": "story", "children": {}},
         'item 1: "children" should be an array, got an object'),
        ({"id": 1, "type": "story", "children": [{"id": 2, "author": 7}]},
         'item 2: "author" should be a string, got a number'),
        ([], "not a Hacker News export: an empty array"),
    ],
)
def test_wrong_value_types_are_named(tmp_path, data, message):
    path = write(tmp_path, data)
    with pytest.raises(ThreadFormatError) as info:
        threads_of(path)
    assert str(info.value) == f"{path}: {message}"


DEEP = 20_000


def test_firebase_twenty_thousand_deep_chain(tmp_path):
    items = [{"id": 1, "type": "story", "title": "Deep", "kids": [2]}]
    items += [{"id": i, "type": "comment", "parent": i - 1, "kids": [i + 1] if i <= DEEP else [],
               "by": "u", "text": f"reply {i}", "time": i} for i in range(2, DEEP + 2)]
    path = write(tmp_path, items[::-1])  # order in the file does not matter
    [thread] = threads_of(path)
    assert len(thread.comments) == DEEP
    assert [c.depth for c in thread.comments] == list(range(DEEP))
    assert thread.comments[-1].text == f"reply {DEEP + 1}"


def test_algolia_twenty_thousand_deep_children(tmp_path):
    head = '{"id": 1, "type": "story", "title": "Deep", "children": ['
    parts = [head]
    for i in range(2, DEEP + 2):
        parts.append(f'{{"id": {i}, "author": "u", "text": "reply {i}", "children": [')
    parts.append("]}" * DEEP + "]}")
    path = tmp_path / "deep.json"
    path.write_text("".join(parts), encoding="utf-8")
    [thread] = threads_of(path)
    assert len(thread.comments) == DEEP
    last = thread.comments[-1]
    assert (last.id, last.parent_id, last.depth) == (str(DEEP + 1), str(DEEP), DEEP - 1)


GATHERED = {
    "post": {"by": "ann", "id": 1, "kids": [2, 3], "title": "Ask HN: Plain text notes?",
             "type": "story", "time": 1706000000, "text": "What do you use?"},
    "comments": [
        {"by": "bob", "id": 2, "parent": 1, "kids": [4], "text": "Plain files.",
         "type": "comment", "time": 1706000100},
        {"by": "cy", "id": 3, "parent": 1, "text": "A wiki.", "type": "comment",
         "time": 1706000200},
        {"by": "ann", "id": 4, "parent": 2, "text": "Synced how?", "type": "comment",
         "time": 1706000300},
    ],
    "fetched": "2024-01-23",
    "meta": {"api": "firebase"},
}


def test_items_gathered_under_keys_are_read_as_firebase_items(tmp_path):
    """{"post": {...}, "comments": [...]}: the API's items under two keys, found without
    --format; a string beside them is not an item."""
    path = write(tmp_path, GATHERED)
    [thread] = read_threads(path)
    assert thread.source == {"path": str(path), "format": "hn"}
    assert (thread.id, thread.title, thread.article) == ("1", "Ask HN: Plain text notes?",
                                                         "What do you use?")
    assert [(c.id, c.parent_id, c.depth, c.author) for c in thread.comments] == [
        ("2", None, 0, "bob"), ("4", "2", 1, "ann"), ("3", None, 0, "cy")]


@pytest.mark.parametrize("data, got", [
    ({"meta": {}, "count": 3}, "got an object with keys meta, count"),
    ({}, "got an object with keys none"),
    ("a story", "got a string"),
])
def test_an_unknown_shape_names_the_shapes_read(tmp_path, data, got):
    from click.testing import CliRunner

    from moderator.cli import main

    path = write(tmp_path, data)
    result = CliRunner().invoke(main, ["parse", str(path), "--format", "hn"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path}: not a Hacker News export: expected a JSON array of items, an Algolia "
        'item (an object with "children"), or an object gathering items under keys '
        f'({{"post": {{...}}, "comments": [...]}}); {got}\n')
