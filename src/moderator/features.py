"""Features shared by every attribute: one sparse matrix per batch of comments.

Columns, in order (``CommentFeatures.slices_`` names them):

- ``word``: TF-IDF of word unigrams+bigrams from nltk's tweet tokenizer (emoji, handles, URLs
  stay whole; masked words such as ``f*ck`` stay one token);
- ``char``: TF-IDF of character 2–4-grams inside word boundaries (catches obfuscation);
- ``text``: standardised dense cues of the comment alone (length, URLs, e-mail, phone numbers,
  money, capitals, digits, symbols, character entropy, consonant runs …: spam and gibberish);
- ``context``: similarity of the comment to its article, its parent and the rest of its
  thread (cosine of word and character TF-IDF vectors), with presence indicators.

Only the context attributes (``off_topic``) use the last two blocks (``n_extra_features_``
columns); the toxicity attributes see the word and character n-grams alone.

Text is normalised before both vectorisers: lower case, leetspeak between letters
(``sh1t``, ``a$$hole``), letter elongations (``stuuupid``) and long punctuation runs.
``normalise_with_offsets`` maps each normalised character back to the original text, which is
how explanations report offsets into the comment as written.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import regex
import scipy.sparse as sp
from nltk.tokenize.casual import REGEXPS
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

# --- normalisation ---------------------------------------------------------------------------

_LEET = str.maketrans("0134579@$!|", "oieastgasil")
# Leet characters count only between letters: "sh1t", "a$$hole", "b!tch" but not "2020", "$5".
LEET_RE = re.compile(r"(?<=[a-z])[0134579@$!|]+(?=[a-z])")
# Letter elongations collapse to one letter ("fuuuuck" -> "fuck", "sooo" -> "so"); runs of
# four or more of the same symbol collapse to three ("!!!!!!" -> "!!!").
ELONGATION_RE = re.compile(r"(?!www\.)([^\W\d_])\1{2,}|([^\w\s])\2{3,}")


def _leet(match: re.Match) -> str:
    return match.group(0).translate(_LEET)


def _collapse(match: re.Match) -> str:
    if match.group(1) is not None:
        return match.group(1)
    return match.group(2) * 3


def normalise(text: str) -> str:
    """Lower-case and undo common obfuscation; see ``normalise_with_offsets`` for offsets."""
    text = text.lower()
    text = LEET_RE.sub(_leet, text)
    return ELONGATION_RE.sub(_collapse, text)


def normalise_with_offsets(text: str) -> tuple[str, list[int]]:
    """``normalise(text)`` plus, for each of its characters, the index it came from in text."""
    lowered = text.lower()
    if len(lowered) == len(text):
        offsets = list(range(len(text)))
    else:  # a few characters lower-case to two ("İ" -> "i̇")
        pieces, offsets = [], []
        for i, ch in enumerate(text):
            low = ch.lower()
            pieces.append(low)
            offsets.extend([i] * len(low))
        lowered = "".join(pieces)
    lowered = LEET_RE.sub(_leet, lowered)  # same length: offsets unchanged
    out, out_offsets, last = [], [], 0
    for match in ELONGATION_RE.finditer(lowered):
        out.append(lowered[last : match.start()])
        out_offsets.extend(offsets[last : match.start()])
        kept = _collapse(match)
        out.append(kept)
        out_offsets.extend(offsets[match.start() : match.start() + len(kept)])
        last = match.end()
    out.append(lowered[last:])
    out_offsets.extend(offsets[last:])
    return "".join(out), out_offsets


# --- tokenizer ---------------------------------------------------------------------------------

# nltk's TweetTokenizer expressions (URLs, emoticons, handles, hashtags, e-mail, emoji, words),
# preceded by one for masked words so that "f*ck" / "sh#t" / "f**king" stay single tokens.
_MASKED_WORD = r"(?:[^\W\d_]+(?:[*\#]+[^\W\d_]+)+)"
TOKEN_RE = regex.compile(
    "(" + "|".join((_MASKED_WORD, *REGEXPS)) + ")", regex.VERBOSE | regex.I | regex.UNICODE
)


def tokenize(text: str) -> list[str]:
    """Tweet-style tokens of (normalised) text."""
    return TOKEN_RE.findall(text)


def token_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token of ``tokenize(text)``."""
    return [m.span() for m in TOKEN_RE.finditer(text)]


