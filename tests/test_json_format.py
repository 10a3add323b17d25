"""The generic nested JSON format."""

from __future__ import annotations

import json

import pytest

from moderator.errors import ThreadFormatError
from moderator.threads import Source, detect_format, generic_json, read_threads


def test_thread_fields(fixtures):
    (thread,) = read_threads(fixtures / "json" / "thread.json")
    assert thread.id == "pool-hours"
    assert thread.title == "Swimming pool adds early lanes"
    assert thread.article.endswith("Lane swimming only until eight.")
    assert thread.source == {"path": str(fixtures / "json" / "thread.json"), "format": "json"}
    got = [
        (c.id, c.parent_id, c.depth, c.position, c.author, c.likes, c.removed)
        for c in thread.comments
    ]
    assert got == [
        ("p1", None, 0, 0, "lena", 5, False),
        ("p2", "p1", 1, 1, "omar", 1, False),
        ("c3", "p2", 2, 2, "lena", None, False),  # no id: c<position+1>
        ("p3", "p1", 1, 3, None, None, True),  # removed, kept: a reply hangs under it
        ("p4", "p3", 2, 4, "kim", None, False),
        ("c6", None, 0, 5, "theo", None, False),
    ]
    assert thread.comments[0].timestamp == "2024-03-01T07:15:00Z"
    assert thread.comments[5].timestamp == "2024-03-01T08:00:00Z"  # Unix seconds -> ISO
    assert thread.comments[3].text == ""
    assert thread.comments[5].text == (
        "Will the sauna open early too?\n\nIt would be nice after a swim."
    )


def test_list_of_threads_ids_and_repeated_comment_ids(fixtures, caplog):
    threads = list(read_threads(fixtures / "json" / "threads.json"))
    assert [t.id for t in threads] == ["threads-1", "7", "threads-3"]
    assert [(c.id, c.parent_id) for c in threads[0].comments] == [
        ("c1", None), ("c2", None), ("c3", "c2"),
    ]
    assert threads[1].comments == []
    assert [c.id for c in threads[2].comments] == ["1", "1~2"]
    assert "repeated" in caplog.text


def test_generated_ids_avoid_given_ones(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"comments": [{"text": "a"}, {"id": "c1", "text": "b"}]}))
    (thread,) = read_threads(path)
    assert [c.id for c in thread.comments] == ["c1_2", "c1"]


@pytest.mark.parametrize(
    "document, message",
    [
        ({"comments": 3}, "comments: expected an array, got a number"),
        (
            {"comments": [{"text": "a"}, {"text": "b"}, {"text": "c"},
                          {"text": "d", "replies": [{"text": 5}]}]},
            "comments[3].replies[0].text: expected a string, got a number",
        ),
        ({"comments": [{"text": "a", "likes": "many"}]},
         "comments[0].likes: expected an integer, got a string"),
        ({"comments": [{"text": "a", "likes": True}]},
         "comments[0].likes: expected an integer, got a boolean"),
        ({"comments": [{"text": "a", "replies": {"text": "b"}}]},
         "comments[0].replies: expected an array, got an object"),
        ({"comments": ["just a string"]}, "comments[0]: expected a comment object, got a string"),
        ({"comments": [{"author": "x"}]}, 'comments[0]: missing "text"'),
        ({"comments": [{"text": "a", "removed": "yes"}]},
         "comments[0].removed: expected true or false, got a string"),
        ({"comments": [{"text": "a", "id": [1]}]},
         "comments[0].id: expected a string or an integer, got an array"),
        ({"comments": [{"text": "a", "timestamp": 1e300}]},
         "comments[0].timestamp: Unix time 1e+300 is out of range"),
        ({"title": 3, "comments": []}, "title: expected a string, got a number"),
        ([{"comments": []}, {"comments": [{"text": None}]}],
         "[1].comments[0].text: expected a string, got null"),
        ([{"comments": []}, 4], "[1]: expected a thread object"),
        ({"article": "x"}, 'the top level: no "comments" key'),
        ([], "an empty JSON list: no threads"),
    ],
)
def test_wrong_types_name_the_json_path(tmp_path, document, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ThreadFormatError) as caught:
        list(read_threads(path, format="json"))
    assert str(caught.value).startswith(f"{path}: {message}")


@pytest.mark.parametrize(
    "content, line, column, reason",
    [
        ('{"comments": [\n  {"text": "a"},\n  {"text": "b"', 3, 15, "truncated JSON"),
        ('{"comments": [\n  {"text": "a",}\n]}', 2, 16, "invalid JSON"),
        ("", None, None, "empty file"),
    ],
)
def test_bad_json_has_line_and_column(tmp_path, content, line, column, reason):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ThreadFormatError) as caught:
        list(read_threads(path, format="json"))
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert reason in error.reason


def _deep_document(levels: int) -> str:
    return (
        '{"title": "deep", "comments": ['
        + '{"text": "x", "replies": [' * levels
        + "]}" * levels
        + "]}"
    )


def test_20000_deep_replies_parse_without_recursion_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(_deep_document(20_000), encoding="utf-8")
    (thread,) = read_threads(path)
    assert len(thread.comments) == 20_000
    assert [c.depth for c in thread.comments[:3]] == [0, 1, 2]
    last = thread.comments[-1]
    assert (last.id, last.depth, last.parent_id) == ("c20000", 19_999, "c19999")


def test_error_deep_in_a_deep_thread_names_the_path(tmp_path):
    levels = 3000
    text = _deep_document(levels).replace('"x"', "0", 1)[::-1].replace('"x"'[::-1], "5", 1)[::-1]
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ThreadFormatError) as caught:
        list(read_threads(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: comments[0]")
    assert message.endswith(".text: expected a string, got a number")


@pytest.mark.parametrize(
    "content, expected",
    [
        ('{"title": "t", "comments": []}', 0.6),
        ('{"title": "t", "article": "long…"', 0.4),
        ('{"something": "else"}', 0.02),
        ("Plain words", 0.0),
    ],
)
def test_sniff(tmp_path, content, expected):
    path = tmp_path / "x"
    path.write_text(content, encoding="utf-8")
    with Source(path) as source:
        assert generic_json.sniff(source) == pytest.approx(expected)


def test_detected_as_json(fixtures):
    with Source(fixtures / "json" / "thread.json") as source:
        assert detect_format(source) == "json"
