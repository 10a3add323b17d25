"""The model's probabilities in plain Python, numpy and scipy: what the compiled kernels are
held to (``predict_reference``).

``Model.predict`` runs C kernels (``csrc/``): normalisation, n-gram enumeration and the
fused scoring pass that sums ``X @ weights`` without building ``X``. This module computes
the same probabilities the slow, obvious way, from the model's fitted scikit-learn pipeline:

1. normalise each text character by character (``normalize``);
2. cut it into sentence windows and enumerate each window's character and word n-grams,
   hashed into columns (``windows``, ``window_columns``);
3. TF-IDF rows with the "occurrence norm" of ``moderator.model.ngrams`` (scipy sparse matrices);
4. the dense columns: text cues (``text_cues_reference``: the regular expressions of
   ``cues`` run on every text; ``thread_relative_cues`` in a thread) and the context
   similarities (``context_columns``: cosine of word blocks, with scipy);
5. logits ``X @ coef_ + intercept_``; the sentence-window combiner and the toxicity cap of
   ``Model.predict``.

Nothing here calls the kernels or their wrappers (``ngrams.normalize_codes``, ``_enumerate``,
``_score``...): only the hashing constants and the model's fitted arrays are shared. It is
slow (a Python loop per character and n-gram): for tests and for reading, not for scoring.
``model.pipeline.predict_proba`` is not this: it has neither the combiner nor the cap.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Sequence
from functools import cache

import numpy as np
import scipy.sparse as sp

from .batch import CommentBatch
from .context import CONTEXT_FEATURES, THREAD_RELATIVE_PATTERNS
from .cues import (
    CONSONANT_RUN_RE,
    CUE_CLIP,
    EMAIL_RE,
    MONEY_RE,
    PHONE_RE,
    TEXT_FEATURES,
    URL_RE,
    WORD_RE,
)
from .fitted import WINDOW_MIN_CHARS

# --- the hashing spec (moderator/model/ngrams.py's docstring) -------------------------------

MASK64 = (1 << 64) - 1
FNV_OFFSET = 14695981039346656037
FNV_PRIME = 1099511628211
#: seeds of the character and word n-gram hashes
SALT_CHAR = 0x9E3779B97F4A7C15
SALT_WORD = 0xC2B2AE3D27D4EB4F
#: what every URL token is hashed as
URL_TOKEN = "<url>"
#: leet characters read as letters inside a word
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a",
        "!": "i"}
#: characters joining the parts of one word token (``f*ck``, ``don't``, ``don’t``)
WORD_JOINERS = "*'’"
URL_PREFIXES = ("http://", "https://", "www.")

SPACE, WORD, OTHER = 0, 1, 2


def fnv(codes, h: int = FNV_OFFSET) -> int:
    """64-bit FNV-1a over code points (not bytes)."""
    for c in codes:
        h = ((h ^ c) * FNV_PRIME) & MASK64
    return h


def mix(h: int) -> int:
    """The 64-bit finaliser of MurmurHash3."""
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK64
    h ^= h >> 33
    return h


# --- 1. normalisation ------------------------------------------------------------------------


@cache
def char_class(code: int) -> int:
    """SPACE for ``\\s``, WORD for ``\\w``, else OTHER; every character beyond the Basic
    Multilingual Plane (emoji, but also letters such as mathematical bold ones) is OTHER."""
    if code >= 0x10000:
        return OTHER
    ch = chr(code)
    if re.match(r"\s", ch):
        return SPACE
    return WORD if re.match(r"\w", ch) else OTHER


@cache
def lower(code: int) -> int:
    """``str.lower`` of one BMP character where it gives one character (İ gives two: kept)."""
    if code >= 0x10000:
        return code
    low = chr(code).lower()
    return ord(low) if len(low) == 1 else code


def is_letter(code: int) -> bool:
    return code < 0x10000 and chr(code).isalpha()


def normalize(text: str) -> tuple[list[int], list[int], list[int]]:
    """``(code points, classes, original offsets)`` of the normalised text:

    - whitespace runs become one space, or one newline when the run holds one; none at the
      start or the end;
    - lower case;
    - a leet character (``LEET``) after a letter reads as its letter when a letter, or
      another leet character other than ``!``, follows it (``sh1t``, ``a$$hole``, ``b!tch``;
      not ``covid19`` or ``$5``): it is then a word character;
    - a run of three or more equal characters (after the above) keeps one, except digits
      and ``w``.
    """
    codes = [ord(ch) for ch in text]
    out: list[int] = []
    classes: list[int] = []
    offsets: list[int] = []
    run_char, run_len = None, 0
    for i, c in enumerate(codes):
        cls = char_class(c)
        if cls == SPACE:
            if out and classes[-1] == SPACE:
                if c == 10:
                    out[-1] = 10  # the run holds a newline
                continue
            if out:
                out.append(10 if c == 10 else 32)
                classes.append(SPACE)
                offsets.append(i)
            run_char, run_len = None, 0
            continue
        low = lower(c)
        if c < 0x10000 and chr(c) in LEET:
            after_letter = bool(out) and is_letter(out[-1])
            nxt = codes[i + 1] if i + 1 < len(codes) else None
            before_letter = nxt is not None and is_letter(nxt)
            before_leet = (i + 2 < len(codes) and nxt != ord("!") and nxt < 0x10000
                           and chr(nxt) in LEET)
            if after_letter and (before_letter or before_leet):
                low, cls = ord(LEET[chr(c)]), WORD
        if low == run_char:
            run_len += 1
        else:
            run_char, run_len = low, 1
        if run_len >= 3 and not ord("0") <= low <= ord("9") and low != ord("w"):
            if run_len == 3:  # the run's second character goes too
                out.pop()
                classes.pop()
                offsets.pop()
            continue
        out.append(low)
        classes.append(cls)
        offsets.append(i)
    if out and classes[-1] == SPACE:
        out.pop()
        classes.pop()
        offsets.pop()
    return out, classes, offsets


# --- 2. windows, tokens and n-grams ----------------------------------------------------------


def windows(codes: list[int], classes: list[int]) -> list[tuple[int, int]]:
    """Sentence windows ``[start, end)`` of normalised text: a window ends after a newline,
    or after ``.``, ``!`` or ``?`` followed by a space, a newline or the end; the spaces
    after a window belong to none."""
    found = []
    start, n = 0, len(codes)
    while start < n:
        end = start
        while end < n:
            c = codes[end]
            end += 1
            if c == 10 or (c in (46, 33, 63) and (end >= n or codes[end] in (32, 10))):
                break
        found.append((start, end))
        start = end
        while start < n and classes[start] == SPACE:
            start += 1
    return found


def token_at(codes: list[int], classes: list[int], i: int) -> tuple[int, bool]:
    """``(end, is URL)`` of the token starting at non-space position ``i``: a URL
    (``URL_PREFIXES``, then to the next space), a word (word characters, joined by one of
    ``WORD_JOINERS`` between two of them), or one other character."""
    n = len(codes)
    for prefix in URL_PREFIXES:
        if [ord(ch) for ch in prefix] == codes[i : i + len(prefix)]:
            end = i + len(prefix)
            while end < n and classes[end] != SPACE:
                end += 1
            return end, True
    if classes[i] != WORD:
        return i + 1, False
    end = i + 1
    while end < n:
        if classes[end] == WORD:
            end += 1
        elif (chr(codes[end]) in WORD_JOINERS and end + 1 < n
              and classes[end + 1] == WORD):
            end += 2
        else:
            break
    return end, False


def window_columns(codes, classes, start, end, ngrams) -> tuple[list[int], list[int]]:
    """(character n-gram columns, word n-gram columns) of the window ``[start, end)``.
    Character n-grams start in the window and may run on into the next; word n-grams are
    made of the window's tokens. ``ngrams`` is the fitted ``HashedNgrams`` (its ranges,
    bits)."""
    char_lo, char_hi = ngrams.char_range
    word_lo, word_hi = ngrams.word_range
    char_mask = (1 << ngrams.char_bits) - 1
    word_mask = (1 << ngrams.word_bits) - 1
    word_offset = 1 << ngrams.char_bits
    chars = []
    for i in range(start, end):
        for n in range(char_lo, char_hi + 1):
            if i + n <= len(codes):
                h = fnv(codes[i : i + n], FNV_OFFSET ^ SALT_CHAR)
                chars.append(mix(h) & char_mask)
    hashes = []
    i = start
    while i < end:
        if classes[i] == SPACE:
            i += 1
            continue
        j, is_url = token_at(codes, classes, i)
        hashes.append(fnv(map(ord, URL_TOKEN)) if is_url else fnv(codes[i:j]))
        i = j
    words = []
    for last in range(len(hashes)):
        for n in range(word_lo, min(word_hi, last + 1) + 1):
            h = (SALT_WORD * n) & MASK64
            for token in hashes[last - n + 1 : last + 1]:
                h = mix(h ^ token)
            words.append(word_offset + (h & word_mask))
    return chars, words


# --- 3. TF-IDF rows --------------------------------------------------------------------------


def tfidf_rows(units: list[tuple[list[int], list[int]]], ngrams) -> sp.csr_matrix:
    """One float64 row per unit ``(char columns, word columns)``: ``count * idf / sqrt(sum
    of idf**2 over the block's occurrences)`` per block (character, word)."""
    idf = np.asarray(ngrams.idf_, np.float64)
    rows, cols, vals = [], [], []
    for r, (chars, words) in enumerate(units):
        for block in (chars, words):
            if not block:
                continue
            block = np.asarray(block, np.int64)
            norm = np.sqrt(np.sum(idf[block] ** 2))
            if norm == 0:
                continue
            rows.extend([r] * len(block))
            cols.extend(block.tolist())
            vals.extend((idf[block] / norm).tolist())
    n_features = (1 << ngrams.char_bits) + (1 << ngrams.word_bits)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(units), n_features))
    matrix.sum_duplicates()  # repeated n-grams: their counts
    return matrix


