"""Learning from moderators' decisions: a filled review queue -> training rows -> a model."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from doubles import BUS_THREAD, KeywordModel, write_thread
from moderator.errors import LabelsError
from moderator.export import run_export
from moderator.feedback import decision_labels, load_feedback
from moderator.labels import LabelledRow, LabelledSource


@pytest.fixture
def queue_csv(tmp_path):
    """An exported queue (every comment) of the bus thread, as a moderator receives it."""
    (tmp_path / "in").mkdir()
    write_thread(tmp_path / "in" / "bus.json", BUS_THREAD)
    out = tmp_path / "queue.csv"
    run_export([tmp_path / "in"], out, model=KeywordModel(), jobs=1, include_all=True)
    return out


def fill(path, decisions: dict[str, str]) -> None:
    """Set the decision of the rows with these comment ids (CSV, as a spreadsheet would)."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        row["decision"] = decisions.get(row["id"], row["decision"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_decisions_become_labels_with_context(queue_csv):
    # 2 was flagged toxicity+insult, 4 off_topic, 1 and 3 not flagged.
    fill(queue_csv, {"1": "off_topic", "2": "reject", "3": "Approve", "4": "approve"})
    source = load_feedback(queue_csv)
    assert isinstance(source, LabelledSource) and source.kind == "feedback"
    assert source.name == "queue.csv" and len(source.sha256) == 64
    by_text = {row.text: row for row in source.rows}
    assert [r.labels for r in source.rows] == [
        {"off_topic": 1},
        {"toxicity": 1, "insult": 1},
        {"toxicity": 0, "insult": 0, "off_topic": 0},  # approved, nothing flagged: all fine
        {"off_topic": 0},
    ]
    bob = by_text["You idiot, buses are a waste of money."]
    assert isinstance(bob, LabelledRow)
    assert bob.parent == BUS_THREAD[0][2]
    assert bob.article.startswith("The council met on Tuesday")
    assert bob.group == f"queue.csv#{queue_csv.parent / 'in' / 'bus.json'}#bus"
    assert bob.source == "queue.csv"


def test_undecided_rows_are_left_out_and_jsonl_works(tmp_path):
    (tmp_path / "in").mkdir()
    write_thread(tmp_path / "in" / "bus.json", BUS_THREAD)
    out = tmp_path / "queue.jsonl"
    run_export([tmp_path / "in"], out, model=KeywordModel(), jobs=1)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    rows[0]["decision"] = "insult, threat"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    [row] = load_feedback(out).rows
    assert row.labels == {"insult": 1, "threat": 1, "toxicity": 1}


def test_decision_rules():
    flagged = ["insult", "banned_word"]
    assert decision_labels("reject", flagged, [], "q", 2) == {"insult": 1, "toxicity": 1}
    assert decision_labels(" REJECT ", ["off_topic"], [], "q", 2) == {"off_topic": 1}
    assert decision_labels("approve", flagged, ["toxicity"], "q", 2) == {"insult": 0}
    assert decision_labels("reject", ["banned_word"], [], "q", 2) == {}
    assert decision_labels("off_topic", [], [], "q", 2) == {"off_topic": 1}
    assert decision_labels("profanity;threat", [], [], "q", 2) == {
        "profanity": 1, "threat": 1, "toxicity": 1
    }


def test_invalid_decision_names_row_and_column(queue_csv):
    fill(queue_csv, {"3": "delete"})
    with pytest.raises(LabelsError) as err:
        load_feedback(queue_csv)
    assert str(err.value) == (
        f"{queue_csv}, row 4, column 'decision': decision 'delete' is not reject, approve or "
        "an attribute (toxicity, severe_toxicity, insult, profanity, threat, identity_attack, "
        "off_topic)"
    )


def test_queue_errors(tmp_path, queue_csv, caplog):
    with pytest.raises(LabelsError) as err:
        load_feedback(queue_csv)
    assert str(err.value) == (
        f"{queue_csv}, column 'decision': no row has a decision yet: fill the 'decision' "
        "column with reject, approve or an attribute name"
    )
    other = tmp_path / "labels.csv"
    other.write_text("text,toxic\nhello,0\n")
    with pytest.raises(LabelsError) as err:
        load_feedback(other)
    assert str(err.value) == (
        f"{other}, row 1, column 'decision': no 'decision' column: not a review queue "
        "written by `moderator export`"
    )
    with pytest.raises(LabelsError, match="cannot read review queue"):
        load_feedback(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(LabelsError, match="empty file"):
        load_feedback(empty)
    broken = tmp_path / "q.jsonl"
    broken.write_text('{"text": "a", "decision": "reject"}\n{oops\n')
    with pytest.raises(LabelsError, match=r"q.jsonl, row 2: not JSON"):
        load_feedback(broken)
    bad_reasons = tmp_path / "r.csv"
    bad_reasons.write_text("text,decision,reasons\nhi,reject,[oops\n")
    with pytest.raises(LabelsError) as err:
        load_feedback(bad_reasons)
    assert str(err.value) == f"{bad_reasons}, row 2, column 'reasons': reasons is not JSON"
    only_banned = tmp_path / "b.csv"
    only_banned.write_text(
        'text,decision,reasons\nhi,reject,"[{""attribute"": ""banned_word""}]"\n'
    )
    with pytest.raises(LabelsError, match=r"\(1 decided rows gave no label\)"):
        load_feedback(only_banned)
    assert "write an attribute name instead" in caplog.text


@pytest.mark.slow
def test_export_decide_train_with_feedback_end_to_end(trained_model_path, tmp_path):
    """export -> a moderator fills decisions -> train --feedback -> the card counts them."""
    from moderator.cli import main

    threads = tmp_path / "threads"
    threads.mkdir()
    write_thread(threads / "bus.json", BUS_THREAD)
    queue = tmp_path / "queue.csv"
    runner = CliRunner()
    result = runner.invoke(main, ["export", str(threads), "-o", str(queue), "--all",
                                  "--model", str(trained_model_path), "-q"])
    assert result.exit_code == 0, result.output
    fill(queue, {"1": "approve", "2": "insult", "4": "off_topic"})
    model = tmp_path / "retrained.joblib"
    from conftest import FIXTURES

    result = runner.invoke(main, ["train", "--labels", str(FIXTURES / "labels_small.csv"),
                                  "--feedback", str(queue), "--model", str(model)])
    assert result.exit_code == 0, result.output
    card = json.loads(model.with_suffix(".card.json").read_text())
    assert card["feedback_rows"] == 3
    feedback = [s for s in card["sources"] if s.get("kind") == "feedback"]
    assert feedback and feedback[0]["rows"] == 3
