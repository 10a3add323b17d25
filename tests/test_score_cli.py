"""`moderator score`: every output, every policy option and error path.

Policy behaviour is pinned with the keyword double (it flags exactly what a test expects);
the command end to end also runs on a real model trained by moderator.model.training.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

import moderator
from doubles import BUS_THREAD, KeywordModel, write_thread
from moderator.cli import main
from moderator.explanations import NO_SINGLE_WORD

CONTRACT_KEYS = ["thread_id", "id", "parent_id", "depth", "position", "author", "timestamp",
                 "likes", "removed", "text", "scores", "flagged", "reasons", "language"]


@pytest.fixture
def double(monkeypatch):
    loaded = []

    def load(path=None, config=None):
        loaded.append(path or config)  # find_model's order is tested in test_model_lookup
        return KeywordModel()

    monkeypatch.setattr(moderator, "load_model", load)
    return loaded


@pytest.fixture
def thread_file(tmp_path):
    return write_thread(tmp_path / "bus.json", BUS_THREAD)


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def test_jsonl_is_the_scoring_contract(double, thread_file):
    result = run("score", thread_file, "--output", "jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [list(r) for r in rows] == [CONTRACT_KEYS] * 4
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["depth"] for r in rows] == [0, 1, 2, 0]
    assert [r["flagged"] for r in rows] == [False, True, False, True]
    assert rows[1]["thread_id"] == "bus"
    assert rows[1]["scores"] == {"toxicity": 0.9, "insult": 0.85, "off_topic": 0.05}
    assert rows[1]["reasons"] == [
        {"attribute": "toxicity", "score": 0.9, "threshold": 0.5, "spans": [[4, 9, 0.9]],
         "notes": []},
        {"attribute": "insult", "score": 0.85, "threshold": 0.5, "spans": [[4, 9, 0.85]],
         "notes": []},
    ]
    assert result.stderr == "4 comments, 2 flagged: toxicity 1, insult 1, off_topic 1\n"


def test_default_output_is_jsonl_when_not_a_terminal(double, thread_file):
    result = run("score", thread_file)
    assert json.loads(result.stdout.splitlines()[0])["id"] == "1"


def test_csv_has_a_column_per_score_and_json_reasons(double, thread_file):
    result = run("score", thread_file, "--output", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "thread_id", "id", "parent_id", "depth", "position", "author", "timestamp", "likes",
        "removed", "text", "score_toxicity", "score_insult", "score_off_topic", "flagged",
        "reasons", "language",
    ]
    assert [r["flagged"] for r in rows] == ["false", "true", "false", "true"]
    assert rows[3]["score_off_topic"] == "0.95"
    assert json.loads(rows[3]["reasons"])[0]["attribute"] == "off_topic"
    assert json.loads(rows[0]["reasons"]) == []


def test_json_is_the_parse_shape_with_scored_comments(double, thread_file):
    result = run("score", thread_file, "--output", "json")
    [thread] = json.loads(result.stdout)
    assert thread["id"] == "bus" and thread["title"] == "Bus budget"
    assert thread["source"] == {"path": str(thread_file), "format": "json"}
    assert [c["flagged"] for c in thread["comments"]] == [False, True, False, True]
    assert thread["comments"][3]["reasons"][0]["spans"] == [[0, 3, 0.95], [4, 13, 0.6]]


def test_table_shows_thread_flags_reasons_and_summary(double, thread_file):
    result = run("score", thread_file, "--output", "table")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Bus budget  [bus, 4 comments]"
    assert "toxicit" in lines[1] and "off_top" in lines[1] and "flag" in lines[1]
    bob = next(line for line in lines if "bob:" in line)
    assert "FLAG" in bob and "0.90" in bob and "  \u21b3 bob: You idiot" in bob
    assert any('why: toxicity 0.90: "idiot"' in line for line in lines)
    assert any('why: off_topic 0.95: "Buy", "followers"' in line for line in lines)
    reply = next(line for line in lines if "No need" in line)
    assert "    \u21b3 ann: No need" in reply  # depth 2: two levels of indent
    assert lines[-1] == "4 comments, 2 flagged: toxicity 1, insult 1, off_topic 1"
    assert "\x1b[" not in result.stdout  # no colour when not a terminal


def test_table_colours_flagged_rows_on_a_terminal(double, thread_file):
    result = run("score", thread_file, "--output", "table", color=True)
    lines = result.stdout.splitlines()
    assert next(line for line in lines if "bob:" in line).startswith("\x1b[31m")
    assert next(line for line in lines if "why: insult" in line).startswith("\x1b[31m")
    assert not next(line for line in lines if "No need" in line).startswith("\x1b[")


def test_threshold_option_overrides_model(double, thread_file):
    result = run("score", thread_file, "--threshold", "toxicity=0.95", "--threshold",
                 "insult=0.9", "--threshold", "off_topic=1")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert not any(r["flagged"] for r in rows)
    result = run("score", thread_file, "--threshold", "off_topic=0.0")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(r["flagged"] for r in rows)
    # flagged with no word behind it (and, for this stand-in model, no fact): it says so
    assert rows[0]["reasons"] == [
        {"attribute": "off_topic", "score": 0.05, "threshold": 0.0, "spans": [],
         "notes": [NO_SINGLE_WORD]}
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("toxicity", "Invalid value for '--threshold': 'toxicity' is not ATTRIBUTE=VALUE "
                     "(e.g. toxicity=0.7)"),
        ("=0.5", "Invalid value for '--threshold': '=0.5' is not ATTRIBUTE=VALUE"),
        ("toxicity=high", "Invalid value for '--threshold': 'toxicity=high': 'high' is not "
                          "a number"),
        ("toxicity=1.5", "Invalid value for '--threshold': 'toxicity=1.5': the threshold "
                         "must be from 0 to 1"),
        ("toxicity=-0.1", "the threshold must be from 0 to 1"),
        ("toxicty=0.5", "Invalid value for '--threshold': unknown attribute 'toxicty'; the "
                        "model has toxicity, insult, off_topic"),
    ],
)
def test_bad_threshold_is_a_usage_error(double, thread_file, value, message):
    result = run("score", thread_file, "--threshold", value)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_config_policy_banned_allowed_and_attributes(double, thread_file, tmp_path):
    config = tmp_path / "moderator.toml"
    config.write_text(
        '[thresholds]\ninsult = 0.9\n[attributes]\noff_topic = false\n'
        '[words]\nbanned = ["the numbers"]\nallowed = ["idiot"]\n'
    )
    result = run("score", thread_file, "--config", config)
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert rows["2"]["scores"]["toxicity"] == 0.05  # "idiot" is allowed: never counts
    assert rows["2"]["flagged"] is False
    assert rows["4"]["scores"]["off_topic"] == 0.95 and rows["4"]["flagged"] is False
    assert rows["3"]["reasons"] == [
        {"attribute": "banned_word", "score": 1.0, "threshold": 1.0, "spans": [[18, 29, 1.0]],
         "notes": []}
    ]
    # --threshold wins over the config
    result = run("score", thread_file, "--config", config, "--threshold", "insult=0.01")
    rows = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert rows["1"]["reasons"][0]["threshold"] == 0.01


def test_config_model_key_is_used_unless_model_given(double, thread_file, tmp_path):
    config = tmp_path / "site.toml"
    config.write_text('model = "m/site.joblib"\n')
    run("score", thread_file, "--config", config)
    run("score", thread_file, "--config", config, "--model", tmp_path / "other.joblib")
    assert double == [str(tmp_path / "m" / "site.joblib"), str(tmp_path / "other.joblib")]


def test_bad_config_is_one_error_line(double, thread_file, tmp_path):
    config = tmp_path / "moderator.toml"
    config.write_text("[thresholds]\ntoxicity = 2\n")
    result = run("score", thread_file, "--config", config)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {config}: key 'thresholds.toxicity' must be from 0 to 1, got 2\n"
    )
    config.write_text("[attributes]\nspam = false\n")
    result = run("score", thread_file, "--config", config)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {config}: key 'attributes.spam': unknown attribute 'spam'; "
        "the model has toxicity, insult, off_topic\n"
    )
    result = run("score", thread_file, "--config", tmp_path / "missing.toml")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'missing.toml'}: no such file\n"


def test_fail_on_flag_exits_3_only_when_something_is_flagged(double, thread_file, tmp_path):
    result = run("score", thread_file, "--fail-on-flag")
    assert result.exit_code == 3
    assert len(result.stdout.splitlines()) == 4  # the output is still complete
    calm = write_thread(tmp_path / "calm.json", [("1", "ann", "Lovely day for it.")])
    assert run("score", calm, "--fail-on-flag").exit_code == 0
    assert run("score", thread_file).exit_code == 0


def test_csv_input_keeps_the_given_ids(double, tmp_path):
    table = tmp_path / "comments.csv"
    table.write_text(
        "comment_id,body,story\n"
        "a-17,What an idiot,The council met about buses\n"
        "a-18,Fair enough,The council met about buses\n"
    )
    result = run("score", table, "--format", "csv", "--text-column", "body", "--id-column",
                 "comment_id", "--article-column", "story")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a-17", "a-18"]
    assert [r["flagged"] for r in rows] == [True, False]
    assert rows[0]["text"] == "What an idiot"


def test_unreadable_thread_file_is_one_error_line(double, tmp_path):
    result = run("score", tmp_path / "nope.json")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'nope.json'}: no such file\n"
    broken = tmp_path / "broken.json"
    broken.write_text('{"comments": [{"text": 3}]}')
    result = run("score", broken, "--format", "json")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {broken}")
    assert "comments[0].text" in result.stderr


def test_help_has_an_example():
    result = run("score", "--help")
    assert "moderator score examples/thread.txt" in result.output
    assert "--fail-on-flag" in result.output and "--threshold ATTR=VALUE" in result.output


def test_reads_standard_input(double, thread_file):
    result = run("score", "-", "--format", "json", input=thread_file.read_text())
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["1", "2", "3", "4"]


@pytest.mark.slow
def test_real_model_every_output(trained_model_path, tmp_path):
    """The command end to end on a model trained by moderator.model.training."""
    from conftest import REPO

    thread = REPO / "examples" / "thread.json"
    result = run("score", thread, "--model", trained_model_path, "--output", "jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 8 and [list(r) for r in rows] == [CONTRACT_KEYS] * 8
    model = moderator.load_model(trained_model_path)
    assert all(list(r["scores"]) == model.attributes for r in rows)
    assert all(0.0 <= v <= 1.0 for r in rows for v in r["scores"].values())
    for row in rows:
        assert row["flagged"] == bool(row["reasons"])
        for reason in row["reasons"]:
            assert reason["score"] >= reason["threshold"] == model.thresholds[
                reason["attribute"]]
            for start, end, _ in reason["spans"]:
                assert 0 <= start < end <= len(row["text"])
    # thresholds of 1 flag nothing, so --fail-on-flag passes; 0 flags everything
    names = [a + "=1" for a in model.attributes]
    calm = run("score", thread, "--model", trained_model_path, "--fail-on-flag",
               *[x for n in names for x in ("--threshold", n)])
    assert calm.exit_code == 0 and "0 flagged" in calm.stderr
    loud = run("score", thread, "--model", trained_model_path, "--fail-on-flag",
               "--threshold", "toxicity=0", "--output", "table")
    assert loud.exit_code == 3
    # ... every comment with text: comment 107 is a removed placeholder with none
    assert loud.stdout.splitlines()[-1].startswith("8 comments, 7 flagged: toxicity 7")
    table = run("score", thread, "--model", trained_model_path, "--output", "csv")
    header = table.stdout.splitlines()[0].split(",")
    assert [h for h in header if h.startswith("score_")] == [
        "score_" + a for a in model.attributes]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["thread.txt", "thread.json", "comments.csv", "wordpress.xml",
                                  "disqus.xml", "reddit.json", "hn.json"])
def test_real_model_scores_every_format_with_the_parse_ids(trained_model_path, name):
    from conftest import REPO

    path = REPO / "examples" / name
    parsed = run("parse", path, "--output", "jsonl")
    scored = run("score", path, "--model", trained_model_path, "--output", "jsonl")
    assert parsed.exit_code == scored.exit_code == 0, scored.output
    parse_rows = [json.loads(line) for line in parsed.stdout.splitlines()]
    score_rows = [json.loads(line) for line in scored.stdout.splitlines()]
    assert parse_rows, name
    assert [{k: r[k] for k in parse_rows[0]} for r in score_rows] == parse_rows


def test_the_collector_pauses_for_the_run_only(double, thread_file, monkeypatch):
    import gc

    seen = []
    original = KeywordModel.predict

    def predict(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(KeywordModel, "predict", predict)
    assert gc.isenabled()
    assert run("score", thread_file, "--output", "jsonl").exit_code == 0
    assert run("score", thread_file.parent / "missing.json").exit_code != 0
    assert seen == [False] and gc.isenabled()


def test_after_the_run_its_objects_are_collected_as_usual(double, thread_file, monkeypatch):
    """The collector comes back on without a pass over the run's objects (they are moved to
    the oldest generation), and cycles made during the run are still collected."""
    import gc
    import weakref

    class Node:
        pass

    made = []
    original = KeywordModel.predict

    def predict(self, *args, **kwargs):
        node = Node()
        node.me = node  # a reference cycle, freed only by the collector
        made.append(weakref.ref(node))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(KeywordModel, "predict", predict)
    frozen = gc.get_freeze_count()
    assert run("score", thread_file, "--output", "jsonl").exit_code == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen == 0
    assert made[0]() is not None  # not collected by a pass right after the run
    gc.collect()
    assert made[0]() is None


def test_what_the_run_leaves_for_the_exit_is_freed_by_the_collector(monkeypatch, thread_file):
    """The last thread, its results and the model are kept past the command (the process's
    end takes them back at once); in a longer-lived process the collector frees them."""
    import gc
    import weakref

    made = []

    def load(path=None, config=None):
        model = KeywordModel()
        made.append(weakref.ref(model))
        return model

    monkeypatch.setattr(moderator, "load_model", load)
    assert run("score", thread_file, "--output", "jsonl").exit_code == 0
    assert len(made) == 1
    gc.collect()
    assert made[0]() is None


def test_installed_command_writes_every_line_before_it_exits(trained_model_path, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    rows = ["id,text"] + [f"r{i},Comment number {i} says the bus plan is fine." for i in range(300)]
    source = tmp_path / "many.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    command = Path(sys.executable).with_name("moderator")
    done = subprocess.run([str(command), "score", str(source), "--format", "csv", "--output",
                           "jsonl", "--model", str(trained_model_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 300 and json.loads(lines[-1])["id"] == "r299"
    assert done.stderr.startswith("300 comments, ")


class _WideWordsModel(KeywordModel):
    """The keyword double, explaining each match with the whole comment as its span, so a
    flagged comment's why: line is as long as its text and wraps at any width."""

    def explain(self, text, attribute, article=None, parent=None):
        return [[0, len(text), w] for _, _, w in self._matches(text, attribute)][:1]