def ngram_rows(texts: Sequence[str], ngrams):
    """``(whole rows, window rows, window owner)`` of ``texts``."""
    whole, parts, owner = [], [], []
    for d, text in enumerate(texts):
        codes, classes, _ = normalize(text)
        doc_chars, doc_words = [], []
        for start, end in windows(codes, classes):
            chars, words = window_columns(codes, classes, start, end, ngrams)
            doc_chars += chars
            doc_words += words
            parts.append((chars, words))
            owner.append(d)
        whole.append((doc_chars, doc_words))
    return tfidf_rows(whole, ngrams), tfidf_rows(parts, ngrams), np.asarray(owner, np.int64)


# --- 4. dense columns ------------------------------------------------------------------------


def text_cues_reference(text: str) -> list[float]:
    """``cues.TEXT_FEATURES`` of one text, without the shortcuts of ``cues.text_cues``
    (and of the compiled cue pass): ratios over UTF-8 bytes, ASCII classes, every pattern
    run on every text."""
    raw = text.encode("utf-8", "ignore")
    n = max(len(raw), 1)

    def count(chars: str) -> int:
        return sum(raw.count(ch.encode()) for ch in chars)

    upper = count(string.ascii_uppercase)
    letters = upper + count(string.ascii_lowercase)
    words = WORD_RE.findall(text)
    total = max(len(text), 1)
    entropy = -sum(c / total * math.log2(c / total) for c in Counter(text).values())
    return [
        math.log1p(len(text)),
        min(len(URL_RE.findall(text)), 3),
        1.0 if EMAIL_RE.search(text) else 0.0,
        1.0 if PHONE_RE.search(text) else 0.0,
        min(len(MONEY_RE.findall(text)), 3),
        upper / max(letters, 1),
        count(string.digits) / n,
        count(string.punctuation) / n,
        entropy,
        # (in the text as its UTF-8 bytes hold it: lone surrogates dropped)
        len(CONSONANT_RUN_RE.findall(raw.decode("utf-8"))) / max(len(words), 1),
        count("aeiouAEIOU") / max(letters, 1),
        min(text.count("!"), 5),
        sum(map(len, words)) / max(len(words), 1),
    ]


