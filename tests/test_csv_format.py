"""CSV comment tables."""

from __future__ import annotations

import io

import pytest

from moderator.errors import ThreadFormatError
from moderator.output import comment_rows, write_csv
from moderator.threads import ParseOptions, Source, csv_table, detect_format, read_threads


def test_conventional_columns(fixtures):
    threads = list(read_threads(fixtures / "csv" / "comments.csv"))
    assert [t.id for t in threads] == ["market", "choir"]
    market, choir = threads
    assert market.title == "Farmers market moves indoors"
    assert market.article == "The Saturday market moves to the old hall for the winter."
    assert market.source["format"] == "csv"
    got = [(c.id, c.parent_id, c.depth, c.position, c.author, c.likes) for c in market.comments]
    assert got == [
        ("m1", None, 0, 0, "ines", 6),
        ("m2", "m1", 1, 1, "paul", 2),
        ("m3", "m2", 2, 2, "ines", None),
        ("m4", None, 0, 3, "zoe", 1),
    ]
    assert market.comments[0].timestamp == "2024-11-02T09:00:00Z"
    assert market.comments[3].text == (
        "Will the cheese stall come along?\nI hope so.\n\nIt is the best one."
    )
    assert [(c.id, c.parent_id) for c in choir.comments] == [("c1", None), ("c2", "c1")]


def test_custom_columns_semicolons_and_interleaved_threads(fixtures):
    options = ParseOptions(
        text_column="body", id_column="comment_no", parent_column="reply_to",
        author_column="user", article_column="story", thread_column="post",
    )
    threads = list(read_threads(fixtures / "csv" / "custom_columns.csv", options=options))
    assert [t.id for t in threads] == ["1", "2"]
    one, two = threads
    assert one.article == "Story one."
    assert [(c.id, c.parent_id, c.depth, c.author, c.text) for c in one.comments] == [
        ("10", None, 0, "ann", "First!"),
        ("11", "10", 1, "bob", "Reply to ann"),
        ("12", None, 0, "eve", "Second top-level"),
    ]
    assert [(c.id, c.parent_id) for c in two.comments] == [("20", None), ("21", "20")]


def test_threads_by_article_without_thread_column(fixtures):
    threads = list(read_threads(fixtures / "csv" / "by_article.csv"))
    assert [(t.id, t.article, [c.text for c in t.comments]) for t in threads] == [
        ("by_article-1", "Bridge reopens after repairs.", ["Finally!", "Took long enough."]),
        ("by_article-2", "New playground opens.", ["My kids love it."]),
    ]
    assert [c.id for c in threads[0].comments] == ["c1", "c2"]


