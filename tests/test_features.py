"""Normalisation with offsets, tokens, windows, text cues and the context similarities."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from moderator.model.batch import CommentBatch
from moderator.model.context import (
    CONTEXT_FEATURES,
    CONTEXT_SCALE,
    THREAD_RELATIVE_PATTERNS,
    lexical_views,
    rowwise_dot,
    thread_kept,
    thread_similarity,
    topic_rows,
    word_idf,
)
from moderator.model.cues import CUE_CLIP, TEXT_FEATURES, text_cues, text_cues_batch
from moderator.model.features import CommentFeatures
from moderator.model.fitted import FittedFeatures
from moderator.model.ngrams import normalize, tokenize


def normalise(text):
    return normalize(text)[0]


def normalise_with_offsets(text):
    norm, offsets = normalize(text)
    return norm, offsets.tolist()

DOCS = [
    "The tram extension to Eastfield opens in 2029.",
    "The council approved the tram line after a long debate.",
    "Buy cheap watches at www.best-watches.biz today!",
    "You are a complete idiot.",
    "Eastfield residents welcomed the new tram stops.",
    "The heatwave will reach 38 degrees on Saturday.",
] * 3


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sh1t", "shit"),
        ("a$$hole", "asshole"),
        ("b!tch", "bitch"),
        ("idiooooot", "idiot"),
        ("STUUUPID!!!!!!", "stupid!"),
        ("id10t", "idiot"),
        ("covid19 in 2020 costs $5", "covid19 in 2020 costs $5"),  # digits not between letters
        ("www.example.com", "www.example.com"),
    ],
)
def test_normalise_undoes_obfuscation(text, expected):
    assert normalise(text) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("aAbİß1$!*o0 .\nuuu€😀"), max_size=40))
def test_offsets_map_every_normalised_character_back(text):
    norm, offsets = normalise_with_offsets(text)
    assert norm == normalise(text)
    assert len(offsets) == len(norm)
    assert all(0 <= o < len(text) for o in offsets)
    assert offsets == sorted(offsets)


def test_offsets_skip_collapsed_letters():
    norm, offsets = normalise_with_offsets("Fuuuuck off")
    assert norm == "fuck off"
    assert offsets[:4] == [0, 1, 5, 6]


def test_tokens_keep_masked_words_urls_and_emoji():
    tokens = tokenize("you f*cking @troll see http://x.com/a?b 😀 don't")
    assert tokens == ["you", "f*cking", "@", "troll", "see", "http://x.com/a?b", "😀", "don't"]


def test_sentence_windows_only_for_long_multi_sentence_comments(fitted):
    long = "The plan is fine and the maps are clear. " * 3 + "You are a moron."
    texts = ["Short. Comment.", long, "x" * 200]
    windows, owner = fitted.window_matrix(texts)
    assert owner.tolist() == [1, 1, 1, 1]
    alone = fitted.ngrams_.transform(["You are a moron."])
    np.testing.assert_allclose(windows[3].toarray(), alone.toarray(), atol=1e-6)


def test_text_cues_see_spam_patterns():
    cues = dict(zip(TEXT_FEATURES, text_cues(
        "Earn $500/day!! Visit www.cash.biz or call +1 555 123 4567, mail me@spam.com"
    ), strict=True))
    assert cues["urls"] >= 1 and cues["phone"] == 1 and cues["email"] == 1 and cues["money"] == 1
    plain = dict(zip(TEXT_FEATURES, text_cues("I agree with the council."), strict=True))
    assert plain["urls"] == plain["phone"] == plain["email"] == plain["money"] == 0


def test_rowwise_dot_matches_dense():
    rng = np.random.default_rng(0)
    X = sp.random(20, 15, density=0.3, random_state=1, format="csr")
    U = sp.random(4, 15, density=0.5, random_state=2, format="csr")
    index = rng.integers(-1, 4, size=20)
    dense_x, dense_u = X.toarray(), U.toarray()
    expected = [dense_x[i] @ dense_u[j] if j >= 0 else 0.0 for i, j in enumerate(index)]
    np.testing.assert_allclose(rowwise_dot(X, U, index), expected, atol=1e-12)


@pytest.fixture(scope="module")
def fitted():
    return CommentFeatures(min_df=1).fit(DOCS)


def test_columns_and_names(fitted):
    X = fitted.transform(DOCS[:6])
    assert X.shape == (6, fitted.n_features_out_) == (6, len(fitted.get_feature_names_out()))
    assert fitted.n_extra_features_ == len(TEXT_FEATURES) + len(CONTEXT_FEATURES)
    context = X[:, fitted.slices_["context"]].toarray()
    assert not context.any()  # no article, parent or thread given


def test_article_parent_and_thread_similarity(fitted):
    article = "The council approved the tram extension to Eastfield."
    batch = CommentBatch(
        texts=[DOCS[0], DOCS[2], DOCS[4], DOCS[1]],
        articles=[article, article, article, ""],
        parents=["", DOCS[0], DOCS[1], ""],
        groups=["t", "t", "t", None],
    )
    context = fitted.transform(batch)[:, fitted.slices_["context"]].toarray() / CONTEXT_SCALE
    names = {n: i for i, n in enumerate(CONTEXT_FEATURES)}
    on_topic, spam, reply, alone = context
    assert on_topic[names["has_context"]] == 1 and alone[names["has_context"]] == 0
    assert on_topic[names["article_word"]] > spam[names["article_word"]]
    # a parent that is not in the batch is vectorised on its own and still compared
    assert reply[names["parent_word"]] > 0
    assert on_topic[names["thread_word"]] > spam[names["thread_word"]]
    assert not alone.any()
    facts = fitted.context_facts(batch, fitted.extra(batch))
    assert [f["used"] for f in facts] == [
        ["article", "thread"], ["article", "parent", "thread"],
        ["article", "parent", "thread"], [],
    ]


def test_thread_similarity_equals_brute_force(fitted):
    texts = DOCS[:6]
    groups = ["a", "a", "b", "a", "b", None]
    members = np.array([True, True, True, False, True, True])
    word_matrix = fitted.word_block(texts)
    words = word_matrix.toarray()
    has, cosine = thread_similarity(
        CommentBatch(texts=texts, groups=groups, members=members), word_matrix
    )
    for i in range(6):
        others = [j for j in range(6) if j != i and groups[j] == groups[i] and members[j]]
        if groups[i] is None or not others:
            assert has[i] == 0 and cosine[i] == 0
            continue
        rest = words[others].sum(axis=0)
        expected = words[i] @ rest / (np.linalg.norm(rest) * np.linalg.norm(words[i]))
        assert has[i] == 1
        assert cosine[i] == pytest.approx(expected)


def test_sklearn_conventions():
    features = CommentFeatures()
    check_no_attributes_set_in_init("CommentFeatures", features)
    check_parameters_default_constructible("CommentFeatures", features)
    check_get_params_invariance("CommentFeatures", features)
    check_set_params("CommentFeatures", features)
    with pytest.raises(NotFittedError):
        features.transform(DOCS)
    assert clone(features).get_params() == features.get_params()


def test_plain_string_is_refused(fitted):
    with pytest.raises(TypeError, match="one string"):
        fitted.transform("a single comment")


CUE_TEXT = st.lists(
    st.sampled_from(["Call +1 555 123 4567", "$50", "20 dollars", "www.x.com", "http://a.b/c",
                     "me@spam.com", "strrrngth", "AAA", "!!!", "é", "😀", "İ", "ß", " ", "\n",
                     "word", "rhythm", "2020", "idiot", ".", "shop.ly", "USD 5", "@john",
                     "ſ", "\u212a", "\ud800"]),
    max_size=20,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(CUE_TEXT, min_size=1, max_size=5))
def test_fast_text_cues_equal_their_definition(texts):
    """The shortcuts (compiled statistics, pattern pre-tests) never change a cue."""
    from moderator.model.reference import text_cues_reference

    expected = np.array([text_cues_reference(t) for t in texts])
    np.testing.assert_allclose([text_cues(t) for t in texts], expected, atol=1e-9)
    np.testing.assert_allclose(text_cues_batch(texts), expected, atol=1e-9)


# ------------------------------------------------------------ more views of the context

THREADS = [
    "Ferry timetables for the island change in May; the evening boat is cancelled.",
    "The island ferry will also raise its fares for cars and bicycles.",
    "Our school choir won the regional contest with a song about rivers.",
    "The choir rehearses on Thursdays in the school hall.",
    "Visa rules for seasonal farm workers were relaxed this spring.",
    "Farm workers on seasonal visas can now change employer once.",
] * 4


@pytest.fixture(scope="module")
def topical():
    return CommentFeatures(min_df=1, topic_components=3).fit(
        CommentBatch(texts=THREADS, articles=["Island ferry news"] * len(THREADS)))


def test_overlap_and_bm25_equal_their_definitions(topical):
    texts = ["the island ferry fares", "choir song", "nothing shared here"]
    article = "Ferry fares for the island rise; the ferry company blames fuel."
    words = topical.word_block(texts)
    article_words = topical.word_block([article])
    overlap, bm25 = np.zeros(3), np.zeros(3)
    idf = word_idf(topical).astype(np.float64)
    query = words.copy()
    query.data = idf[query.indices]
    lexical_views(topical, query, article_words, np.zeros(3, np.intp), overlap, bm25)
    counts = {}  # the article's n-gram counts, from its occurrences
    ptr, cols, *_ = topical.ngrams_._occurrences([article], chars=False)
    n_char = 1 << topical.char_bits
    for col in cols[ptr[0]:ptr[1]]:
        if idf[col - n_char] > 0:
            counts[col - n_char] = counts.get(col - n_char, 0) + 1
    length = sum(counts.values())
    k1, b = 1.2, 0.75
    for i in range(3):
        row = words[i].indices
        total = idf[row].sum()
        shared = [c for c in row if c in counts]
        assert overlap[i] == pytest.approx(idf[shared].sum() / total)
        expected = sum(
            idf[c] * counts[c] * (k1 + 1)
            / (counts[c] + k1 * (1 - b + b * length / topical.context_length_))
            for c in shared
        ) / (total * (k1 + 1))
        assert bm25[i] == pytest.approx(expected, rel=1e-5)
    assert overlap[0] > 0.5 and overlap[1] == 0 == bm25[1]


def test_topic_space_relates_texts_of_one_subject(topical):
    assert topical.topic_components_.shape == (3, len(topical.topic_columns_))
    texts = ["island ferry fares", "choir song", "seasonal visas"]
    topics = topic_rows(topical, topical.word_block(texts))
    article = topic_rows(topical, topical.word_block(["The ferry to the island"]))[0]
    assert np.allclose(np.linalg.norm(topics, axis=1), 1.0)
    assert topics[0] @ article > 0.9 > max(topics[1] @ article, topics[2] @ article)
    restored = FittedFeatures.of(topical)  # the state a saved model keeps
    assert np.array_equal(topic_rows(restored, topical.word_block(texts)), topics)


def test_a_reply_answering_its_parent_is_close_to_its_best_context(topical):
    article = "Island ferry news"
    batch = CommentBatch(
        texts=["Can farm workers on seasonal visas change employer?",
               "Yes, seasonal farm workers may change employer once."],
        articles=[article, article],
        parents=["", "Can farm workers on seasonal visas change employer?"],
        groups=["t", "t"],
    )
    context = topical.transform(batch)[:, topical.slices_["context"]].toarray() / CONTEXT_SCALE
    names = {n: i for i, n in enumerate(CONTEXT_FEATURES)}
    reply = context[1]
    assert reply[names["article_word"]] == 0 and reply[names["article_overlap"]] == 0
    assert reply[names["parent_overlap"]] > 0.2 and reply[names["parent_bm25"]] > 0.1
    assert reply[names["parent_word"]] > 0.2
    assert reply[names["best_word"]] == max(reply[names[f"{c}_word"]]
                                            for c in ("article", "parent", "thread"))
    assert reply[names["best_topic"]] >= reply[names["parent_topic"]] > 0.9


def test_links_and_prices_are_judged_against_the_thread(topical):
    hiring = ["Backend engineer, $120k, apply at https://a.example or jobs@a.example",
              "Designer, remote, $90k: https://b.example/jobs",
              "Data engineer in Oslo, write to work@c.example, https://c.example"]
    spam = ["Nice tram photos.", "Great point about the tram.",
            "Cheap pills at https://pills.example"]
    batch = CommentBatch(texts=hiring + spam, groups=["h"] * 3 + ["s"] * 3)
    raw = text_cues_batch(batch.texts)
    kept = thread_kept(batch, raw)  # per THREAD_RELATIVE_PATTERNS cue: 1 - the thread's share
    urls, money = (THREAD_RELATIVE_PATTERNS.index(name) for name in ("urls", "money"))
    assert raw[0, TEXT_FEATURES.index("urls")] == 1
    # every other hiring post has a link: the links are the thread's topic
    assert kept[0, urls] == 0
    # nobody else under the tram post links anywhere: the link counts in full
    assert kept[5, urls] == 1
    assert kept[0, money] == pytest.approx(1 - 1 / 2)
    assert thread_kept(CommentBatch(texts=hiring), raw[:3]) is None  # no thread: no judging


def test_a_link_shared_by_the_thread_counts_as_half_a_link_in_the_columns():
    # The discount applies to the standardised cue: discounting the raw count first left
    # half a link (several standard deviations above the mean) clipped at +3, a whole link.
    rare = CommentFeatures(min_df=1, topic_components=2).fit(
        THREADS * 4 + ["Jobs at https://x.example, $100k"])
    hiring = ["Backend engineer, $120k, apply at https://a.example",
              "Designer, remote, $90k: https://b.example/jobs",
              "Data engineer in Oslo, no link, no salary"]
    grouped = rare.extra(CommentBatch(texts=hiring, groups=["h"] * 3))
    plain = rare.extra(CommentBatch(texts=hiring))
    for name in ("urls", "money"):
        j = TEXT_FEATURES.index(name)
        none = plain[2, j]  # the value of "no link"
        assert plain[0, j] == CUE_CLIP > none
        # the other two posts: one has a link and a price -> half of the way to "none"
        assert grouped[0, j] == pytest.approx(none + (plain[0, j] - none) / 2)
        assert grouped[2, j] == pytest.approx(none)


def test_context_facts_name_the_contexts_used(topical):
    batch = CommentBatch(
        texts=["The ferry fares rise again", "Choir practice is on Thursday", "hello"],
        articles=["", "", ""], parents=["", "The island ferry fares", ""],
        groups=["t", "t", None],
    )
    extra = topical.extra(batch)
    facts = topical.context_facts(batch, extra)
    assert facts[0]["used"] == ["thread"]
    assert facts[1]["used"] == ["parent", "thread"]
    assert facts[2] == {"used": [], "similarity": {}}
    assert 0 <= facts[1]["similarity"]["parent"] <= 1


def test_a_question_counts_as_one_only_under_a_question(topical):
    batch = CommentBatch(
        texts=["Which ferry is faster?", "Which ferry is faster?", "The morning one."],
        articles=["Which ferry should I take to the island?", "Ferry fares rise in May.",
                  "Which ferry should I take to the island?"],
    )
    context = topical.transform(batch)[:, topical.slices_["context"]].toarray() / CONTEXT_SCALE
    column = CONTEXT_FEATURES.index("asks_under_question")
    assert context[:, column].tolist() == [1, 0, 0]
    # a reply that asks its parent is conversation, not a non-answer to the question
    reply = CommentBatch(texts=["How long did it take you?"] * 2,
                         articles=["Which ferry should I take to the island?"] * 2,
                         parents=["The morning one, it takes an hour.", ""])
    context = topical.transform(reply)[:, topical.slices_["context"]].toarray() / CONTEXT_SCALE
    assert context[:, column].tolist() == [0, 1]
