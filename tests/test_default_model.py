"""The shipped default model (trained by `make model` on the public corpora) on what users
judge it by: real seed comments and the comments the model got wrong before it.

These tests use the shipped model (src/moderator/models/moderator.joblib) only when it is the
model `make model` builds (its card lists the shared corpora); they skip otherwise.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import shared_path

pytestmark = pytest.mark.slow

SHARED_CORPUS_SOURCES = {"jigsaw", "olid", "civil-spans", "gab-hate"}


def _default_model_path() -> Path:
    from moderator.model import SHIPPED_MODEL

    return Path(os.environ.get("MODERATOR_DEFAULT_MODEL_UNDER_TEST", SHIPPED_MODEL))


@pytest.fixture(scope="module")
def shipped():
    from moderator.model import card_path, load_model

    path = _default_model_path()
    if not path.is_file():
        pytest.skip(f"{path} is absent: `make model` builds it from ../shared/data")
    card = json.loads(card_path(path).read_text(encoding="utf-8"))
    names = {s.get("name") for s in card.get("sources", [])}
    if not SHARED_CORPUS_SOURCES <= names:
        pytest.skip(f"{path} is not the model `make model` builds from the shared corpora")
    return load_model(path)


def flagged(model, texts):
    from moderator.review import score_texts

    return [(r["flagged"], {x["attribute"] for x in r["reasons"]})
            for r in score_texts(model, texts, explain=False)]


@pytest.mark.parametrize("text", ["That guy's an idiot", "That guy's an idiot."])
def test_a_plain_insult_is_flagged_as_toxic_or_insult(shipped, text):
    [(is_flagged, reasons)] = flagged(shipped, [text])
    assert is_flagged and reasons & {"toxicity", "insult"}


@pytest.mark.parametrize(
    "text",
    [
        "Erm, yes, well spotted!",
        "Webhooks are cool.",
        # second-person civility is not an insult
        "Hi Martin, glad this works for you. What version are you running?",
        "Thanks, you are right, I had the wrong year.",
        "You make a good point about the bus timetable.",
    ],
)
def test_civil_comments_are_not_flagged(shipped, text):
    [(is_flagged, reasons)] = flagged(shipped, [text])
    assert not is_flagged, reasons


def _seed_comment(phrase: str):
    """The comment of a seed page that contains ``phrase``, with its thread."""
    from moderator.threads import read_threads

    for path in sorted(shared_path("seeds").glob("*.txt")):
        for thread in read_threads(path):
            for comment in thread.comments:
                if phrase in comment.text:
                    return thread, comment
    pytest.skip(f"no seed comment contains {phrase!r}")


# Not met yet (issue 13): in these long comments the abuse is one phrase among civil ones;
# the model scores them toxicity 0.61 and 0.27 (the NATO comment 0.23), and the threshold that
# holds precision on held-out real rows is 0.885. strict: a model that flags them fails here,
# and the mark comes off.
NOT_MET = pytest.mark.xfail(strict=True, reason="below the toxicity threshold (issue 13)")


@pytest.mark.shared
@pytest.mark.parametrize(("phrase", "expected"), [
    pytest.param("swamped with arseholes", True, marks=NOT_MET),
    pytest.param("trash country", True, marks=NOT_MET),
    ("Norway is still in NATO", False),
])
def test_seed_comments(shipped, phrase, expected):
    from moderator.review import score_thread

    thread, comment = _seed_comment(phrase)
    results = score_thread(shipped, thread, explain=False)
    result = results[thread.comments.index(comment)]
    assert result["flagged"] is expected, result


# --- off_topic on the project's own real-format threads (issue 15) -----------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def offtopic_model(shipped):
    """The shipped model, when it was built with off_topic's thread fixes (pairs only from
    unlabelled threads, the pair standing in for its comment, the pooled precision bar):
    its card's weights name ``off_topic_source_balance``."""
    if "off_topic_source_balance" not in shipped.card.get("weights", {}):
        pytest.skip("the shipped model predates off_topic's thread fixes: `make model`")
    return shipped


def _off_topic(model, path: Path):
    """[(comment, off_topic score, flagged off_topic)] of every thread in ``path``."""
    from moderator.review import score_thread
    from moderator.threads import read_threads

    out = []
    for thread in read_threads(path):
        for comment, result in zip(thread.comments, score_thread(model, thread, explain=False),
                                   strict=True):
            out.append((comment, result["scores"]["off_topic"],
                        any(r["attribute"] == "off_topic" for r in result["reasons"])))
    return out


def test_job_posts_in_a_who_is_hiring_thread_are_not_flagged_off_topic(offtopic_model):
    scored = _off_topic(offtopic_model, EXAMPLES / "who-is-hiring.json")
    assert sum("@" in c.text or "https://" in c.text for c, _, _ in scored) >= 7
    assert not any(f for _, _, f in scored), [(c.text[:30], s) for c, s, _ in scored]


def test_link_spam_under_an_unrelated_post_is_flagged_off_topic(offtopic_model):
    scored = _off_topic(offtopic_model, EXAMPLES / "link-spam.json")
    flagged = {c.author for c, _, f in scored if f}
    assert flagged == {"Deals4U", "bestwatches"}, [(c.author, s) for c, s, _ in scored]


def test_a_reply_that_asks_its_parent_is_not_flagged_off_topic(offtopic_model):
    scored = _off_topic(offtopic_model, EXAMPLES / "hn.json")
    [(_, score, flagged)] = [x for x in scored if x[0].text.startswith("How long did the first")]
    assert not flagged, score


def _seed_scores(model):
    return [x for path in sorted(shared_path("seeds").glob("*.txt"))
            for x in _off_topic(model, path)]


MISSPELT = "Eye wist yoo wood"


@pytest.mark.shared
def test_no_seed_comment_but_the_misspelt_one_is_flagged_off_topic(offtopic_model):
    scored = _seed_scores(offtopic_model)
    assert not [c.text[:40] for c, _, f in scored if f and not c.text.startswith(MISSPELT)]


# Not met yet: the misspelt comment shares nothing with its article and scores where such a
# comment does (0.78; the seeds' next is 0.23), below the threshold (0.865) that flags at
# most 2% of SemEval's good answers, which share nothing with their question as often.
@pytest.mark.shared
@pytest.mark.xfail(strict=True, reason="scores below the off_topic threshold (issue 15)")
def test_the_misspelt_seed_comment_is_flagged_off_topic(offtopic_model):
    [(_, score, flagged)] = [x for x in _seed_scores(offtopic_model)
                             if x[0].text.startswith(MISSPELT)]
    assert flagged, score
