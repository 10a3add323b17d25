"""The flag policy: thresholds, disabled attributes, banned/allowed words, config files."""

from __future__ import annotations

import io
import json

import pytest

from doubles import KeywordModel
from moderator.errors import ConfigError
from moderator.explanations import reason_words
from moderator.policy_config import load_policy
from moderator.records import RecordWriter, csv_columns
from moderator.review import (
    BANNED_WORD,
    Policy,
    comment_records,
    flag_counts,
    flag_summary,
    score_texts,
    score_thread,
)
from moderator.threads import Comment, Thread


def thread_of(*texts, article="The council met to discuss the bus budget."):
    comments = [
        Comment(id=f"c{i}", parent_id=None if i == 0 else "c0", depth=0 if i == 0 else 1,
                position=i, author=f"user{i}", text=t)
        for i, t in enumerate(texts)
    ]
    return Thread(id="t1", title="Bus budget", article=article, comments=comments)


def test_model_thresholds_flag_with_reasons_and_spans():
    [civil, rude] = score_texts(KeywordModel(), ["Good point about buses", "You idiot"])
    assert civil == {
        "scores": {"toxicity": 0.05, "insult": 0.05, "off_topic": 0.05},
        "flagged": False,
        "reasons": [],
        "language": "en",
    }
    assert rude["flagged"] is True
    assert [r["attribute"] for r in rude["reasons"]] == ["toxicity", "insult"]
    assert rude["reasons"][0] == {
        "attribute": "toxicity", "score": 0.9, "threshold": 0.5, "spans": [[4, 9, 0.9]],
        "notes": [],
    }


def test_policy_threshold_overrides_model_and_disabled_attributes_never_flag():
    policy = Policy(thresholds={"toxicity": 0.95}, disabled={"insult"})
    [result] = score_texts(KeywordModel(), ["You idiot"], policy=policy)
    assert result["flagged"] is False
    assert result["scores"]["insult"] == 0.85  # still scored, only not flagged
    policy = Policy(thresholds={"toxicity": 0.6})
    [result] = score_texts(KeywordModel(), ["damn buses"], policy=policy)
    assert [r["attribute"] for r in result["reasons"]] == ["toxicity"]
    assert result["reasons"][0]["threshold"] == 0.6


def test_banned_words_always_flag_case_insensitive_whole_words():
    policy = Policy(banned_words=["bus pass scam"])
    [hit, miss] = score_texts(
        KeywordModel(), ["This BUS PASS SCAM again", "bus pass scammers"], policy=policy
    )
    assert hit["flagged"] is True
    assert hit["reasons"] == [
        {"attribute": BANNED_WORD, "score": 1.0, "threshold": 1.0, "spans": [[5, 18, 1.0]],
         "notes": []}
    ]
    assert miss["flagged"] is False


def test_allowed_words_never_count_toward_a_score():
    model = KeywordModel()
    [result] = score_texts(model, ["Stupid Bus Company is the name"],
                           policy=Policy(allowed_words=["stupid bus company"]))
    assert result["scores"]["toxicity"] == 0.05
    assert result["flagged"] is False
    [result] = score_texts(model, ["Stupid Bus Company is the name"])
    assert result["flagged"] is True


def test_score_thread_records_keep_parse_fields_and_thread_id():
    thread = thread_of("Buses should be free", "buy followers now")
    records = comment_records(thread, score_thread(KeywordModel(), thread))
    assert [r["id"] for r in records] == ["c0", "c1"]
    assert records[1]["thread_id"] == "t1"
    assert records[1]["parent_id"] == "c0"
    assert records[1]["author"] == "user1"
    assert records[1]["flagged"] is True
    assert flag_counts(records) == (2, 1, {"off_topic": 1}, 0)


def test_policy_validate_names_the_unknown_attribute_and_file():
    policy = Policy(thresholds={"toxicty": 0.5}, source="site.toml")
    with pytest.raises(ConfigError) as err:
        policy.validate(["toxicity", "off_topic"])
    assert str(err.value) == (
        "site.toml: key 'thresholds.toxicty': unknown attribute 'toxicty'; "
        "the model has toxicity, off_topic"
    )
    with pytest.raises(ConfigError, match="key 'attributes.spam'"):
        Policy(disabled={"spam"}, source="x").validate(["toxicity"])


def test_policy_for_an_attribute_this_model_lacks_is_ignored_with_a_warning(caplog):
    policy = Policy(thresholds={"profanity": 0.5}, disabled={"threat"}, source="site.toml")
    policy.validate(["toxicity", "off_topic"])
    assert "site.toml: key 'attributes.threat': this model has no 'threat' attribute" in (
        caplog.text
    )
    assert "key 'thresholds.profanity'" in caplog.text


# --- moderator.toml ---------------------------------------------------------------------


