"""The compiled n-gram kernels: normalisation, the tokenizer spec, and score == X @ coef."""

from __future__ import annotations

import mmap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nltk.tokenize import RegexpTokenizer

from moderator.model import ngrams
from moderator.model.ngrams import TOKEN_PATTERN, HashedNgrams, normalize, tokenize

PIECES = st.sampled_from(
    ["idiot", "You", "f*ck", "sh1t", "a$$hole", "b!tch", "2020", "don't", "it’s", "!!!", "?",
     ".", ",", "🙂", "http://x.co/a", "https://ex.org", "www.site.com", "@john", "éte", "ÀB",
     "fuuuuck", "soooo", "  ", " ", "\n", "\n\n", "\t", "_", "-", "*", "'", "$", "@", "a", "1"]
)
TEXTS = st.lists(PIECES, max_size=25).map("".join)


def kernel_tokens(text: str) -> list[str]:
    """Tokens as the compiled kernels cut them (``token_bounds`` over normalised arrays)."""
    codes, offsets = ngrams.text_codes([text])
    nc, ncls, _, noff = ngrams.normalize_codes(codes, offsets, *ngrams.char_tables())
    normalized = nc.tobytes().decode("utf-32-le")
    _, starts, ends = ngrams.token_bounds(nc, ncls, noff)
    return [normalized[i:j] for i, j in zip(starts.tolist(), ends.tolist(), strict=True)]


def test_normalisation_reads_obfuscation_and_keeps_offsets():
    text = "Fuuuuck   you a$$hole!! sh1t\n\nb!tch @john 2020"
    normalized, positions = normalize(text)
    assert normalized == "fuck you asshole!! shit\nbitch @john 2020"
    assert len(positions) == len(normalized)
    # every normalised character points at the original character it came from
    assert text[positions[normalized.index("asshole")]] == "a"
    assert text[positions[normalized.index("shit") + 2]] == "1"


def test_tokens_follow_the_nltk_pattern():
    assert tokenize("You're a f*cking idiooooot!!! see https://x.com/a?b=1 🙂") == [
        "you're", "a", "f*cking", "idiot", "!", "see", "https://x.com/a?b=1", "🙂",
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_kernel_tokenizer_equals_nltk_regexp_tokenizer(text):
    normalized, _ = normalize(text)
    assert kernel_tokens(text) == RegexpTokenizer(TOKEN_PATTERN).tokenize(normalized)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, min_size=1, max_size=6))
def test_fused_score_equals_matrix_product(texts):
    vectorizer = HashedNgrams(char_bits=12, word_bits=11).fit(texts + ["fit text here"])
    coef = np.random.default_rng(1).standard_normal((3, vectorizer.n_features_))
    whole, best_window, n_windows = vectorizer.score(texts, coef)
    np.testing.assert_allclose(whole, vectorizer.transform(texts) @ coef.T, atol=1e-4)
    windows, owner = vectorizer.transform(texts, windows=True)
    per_window = windows @ coef.T
    for doc in range(len(texts)):
        rows = per_window[owner == doc]
        assert len(rows) == max(n_windows[doc], 1)
        if n_windows[doc]:
            np.testing.assert_allclose(best_window[doc], rows.max(axis=0), atol=1e-4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, min_size=1, max_size=4), st.sampled_from([(2, 5), (1, 3), (3, 6)]))
def test_character_hashing_paths_equal_the_enumeration(texts, char_range):
    """The scoring pass hashes the character n-grams of any range as _enumerate does, so
    the scores equal the matrix product."""
    vectorizer = HashedNgrams(char_range=char_range, char_bits=12, word_bits=11).fit(
        texts + ["fit text here"])
    coef = np.random.default_rng(2).standard_normal((7, vectorizer.n_features_))
    whole, _, _ = vectorizer.score(texts, coef)
    np.testing.assert_allclose(whole, vectorizer.transform(texts) @ coef.T, atol=1e-4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, min_size=1, max_size=4))
