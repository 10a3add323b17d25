"""`moderator export`: inputs, queue shapes, order across --jobs, failures, atomicity, summary.

The library pieces are pinned with the keyword double; the command runs on a real model
trained by moderator.model.training (``trained_model_path``), including a real Ctrl-C.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import moderator
from doubles import BUS_THREAD, KeywordModel, default_ctrl_c, write_site, write_thread
from moderator.cli import main
from moderator.errors import ConfigError, ThreadFormatError
from moderator.export import (
    QUEUE_FIELDS,
    ExportSummary,
    FileResult,
    QueueWriter,
    batch_size_for,
    expand_inputs,
    queue_kind,
    run_export,
    score_file,
)
from moderator.progress import Progress
from moderator.review import Policy

QUEUE_CSV_COLUMNS = [
    "decision", "max_score", "why", "text", "author", "thread_title", "source", "thread_id",
    "id", "parent_id", "depth", "position", "timestamp", "likes", "removed",
    "score_toxicity", "score_insult", "score_off_topic", "flagged", "reasons", "language",
    "parent_text", "article",
]


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


@pytest.fixture
def double(monkeypatch):
    monkeypatch.setattr(moderator, "load_model", lambda path=None, config=None: KeywordModel())


@pytest.fixture
def tree(tmp_path):
    """Three threads in a folder tree plus a second folder: a.json, sub/b.json, sub/c.json."""
    root = tmp_path / "in"
    (root / "sub" / ".hidden").mkdir(parents=True)
    write_thread(root / "a.json", BUS_THREAD)
    write_thread(root / "sub" / "b.json", [("1", "bob", "What a moron"),
                                           ("2", "cy", "Fair point")])
    write_thread(root / "sub" / "c.json", [("9", "bob", "idiot idiot")])
    (root / "sub" / ".hidden" / "x.json").write_text("not json")
    (root / ".DS_Store").write_text("junk")
    return root


# --- inputs ------------------------------------------------------------------------------


def test_expand_inputs_sorts_files_folders_and_globs(tree, tmp_path, monkeypatch):
    a, b, c = str(tree / "a.json"), str(tree / "sub" / "b.json"), str(tree / "sub" / "c.json")
    assert expand_inputs([tree]) == [a, b, c]  # recursive, hidden entries skipped
    assert expand_inputs([c, tree / "sub", a]) == [a, b, c]  # sorted, de-duplicated
    assert expand_inputs([str(tree / "**" / "*.json")]) == [a, b, c]
    assert expand_inputs([str(tree / "s*")]) == [b, c]
    with pytest.raises(ThreadFormatError) as err:
        expand_inputs([str(tree / "*.xml")])
    assert str(err.value) == f"{tree / '*.xml'}: no file matches this pattern"
    with pytest.raises(ThreadFormatError, match="no such file or directory"):
        expand_inputs([tmp_path / "missing"])


def test_folders_yield_only_thread_files_but_named_files_are_always_read(tmp_path, caplog):
    root = tmp_path / "site"
    (root / "old").mkdir(parents=True)
    write_thread(root / "a.json", BUS_THREAD)
    taken = [root / "a.json"]
    for name in ("b.TXT", "c.xml", "old/d.csv", "old/e.tsv", "old/f.wxr", "old/g.text"):
        (root / name).write_text("1. A comment\n", encoding="utf-8")
        taken.append(root / name)
    others = ["moderator.toml", "README.md", "page.html", "gen.py", "shot.png", "old/q.jsonl",
              "old/notes"]
    for name in others:
        (root / name).write_text("not a thread", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="moderator"):
        assert expand_inputs([root]) == sorted(str(p) for p in taken)
    assert caplog.messages == [
        "skipped 7 file(s) that are not thread exports: "
        "(none) 1, .html 1, .jsonl 1, .md 1, .png 1, .py 1, .toml 1"
    ]
    # a folder matched by a glob is walked the same way; named files and glob hits are read
    assert expand_inputs([str(tmp_path / "s*")]) == sorted(str(p) for p in taken)
    toml, notes = str(root / "moderator.toml"), str(root / "old" / "notes")
    assert expand_inputs([toml, notes]) == [toml, notes]
    assert expand_inputs([str(root / "*.toml")]) == [toml]


def test_export_of_the_examples_folder_skips_its_config(tmp_path, double):
    examples = Path(__file__).resolve().parent.parent / "examples"
    assert (examples / "moderator.toml").exists()
    out = tmp_path / "q.jsonl"
    result = run("export", examples, "--all", "-o", out)
    # examples/broken.json is the README's example of a file that fails: named, the rest
    # written, exit status 1
    broken = examples / "broken.json"
    assert result.exit_code == 1, result.output
    assert f"Failed: {broken}: comments[0].text: expected a string, got a number" in (
        result.stderr)
    sources = {json.loads(line)["source"] for line in out.read_text().splitlines()}
    threads = {p for p in examples.iterdir() if p.suffix in (".txt", ".json", ".xml", ".csv")}
    assert sources == {str(p) for p in threads - {broken}}
    assert not {"moderator.toml", "bad.toml", "decided.jsonl"} & {Path(s).name for s in sources}
    assert f"{len(threads)} files," in result.stderr


def test_a_rerun_does_not_read_its_own_queue_as_a_thread(tmp_path, double, caplog):
    root = tmp_path / "exports"
    root.mkdir()
    write_thread(root / "a.json", BUS_THREAD)
    out = root / "queue.csv"
    out.write_text("id,text\n1,an old queue row\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="moderator"):
        assert expand_inputs([root], exclude=out) == [str(root / "a.json")]
        assert expand_inputs([str(root / "*.csv"), str(root / "*.json")],
                             exclude=str(out)) == [str(root / "a.json")]
    assert caplog.messages == ["skipped 1 file(s) that are not thread exports: (the output) 1"] * 2
    assert expand_inputs([out], exclude=out) == [str(out)]  # named: the user means it

    first = run("export", root, "--all", "-o", out)
    assert first.exit_code == 0, first.output
    before = out.read_bytes()
    again = run("export", root, "--all", "-o", out)
    assert again.exit_code == 0, again.output
    assert out.read_bytes() == before and "1 file, 1 thread," in again.stderr


def test_queue_kind_by_extension():
    assert queue_kind("q.csv") == "csv" and queue_kind("Q.JSONL") == "jsonl"
    with pytest.raises(ConfigError) as err:
        queue_kind("queue.xlsx")
    assert str(err.value) == (
        "queue.xlsx: the review queue is written as .csv or .jsonl; "
        "cannot tell the format from '.xlsx'"
    )


# --- the work unit -----------------------------------------------------------------------


def test_score_file_rows_counts_and_context(tree):
    result = score_file(str(tree / "a.json"), model=KeywordModel())
    assert result.error is None
    assert (result.threads, result.comments, result.flagged) == (1, 4, 2)
    assert result.by_attribute == {"toxicity": 1, "insult": 1, "off_topic": 1}
    assert result.authors == {"bob": 1, "spammer": 1}
    assert [r["id"] for r in result.rows] == ["2", "4"]
    bob = result.rows[0]
    assert list(bob) == list(QUEUE_FIELDS)
    assert bob["source"] == str(tree / "a.json")
    assert bob["thread_title"] == "Bus budget"
    assert bob["parent_text"] == BUS_THREAD[0][2]
    assert bob["decision"] == ""
    assert bob["article"].startswith("The council met")
    assert result.rows[1]["parent_text"] == ""
    everything = score_file(str(tree / "a.json"), model=KeywordModel(), include_all=True)
    assert [r["id"] for r in everything.rows] == ["1", "2", "3", "4"]


def test_score_file_reports_a_bad_file_instead_of_raising(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"comments": [\n  {"text": 3}\n]}')
    result = score_file(str(bad), format="json", model=KeywordModel())
    assert result.rows == [] and result.comments == 0
    assert result.error == "comments[0].text: expected a string, got a number"
    missing = score_file(str(tmp_path / "gone.json"), model=KeywordModel())
    assert missing.error == "no such file"
    truncated = tmp_path / "cut.json"
    truncated.write_text('{"comments": [{"text": "hi"')
    assert score_file(str(truncated), format="json", model=KeywordModel()).error.startswith(
        "line 1, column"
    )


def test_a_parser_bug_fails_the_file_but_a_model_bug_stops_the_batch(tree, monkeypatch):
    import moderator.threads.generic_json as generic_json

    def broken_parse(source, options):
        raise IndexError("list index out of range")
        yield  # pragma: no cover

    monkeypatch.setattr(generic_json, "parse", broken_parse)
    result = score_file(str(tree / "a.json"), format="json", model=KeywordModel())
    assert result.error == "unexpected parser error: IndexError: list index out of range"
    monkeypatch.undo()

    class BrokenModel(KeywordModel):
        def predict(self, *args, **kwargs):
            raise AttributeError("'Model' object has no attribute 'combiner'")

    with pytest.raises(AttributeError):
        score_file(str(tree / "a.json"), model=BrokenModel())


def test_work_unit_arguments_and_result_pickle(tree):
    """What a Dask worker receives and sends back must survive pickling."""
    from moderator.threads import ParseOptions

    args = (str(tree / "a.json"), "json", ParseOptions(), KeywordModel(),
            Policy(banned_words=["cheap"]), True)
    result = score_file(*pickle.loads(pickle.dumps(args)))
    again = pickle.loads(pickle.dumps(result))
    assert again == result and isinstance(again, FileResult)
    assert again.rows[3]["reasons"][-1]["attribute"] == "banned_word"


def test_results_stream_without_reading_ahead(tmp_path):
    """Memory stays bounded: a result is handed over before later files are scored."""
    from moderator.export import iter_results

    files = [str(write_thread(tmp_path / f"t{i}.json", BUS_THREAD)) for i in range(50)]
    model = KeywordModel()
    results = iter_results(files, model=model, jobs=1)
    first = next(results)
    assert first.path == files[0] and model.predict_calls == 1
    next(results)
    assert model.predict_calls == 2
    results.close()


def test_default_jobs_never_more_processes_than_files_can_use(monkeypatch):
    from moderator.export import default_jobs

    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert default_jobs() == 8
    assert [default_jobs(n) for n in (0, 5, 31, 32, 100, 10_000)] == [1, 1, 1, 2, 6, 8]


def test_batch_size_bounds():
    assert batch_size_for(1, 2) == 1
    assert batch_size_for(40, 2) == 5
    assert batch_size_for(100_000, 2) == 16


# --- writing -----------------------------------------------------------------------------


def test_queue_writer_is_atomic(tmp_path):
    out = tmp_path / "q.csv"
    out.write_text("previous queue\n")
    with pytest.raises(RuntimeError), QueueWriter(out, ["toxicity"]) as writer:
        writer.write({"id": "1", "scores": {"toxicity": 0.5}, "flagged": True})
        raise RuntimeError("interrupted")
    assert out.read_text() == "previous queue\n"  # the old file is untouched
    assert os.listdir(tmp_path) == ["q.csv"]  # and no temp file is left
    with QueueWriter(out, ["toxicity"]) as writer:
        writer.write({"id": "1", "scores": {"toxicity": 0.5}, "flagged": True})
    assert out.read_text().splitlines()[1].startswith(",,,,,,,,1,")
    assert oct(out.stat().st_mode & 0o777) == "0o644"
    with pytest.raises(ConfigError, match="does not exist"):
        QueueWriter(tmp_path / "no" / "q.csv", [])


def test_run_export_csv_queue_shape(tree, tmp_path):
    out = tmp_path / "queue.csv"
    summary = run_export([tree], out, model=KeywordModel(), jobs=1)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == QUEUE_CSV_COLUMNS
    assert [(r["source"][len(str(tree)) + 1:], r["id"]) for r in rows] == [
        ("a.json", "2"), ("a.json", "4"), ("sub/b.json", "1"), ("sub/c.json", "9")
    ]
    assert rows[0]["score_insult"] == "0.85" and rows[0]["flagged"] == "true"
    assert json.loads(rows[0]["reasons"])[1] == {
        "attribute": "insult", "score": 0.85, "threshold": 0.5, "spans": [[4, 9, 0.85]],
        "notes": [],
    }
    # the same reasons in words, and the score to sort on
    assert rows[0]["why"] == 'toxicity 0.90: "idiot" | insult 0.85: "idiot"'
    assert rows[0]["max_score"] == "0.9"
    assert {r["decision"] for r in rows} == {""}
    assert (summary.files, summary.threads, summary.comments, summary.flagged) == (3, 3, 7, 4)
    assert summary.rows == 4 and summary.failures == []


def test_run_export_jsonl_all_rows(tree, tmp_path):
    out = tmp_path / "queue.jsonl"
    summary = run_export([tree], out, model=KeywordModel(), jobs=1, include_all=True)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert list(rows[0]) == list(QUEUE_FIELDS)
    assert len(rows) == summary.rows == 7
    assert rows[0]["scores"] == {"toxicity": 0.05, "insult": 0.05, "off_topic": 0.05}
    assert rows[0]["reasons"] == [] and rows[0]["flagged"] is False


def test_run_export_same_bytes_with_two_worker_processes(tree, tmp_path):
    for i in range(8):
        write_thread(tree / f"more{i}.json", BUS_THREAD)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run_export([tree], one, model=KeywordModel(), jobs=1)
    run_export([tree], two, model=KeywordModel(), jobs=2)
    assert one.read_bytes() == two.read_bytes()
    assert len(one.read_bytes().splitlines()) == 4 + 8 * 2


def test_summary_lines_and_repeat_offenders():
    summary = ExportSummary()
    authors = {"bob": 4, "ann": 2, "cy": 1, "dee": 2, "eve": 3, "fay": 2, "gus": 5}
    summary.add(FileResult(path="a.json", threads=2, comments=40, flagged=19,
                           rows=[{}] * 19, by_attribute={"toxicity": 12, "off_topic": 7},
                           authors=authors))
    summary.add(FileResult(path="bad.xml", error="line 3, column 1: not XML"))
    summary.seconds = 2.0
    assert summary.repeat_offenders() == [("gus", 5), ("bob", 4), ("eve", 3), ("ann", 2),
                                          ("dee", 2)]
    assert summary.lines("q.csv") == [
        "Wrote 19 rows to q.csv: 2 files, 2 threads, 40 comments, 19 flagged "
        "(2.0 s, 20 comments/s)",
        "Flagged by attribute: off_topic 7, toxicity 12",
        "Repeat offenders: gus (5 flagged), bob (4 flagged), eve (3 flagged), "
        "ann (2 flagged), dee (2 flagged)",
        "Failed: 1 file",
        "  bad.xml: line 3, column 1: not XML",
    ]
    once = ExportSummary()
    once.add(FileResult(path="a.json", threads=1, comments=3, flagged=2, rows=[{}] * 2,
                        by_attribute={"insult": 2}, authors={"ann": 1, "bob": 1}))
    once.seconds = 1.0
    assert once.lines("q.csv") == [
        "Wrote 2 rows to q.csv: 1 file, 1 thread, 3 comments, 2 flagged (1.0 s, 3 comments/s)",
        "Flagged by attribute: insult 2",
        "Repeat offenders: none (no author has 2 or more flagged comments)",
    ]
    single = ExportSummary()
    single.add(FileResult(path="a.json", threads=1, comments=1, flagged=1, rows=[{}],
                          by_attribute={"insult": 1}, authors={"ann": 1}))
    single.seconds = 1.0
    assert single.lines("q.csv")[0] == (
        "Wrote 1 row to q.csv: 1 file, 1 thread, 1 comment, 1 flagged (1.0 s, 1 comments/s)")


# --- progress ----------------------------------------------------------------------------


class FakeTty(io.StringIO):
    def isatty(self):
        return True


def test_progress_draws_on_a_terminal_only():
    clock = iter([0.0, 10.0, 10.0, 20.0, 20.0]).__next__
    stream = FakeTty()
    progress = Progress(4, stream=stream, clock=clock)
    progress.update(1, 1500)
    progress.update(4, 3000)
    progress.close()
    assert stream.getvalue() == (
        "\r[######------------------] 1/4 files, 1,500 comments, 150 comments/s, "
        "ETA 0:30\x1b[K"
        "\r[########################] 4/4 files, 3,000 comments, 150 comments/s, "
        "ETA 0:00\x1b[K\n"
    )
    quiet = FakeTty()
    Progress(4, stream=quiet, quiet=True).update(1, 10)
    piped = io.StringIO()
    Progress(4, stream=piped).update(1, 10, force=True)
    assert quiet.getvalue() == piped.getvalue() == ""


# --- the command (keyword double, one process) --------------------------------------------


def test_cli_bad_file_is_named_and_exit_1_after_writing_the_rest(double, tree, tmp_path):
    bad = tree / "sub" / "broken.json"
    bad.write_text('{"comments": [{"text": 3}]}')
    out = tmp_path / "queue.csv"
    result = run("export", tree, "-o", out, "--jobs", "1")
    assert result.exit_code == 1
    # the good files are all there
    assert len(list(csv.DictReader(io.StringIO(out.read_text())))) == 4
    lines = result.stderr.splitlines()
    assert lines[0] == f"Failed: {bad}: comments[0].text: expected a string, got a number"
    assert lines[1].startswith(f"Wrote 4 rows to {out}: 4 files, 3 threads, 7 comments, "
                               "4 flagged (")
    assert lines[2:] == [
        "Flagged by attribute: insult 3, off_topic 1, toxicity 2",
        "Repeat offenders: bob (3 flagged)",
        "Failed: 1 file",
        f"  {bad}: comments[0].text: expected a string, got a number",
    ]
    assert "\r" not in result.stderr  # no progress bar when stderr is not a terminal


def test_cli_format_option_forces_the_parser(double, tree, tmp_path):
    out = tmp_path / "queue.jsonl"
    result = run("export", tree / "a.json", "-o", out, "--format", "csv", "-q")
    assert result.exit_code == 1  # a JSON file read as CSV has no text column
    assert "Failed: " in result.stderr and out.read_text() == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "queue.xlsx"], "Invalid value for '-o' / '--output': queue.xlsx: the review "
                               "queue is written as .csv or .jsonl; cannot tell the format "
                               "from '.xlsx'"),
        (["-o", "q.csv", "--jobs", "0"], "Invalid value for '-j' / '--jobs': 0 is not in the "
                                         "range x>=1."),
        (["-o", "q.csv", "--threshold", "spam=0.5"], "Invalid value for '--threshold': unknown "
                                                     "attribute 'spam'"),
    ],
)
def test_cli_usage_errors(double, tree, args, message):
    result = run("export", tree, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_missing_input_is_one_error_line(double, tmp_path):
    result = run("export", tmp_path / "nope", "-o", tmp_path / "q.csv")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'nope'}: no such file or directory\n"
    assert not (tmp_path / "q.csv").exists()


def test_cli_bad_config(double, tree, tmp_path):
    config = tmp_path / "moderator.toml"
    config.write_text("[words]\nbanned = 'x'\n")
    result = run("export", tree, "-o", tmp_path / "q.csv", "--config", config)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {config}: key 'words.banned' must be a list of strings\n"


def test_help_has_an_example():
    result = run("export", "--help")
    assert "moderator export exports/ -o queue.csv" in result.output
    for option in ("--all", "--jobs", "--quiet", "--format", "--config", "--threshold"):
        assert option in result.output


# --- the command on a real model ----------------------------------------------------------


@pytest.fixture
def many_threads(tmp_path):
    """Forty thread files in two formats, enough for several joblib batches."""
    root = tmp_path / "site"
    return write_site(root, json_threads=30)


@pytest.mark.slow
def test_cli_real_model_byte_identical_across_jobs(trained_model_path, many_threads,
                                                   tmp_path):
    outputs = {}
    for jobs in ("1", "2"):
        for ext in ("csv", "jsonl"):
            out = tmp_path / f"q{jobs}.{ext}"
            result = run("export", many_threads, "-o", out, "--model", trained_model_path,
                         "--jobs", jobs, "--all", "-q")
            assert result.exit_code == 0, result.output
            outputs[jobs, ext] = out.read_bytes()
    assert outputs["1", "csv"] == outputs["2", "csv"]
    assert outputs["1", "jsonl"] == outputs["2", "jsonl"]
    rows = [json.loads(line) for line in outputs["1", "jsonl"].splitlines()]
    assert len(rows) == 30 * 4 + 10 * 3
    sources = [r["source"] for r in rows]
    assert sources == sorted(sources)  # input files in sorted order
    assert rows[0]["source"].endswith("2024/t00.json")  # "2024/" sorts before "c0.csv"
    assert [r["id"] for r in rows[:4]] == ["1", "2", "3", "4"]  # thread order within
    assert [r["id"] for r in rows[120:123]] == ["r0a", "r0b", "r0c"]
    insult = next(r for r in rows if r["id"] == "r0b")
    assert insult["flagged"] is True and insult["parent_text"].startswith("The bus plan")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("jobs", "stop", "status", "message"),
    [("1", signal.SIGINT, 130, "Interrupted."), ("2", signal.SIGINT, 130, "Interrupted."),
     ("2", signal.SIGTERM, 143, "Terminated.")],
)
def test_cli_real_model_stopped_run_leaves_nothing(trained_model_path, tmp_path, jobs, stop,
                                                   status, message):
    """Ctrl-C (130) or SIGTERM from kill or a service manager (143): no OUT, no temp file."""
    root = tmp_path / "big"
    root.mkdir()
    # Enough work (270,000 comments) that the run is still going when the signal lands:
    # 90,000 took 6-8 s with the C kernels, and a run now and then ended before it.
    comments = [(f"{k}", f"user{k % 7}", text) for k, text in enumerate(
        ["Good point about the buses", "You idiot", "Buy followers cheap"] * 20)]
    for i in range(4500):
        write_thread(root / f"t{i:04}.json", comments, thread_id=f"t{i}")
    out = tmp_path / "queue.csv"
    process = subprocess.Popen(
        [sys.executable, "-c", "from moderator.cli import main; main()", "export", str(root),
         "-o", str(out), "--model", str(trained_model_path), "--jobs", jobs, "--all"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_ctrl_c,
    )
    deadline = time.monotonic() + 60
    # Wait until the run is under way: the temp file beside OUT holds rows.
    while time.monotonic() < deadline:
        temps = [p for p in tmp_path.iterdir() if p.name.startswith(".queue.csv.")]
        if temps and temps[0].exists() and temps[0].stat().st_size > 10_000:
            break
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    else:
        pytest.fail("export never started writing")
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == status, stderr
    assert message in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big"]  # no OUT, no temp file


@pytest.mark.slow
def test_worker_processes_warn_with_the_prefix(trained_model_path, tmp_path):
    """--jobs 2: warnings logged in joblib's worker processes look like the command's own."""
    from doubles import write_twice_listed_items

    files = write_twice_listed_items(tmp_path / "in")
    script = Path(sys.executable).with_name("moderator")
    done = subprocess.run(
        [str(script), "export", str(tmp_path / "in"), "-o", str(tmp_path / "q.csv"),
         "--jobs", "2", "--model", str(trained_model_path), "-q"],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    warnings = sorted(line for line in done.stderr.splitlines() if "appears twice" in line)
    assert warnings == [f"WARNING: {path}: item 1 appears twice; the first one is used"
                        for path in files]