def test_one_thread_without_thread_or_article_columns(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("text,score\nhello,1\n\nworld,2\n", encoding="utf-8")
    (thread,) = read_threads(path)
    assert thread.id == "plain" and thread.article == ""
    assert [(c.id, c.text, c.depth) for c in thread.comments] == [
        ("c1", "hello", 0), ("c2", "world", 0),
    ]


def test_contiguous_threads_are_emitted_before_the_file_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    rows = ["thread_id,text"] + [f"t{i // 3},comment {i}" for i in range(30)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    threads = read_threads(path)
    first = next(threads)
    assert first.id == "t0" and len(first.comments) == 3
    assert sum(1 for _ in threads) == 9


def test_orphans_and_removed(tmp_path, caplog):
    path = tmp_path / "o.csv"
    path.write_text(
        "id,parent_id,removed,text\na,,0,top\nb,zz,no,orphan\nc,a,true,\nd,c,,reply to removed\n",
        encoding="utf-8",
    )
    (thread,) = read_threads(path)
    assert [(c.id, c.parent_id, c.depth, c.removed) for c in thread.comments] == [
        ("a", None, 0, False), ("c", "a", 1, True), ("d", "c", 2, False), ("b", None, 0, False),
    ]
    assert "not in the file" in caplog.text


def test_missing_text_column_lists_the_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("body,author\nhi,ann\n", encoding="utf-8")
    with pytest.raises(ThreadFormatError) as caught:
        list(read_threads(path))
    assert str(caught.value) == (
        f"{path}: no text column 'text'; the columns are 'body', 'author' "
        "(name the comment text column with --text-column)"
    )


@pytest.mark.parametrize(
    "content, options, message",
    [
        ("text,likes\nhi,lots\n", {}, ":2: column 'likes': 'lots' is not a whole number"),
        ("text,removed\nhi,maybe\n", {}, ":2: column 'removed': 'maybe' is not true/false"),
        ("text,x\na,1\nb,2,3\n", {}, ":3: row has 3 fields but the header has 2"),
        ("text\n\"unterminated\n", {}, ":2: bad CSV: unexpected end of data"),
        ("text,a\nhi,1\n", {"author_column": "who"}, ": no column 'who' (--author-column)"),
        ("text,parent_id\nhi,1\n", {}, ": a parent column ('parent_id') needs an id column"),
        ("\ntext\nhi\n", {}, ":1: no header row"),
    ],
)
def test_bad_tables(tmp_path, content, options, message):
    path = tmp_path / "t.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ThreadFormatError) as caught:
        list(read_threads(path, format="csv", options=ParseOptions(**options)))
    assert str(caught.value).startswith(f"{path}{message}")


def test_stray_quote_is_an_error_not_swallowed_rows(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('text\nfine\n"a"b\nlater row\n', encoding="utf-8")
    with pytest.raises(ThreadFormatError) as caught:
        list(read_threads(path, format="csv"))
    assert caught.value.line == 3
    assert "bad CSV" in caught.value.reason


def test_big_cells_are_read(tmp_path):
    path = tmp_path / "t.csv"
    article = "word " * 60_000  # 300 KB, past the csv module's default field limit
    path.write_text(f'article,text\n"{article}",hi\n', encoding="utf-8")
    (thread,) = read_threads(path)
    assert thread.article == article


def test_parse_output_reads_back(fixtures):
    threads = list(read_threads(fixtures / "csv" / "comments.csv"))
    buffer = io.StringIO()
    write_csv((row for t in threads for row in comment_rows(t)), buffer)
    path = fixtures.parent / "_roundtrip_tmp.csv"
    try:
        path.write_text(buffer.getvalue(), encoding="utf-8")
        back = list(read_threads(path))
    finally:
        path.unlink()
    assert [t.id for t in back] == ["market", "choir"]
    assert [[c.to_dict() for c in t.comments] for t in back] == [
        [c.to_dict() for c in t.comments] for t in threads
    ]


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("a.csv", "x,y\n1,2\n", 0.5),
        ("a.csv", "id,text\n1,hi\n", 0.9),
        ("stdin-like", "id,text\n1,hi\n", 0.4),
        ("a.txt", "Title\n\nSome prose, with a comma.\n", 0.0),
        ("a.json", '{"text": 1}', 0.0),
    ],
)
def test_sniff(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with Source(path) as source:
        assert csv_table.sniff(source) == pytest.approx(expected)


def test_detected_as_csv_even_without_extension(tmp_path):
    path = tmp_path / "comments"
    path.write_text("author,text\nann,Nice, really nice\n", encoding="utf-8")
    with Source(path) as source:
        assert detect_format(source) == "csv"


def test_blank_rows_are_skipped_whatever_their_first_cell(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text(
        "id,text,likes\n"
        "a,first,1\n"
        "\n"
        ",,\n"
        " , \t,  \n"
        ",no id here,\n"
        "  ,spaces before the text,2\n"
        "b,\"two\nlines\",\n",
        encoding="utf-8",
    )
    (thread,) = read_threads(path, format="csv")
    got = [(c.id, c.depth, c.position, c.likes, c.text) for c in thread.comments]
    assert got == [
        ("a", 0, 0, 1, "first"),
        ("c2", 0, 1, None, "no id here"),
        ("c3", 0, 2, 2, "spaces before the text"),
        ("b", 0, 3, None, "two\nlines"),
    ]
    assert all(c.parent_id is None for c in thread.comments)


def test_a_bad_value_names_its_line_in_a_one_thread_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,text,likes\na,\"one\ntwo\",1\nb,three,many\n", encoding="utf-8")
    with pytest.raises(ThreadFormatError,
                       match=r"bad\.csv:4: column 'likes': 'many' is not a whole number"):
        list(read_threads(path, format="csv"))