def test_vector_gather_of_seven_attributes_equals_the_scalar_loop(texts):
    """The 7-attribute gather (8 lanes in one vector) sums exactly as the general loop:
    the same table with a zero eighth weight column goes through the scalar path."""
    vectorizer = HashedNgrams(char_bits=12, word_bits=11).fit(texts + ["fit text here"])
    coef = np.random.default_rng(3).standard_normal((vectorizer.n_features_, 7))
    seven = vectorizer.score_table(coef)
    eight = vectorizer.score_table(np.hstack([coef, np.zeros((len(coef), 1))]))
    codes, offsets = ngrams.text_codes(texts)
    nc, ncls, _, noff = ngrams.normalize_codes(codes, offsets, *ngrams.char_tables())
    fast = vectorizer._score_normalized(nc, ncls, noff, seven, True)
    scalar = vectorizer._score_normalized(nc, ncls, noff, eight, True)
    np.testing.assert_array_equal(fast[0], scalar[0][:, :7])
    np.testing.assert_array_equal(fast[1], scalar[1][:, :7])
    for a, b in zip(fast[2:], scalar[2:], strict=True):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, max_size=5))
def test_normalisation_without_positions_is_the_same_text(texts):
    """What scoring reads (no original offsets) is what explanations read."""
    codes, offsets = ngrams.text_codes(texts)
    tables = ngrams.char_tables()
    nc, ncls, pos, noff = ngrams.normalize_codes(codes, offsets, *tables)
    nc2, ncls2, pos2, noff2 = ngrams.normalize_codes(codes, offsets, *tables, False)
    for a, b in ((nc, nc2), (ncls, ncls2), (noff, noff2)):
        np.testing.assert_array_equal(a, b)
    assert len(pos) == len(nc) and len(pos2) == 0


def test_sentence_windows_split_on_sentence_ends_and_newlines():
    vectorizer = HashedNgrams(char_bits=10, word_bits=10).fit(["x"])
    _, owner = vectorizer.transform(["One two. Three four!\nFive six? 3.5 stays"], windows=True)
    assert len(owner) == 4


def test_contributions_sum_to_the_score_and_point_at_the_weighted_word():
    vectorizer = HashedNgrams(char_bits=14, word_bits=13)
    texts = ["you idiot", "nice idea", "good point", "idiot move"]
    matrix = vectorizer.fit_transform(texts)
    coef = np.zeros((2, vectorizer.n_features_))
    idiot_columns = matrix[0].indices[np.isin(matrix[0].indices, matrix[3].indices)]
    coef[0, idiot_columns] = 1.0
    coef[1] = np.random.default_rng(3).standard_normal(vectorizer.n_features_)
    text = "What a nice idiooot you are. Truly!"
    normalized, positions, weights = vectorizer.contributions(text, coef)
    expected = (vectorizer.transform([text]) @ coef.T)[0]
    np.testing.assert_allclose(weights.sum(axis=0), expected, atol=1e-6)
    start = normalized.index("idiot")
    assert weights[start : start + 5, 0].min() > 0
    assert weights[start : start + 5, 0].sum() > 0.9 * weights[:, 0].sum()
    assert text[positions[start] : positions[start + 4] + 1] == "idiooot"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, min_size=1, max_size=4))