def write(tmp_path, text, name="moderator.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_policy_reads_every_key(tmp_path):
    path = write(tmp_path, """
model = "models/site.joblib"
[thresholds]
toxicity = 0.7
off_topic = 1
[attributes]
insult = false
toxicity = true
[words]
banned = ["buy followers", " casino "]
allowed = ["Scunthorpe"]
""")
    policy = load_policy(path)
    assert policy.thresholds == {"toxicity": 0.7, "off_topic": 1.0}
    assert policy.disabled == {"insult"}
    assert policy.banned_words == ["buy followers", "casino"]
    assert policy.allowed_words == ["Scunthorpe"]
    assert policy.model_path == str(tmp_path / "models" / "site.joblib")
    assert policy.source == str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[thresholds]\ntoxicity = 1.5\n",
         "key 'thresholds.toxicity' must be from 0 to 1, got 1.5"),
        ("[thresholds]\ntoxicity = \"high\"\n",
         "key 'thresholds.toxicity' must be a number from 0 to 1, not a string"),
        ("[thresholds]\ntoxicity = true\n",
         "key 'thresholds.toxicity' must be a number from 0 to 1, not a boolean"),
        ("thresholds = 0.5\n", "key 'thresholds' must be a table ([thresholds]), not a number"),
        ("[attributes]\ninsult = \"no\"\n",
         "key 'attributes.insult' must be true or false, not a string"),
        ("[words]\nbanned = \"casino\"\n", "key 'words.banned' must be a list of strings"),
        ("[words]\nbanned = [1]\n", "key 'words.banned' must be a list of strings"),
        ("[words]\nallowed = [\"ok\", \" \"]\n", "key 'words.allowed' has an empty word (item 1)"),
        ("[words]\nblocked = []\n", "unknown key 'words.blocked'; expected one of banned, allowed"),
        ("treshold = 1\n",
         "unknown key 'treshold'; expected one of model, thresholds, attributes, words, serve"),
        ("model = 3\n", "key 'model' must be a path (a string)"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_policy(path)
    assert str(err.value) == f"{path}: {message}"


def test_unparseable_and_missing_config(tmp_path):
    path = write(tmp_path, "[thresholds\n")
    with pytest.raises(ConfigError, match=r"moderator.toml: not valid TOML: .*line 1"):
        load_policy(path)
    with pytest.raises(ConfigError) as err:
        load_policy(tmp_path / "none.toml")
    assert str(err.value) == f"{tmp_path / 'none.toml'}: no such file"
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe[x]")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_policy(binary)


def test_example_config_is_valid():
    from conftest import REPO

    policy = load_policy(REPO / "examples" / "moderator.toml")
    assert policy.thresholds
    assert policy.banned_words and policy.allowed_words


# --- record writers ---------------------------------------------------------------------

RECORD = {
    "thread_id": "t1", "id": "c1", "depth": 1, "removed": False, "text": 'He said "idiot"',
    "scores": {"toxicity": 0.9, "off_topic": 0.1}, "flagged": True,
    "reasons": [{"attribute": "toxicity", "score": 0.9, "threshold": 0.5,
                 "spans": [[9, 14, 0.9]]}],
}
FIELDS = ["thread_id", "id", "depth", "removed", "text", "scores", "flagged", "reasons"]


def test_csv_writer_one_column_per_score_and_json_reasons():
    import csv

    buffer = io.StringIO()
    writer = RecordWriter(buffer, "csv", FIELDS, ["toxicity", "off_topic"])
    writer.write(RECORD)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert list(rows[0]) == csv_columns(FIELDS, ["toxicity", "off_topic"]) == [
        "thread_id", "id", "depth", "removed", "text", "score_toxicity", "score_off_topic",
        "flagged", "reasons",
    ]
    assert rows[0]["score_toxicity"] == "0.9"
    assert rows[0]["removed"] == "false" and rows[0]["flagged"] == "true"
    assert json.loads(rows[0]["reasons"]) == RECORD["reasons"]


def test_jsonl_writer_keeps_field_order_only():
    buffer = io.StringIO()
    RecordWriter(buffer, "jsonl", FIELDS, []).write({**RECORD, "extra": 1})
    assert list(json.loads(buffer.getvalue())) == FIELDS
    assert json.loads(buffer.getvalue()) == RECORD
    with pytest.raises(ValueError):
        RecordWriter(buffer, "xml", FIELDS, [])


def test_reason_words_strongest_distinct_positive_first():
    text = "Idiot, total idiot and a moron"
    reason = {"spans": [[0, 5, 0.5], [13, 18, 0.9], [25, 30, 0.7], [19, 22, -0.3]]}
    # every positive span the selector chose, strongest first, a repeated word once
    assert reason_words(text, reason) == ["idiot", "moron"]
    assert reason_words(text, {"spans": []}) == []
    # sentence punctuation at the edges goes; a span of nothing else is not a word
    spans = {"spans": [[4, 15, 2.0], [0, 3, 0.4], [13, 14, 0.3]]}
    assert reason_words("Hi. You idiot! ok", spans) == ["You idiot", "Hi"]


def test_flag_summary_lists_attributes_in_model_order():
    from collections import Counter

    counts = Counter({"off_topic": 2, "banned_word": 1, "toxicity": 3})
    assert flag_summary(9, 4, counts, ["toxicity", "insult", "off_topic"]) == (
        "9 comments, 4 flagged: toxicity 3, off_topic 2, banned_word 1"
    )
    assert flag_summary(1, 0, Counter()) == "1 comment, 0 flagged"


def test_empty_and_removed_placeholder_comments_are_never_flagged():
    """A removed comment kept as the parent of its replies has no text to review, even
    under a policy that flags everything else."""
    everything = Policy(thresholds={"toxicity": 0.0, "insult": 0.0, "off_topic": 0.0})
    empty, blank, fine = score_texts(KeywordModel(), ["", "  \n ", "fine"], policy=everything)
    for result in (empty, blank):
        assert result == {
            "scores": {"toxicity": 0.0, "insult": 0.0, "off_topic": 0.0},
            "flagged": False,
            "reasons": [],
            "language": "en",
        }
    assert fine["flagged"] is True


def test_scored_thread_lines_are_the_records_json_lines():
    from moderator.records import SCORED_FIELDS

    thread = Thread(id="t\u00e9\"1", comments=[
        Comment("1", None, 0, 0, author="ann", timestamp="2024-01-02T03:04:05Z", likes=3,
                text="Plain \"quoted\" text\nwith a newline and \u00e9 \u2028 \x00"),
        Comment("2", "1", 1, 1, author=None, timestamp=None, likes=None, removed=True,
                text=""),
        Comment("3", "1", 1, 2, text="\U0001f642 emoji"),
        Comment("4", None, 0, 3, text="not a float score"),
    ])
    results = [
        {"scores": {"toxicity": 0.912345, "off_topic": 1e-06}, "flagged": True,
         "reasons": [{"attribute": "toxicity", "score": 0.912345, "threshold": 0.5,
                      "spans": [[0, 5, 1.2345], [6, 9, -0.0]]}], "language": "en"},
        {"scores": {"toxicity": 0.0, "off_topic": 0.0}, "flagged": False, "reasons": [],
         "language": "en"},
        {"scores": {"toxicity": None, "off_topic": None}, "flagged": False, "reasons": [],
         "language": "tr"},
        {"scores": {"toxicity": float("nan"), "off_topic": 3}, "flagged": False,
         "reasons": [], "language": "en"},
    ]
    fast, slow = io.StringIO(), io.StringIO()
    RecordWriter(fast, "jsonl", SCORED_FIELDS, ["toxicity", "off_topic"]).write_thread(
        thread, results)
    writer = RecordWriter(slow, "jsonl", SCORED_FIELDS, ["toxicity", "off_topic"])
    for record in comment_records(thread, results):
        writer.write(record)
    assert fast.getvalue() == slow.getvalue()
    lines = fast.getvalue().split("\n")
    assert len(lines) == 5 and lines[-1] == ""
    assert json.loads(lines[0])["thread_id"] == "t\u00e9\"1"


class _ContextRecorder(KeywordModel):
    def predict(self, texts, articles=None, parents=None, groups=None):
        self.seen = (list(texts), list(articles), list(parents), list(groups))
        return super().predict(texts, articles, parents, groups)


@pytest.mark.parametrize("replies", [True, False])
def test_score_thread_hands_each_comment_its_parent_text(replies):
    comments = [Comment("a", None, 0, 0, text="Top comment"),
                Comment("b", "a" if replies else None, 1 if replies else 0, 1, text="A reply"),
                Comment("c", "gone" if replies else None, 0, 2, text="Parent not in the thread"),
                Comment("", None, 0, 3, text="   ")]
    model = _ContextRecorder()
    results = score_thread(model, Thread(id="t", article="Art", comments=comments))
    texts, articles, parents, groups = model.seen
    assert texts == ["Top comment", "A reply", "Parent not in the thread", "   "]
    assert parents == (["", "Top comment", "", ""] if replies else ["", "", "", ""])
    assert articles == ["Art"] * 4 and groups == ["t"] * 4
    assert results[3]["scores"] == {"toxicity": 0.0, "insult": 0.0, "off_topic": 0.0}


def test_off_topic_notes_say_what_was_compared():
    from moderator.explanations import notes_for, reason_text

    def notes(**facts):
        return notes_for("off_topic", facts, {})

    assert notes(contexts=["article", "thread"], article_similarity=0.01,
                 thread_similarity=0.09) == [
        "shares nothing with the article", "little in common with the thread (0.09)"]
    assert notes(contexts=["parent", "thread"], parent_similarity=0.0,
                 thread_similarity=0.02) == ["shares nothing with the parent or the thread"]
    assert notes(contexts=["article"], article_similarity=0.4) == [
        "similar to the article (0.40)"]
    assert notes(contexts=[]) == ["no article, parent or thread to compare it with"]
    assert notes_for("toxicity", {}, {}) == []  # an attribute that reads no context
    text = "Serial key free download here"
    reason = {"attribute": "off_topic", "score": 0.91, "threshold": 0.5,
              "spans": [[0, 10, 0.8], [11, 24, 0.5]],
              "notes": notes(contexts=["article"], article_similarity=0.0)}
    assert reason_text(text, reason) == (
        'off_topic 0.91: "Serial key", "free download"; shares nothing with the article')
