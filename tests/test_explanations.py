"""The words behind a flag (moderator.explanations): one definition, the same words in the
table, JSON Lines, the CSV review queue and the HTML report, and every flag explained."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, shared_path
from doubles import KeywordModel, write_thread
from moderator.attributes import TOXICITY_FAMILY
from moderator.cli import main
from moderator.explanations import (
    NO_SINGLE_WORD,
    marked_spans,
    notes_for,
    reason_text,
    reason_words,
    why_text,
)
from moderator.model.spans import STOP_WORDS
from moderator.review import Policy, score_texts


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


# --- the definition -----------------------------------------------------------------------


def test_reason_text_reads_like_a_sentence():
    text = "You clueless idiot. Pathetic!"
    reason = {"attribute": "insult", "score": 0.93, "threshold": 0.5,
              "spans": [[4, 19, 2.1], [20, 29, 1.2], [0, 3, -0.4]], "notes": []}
    assert reason_words(text, reason) == ["clueless idiot", "Pathetic"]
    assert reason_text(text, reason) == 'insult 0.93: "clueless idiot", "Pathetic"'
    assert marked_spans(text, reason) == [(4, 18, 2.1), (20, 28, 1.2)]
    off = {"attribute": "off_topic", "score": 0.97, "spans": [[0, 3, 0.8]],
           "notes": ["similarity to the article 0.02", "a link and a phone number"]}
    assert reason_text("Buy now", off) == ('off_topic 0.97: "Buy"; similarity to the article '
                                           '0.02; a link and a phone number')
    assert why_text(text, [reason, {"attribute": "toxicity", "score": 0.8, "spans": [],
                                    "notes": [NO_SINGLE_WORD]}]) == (
        'insult 0.93: "clueless idiot", "Pathetic" | toxicity 0.80: ' + NO_SINGLE_WORD)
    assert why_text(text, []) == ""


def test_notes_state_the_facts_that_are_not_words():
    facts = {"urls": 1, "phone": 1, "email": 0, "length": 15, "article_similarity": 0.02,
             "contexts": ["article"]}
    contributions = {"urls": 1.3, "phone": 0.6, "email": 0.0, "length": 0.1,
                     "article_similarity": -0.01}
    assert notes_for("off_topic", facts, contributions) == [
        "shares nothing with the article", "a link and a phone number"]
    assert notes_for("off_topic", {"length": 9, "urls": 3},
                     {"length": 0.9, "urls": 2.0}) == ["3 links", "comment length 9 characters"]
    assert notes_for("toxicity", {}, {}) == []


class Unexplained(KeywordModel):
    """Flags like KeywordModel but names no word (a score from no single word)."""

    def explain(self, text, attribute, article=None, parent=None):
        return []


def test_a_flag_without_words_or_facts_says_so():
    [result] = score_texts(Unexplained(), ["You idiot"])
    assert result["flagged"]
    assert all(r["spans"] == [] and r["notes"] == [NO_SINGLE_WORD] for r in result["reasons"])


def test_off_topic_flags_say_what_was_compared(trained_model_path):
    import moderator

    model = moderator.load_model(trained_model_path)
    article = "A heatwave is expected this weekend with temperatures reaching 38 degrees."
    [spam] = score_texts(model, ["Hot singles in your area, click here www.meet-now.xyz"],
                         articles=[article], policy=Policy(thresholds={"off_topic": 0.0}))
    [reason] = [r for r in spam["reasons"] if r["attribute"] == "off_topic"]
    assert any(n == "shares nothing with the article"
               or re.fullmatch(r"(little in common with|similar to) the article \(\d\.\d\d\)", n)
               for n in reason["notes"])


# --- the same words everywhere ------------------------------------------------------------

COMMENTS = [
    ("1", "ann", "The tram extension is good news for the east side.", [
        ("2", "bob", "You clueless idiot, that is a pathetic and stupid take.", [
            ("3", "cy", "Calm down, the report has the numbers."),
        ]),
    ]),
    ("4", "dee", "Hot singles in your area, click here www.meet-now.xyz"),
    ("5", "eve", "Stupid idiots running this council, all of them morons."),
]
LOW = ("--threshold", "toxicity=0.2", "--threshold", "insult=0.2",
       "--threshold", "off_topic=0.2")


def test_table_jsonl_csv_queue_and_html_show_the_same_words(trained_model_path, tmp_path):
    thread = write_thread(tmp_path / "t.json", COMMENTS, article=(
        "A heatwave is expected this weekend with temperatures reaching 38 degrees."))
    model = ("--model", trained_model_path)
    jsonl = run("score", thread, "--output", "jsonl", *model, *LOW)
    assert jsonl.exit_code == 0, jsonl.output
    records = {r["id"]: r for r in map(json.loads, jsonl.stdout.splitlines())}
    flagged = {i: r for i, r in records.items() if r["flagged"]}
    assert {"2", "5"} <= set(flagged)
    # what every output must show, per comment: the words and notes of each reason
    expected = {i: [(r["attribute"], reason_words(rec["text"], r), r["notes"])
                    for r in rec["reasons"]] for i, rec in flagged.items()}
    assert any("idiot" in " ".join(words) for _, words, _ in expected["2"])
    for reasons in expected.values():
        assert all(words or notes for _, words, notes in reasons)  # every flag explained

    # the table's why: lines (wide, so none wraps)
    table = run("score", thread, "--output", "table", *model, *LOW, env={"COLUMNS": "400"})
    assert table.exit_code == 0, table.output
    whys = [line.strip()[len("why: "):] for line in table.stdout.splitlines()
            if line.strip().startswith("why: ")]
    assert whys == [reason_text(flagged[i]["text"], r) for i in flagged
                    for r in flagged[i]["reasons"]]

    # the CSV queue: why in words beside the machine-readable reasons
    queue = tmp_path / "queue.csv"
    export = run("export", thread, "-o", queue, *model, *LOW, "-q")
    assert export.exit_code == 0, export.output
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(queue.read_text("utf-8")))}
    assert set(rows) == set(flagged)
    for i, row in rows.items():
        reasons = json.loads(row["reasons"])
        assert [(r["attribute"], reason_words(row["text"], r), r["notes"])
                for r in reasons] == expected[i]
        assert row["why"] == " | ".join(reason_text(row["text"], r) for r in reasons)
        assert row["why"] == " | ".join(w for w, r in zip(whys, [
            r for j in flagged for r in flagged[j]["reasons"]], strict=True)
            if r in flagged[i]["reasons"])
        assert float(row["max_score"]) == max(flagged[i]["scores"].values())

    # the HTML report: the quoted words of each reason, and the marked text
    page = tmp_path / "report.html"
    report = run("report", thread, "-o", page, *model, *LOW)
    assert report.exit_code == 0, report.output
    text = page.read_text("utf-8")
    for i, reasons in expected.items():
        article = re.search(rf'<article[^>]*id="comment-{i}".*?</article>', text, re.S).group(0)
        items = re.findall(r'<li data-attribute="([^"]+)">(.*?)</li>', article, re.S)
        shown = [(attribute, [html.unescape(q) for q in re.findall(r"<q>(.*?)</q>", body)],
                  [html.unescape(n) for n in re.findall(r'<span class="note">(.*?)</span>',
                                                        body)])
                 for attribute, body in items]
        assert shown == reasons
        marks = {html.unescape(m) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", article)}
        assert {w.lower() for _, words, _ in reasons for w in words} <= {
            m.lower() for m in marks}


def test_excel_queue_has_a_bom_and_feedback_reads_new_and_old_queues(trained_model_path,
                                                                       tmp_path):
    from moderator.feedback import load_feedback

    thread = write_thread(tmp_path / "t.json", [
        ("1", "zoë", "Café owners are clueless idiots, pathetic ✨"),
        ("2", "ann", "The tram extension is good news."),
    ])
    queue = tmp_path / "queue.csv"
    result = run("export", thread, "-o", queue, "--model", trained_model_path, "--all",
                 "--excel", "-q", *LOW)
    assert result.exit_code == 0, result.output
    raw = queue.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfdecision,max_score,why,text,")
    assert "Café owners are clueless idiots, pathetic ✨" in raw.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    rows[0]["decision"] = "insult"
    with queue.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    [row] = load_feedback(queue).rows
    assert row.labels == {"insult": 1, "toxicity": 1} and row.text.startswith("Café")
    # a queue written before the why/max_score columns still reads
    old = tmp_path / "old.csv"
    old.write_text("source,thread_id,id,text,score_toxicity,flagged,reasons,decision\n"
                   't.json,t,1,You idiot,0.9,true,"[{""attribute"": ""toxicity"", '
                   '""score"": 0.9, ""threshold"": 0.5, ""spans"": [[4, 9, 0.9]]}]",reject\n',
                   encoding="utf-8")
    [row] = load_feedback(old).rows
    assert row.labels == {"toxicity": 1}
    # without --excel: plain UTF-8, no byte order mark
    plain = tmp_path / "plain.csv"
    assert run("export", thread, "-o", plain, "--model", trained_model_path, "-q").exit_code == 0
    assert plain.read_bytes().startswith(b"decision,")


# --- real comments people marked ----------------------------------------------------------

#: bench/quality.py's split of the corpora (seed, dev fraction)
SEED, DEV_FRACTION = 20240601, 0.2
WORD = re.compile(r"\w+(?:[*'’]\w+)*")


@pytest.fixture(scope="module")
def civil_split():
    from moderator.corpora import load_corpus, split_rows

    source = load_corpus("civil-spans", shared_path("data", "civil_comments_toxic_spans"))
    train_rows, dev_rows = split_rows(source.rows, "toxicity", DEV_FRACTION, seed=SEED)
    return source, train_rows, dev_rows


def test_no_flag_shows_only_stop_words_or_punctuation_on_the_dev_split(civil_split):
    """A model trained on part of the train split explains every dev comment it flags (all
    of them, at threshold 0) with words that are not only stop words or punctuation."""
    from moderator.labels import LabelledSource, load_labels_csv
    from moderator.model.training import train

    source, train_rows, dev_rows = civil_split
    part = LabelledSource("civil-spans (part of the train split)", source.path,
                          train_rows[:1500], kind="corpus")
    model = train([load_labels_csv(FIXTURES / "labels_small.csv"), part], folds=2)
    assert model.selector.learned
    dev = dev_rows[:1000]
    everything = Policy(thresholds={a: 0.0 for a in TOXICITY_FAMILY})
    results = score_texts(model, [r.text for r in dev], policy=everything)
    shown = 0
    for row, result in zip(dev, results, strict=True):
        if not row.text.strip():
            continue
        assert result["flagged"]
        for reason in result["reasons"]:
            words = reason_words(row.text, reason)
            assert words or reason["notes"], (row.text, reason)
            for word in words:
                tokens = [t.lower() for t in WORD.findall(word)]
                assert any(t not in STOP_WORDS for t in tokens), (word, row.text)
                shown += 1
    assert shown >= len(dev)


def test_a_piece_of_an_asterisk_masked_word_is_shown_as_the_whole_word():
    from moderator.explanations import marked_spans, reason_words

    text = "What a load of sh1t. These f**king clowns waste our money. sh*t!"
    # the tokenizer splits "f**king" at the asterisks: the model's spans are its pieces
    reason = {"spans": [[15, 19, 2.1], [27, 28, 0.6], [30, 34, 0.4], [35, 41, 1.2],
                        [59, 61, 0.3]]}
    assert reason_words(text, reason) == ["sh1t", "clowns", "f**king", "sh*t"]
    assert (27, 34, 0.6) in marked_spans(text, reason)  # each word once, its best weight
    # a phrase that starts inside the masked word takes the whole word
    assert reason_words(text, {"spans": [[30, 41, 1.0]]}) == ["f**king clowns"]