def test_document_contributions_are_the_reference_ones_transposed(texts):
    """_doc_contributions (what explanations read: n-grams hashed once, table rows
    prefetched) gives _contributions' numbers bit for bit, for the columns asked, in the
    order asked."""
    vectorizer = HashedNgrams(char_bits=12, word_bits=11).fit(texts + ["fit text here"])
    weights = np.random.default_rng(4).standard_normal((vectorizer.n_features_, 3))
    weights = weights.astype(np.float32)
    table = vectorizer.score_table(weights)
    codes, offsets = ngrams.text_codes(texts)
    nc, ncls, _, noff = ngrams.normalize_codes(codes, offsets, *ngrams.char_tables())
    ranges = (*vectorizer.char_range, *vectorizer.word_range, vectorizer.char_bits,
              vectorizer.word_bits, ngrams.url_token_hash())
    columns = np.array([2, 0], np.int64)
    for d in range(len(texts)):
        a, b = int(noff[d]), int(noff[d + 1])
        scratch = [np.empty(ngrams._ngram_room(b - a, *ranges[:4]), np.int64) for _ in range(3)]
        fast = ngrams._doc_contributions(nc, ncls, a, b, *ranges, table, columns, *scratch)
        reference = ngrams._contributions(nc, ncls, a, b, *ranges, weights, vectorizer.idf_)
        assert fast.tobytes() == np.ascontiguousarray(reference[:, columns].T).tobytes()


def test_word_ngrams_longer_than_the_kernels_token_history_are_refused():
    vectorizer = HashedNgrams(word_range=(1, 9), char_bits=10, word_bits=10)
    with pytest.raises(ValueError, match="up to 8 tokens, not 9"):
        vectorizer.fit(["one two three"])
    vectorizer.idf_ = np.ones(vectorizer.n_features_, np.float32)  # scoring checks it too
    with pytest.raises(ValueError, match="up to 8 tokens, not 9"):
        vectorizer.score(["one two three"], np.zeros((1, vectorizer.n_features_)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, max_size=4))
def test_mapped_kernel_outputs_give_the_same_features(texts):
    """Outputs of 256 MB and more are mapped memory (``_output``): every size mapped, the
    features and occurrences are those of numpy's arrays."""
    vectorizer = HashedNgrams(char_bits=12, word_bits=11).fit(texts + ["fit text here"])
    expected = vectorizer.transform(texts, windows=True)
    occurrences = vectorizer._occurrences(texts, windows=True)
    limit = ngrams._MAPPED_OUTPUT
    try:
        ngrams._MAPPED_OUTPUT = 0
        assert isinstance(ngrams._output(3, np.int64).base.obj, mmap.mmap)
        mapped = vectorizer.transform(texts, windows=True)
        mapped_occurrences = vectorizer._occurrences(texts, windows=True)
    finally:
        ngrams._MAPPED_OUTPUT = limit
    assert (mapped[0] != expected[0]).nnz == 0
    np.testing.assert_array_equal(mapped[1], expected[1])
    for a, b in zip(mapped_occurrences, occurrences, strict=True):
        np.testing.assert_array_equal(a, b)


def test_empty_and_whitespace_documents_have_no_features():
    vectorizer = HashedNgrams(char_bits=10, word_bits=10).fit(["a b"])
    matrix = vectorizer.transform(["", "   \n "])
    assert matrix.nnz == 0
    whole, _, n_windows = vectorizer.score(["", " "], np.ones((1, vectorizer.n_features_)))
    assert whole.tolist() == [[0.0], [0.0]] and n_windows.tolist() == [0, 0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, min_size=1, max_size=6))
def test_word_block_from_the_scoring_pass_equals_transform(texts):
    vectorizer = HashedNgrams(char_bits=12, word_bits=11, min_df=2).fit(
        texts + ["fit text here", "fit text"])
    codes, offsets = ngrams.text_codes(texts)
    nc, ncls, _, noff = ngrams.normalize_codes(codes, offsets, *ngrams.char_tables())
    table = vectorizer.score_table(np.ones((vectorizer.n_features_, 2), np.float32))
    *_, ptr, cols, vals = vectorizer._score_normalized(nc, ncls, noff, table, words=True)
    block = vectorizer.words_matrix(ptr, cols, vals)
    expected = vectorizer.transform(texts, chars=False)[:, 1 << 12 :]
    assert (block != expected).nnz == 0
    np.testing.assert_array_equal(block.indptr, expected.indptr)
    np.testing.assert_array_equal(block.indices, expected.indices)
    np.testing.assert_array_equal(block.data, expected.data)


