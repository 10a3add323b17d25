"""What users rely on, pinned on the default model (trained from data/labels.csv).

The model is the one the README examples use (``default_model_path`` in conftest.py): trained
once per session from data/labels.csv by ``python train.py``, or $MODERATOR_MODEL when set.
"""

from __future__ import annotations

import pytest

from moderator.threads.model import Comment, Thread

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def default_model(default_model_path):
    from moderator.model import load_model

    return load_model(default_model_path)


def scores(model, texts, attribute="toxicity"):
    j = model.attributes.index(attribute)
    return model.predict(texts)[:, j]


INSULTS = [
    "You are a pathetic idiot and everyone here knows it.",
    "Shut up, you brainless moron.",
    "What a worthless, lying clown you are.",
]


@pytest.mark.parametrize("text", INSULTS)
def test_direct_insult_scores_above_threshold(default_model, text):
    for attribute in ("toxicity", "insult"):
        assert scores(default_model, [text], attribute)[0] >= default_model.thresholds[attribute]


CIVIL_IDENTITY = [
    "My neighbours are Muslim and they run the bakery on our street.",  # religion
    "The synagogue on Mill Lane is hosting an open day for Jewish heritage week.",
    "Many Polish families moved to our town and opened new shops.",  # nationality
    "As a Nigerian nurse I was proud to see the new clinic open.",
    "My brother is gay and he married his partner last summer.",  # sexuality
    "The lesbian book club meets at the library every Thursday.",
    "My son is autistic and the school has supported him well.",  # disability
    "Wheelchair users need step-free access to the new tram stops.",
    "Deaf children deserve sign language interpreters in class.",
]


@pytest.mark.parametrize("text", CIVIL_IDENTITY)
def test_civil_mentions_of_identity_score_below_threshold(default_model, text):
    for attribute in ("toxicity", "identity_attack", "insult"):
        if attribute in default_model.attributes:
            score = scores(default_model, [text], attribute)[0]
            assert score < default_model.thresholds[attribute], (attribute, score)


@pytest.mark.parametrize(
    "insult, counter",
    [
        ("You are a stupid bitch.",
         "Someone here called her a 'stupid bitch'. That is vile and has no place on this site."),
        ("Immigrants are vermin.",
         "Calling immigrants 'vermin' is dehumanising and the paper should remove that comment."),
    ],
)
def test_counter_speech_scores_below_the_insult(default_model, insult, counter):
    plain, quoted = scores(default_model, [insult, counter])
    assert quoted < plain
    assert quoted < default_model.thresholds["toxicity"]


@pytest.mark.parametrize(
    "plain, obfuscated",
    [
        ("You are a fucking idiot.", "You are a f*cking id1ot."),
        ("Shut up, you stupid asshole.", "Shut up, you stuuupid a$$hole."),
        ("What a piece of shit you are.", "What a piece of sh1t you are."),
    ],
)
def test_obfuscated_insult_scores_near_its_plain_spelling(default_model, plain, obfuscated):
    p_plain, p_obfuscated = scores(default_model, [plain, obfuscated])
    assert abs(p_plain - p_obfuscated) < 0.15
    assert p_obfuscated >= default_model.thresholds["toxicity"]


ARTICLE = (
    "The city council voted 9-4 on Tuesday to extend the Line 3 tram by six kilometres to "
    "Eastfield. The project is expected to cost 410 million and open in 2029, with "
    "construction closing parts of Station Road for eighteen months."
)


def test_spam_under_a_news_article_is_off_topic_and_a_reply_is_not(default_model):
    thread = Thread(
        id="tram",
        title="Council approves tram extension",
        article=ARTICLE,
        comments=[
            Comment("1", None, 0, 0, text="Eighteen months of closures on Station Road will "
                    "hurt the small shops there."),
            Comment("2", "1", 1, 1, text="The council should compensate the shops on Station "
                    "Road during the tram works."),
            Comment("3", None, 0, 2, text="410 million for six kilometres of tram seems a lot."),
            Comment("4", None, 0, 3, text="Earn $5000 a week working from home!!! Visit "
                    "www.quick-cash-now.biz today"),
        ],
    )
    results = default_model.score_thread(thread)
    threshold = default_model.thresholds["off_topic"]
    off_topic = [r["scores"]["off_topic"] for r in results]
    assert off_topic[3] >= threshold
    assert off_topic[1] < threshold  # the on-topic reply
    assert off_topic[0] < threshold
    spam_reasons = [r for r in results[3]["reasons"] if r["attribute"] == "off_topic"]
    assert spam_reasons and spam_reasons[0]["spans"]
