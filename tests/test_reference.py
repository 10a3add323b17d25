"""``Model.predict`` (compiled kernels) held to ``moderator.model.reference.predict_reference``
(plain Python, numpy and scipy, with its own normalisation and n-gram enumeration) within
1e-6, on random and hostile texts, with and without context."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderator import load_model
from moderator.model import reference
from moderator.model.ngrams import normalize

TOLERANCE = 1e-6

LONG_WITH_ONE_VILE_SENTENCE = (
    "The council met on Tuesday to discuss the new bus routes and the budget for the "
    "library. Several residents spoke about parking near the school and the timing of the "
    "lights. You are a worthless stupid idiot and I hope you die. The meeting ended at nine "
    "and the minutes will be published next week on the website.")

#: one of each kind of input the kernels read differently from plain ASCII
HOSTILE = [
    "",
    " ",
    "\n\n\t ",
    "!!!?...",
    "?",
    "😀😡🤬 you 😀",
    "𝐲𝐨𝐮 𝐚𝐫𝐞 𝐚𝐧 𝐢𝐝𝐢𝐨𝐭",  # mathematical bold: \w beyond the BMP
    "𠀀𠀁 rare CJK 𠀂",
    "e\u0301te\u0301 cafe\u0301 a\u0308\u0308\u0308",  # combining marks
    "İstanbul İİİ ſhit KELVIN \u212a ﬃ ß ǅ",
    "ſhttp:// \u212abcdf bcd\ud800fg",  # consonant runs: ASCII only, surrogates dropped
    "a\x00b\x00\x00 nul",
    "\ud800 lone \udfff surrogates",
    "w" * 3000,
    "x" * 120 + ". " + "y" * 120,
    "sh1t a$$hole b!tch fuuuuuck idiooooot id10t covid19 $5 2020 www.spam.com http:// https://",
    "go to http://example.com/x?y=1. now! www.a.b. spam.ru, buy.shop!",
    "مرحبا 你好 привет ग़ Ελληνικά idiot שלום",
    "call +1 (555) 123-4567 or mail me@example.org for $500 dollars",
    "line one\nline two\n\nline three. And four? yes! no",
    "'''***’’’ *don't* f*ck it’s",
    LONG_WITH_ONE_VILE_SENTENCE,
]

ALPHABET = st.sampled_from(
    list("abcdefghij ABC XYZ  \n\t.!?,'’*-$@0137 ") + ["ſ", "İ", "\u212a", "\u0301", "😀",
                                                        "𝐛", "\x00", "ß", "ı", "ﬁ", "\u00a0",
                                                        "www.", "http://", ".com", "idiot",
                                                        "stupid", "sh1t", "!!!", "\n\n"])
TEXTS = st.lists(ALPHABET, max_size=60).map("".join)


@pytest.fixture(scope="module")
def model(trained_model_path):
    return load_model(trained_model_path)


def assert_agree(model, texts, **context):
    got = model.predict(texts, **context)
    expected = reference.predict_reference(model, texts, **context)
    assert got.shape == expected.shape
    worst = np.abs(got - expected).max(initial=0.0)
    assert worst <= TOLERANCE, (worst, texts[int(np.abs(got - expected).max(axis=1).argmax())])


def test_hostile_texts_score_as_the_reference_says(model):
    assert_agree(model, HOSTILE)


def test_hostile_texts_with_their_context_score_as_the_reference_says(model):
    n = len(HOSTILE)
    articles = ["The council discussed the new bus routes and the library budget."] * n
    articles[3] = ""
    parents = [""] + HOSTILE[:-1]
    groups = [i % 3 if i % 5 else None for i in range(n)]
    assert_agree(model, HOSTILE, articles=articles, parents=parents, groups=groups)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(TEXTS, min_size=1, max_size=6), st.booleans(), st.data())
def test_random_texts_score_as_the_reference_says(model, texts, with_context, data):
    context = {}
    if with_context:
        n = len(texts)
        context = {
            "articles": data.draw(st.lists(TEXTS, min_size=n, max_size=n)),
            "parents": data.draw(st.lists(st.one_of(st.none(), TEXTS), min_size=n,
                                          max_size=n)),
            "groups": data.draw(st.lists(st.one_of(st.none(), st.integers(0, 2)),
                                         min_size=n, max_size=n)),
        }
    assert_agree(model, texts, **context)



@pytest.mark.parametrize("texts, articles, groups", [
    # a link under an article with a link: the thread's share discounts the link cue
    (["www.a"], ["www.a"], [0]),
    (["www.a"], ["www.b x"], [0]),
    # a thread of 3: two links and a price, the third comment judged by the other two
    (["see www.x.com for the timetable", "I agree, www.y.org has it too", "buy now $5"],
     ["The bus timetable changes on Monday."] * 3, [0, 0, 0]),
])
def test_thread_relative_cues_score_as_the_reference_says(model, texts, articles, groups):
    """The thread-relative link/e-mail/phone/price cues (the comment's thread and article
    share one) are in the reference too: it left them undiscounted, 0.005 off for 'www.a'."""
    assert_agree(model, texts, articles=articles, parents=[None] * len(texts), groups=groups)
    features = model.features
    plain = reference.dense_columns(texts, articles, [None] * len(texts), None, features)
    grouped = reference.dense_columns(texts, articles, [None] * len(texts), groups, features)
    urls = reference.TEXT_FEATURES.index("urls")
    assert (grouped[:, urls] < plain[:, urls]).any()

def test_the_long_comment_is_scored_by_its_vile_sentence_and_the_pipeline_is_not_the_model(
        model):
    """The sentence-window combiner: the reference has it, ``pipeline.predict_proba`` has
    not (it is the features and classifiers only)."""
    text = LONG_WITH_ONE_VILE_SENTENCE
    got = model.predict([text])[0]
    expected = reference.predict_reference(model, [text])[0]
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)
    features = model.pipeline.named_steps["features"]
    whole, windows, owner = reference.ngram_rows([text], features.ngrams_)
    assert windows.shape[0] == 4 and owner.tolist() == [0, 0, 0, 0]
    toxicity = model.attributes.index("toxicity")
    if "toxicity" in model.combiner:
        pipeline = model.pipeline.predict_proba([text])[0]
        assert pipeline[toxicity] != pytest.approx(got[toxicity], abs=1e-3)


def test_capped_attributes_stay_at_most_the_toxicity(model):
    probabilities = reference.predict_reference(model, HOSTILE)
    toxicity = probabilities[:, model.attributes.index("toxicity")]
    for attribute in model.capped:
        assert (probabilities[:, model.attributes.index(attribute)] <= toxicity).all()


@settings(max_examples=150, deadline=None)
@given(TEXTS)
def test_the_reference_normalisation_is_the_kernels(text):
    norm, offsets = normalize(text)
    codes, _, expected_offsets = reference.normalize(text)
    assert norm == "".join(map(chr, codes))
    assert offsets.tolist() == expected_offsets


@pytest.mark.parametrize("text, expected", [
    ("Fuuuuck   YOU!!!", "fuck you!"),
    ("sh1t a$$hole b!tch", "shit asshole bitch"),
    ("covid19 $5 2020 1000", "covid19 $5 2020 1000"),
    ("www.x.com  \n \n hi ", "www.x.com\nhi"),
    ("İstanbul", "İstanbul"),
])
def test_the_reference_normalisation_by_example(text, expected):
    codes, _, _ = reference.normalize(text)
    assert "".join(map(chr, codes)) == expected


def test_reference_windows_and_tokens_by_example():
    codes, classes, _ = reference.normalize("Hi there. www.x.com/a. f*ck it!\nok")
    found = ["".join(map(chr, codes[a:b])) for a, b in reference.windows(codes, classes)]
    assert found == ["hi there.", "www.x.com/a.", "f*ck it!", "ok"]
    start = len("hi there. ")
    assert reference.token_at(codes, classes, start) == (start + len("www.x.com/a."), True)
    start = len("hi there. www.x.com/a. ")
    assert reference.token_at(codes, classes, start) == (start + 4, False)


def test_a_context_feature_the_reference_does_not_know_is_named(model, monkeypatch):
    monkeypatch.setattr(reference, "CONTEXT_FEATURES",
                        (*reference.CONTEXT_FEATURES, "author_word"))
    features = model.pipeline.named_steps["features"]
    with pytest.raises(NotImplementedError,
                       match=r"context feature[(]s[)] .*author_word.*: add it"):
        reference.context_columns(["a"], None, None, None, features)