def word_ngrams(text: str) -> list[str]:
    """Unigrams and bigrams of the tokens: the word vectoriser's analyzer."""
    tokens = TOKEN_RE.findall(text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


# --- sentence windows ------------------------------------------------------------------------

SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")
WINDOW_MIN_CHARS = 120  # shorter comments are scored whole only


def sentence_windows(texts: Sequence[str], min_chars: int = WINDOW_MIN_CHARS):
    """Sentences of the longer texts, so one vile sentence is not diluted by a long comment.

    Returns (window_texts, owner) where ``owner[i]`` is the index in ``texts`` of window i.
    Texts shorter than ``min_chars`` or of a single sentence have no windows.
    """
    windows: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        if len(text) < min_chars:
            continue
        parts = [p for p in SENTENCE_END_RE.split(text) if p and not p.isspace()]
        if len(parts) < 2:
            continue
        windows.extend(parts)
        owner.extend([i] * len(parts))
    return windows, np.asarray(owner, dtype=np.intp)


# --- dense text cues ---------------------------------------------------------------------------

URL_RE = re.compile(
    r"https?://\S+|www\.\S+|\b[a-z0-9-]+\.(?:com|net|org|info|biz|ru|io|co|xyz|top|shop|ly)\b\S*",
    re.I,
)
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+\.[a-z]{2,}\b", re.I)
PHONE_RE = re.compile(r"(?<!\w)\+?\d(?:[\s().-]?\d){8,}(?!\w)")
MONEY_RE = re.compile(
    r"[$€£]\s?\d[\d,.]*\s*[kKmM]?|\b\d[\d,.]*\s?(?:\$|usd|dollars|euros?|bucks)\b", re.I
)
CONSONANT_RUN_RE = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}", re.I)
WORD_RE = re.compile(r"\w+")

#: Pattern cues whose matches explanations can point at.
SPAN_PATTERNS = {"urls": URL_RE, "email": EMAIL_RE, "phone": PHONE_RE, "money": MONEY_RE}

TEXT_FEATURES = (
    "log_length",
    "urls",
    "email",
    "phone",
    "money",
    "upper_ratio",
    "digit_ratio",
    "symbol_ratio",
    "entropy",
    "consonant_runs",
    "vowel_ratio",
    "exclamations",
    "mean_word_length",
)


def _complement(keep: bytes) -> bytes:
    return bytes(b for b in range(256) if b not in keep)


