"""`moderator train` / `python train.py`: options, outputs and exact errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, REPO
from moderator.cli import main
from moderator.model import load_model

SMALL = str(FIXTURES / "labels_small.csv")


def run(*args):
    return CliRunner().invoke(main, ["train", *args])


def test_train_writes_model_card_and_reports(tmp_path):
    out = tmp_path / "site.joblib"
    result = run("--labels", SMALL, "--model", str(out), "--folds", "3", "--seed", "2",
                 "--target-precision", "0.85")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {out} and {tmp_path / 'site.card.json'}: toxicity")
    assert "reading" in result.stderr and "toxicity:" in result.stderr  # progress on stderr
    card = json.loads((tmp_path / "site.card.json").read_text())
    assert card["target_precision"] == 0.85 and card["seed"] == 2
    assert card["cross_validation"]["folds"] == 3
    assert card["sources"][0]["name"] == "labels_small.csv"
    assert load_model(out).attributes == card["attributes"]


def test_quiet_has_no_progress(tmp_path):
    result = run("--labels", SMALL, "--model", str(tmp_path / "m.joblib"), "-q", "--folds", "2")
    assert result.exit_code == 0
    # warnings stay (this small file's identity_attack misses the target precision)
    assert all(line.startswith("WARNING: ") for line in result.stderr.splitlines())


def test_default_reads_data_labels_and_writes_models(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    shutil.copy(SMALL, tmp_path / "data" / "labels.csv")
    monkeypatch.chdir(tmp_path)
    result = run("--folds", "2", "-q")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "models" / "moderator.joblib").is_file()
    assert (tmp_path / "models" / "moderator.card.json").is_file()


def test_default_without_labels_file_says_what_to_give(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run()
    assert result.exit_code == 2
    assert "no data/labels.csv here; give --labels PATH or --data NAME=PATH" in result.output


@pytest.mark.parametrize(
    "content, message",
    [
        ("comment,toxic\nhi,0\n",
         "row 1, column 'text': no 'text' column (found: comment, toxic)"),
        ("text,toxic\nhi,0\nyo,maybe\n",
         "row 3, column 'toxic': label 'maybe' is not 0, 1 or empty"),
        ("", "row 1: empty file: expected a header row with a 'text' column"),
        ("text,toxic\na,0\nb,0\nc,0\n", "column 'toxic': every labelled row has toxicity = 0"),
    ],
)
def test_bad_labels_exit_1_with_one_line(tmp_path, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    result = run("--labels", str(bad), "--model", str(tmp_path / "m.joblib"), "-q")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {bad}, {message}" + result.stderr.split(message, 1)[1]
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert not (tmp_path / "m.joblib").exists()


def test_unknown_corpus_is_an_error(tmp_path):
    result = run("--data", "nosuch=file.csv", "--model", str(tmp_path / "m.joblib"))
    assert result.exit_code == 1
    assert "unknown corpus" in result.stderr


def test_data_and_feedback_sources(tmp_path):
    davidson = FIXTURES / "corpora" / "davidson"
    files = sorted(p for p in davidson.iterdir() if p.is_file())
    queue = tmp_path / "queue.csv"
    queue.write_text(
        "text,decision,reasons\n"
        "You absolute clown.,insult,[]\n"
        "Lovely photos of the parade.,approve,\"[{\"\"attribute\"\": \"\"toxicity\"\"}]\"\n",
        encoding="utf-8",
    )
    out = tmp_path / "m.joblib"
    result = run("--labels", SMALL, "--data", f"davidson={files[0]}", "--feedback", str(queue),
                 "--model", str(out), "--folds", "2", "-q")
    assert result.exit_code == 0, result.output
    card = json.loads((tmp_path / "m.card.json").read_text())
    kinds = [(s["name"], s["kind"]) for s in card["sources"]]
    assert kinds == [("labels_small.csv", "labels"), ("davidson", "corpus"),
                     ("queue.csv", "feedback")]
    assert card["feedback_rows"] == 2
    assert all(s["license"] for s in card["sources"][:2])


def test_help_has_an_example():
    result = CliRunner().invoke(main, ["train", "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and "moderator train" in result.output
    for option in ("--labels", "--data", "--feedback", "--model", "--target-precision", "--seed"):
        assert option in result.output


def test_train_py_runs_the_same_command(tmp_path):
    helped = subprocess.run([sys.executable, str(REPO / "train.py"), "--help"],
                            capture_output=True, text=True, cwd=tmp_path, check=False)
    assert helped.returncode == 0 and "--target-precision" in helped.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("text,toxic\nhi,2\n", encoding="utf-8")
    failed = subprocess.run([sys.executable, str(REPO / "train.py"), "--labels", str(bad)],
                            capture_output=True, text=True, cwd=tmp_path, check=False)
    assert failed.returncode == 1
    assert failed.stderr.strip().endswith("row 2, column 'toxic': label '2' is not 0, 1 or empty")
    assert "Traceback" not in failed.stderr


def test_shared_data_absent_says_what_is_missing_and_where_corpora_come_from(tmp_path):
    missing = tmp_path / "shared" / "data"
    result = run("--shared-data", str(missing), "--model", str(tmp_path / "m.joblib"), "-q")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: {missing}: no such folder: training the default model needs the public "
        "corpora (jigsaw, jigsaw_train_extra, olid, ")
    assert "one folder per corpus with a SOURCES.md" in result.stderr
    assert not (tmp_path / "m.joblib").exists()


def test_shared_data_with_a_corpus_missing_names_it(tmp_path):
    from moderator.corpora import SHARED_CORPORA

    data = tmp_path / "data"
    for entry in SHARED_CORPORA[1:]:
        (data / entry.folder).mkdir(parents=True)
    result = run("--shared-data", str(data), "--model", str(tmp_path / "m.joblib"), "-q")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {data}: missing corpus folder(s) jigsaw; the public corpora are collected in "
        "a folder `data/` beside the checkout (../shared/data), one folder per corpus with a "
        "SOURCES.md naming its origin and licence; the model card "
        "(models/moderator.card.json) lists them\n")


def test_make_model_without_shared_data_fails_with_the_message(tmp_path):
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make")
    result = subprocess.run(
        [make, "-s", "model", f"SHARED_DATA={tmp_path / 'none'}", f"PY={sys.executable}"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert f"Error: {tmp_path / 'none'}: no such folder: training the default model" \
        in result.stderr


FIXTURE_FOLDERS = {  # shared folder name -> the fixture written in that corpus's format
    "jigsaw": "jigsaw", "jigsaw_train_extra": "jigsaw_extra", "olid": "olid",
    "kaggle_insults": "kaggle_insults", "civil_comments_toxic_spans": "civil_folder",
    "semeval2015_task3_cqa": "semeval_cqa", "semeval2016_task3_cqa": "semeval2016",
    "youtube_spam": "youtube",
    "fox_news_comments": "fox_news", "context_toxicity": "context", "sfu_ctc": "sfu",
    "ruddit": "ruddit", "tweeteval_hate": "tweeteval_hate", "stormfront_hate": "stormfront",
    "gab_hate_corpus": "gab_hate", "hatexplain_magpie": "hatexplain", "convabuse": "convabuse",
}


@pytest.mark.slow
def test_shared_data_trains_on_train_splits_and_the_card_names_every_corpus(tmp_path):
    from moderator.corpora import CORPORA, SHARED_CORPORA, shared_splits

    data = tmp_path / "data"
    data.mkdir()
    for folder, fixture in FIXTURE_FOLDERS.items():
        (data / folder).symlink_to(FIXTURES / "corpora" / fixture)
    assert sorted(FIXTURE_FOLDERS) == sorted(e.folder for e in SHARED_CORPORA)
    out = tmp_path / "m.joblib"
    result = run("--shared-data", str(data), "--labels", SMALL, "--model", str(out),
                 "--folds", "2", "--target-precision", "0.8")
    assert result.exit_code == 0, result.output
    card = json.loads((tmp_path / "m.card.json").read_text())
    splits = {s.corpus: s for s in shared_splits(data)}
    trained = {s["name"]: s["rows"] for s in card["sources"]}
    assert trained == {"labels_small.csv": trained["labels_small.csv"],
                       **{name: len(s.train.rows) for name, s in splits.items()}}
    described = card["default_model"]
    assert [c["name"] for c in described["corpora"]] == [e.corpus for e in SHARED_CORPORA]
    for entry in described["corpora"]:
        assert entry["license"] == CORPORA[entry["name"]].license
        assert entry["dev_rows"] == len(splits[entry["name"]].dev)
    assert set(described["non_commercial_or_research_only"]) == {
        "olid", "kaggle-insults", "semeval-cqa", "semeval2016-cqa", "sfu-ctc", "ruddit",
        "tweeteval-hate", "gab-hate"}
    assert "one_million_posts" in described["left_out"]
    toxicity = described["dev"]["toxicity"]
    assert toxicity["threshold"] == card["thresholds"]["toxicity"]
    assert set(toxicity["pooled"]) >= {"precision", "recall", "civil_flag_rate"}
    assert card["flagged_by_default"] == [a for a in card["attributes"]
                                          if a not in card["unflagged"]]