def rowwise_dot_reference(X: sp.csr_matrix, U: sp.csr_matrix, index: np.ndarray) -> np.ndarray:
    """``context.rowwise_dot``: dot(X[i], U[index[i]]) for every row i (0 where
    index[i] < 0), by a sorted search of every (row, column) key."""
    n = X.shape[0]
    out = np.zeros(n)
    if U.shape[0] == 0 or X.nnz == 0:
        return out
    U = U.tocsr()
    U.sort_indices()
    width = np.int64(U.shape[1])
    u_rows = np.repeat(np.arange(U.shape[0], dtype=np.int64), np.diff(U.indptr))
    u_keys = u_rows * width + U.indices
    x_rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(X.indptr))
    target = index[x_rows]
    valid = target >= 0
    x_keys = target[valid].astype(np.int64) * width + X.indices[valid]
    pos = np.searchsorted(u_keys, x_keys)
    pos = np.minimum(pos, len(u_keys) - 1)
    hit = u_keys[pos] == x_keys
    weights = np.zeros(len(x_keys))
    weights[hit] = X.data[valid][hit] * U.data[pos[hit]]
    return np.bincount(x_rows[valid], weights=weights, minlength=n)


def _given(value) -> bool:
    return bool(value) and not value.isspace()


#: the context features ``context_columns`` defines
REFERENCE_CONTEXT_FEATURES = ("has_article", "article_word", "article_word_sqrt", "has_parent",
                              "parent_word", "has_thread", "thread_word", "thread_word_sqrt")