@settings(max_examples=500, deadline=None)
@given(st.floats(min_value=-1e4, max_value=1e4) | st.integers(-10**6, 10**6).map(
    lambda n: n / 10000 + 0.00005) | st.sampled_from([0.0, -0.0, -1e-7, 2.675e-5, 1.00005]))
def test_compiled_rounding_is_pythons_or_says_it_cannot_tell(x):
    value, exact = ngrams._round4(x)
    if exact:
        assert repr(value) == repr(round(x, 4))
    else:
        assert abs(x * 10000 - np.floor(x * 10000) - 0.5) < 1e-6


def test_char_tables_equal_their_per_code_point_definition():
    """The tables are built with whole-string passes; each entry must be what the character
    itself says (re's \\w and \\s, str.lower of one character, isalpha, isalnum, isdecimal)."""
    import re

    from moderator.model.cues import digit_table

    classes, lower, leet, letter = ngrams.char_tables.__wrapped__()
    punctuation, alnum = ngrams.explain_tables.__wrapped__()
    digit = digit_table.__wrapped__()
    want_classes = np.full(ngrams.BMP, ngrams.CLS_OTHER, np.uint8)
    want_lower = np.arange(ngrams.BMP, dtype=np.uint32)
    for code in range(ngrams.BMP):
        ch = chr(code)
        if re.match(r"\w", ch):
            want_classes[code] = ngrams.CLS_WORD
        elif re.match(r"\s", ch):
            want_classes[code] = ngrams.CLS_SPACE
        low = ch.lower()
        if len(low) == 1:
            want_lower[code] = ord(low)
        assert letter[code] == ch.isalpha(), hex(code)
        assert alnum[code] == ch.isalnum(), hex(code)
        assert digit[code] == ch.isdecimal(), hex(code)
    assert np.array_equal(classes, want_classes)
    assert np.array_equal(lower, want_lower)
    assert lower[0x130] == 0x130 and lower[ord("A")] == ord("a")  # İ lowers to two: kept
    assert leet[ord("4")] == ord("a") and leet[ord("b")] == 0
    assert punctuation[ord("!")] and not punctuation[ord("a")]


def test_spans_that_compiled_rounding_cannot_decide_are_listed_by_python():
    """A weight too near a half at 4 places (0.00015 is 1.4999999999999998e-4) makes
    ``top_spans`` leave the pair to Python; ``pair_top_spans`` lists it as C lists the
    others: offsets relative to the text, Python's rounding, strongest first, top_k."""
    from types import SimpleNamespace

    from moderator.model.explain import pair_top_spans

    found = SimpleNamespace(
        ptr=np.array([0, 3, 5], np.int64), start=np.array([0, 4, 8, 0, 3], np.int64),
        end=np.array([3, 7, 10, 2, 5], np.int64),
        weight=np.array([0.5, 0.00015, 0.75, 0.2, 0.3], np.float64))
    pos = np.arange(20, dtype=np.int64) + 100  # normalised -> original offsets
    origin = np.array([100, 100], np.int64)
    top_ptr, s, e, w, exact = ngrams.top_spans(found.ptr, found.start, found.end,
                                               found.weight, pos, origin, 2)
    assert exact.tolist() == [False, True]
    assert top_ptr.tolist() == [0, 0, 2]  # the undecided pair lists nothing in C
    assert [[a, b, c] for a, b, c in zip(s.tolist(), e.tolist(), w.tolist(), strict=True)] == \
        pair_top_spans(found, pos, 100, 1, 2) == [[3, 5, 0.3], [0, 2, 0.2]]
    assert pair_top_spans(found, pos, 100, 0, 2) == [[8, 10, 0.75], [0, 3, 0.5]]
    assert pair_top_spans(found, pos, 100, 0, 5)[-1] == [4, 7, round(0.00015, 4)]
