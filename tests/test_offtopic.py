"""Off-topic judged against the thread, with a real model: trained on samples of the real
forum threads and spam in ../shared/data (skipped without it), scored on the project's own
real-format example threads and on the seed pages."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from conftest import REPO, shared_path
from moderator.corpora import load_corpus
from moderator.labels import LabelledSource, load_labels_csv
from moderator.model.training import train
from moderator.threads import Comment, Thread, read_threads

EXAMPLES = REPO / "examples"
#: (corpus, folder, threads sampled): enough real threads to learn from in seconds
SAMPLES = (("semeval2016-cqa", "semeval2016_task3_cqa", 300),
           ("semeval-cqa", "semeval2015_task3_cqa", None),
           ("youtube-spam", "youtube_spam", None))


def _sample(source: LabelledSource, threads: int | None) -> LabelledSource:
    if threads is None:
        return source
    groups = sorted({r.group for r in source.rows})
    keep = set(random.Random(0).sample(groups, min(threads, len(groups))))
    source.rows = [r for r in source.rows if r.group in keep]
    return source


#: rows of the project's own data/labels.csv (its off_topic labels only), as the default
#: model trains on it too: the corpora hold YouTube spam but no web link spam
LABELS_ROWS = 2000


@pytest.fixture(scope="module")
def model():
    sources = [_sample(load_corpus(name, shared_path("data", folder)), threads)
               for name, folder, threads in SAMPLES]
    labels = load_labels_csv(REPO / "data" / "labels.csv")
    known = [r for r in labels.rows if "off_topic" in r.labels]
    labels.rows = random.Random(0).sample(known, LABELS_ROWS)
    for row in labels.rows:
        row.labels = {"off_topic": row.labels["off_topic"]}
    return train([*sources, labels], folds=3, target_precision=0.8, progress=lambda _: None)


def test_the_threshold_is_the_rule_s(model):
    """The model's own off_topic threshold (precision pooled over the off-topic corpora,
    the civil flag rate in each: ``training.POOLED_PRECISION_ATTRIBUTES``) flags."""
    assert "off_topic" not in model.unflagged
    bar = model.card["metrics"]["off_topic"]["real_rows_bar"]
    assert bar["meets_bar"] and bar["pooled"]["precision"] >= 0.8
    assert model.thresholds["off_topic"] == pytest.approx(bar["threshold"], abs=1e-6)


def off_topic(model, thread):
    results = model.score_thread(thread)
    flagged = [any(r["attribute"] == "off_topic" for r in result["reasons"])
               for result in results]
    return results, flagged


def the_thread(path: Path) -> Thread:
    [thread] = list(read_threads(path))
    return thread


def test_job_posts_in_a_who_is_hiring_thread_are_not_flagged(model):
    thread = the_thread(EXAMPLES / "who-is-hiring.json")
    results, flagged = off_topic(model, thread)
    links = [c for c in thread.comments if "@" in c.text or "https://" in c.text]
    assert len(links) >= 7  # the posts carry e-mails, links and salaries
    assert not any(flagged), [(c.text[:40], r["scores"]["off_topic"])
                              for c, r in zip(thread.comments, results, strict=True)]


def test_link_spam_under_an_unrelated_post_scores_above_every_reply_and_says_why(model):
    thread = the_thread(EXAMPLES / "link-spam.json")
    results, flagged = off_topic(model, thread)
    spam = {i for i, c in enumerate(thread.comments) if c.author in ("Deals4U", "bestwatches")}
    scores = [r["scores"]["off_topic"] for r in results]
    on_topic = [i for i in range(len(scores)) if i not in spam]
    assert min(scores[i] for i in spam) > max(scores[i] for i in on_topic)
    assert not any(flagged[i] for i in on_topic)
    # This small model flags the software crack (0.93 at its threshold 0.84) but not the
    # replica watches (0.75): tests/test_default_model.py holds the default model to both.
    crack = next(i for i in spam if thread.comments[i].author == "Deals4U")
    assert flagged[crack]
    [reason] = [r for r in results[crack]["reasons"] if r["attribute"] == "off_topic"]
    assert reason["notes"][0].startswith("shares nothing with the article")


def test_the_misspelt_seed_comment_scores_highest_and_no_other_is_flagged(model):
    seeds = sorted(shared_path("seeds").glob("*.txt"))
    scored = []
    for path in seeds:
        for thread in read_threads(path):
            results, flagged = off_topic(model, thread)
            scored += [(r["scores"]["off_topic"], f, c.text)
                       for c, r, f in zip(thread.comments, results, flagged, strict=True)]
    scored.sort(reverse=True)
    assert scored[0][2].startswith("Eye wist yoo wood")
    # well apart from the rest (0.78 vs 0.20 here), though below this model's threshold
    assert scored[0][0] > scored[1][0] + 0.3
    assert not any(f for _, f, _ in scored[1:])


def test_a_thread_without_an_article_is_judged_on_parent_and_thread(model):
    comments = [
        Comment(id="1", parent_id=None, depth=0, position=0, author="a",
                text="Which bank gives the best rate for sending money home to India?"),
        Comment(id="2", parent_id="1", depth=1, position=1, author="b",
                text="Exchange houses beat the banks on the rate; compare two before sending."),
        Comment(id="3", parent_id=None, depth=0, position=2, author="c",
                text="Cheap replica watches 90% off at www.replica-timepieces.example"),
    ]
    thread = Thread(id="t", title="", article="", comments=comments)
    probabilities, facts = model.predict_with_facts(
        [c.text for c in comments], articles=[""] * 3, parents=["", comments[0].text, ""],
        groups=["t"] * 3)
    assert [facts.of(i, "off_topic")[0]["contexts"] for i in range(3)] == [
        ["thread"], ["parent", "thread"], ["thread"]]
    column = model.attributes.index("off_topic")
    assert probabilities[1, column] < probabilities[2, column]
    results, flagged = off_topic(model, thread)
    assert flagged == [False, False, True]
    [reason] = results[2]["reasons"]
    assert any(note.endswith("the thread") or "the thread (" in note
               for note in reason["notes"])