def context_columns(texts, articles, parents, groups, features) -> np.ndarray:
    """``CONTEXT_FEATURES`` of each comment, from word blocks (``word_block``): the dot
    product with its article's and its parent's, the cosine with the sum of the other
    comments of its group (clipped to [0, 1]), presence indicators and square roots."""
    unknown = set(CONTEXT_FEATURES) - set(REFERENCE_CONTEXT_FEATURES)
    if unknown:
        raise NotImplementedError(f"the reference has no definition of context feature(s) "
                                  f"{', '.join(sorted(unknown))}: add it here")
    n = len(texts)
    words = word_block(texts, features)
    columns = {name: np.zeros(n) for name in CONTEXT_FEATURES}
    if articles is not None:
        for i, article in enumerate(articles):
            if _given(article):
                columns["has_article"][i] = 1.0
                columns["article_word"][i] = words[i].multiply(
                    word_block([article], features)).sum()
    if parents is not None:
        for i, parent in enumerate(parents):
            if _given(parent):
                columns["has_parent"][i] = 1.0
                columns["parent_word"][i] = words[i].multiply(
                    word_block([parent], features)).sum()
    if groups is not None:
        for i, group in enumerate(groups):
            if group is None:
                continue
            others = [j for j, g in enumerate(groups) if j != i and g is not None and g == group]
            if not others:
                continue
            columns["has_thread"][i] = 1.0
            rest = sp.csr_matrix(words[others].sum(axis=0))
            own = words[i]
            denom = np.sqrt(rest.multiply(rest).sum() * own.multiply(own).sum())
            if denom > 1e-12:
                columns["thread_word"][i] = min(max(rest.multiply(own).sum() / denom, 0.0), 1.0)
    columns["article_word_sqrt"] = np.sqrt(np.clip(columns["article_word"], 0, None))
    columns["thread_word_sqrt"] = np.sqrt(np.clip(columns["thread_word"], 0, None))
    return np.column_stack([columns[name] for name in CONTEXT_FEATURES])


def word_block(texts, features) -> sp.csr_matrix:
    """The word n-gram block of the whole texts' rows (what similarities compare)."""
    ngrams = features.ngrams_
    units = []
    for text in texts:
        codes, classes, _ = normalize(text or "")
        words = []
        for start, end in windows(codes, classes):
            words += window_columns(codes, classes, start, end, ngrams)[1]
        units.append(([], words))
    return tfidf_rows(units, ngrams)[:, 1 << ngrams.char_bits :].tocsr()


def dense_columns(texts, articles, parents, groups, features) -> np.ndarray:
    """The columns after the n-grams: standardised, clipped text cues, then the context."""
    raw = np.array([text_cues_reference(t) for t in texts], np.float64).reshape(len(texts), -1)
    cues = np.clip((raw - features.cue_mean_) / features.cue_scale_, -CUE_CLIP, CUE_CLIP)
    if features.context and groups is not None:
        kept = thread_relative_cues(raw, texts, articles, groups)
        none = np.clip(-features.cue_mean_ / features.cue_scale_, -CUE_CLIP, CUE_CLIP)
        for c in [TEXT_FEATURES.index(name) for name in THREAD_RELATIVE_PATTERNS]:
            cues[:, c] = none[c] + (cues[:, c] - none[c]) * kept[:, c]
    if not features.context:
        return cues
    if set(CONTEXT_FEATURES) - set(REFERENCE_CONTEXT_FEATURES):
        # Context features added since (the off-topic work) have no plain definition here
        # yet: their block is the production one (fitted.FittedFeatures.extra), so only
        # the n-grams, the cues and the combiner are checked independently. To do: define
        # them in context_columns.
        batch = CommentBatch(texts=texts, articles=_blank_none(articles),
                             parents=_blank_none(parents), groups=groups)
        return np.hstack([cues, features.extra(batch)[:, cues.shape[1]:]])
    return np.hstack([cues, context_columns(texts, articles, parents, groups, features)])