_ROW = re.compile(r"^ {0,3}\d+ ")  # a comment's row starts with its position, right-aligned
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _long_thread(path):
    long = " ".join(["the bus plan sounds costly and slow"] * 8)
    comments = []
    for i in range(14):
        text = f"Comment {i}: " + (f"you idiot, {long}" if i % 4 == 1 else "fair point on buses")
        if i == 6:
            text = f"Comment {i}: buy followers, {long}"  # off_topic's why: line
        comments.append((str(i + 1), f"user{i}", text))
    return write_thread(path, comments)


@pytest.mark.parametrize("columns", [60, 80, 120, 200])
def test_table_shows_every_comment_and_colours_flagged_ones_at_any_width(
        monkeypatch, tmp_path, columns):
    """One row per comment at every width, whatever the wrapped why: lines take; red on
    exactly the flagged comments' lines (row and every why: line), nothing else."""
    monkeypatch.setattr(moderator, "load_model", lambda path=None, config=None: _WideWordsModel())
    path = _long_thread(tmp_path / "long.json")
    result = run("score", path, "--output", "table", color=True,
                 env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Bus budget  [long, 14 comments]"
    header = next(i for i, line in enumerate(lines) if line.startswith("   # likes"))
    # the flag and comment columns stay at every width; score columns that do not fit are
    # named in a note above the header
    assert lines[header].endswith(" flag  comment")
    if header > 1:
        note = " ".join(lines[1:header])
        assert note.startswith("(") and "hidden at this width" in note, note
    body = lines[header + 1:lines.index("")]
    groups: list[list[str]] = []  # each comment's lines: its row, then its why: lines
    for line in body:
        plain = _ANSI.sub("", line)
        assert len(plain) <= columns, plain
        if _ROW.match(plain):
            groups.append([line])
        else:
            assert groups and plain.strip(), plain
            groups[-1].append(line)
    assert len(groups) == 14
    flagged = {i for i in range(14) if i % 4 == 1 or i == 6}
    for i, group in enumerate(groups):
        assert f" user{i}: Comm" in _ANSI.sub("", group[0])
        if i in flagged:
            assert len(group) > 2, group  # the why: wraps over more than one line
            assert all(line.startswith("\x1b[31m") and line.endswith("\x1b[0m")
                       for line in group), group
        else:
            assert group == [_ANSI.sub("", line) for line in group], group
    assert lines[-1] == "14 comments, 5 flagged: toxicity 4, insult 4, off_topic 1"
