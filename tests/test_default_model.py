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