def thread_relative_cues(cues, texts, articles, groups) -> np.ndarray:
    """Per text and cue (``cues``: raw, one row per text), how much of the standardised cue
    is kept: for each ``THREAD_RELATIVE_PATTERNS`` cue of a comment in a group, 1 - the
    share of its thread that has one (the other comments of its group, and its article when
    it has one: a link under an article with links is not off-topic); 1 elsewhere."""
    columns = [TEXT_FEATURES.index(name) for name in THREAD_RELATIVE_PATTERNS]
    out = np.ones_like(cues)
    for i, group in enumerate(groups):
        if group is None:
            continue
        thread = [cues[j] for j, g in enumerate(groups) if j != i and g is not None
                  and g == group]
        if articles is not None and _given(articles[i]):
            thread.append(text_cues_reference(articles[i]))
        for c in columns:
            if thread:
                out[i, c] = 1.0 - sum(row[c] > 0 for row in thread) / len(thread)
    return out


def _blank_none(values):
    return None if values is None else ["" if v is None else v for v in values]


# --- 5. probabilities ------------------------------------------------------------------------


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0)))


def predict_reference(model, texts: Sequence[str], articles: Sequence[str] | None = None,
                      parents: Sequence[str] | None = None,
                      groups: Sequence | None = None) -> np.ndarray:
    """What ``model.predict`` returns, computed in plain Python/numpy/scipy from
    ``model.pipeline`` (the fitted ``CommentFeatures`` and ``AttributeClassifiers``):

    - ``logit = [n-grams | cues | context] @ coef_ + intercept_`` per attribute;
    - for the attributes of ``model.combiner`` (``(a, b, c)``): ``sigmoid(a * logit + b *
      best + c)``, where ``best`` is the larger of ``logit`` and the best sentence window's
      n-gram logit (``window @ coef_ + intercept_``) for comments of ``WINDOW_MIN_CHARS``
      characters or more with two windows or more (when ``model.windows``), else ``logit``;
      the others ``sigmoid(logit)``;
    - the attributes of ``model.capped`` at most the toxicity probability.
    """
    texts = ["" if t is None else str(t) for t in texts]
    features = model.pipeline.named_steps["features"]
    classifier = model.pipeline.named_steps["classifier"]
    ngrams = features.ngrams_
    coef = np.asarray(classifier.coef_, np.float64)
    intercept = np.asarray(classifier.intercept_, np.float64)
    n_ngrams = features.slices_["text"].start
    if not texts:
        return np.zeros((0, len(model.attributes)))
    whole, window_rows, owner = ngram_rows(texts, ngrams)
    dense = dense_columns(texts, articles, parents, groups, features)
    logits = whole @ coef[:n_ngrams] + dense @ coef[n_ngrams:] + intercept
    window_logits = window_rows @ coef[:n_ngrams] + intercept
    probabilities = sigmoid(logits)
    for j, attribute in enumerate(model.attributes):
        if attribute not in model.combiner:
            continue
        a, b, c = model.combiner[attribute]
        for d, text in enumerate(texts):
            best = logits[d, j]
            mine = window_logits[owner == d, j]
            if model.windows and len(mine) >= 2 and len(text) >= WINDOW_MIN_CHARS:
                best = max(best, mine.max())
            probabilities[d, j] = sigmoid(a * logits[d, j] + b * best + c)
    if model.capped:
        toxicity = probabilities[:, model.attributes.index("toxicity")].copy()
        for attribute in model.capped:
            j = model.attributes.index(attribute)
            probabilities[:, j] = np.minimum(probabilities[:, j], toxicity)
    return probabilities