_NOT_UPPER = _complement(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NOT_LOWER = _complement(b"abcdefghijklmnopqrstuvwxyz")
_NOT_DIGIT = _complement(b"0123456789")
_NOT_VOWEL = _complement(b"aeiouAEIOU")
_NOT_SYMBOL = _complement(b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def text_cues(text: str) -> list[float]:
    """Raw values of ``TEXT_FEATURES`` for one comment (cheap C-level passes only)."""
    raw = text.encode("utf-8", "ignore")
    n = max(len(raw), 1)
    upper = len(raw.translate(None, _NOT_UPPER))
    letters = upper + len(raw.translate(None, _NOT_LOWER))
    words = WORD_RE.findall(text)
    counts = Counter(text)
    total = max(len(text), 1)
    entropy = -sum(c / total * math.log2(c / total) for c in counts.values())
    return [
        math.log1p(len(text)),
        min(len(URL_RE.findall(text)), 3),
        1.0 if EMAIL_RE.search(text) else 0.0,
        1.0 if PHONE_RE.search(text) else 0.0,
        min(len(MONEY_RE.findall(text)), 3),
        upper / max(letters, 1),
        len(raw.translate(None, _NOT_DIGIT)) / n,
        len(raw.translate(None, _NOT_SYMBOL)) / n,
        entropy,
        len(CONSONANT_RUN_RE.findall(text)) / max(len(words), 1),
        len(raw.translate(None, _NOT_VOWEL)) / max(letters, 1),
        min(text.count("!"), 5),
        sum(map(len, words)) / max(len(words), 1),
    ]


CUE_CLIP = 3.0  # standardised cues are clipped to +-3 so one extreme comment cannot dominate

CONTEXT_FEATURES = (
    "has_article",
    "article_word",
    "article_char",
    "article_word_sqrt",
    "has_parent",
    "parent_word",
    "parent_char",
    "has_thread",
    "thread_word",
    "thread_word_sqrt",
)


# --- the batch a model scores ---------------------------------------------------------------


@dataclass
class CommentBatch:
    """Comments with their context, columnar. ``None`` columns mean "not known".

    ``groups`` are thread keys (comments sharing a key are one thread). ``members[i]`` False
    means row i is compared with its group's thread but is not part of it (used for the
    off-topic pairs made in training).
    """

    texts: Sequence[str]
    articles: Sequence[str] | None = None
    parents: Sequence[str] | None = None
    groups: Sequence | None = None
    members: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.texts)

    @classmethod
    def of(cls, X) -> CommentBatch:
        """A batch from a ``CommentBatch`` or a plain sequence of texts."""
        if isinstance(X, CommentBatch):
            return X
        if isinstance(X, str):
            raise TypeError("expected a sequence of texts, got one string")
        return cls(texts=list(X))


def _rowwise_dot(X: sp.csr_matrix, U: sp.csr_matrix, index: np.ndarray) -> np.ndarray:
    """dot(X[i], U[index[i]]) for every row i (0 where index[i] < 0), without materialising
    U[index] (an article's vector repeated for each of a million comments would not fit)."""
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


def _unique_index(values: Sequence[str] | None, n: int):
    """(unique non-empty values, index per row into them or -1)."""
    index = np.full(n, -1, dtype=np.intp)
    if values is None:
        return [], index
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        if value and not value.isspace():
            index[i] = seen.setdefault(value, len(seen))
    return list(seen), index


class CommentFeatures(TransformerMixin, BaseEstimator):
    """Comment (+ context) -> one sparse row: word TF-IDF | char TF-IDF | text cues | context.

    Accepts a ``CommentBatch`` or a sequence of texts (no context).
    """

    def __init__(
        self,
        word_ngram_range=(1, 2),
        char_ngram_range=(2, 4),
        min_df=2,
        max_word_features=200_000,
        max_char_features=200_000,
        sublinear_tf=True,
        context=True,
    ):
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_word_features = max_word_features
        self.max_char_features = max_char_features
        self.sublinear_tf = sublinear_tf
        self.context = context

    def _word_vectorizer(self, min_df):
        if tuple(self.word_ngram_range) != (1, 2):
            low, high = self.word_ngram_range
            return TfidfVectorizer(
                tokenizer=tokenize, lowercase=False, token_pattern=None,
                ngram_range=(low, high), min_df=min_df, max_features=self.max_word_features,
                sublinear_tf=self.sublinear_tf, dtype=np.float64,
            )
        return TfidfVectorizer(
            analyzer=word_ngrams, min_df=min_df, max_features=self.max_word_features,
            sublinear_tf=self.sublinear_tf, dtype=np.float64,
        )

    def fit(self, X, y=None):
        batch = CommentBatch.of(X)
        docs = [normalise(t or "") for t in batch.texts]
        if not docs:
            raise ValueError("cannot fit features on no comments")
        min_df = self.min_df if len(docs) >= 10 * max(self.min_df, 1) else 1
        self.word_vectorizer_ = self._word_vectorizer(min_df).fit(docs)
        self.char_vectorizer_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=tuple(self.char_ngram_range), lowercase=False,
            min_df=min_df, max_features=self.max_char_features, sublinear_tf=self.sublinear_tf,
            dtype=np.float64,
        ).fit(docs)
        cues = np.array([text_cues(t or "") for t in batch.texts], dtype=np.float64)
        self.cue_mean_ = cues.mean(axis=0)
        scale = cues.std(axis=0)
        self.cue_scale_ = np.where(scale > 1e-9, scale, 1.0)
        n_word = len(self.word_vectorizer_.vocabulary_)
        n_char = len(self.char_vectorizer_.vocabulary_)
        n_text = len(TEXT_FEATURES)
        n_context = len(CONTEXT_FEATURES) if self.context else 0
        edges = np.cumsum([0, n_word, n_char, n_text, n_context])
        self.slices_ = {
            name: slice(int(edges[i]), int(edges[i + 1]))
            for i, name in enumerate(("word", "char", "text", "context"))
        }
        self.n_features_out_ = int(edges[-1])
        # Text cues and context columns serve the context attributes (off_topic) only: on
        # toxicity, cues such as length or entropy learn the quirks of a labels file
        # (short insults) instead of language.
        self.n_extra_features_ = n_text + n_context
        return self

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        names = [f"word:{w}" for w in self.word_vectorizer_.get_feature_names_out()]
        names += [f"char:{c}" for c in self.char_vectorizer_.get_feature_names_out()]
        names += [f"text:{t}" for t in TEXT_FEATURES]
        if self.context:
            names += [f"context:{c}" for c in CONTEXT_FEATURES]
        return np.asarray(names, dtype=object)

    def scaled_cues(self, texts: Sequence[str]) -> np.ndarray:
        check_is_fitted(self)
        cues = np.array([text_cues(t or "") for t in texts], dtype=np.float64).reshape(
            len(texts), len(TEXT_FEATURES)
        )
        return np.clip((cues - self.cue_mean_) / self.cue_scale_, -CUE_CLIP, CUE_CLIP)

    def _vectorise(self, texts: Sequence[str]):
        docs = [normalise(t or "") for t in texts]
        return self.word_vectorizer_.transform(docs), self.char_vectorizer_.transform(docs)

    def transform(self, X):
        check_is_fitted(self)
        batch = CommentBatch.of(X)
        words, chars = self._vectorise(batch.texts)
        blocks = [words, chars, sp.csr_matrix(self.scaled_cues(batch.texts))]
        if self.context:
            blocks.append(sp.csr_matrix(self._context(batch, words, chars)))
        return sp.hstack(blocks, format="csr")

    def _context(self, batch: CommentBatch, words, chars) -> np.ndarray:
        n = len(batch)
        columns = np.zeros((n, len(CONTEXT_FEATURES)))
        # Article: the same article repeats for a whole thread; vectorise each once.
        articles, art_index = _unique_index(batch.articles, n)
        if articles:
            art_words, art_chars = self._vectorise(articles)
            columns[:, 0] = art_index >= 0
            columns[:, 1] = _rowwise_dot(words, art_words, art_index)
            columns[:, 2] = _rowwise_dot(chars, art_chars, art_index)
        # Parent: usually another comment of the batch; reuse its row when it is.
        parents, par_index = _unique_index(batch.parents, n)
        if parents:
            row_of = {}
            for i, text in enumerate(batch.texts):
                row_of.setdefault(text, i)
            missing = [p for p in parents if p not in row_of]
            if missing:
                extra_words, extra_chars = self._vectorise(missing)
                all_words = sp.vstack([words, extra_words], format="csr")
                all_chars = sp.vstack([chars, extra_chars], format="csr")
                for k, p in enumerate(missing):
                    row_of[p] = n + k
            else:
                all_words, all_chars = words, chars
            lookup = np.array([row_of[p] for p in parents], dtype=np.intp)
            rows = np.where(par_index >= 0, lookup[np.maximum(par_index, 0)], -1)
            columns[:, 4] = par_index >= 0
            columns[:, 5] = _rowwise_dot(words, all_words, rows)
            columns[:, 6] = _rowwise_dot(chars, all_chars, rows)
        # Thread: cosine with the sum of the other comments of the same group.
        if batch.groups is not None:
            columns[:, 7], columns[:, 8] = self._thread_similarity(batch, words)
        columns[:, 3] = np.sqrt(np.clip(columns[:, 1], 0, None))
        columns[:, 9] = np.sqrt(np.clip(columns[:, 8], 0, None))
        return columns

    @staticmethod
    def _thread_similarity(batch: CommentBatch, words):
        n = len(batch)
        codes = np.full(n, -1, dtype=np.intp)
        seen: dict = {}
        for i, group in enumerate(batch.groups):
            if group is not None:
                codes[i] = seen.setdefault(group, len(seen))
        members = (
            np.ones(n, dtype=bool) if batch.members is None else np.asarray(batch.members, bool)
        )
        members &= codes >= 0
        if not seen:
            return np.zeros(n), np.zeros(n)
        member_rows = np.flatnonzero(members)
        membership = sp.csr_matrix(
            (np.ones(len(member_rows)), (codes[member_rows], member_rows)), shape=(len(seen), n)
        )
        sums = (membership @ words).tocsr()
        sizes = np.asarray(membership.sum(axis=1)).ravel()
        sum_norm2 = np.asarray(sums.multiply(sums).sum(axis=1)).ravel()
        self_norm2 = np.asarray(words.multiply(words).sum(axis=1)).ravel()
        dot = _rowwise_dot(words, sums, codes)
        valid = codes >= 0
        own = members.astype(np.float64)
        rest_dot = dot - own * self_norm2
        rest_norm2 = np.where(
            valid, sum_norm2[np.maximum(codes, 0)] - 2 * own * dot + own * self_norm2, 0.0
        )
        others = np.where(valid, sizes[np.maximum(codes, 0)] - own, 0)
        denom = np.sqrt(np.clip(rest_norm2, 0, None) * self_norm2)
        cosine = np.divide(rest_dot, denom, out=np.zeros(n), where=denom > 1e-12)
        return (others > 0).astype(np.float64), np.clip(cosine, 0.0, 1.0)
