"""`moderator parse` and the shared output writers it uses."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

from click.testing import CliRunner

from conftest import REPO
from moderator.cli import main
from moderator.output import (
    ROW_FIELDS,
    JsonListWriter,
    Summary,
    comment_rows,
    render_table,
    write_csv,
    write_jsonl,
)
from moderator.threads import read_threads
from moderator.threads.model import COMMENT_FIELDS, Comment, Thread

EXAMPLE = REPO / "examples" / "thread.txt"


def run(*args, input=None):
    return CliRunner().invoke(main, ["parse", *map(str, args)], input=input)


def test_jsonl_is_the_default_off_a_terminal():
    result = run(EXAMPLE)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 14
    assert list(rows[0]) == ["thread_id", *COMMENT_FIELDS]
    assert {r["thread_id"] for r in rows} == {"thread"}
    assert [r["depth"] for r in rows[:3]] == [0, 1, 2]
    assert rows[1]["parent_id"] == rows[0]["id"]
    assert result.stderr == "1 thread, 14 comments, none skipped\n"


def test_json_output_is_a_list_of_threads(fixtures):
    result = run(fixtures / "json" / "threads.json", "--output", "json")
    assert result.exit_code == 0, result.output
    threads = json.loads(result.stdout)
    assert [t["id"] for t in threads] == ["threads-1", "7", "threads-3"]
    assert set(threads[0]) == {"id", "title", "article", "source", "comments"}
    assert threads[0]["source"]["format"] == "json"
    assert [c["text"] for c in threads[0]["comments"]] == ["a", "b", "c"]


def test_csv_output_reads_back_as_csv(tmp_path, fixtures):
    result = run(fixtures / "json" / "thread.json", "-o", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == list(ROW_FIELDS)
    assert len(rows) == 6
    assert rows[3]["removed"] == "true" and rows[3]["text"] == ""
    path = tmp_path / "out.csv"
    path.write_text(result.stdout, encoding="utf-8")
    (original,) = read_threads(fixtures / "json" / "thread.json")
    (back,) = read_threads(path)
    assert [c.to_dict() for c in back.comments] == [c.to_dict() for c in original.comments]


def test_table_for_people():
    result = run(EXAMPLE, "-o", "table")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Town council approves protected bike lane on Elm Street")
    assert "[thread, 14 comments]" in lines[0]
    assert lines[2].split()[:3] == ["1", "14", "Finally!"]
    assert "    ↳ The plan covers the station junction" in lines[4]
    assert lines[-1] == "1 thread, 14 comments, none skipped"
    assert result.stderr == ""


def test_stdin_and_format_override():
    data = EXAMPLE.read_text(encoding="utf-8")
    result = run("-", "--format", "text", "-o", "jsonl", input=data)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 14
    assert '"thread_id": "stdin"' in result.stdout


def test_csv_column_options(fixtures):
    result = run(
        fixtures / "csv" / "custom_columns.csv", "--text-column", "body", "--id-column",
        "comment_no", "--parent-column", "reply_to", "--thread-column", "post", "-o", "jsonl",
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["thread_id"], r["id"], r["parent_id"]) for r in rows] == [
        ("1", "10", None), ("1", "11", "10"), ("1", "12", None), ("2", "20", None),
        ("2", "21", "20"),
    ]
    assert result.stderr == "2 threads, 5 comments, none skipped\n"


def test_help_has_an_example():
    result = CliRunner().invoke(main, ["parse", "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and "moderator parse examples/thread.txt" in result.output
    for option in ("--format", "--output", "--text-column", "--thread-column"):
        assert option in result.output


def test_summary_reports_skipped_with_reasons(monkeypatch):
    thread = Thread(id="t", comments=[Comment("1", None, 0, 0, text="hi")])
    thread.skipped = Counter({"spam": 3, "more stub (not in file)": 1})
    monkeypatch.setattr("moderator.threads.read_threads", lambda *a, **k: iter([thread]))
    result = run(EXAMPLE, "-o", "table")
    assert result.stdout.splitlines()[-1] == (
        "1 thread, 1 comment, skipped: 3 spam, 1 more stub (not in file)"
    )


def _thread() -> Thread:
    return Thread(
        id="t1",
        title="Title",
        comments=[
            Comment("a", None, 0, 0, author="ann", likes=2, text="First line\nsecond line"),
            Comment("b", "a", 1, 1, author="bob", text="You idiot, go away"),
            Comment("c", "b", 2, 2, removed=True, text=""),
        ],
    )


def test_comment_rows_merge_extra_columns():
    extra = [{"flagged": False}, {"flagged": True, "scores": {"toxic": 0.9}}, {}]
    rows = list(comment_rows(_thread(), extra))
    assert rows[1]["thread_id"] == "t1" and rows[1]["flagged"] is True
    assert rows[1]["scores"] == {"toxic": 0.9}
    assert list(rows[0])[: len(ROW_FIELDS)] == list(ROW_FIELDS)


def test_writers():
    buffer = io.StringIO()
    assert write_jsonl(comment_rows(_thread()), buffer) == 3
    assert json.loads(buffer.getvalue().splitlines()[0])["text"] == "First line\nsecond line"
    buffer = io.StringIO()
    rows = comment_rows(_thread(), [{"scores": {"toxic": 0.1}}] * 3)
    assert write_csv(rows, buffer, [*ROW_FIELDS, "scores"]) == 3
    table = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert table[0]["scores"] == '{"toxic": 0.1}' and table[0]["likes"] == "2"
    assert table[1]["likes"] == "" and table[2]["removed"] == "true"
    buffer = io.StringIO()
    writer = JsonListWriter(buffer, indent=None)
    writer.close()
    assert json.loads(buffer.getvalue()) == []


def test_render_table_with_scores_flags_and_reasons():
    text = "You idiot, go away"
    notes = [
        {"scores": {"toxic": 0.05, "off_topic": 0.2}, "flagged": False, "reasons": []},
        {
            "scores": {"toxic": 0.93, "off_topic": 0.1},
            "flagged": True,
            "reasons": [{"attribute": "toxic", "score": 0.93, "threshold": 0.5,
                         "spans": [[4, 9, 1.2], [11, 13, 0.1]]}],
        },
        {"scores": {"toxic": 0.0, "off_topic": 0.0}, "flagged": False},
    ]
    lines = list(render_table(_thread(), annotations=notes, width=120))
    assert lines[1].split() == ["#", "likes", "toxic", "off_top", "flag", "comment"]
    assert lines[2].split() == ["1", "2", "0.05", "0.20", "ann:", "First", "line"]
    assert " FLAG " in lines[3] and "0.93" in lines[3] and "↳ bob: " + text in lines[3]
    assert lines[4].strip() == 'why: toxic 0.93: "idiot", "go"'
    assert lines[5].rstrip().endswith("↳ [removed]")


def test_summary_counts():
    summary = Summary()
    summary.add(_thread(), flagged=1)
    summary.add(Thread(id="empty"), flagged=0)
    assert summary.line() == "2 threads, 3 comments, 1 flagged, none skipped"
