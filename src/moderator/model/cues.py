"""What scoring needs at run time, importable without scikit-learn.

The fitted feature state of a model (``FittedFeatures``: hashed n-grams, text cues, context
similarities) and the functions behind it. ``moderator.features.CommentFeatures`` is the
scikit-learn transformer that fits this state; a loaded model keeps only the state, so that
scoring does not pay for importing scikit-learn (0.8 s of a 1.0 s model load).
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from .errors import ConfigError
from .kernel_contract import CUE_COLUMNS
from .kernels import Kernel
from .ngrams import char_tables, normalize_codes, text_codes

WINDOW_MIN_CHARS = 120  # shorter comments are scored whole only
#: texts per compiled scoring call: arrays that stay small (RSS, caches), work to share out
SCORE_CHUNK = 2048
THREADS_ENV = "MODERATOR_THREADS"


#: Thread caps that process pools set for their workers: joblib's loky workers (an export
#: with --jobs) get NUMBA_NUM_THREADS and OMP_NUM_THREADS = cores // jobs, Dask's nanny
#: OMP_NUM_THREADS=1. Without honouring them, 2 export workers on 2 cores ran 4 threads.
WORKER_THREAD_CAPS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS")


def _positive_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def scoring_threads() -> int:
    """Threads that score chunks at once: ``$MODERATOR_THREADS``; else the usable cores (at
    most 8), capped by a worker pool's ``NUMBA_NUM_THREADS``/``OMP_NUM_THREADS``.

    Raises ``ConfigError`` when ``$MODERATOR_THREADS`` is set to anything but a positive
    whole number (the caps, set by other tools, are ignored when they are not)."""
    chosen = _positive_int(THREADS_ENV)
    if chosen is not None:
        return chosen
    if os.environ.get(THREADS_ENV, "").strip():
        raise ConfigError(f"${THREADS_ENV} must be a whole number of threads, 1 or more "
                          f"(e.g. {THREADS_ENV}=2), not {os.environ[THREADS_ENV]!r}")
    cores = max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                       else (os.cpu_count() or 1)))
    caps = [cap for cap in map(_positive_int, WORKER_THREAD_CAPS) if cap is not None]
    return min([cores, *caps])


# --- dense text cues ---------------------------------------------------------------------------

#: the top-level domains that make a bare ``name.tld`` a URL (``URL_RE``, its hints, and the
#: compiled matcher's table)
TLDS = ("com", "net", "org", "info", "biz", "ru", "io", "co", "xyz", "top", "shop", "ly")
URL_RE = re.compile(
    rf"https?://\S+|www\.\S+|\b[a-z0-9-]+\.(?:{'|'.join(TLDS)})\b\S*",
    re.I,
)
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+\.[a-z]{2,}\b", re.I)
PHONE_RE = re.compile(r"(?<!\w)\+?\d(?:[\s().-]?\d){8,}(?!\w)")
MONEY_RE = re.compile(
    r"[$€£]\s?\d[\d,.]*\s*[kKmM]?|\b\d[\d,.]*\s?(?:\$|usd|dollars|euros?|bucks)\b", re.I
)
# ASCII consonants only: under re.I, [a-z] would also take ſ (as s) and the Kelvin sign (k)
CONSONANT_RUN_RE = re.compile(r"[bcdfghjklmnpqrstvwxzBCDFGHJKLMNPQRSTVWXZ]{5,}")
WORD_RE = re.compile(r"\w+")

#: Pattern cues whose matches explanations can point at.
SPAN_PATTERNS = {"urls": URL_RE, "email": EMAIL_RE, "phone": PHONE_RE, "money": MONEY_RE}
#: pattern cues whose value counts their matches (up to 3); the others are 1.0 on any match
COUNTED_PATTERNS = ("urls", "money")

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


# Cheap tests that rule a pattern out before its (slower) regular expression runs; each is
# implied by any match of the pattern, so the cues are unchanged (a test holds them equal).
# (plain substrings of the lower-cased text, searched as one compiled alternation)
_URL_HINTS = re.compile("|".join(map(re.escape, (
    "http://", "https://", "www.", *(f".{tld}" for tld in TLDS)))))
_MONEY_HINTS = re.compile("|".join(map(re.escape, ("$", "€", "£", "usd", "dollar", "euro",
                                                    "buck"))))


def _any_in(hints: re.Pattern, lowered: str) -> bool:
    return hints.search(lowered) is not None

# ASCII consonants (either case) -> "c", everything else -> " ": runs of five are then a
# plain bytes search, 4x faster than the case-insensitive str pattern.
_CONSONANTS = b"bcdfghjklmnpqrstvwxzBCDFGHJKLMNPQRSTVWXZ"
_CONSONANT_MAP = bytes(ord("c") if b in _CONSONANTS else ord(" ") for b in range(256))
_CONSONANT_RUN_BYTES = re.compile(rb"c{5,}")


def text_cues(text: str) -> list[float]:
    """Raw values of ``TEXT_FEATURES`` for one comment (cheap C-level passes only)."""
    raw = text.encode("utf-8", "ignore")
    n = max(len(raw), 1)
    upper = len(raw.translate(None, _NOT_UPPER))
    letters = upper + len(raw.translate(None, _NOT_LOWER))
    digits = len(raw.translate(None, _NOT_DIGIT))
    words = WORD_RE.findall(text)
    counts = Counter(text)
    total = max(len(text), 1)
    entropy = -sum(c / total * math.log2(c / total) for c in counts.values())
    consonant_runs = len(_CONSONANT_RUN_BYTES.findall(raw.translate(_CONSONANT_MAP)))
    return [
        math.log1p(len(text)),
        min(len(URL_RE.findall(text)), 3) if _any_in(_URL_HINTS, text.lower()) else 0,
        1.0 if "@" in text and EMAIL_RE.search(text) else 0.0,
        1.0 if digits >= 9 and PHONE_RE.search(text) else 0.0,
        min(len(MONEY_RE.findall(text)), 3)
        if digits and _any_in(_MONEY_HINTS, text.lower()) else 0,
        upper / max(letters, 1),
        digits / n,
        len(raw.translate(None, _NOT_SYMBOL)) / n,
        entropy,
        consonant_runs / max(len(words), 1),
        len(raw.translate(None, _NOT_VOWEL)) / max(letters, 1),
        min(text.count("!"), 5),
        sum(map(len, words)) / max(len(words), 1),
    ]


def _hint_array(hints: tuple[str, ...]) -> np.ndarray:
    """Hints as rows of code points padded with 0 (for ``_has_hint``)."""
    table = np.zeros((len(hints), max(map(len, hints))), np.uint32)
    for i, hint in enumerate(hints):
        table[i, : len(hint)] = [ord(c) for c in hint]
    return table


# The hints of _URL_HINTS / _MONEY_HINTS, for the compiled pre-test.
_URL_HINT_CODES = _hint_array(("http://", "https://", "www.", *(f".{tld}" for tld in TLDS)))
_MONEY_HINT_CODES = _hint_array(("$", "€", "£", "usd", "dollar", "euro", "buck"))


def _ascii_flags() -> np.ndarray:
    """Per ASCII character, the bits ``_cue_statistics`` counts: 1 upper, 2 lower, 4 digit,
    8 symbol, 16 "!", 32 vowel, 64 consonant (of the runs: not y), 128 word character,
    256 "@" or the first character of a URL hint (either case)."""
    import re as _re

    flags = np.zeros(128, np.int64)
    for c in range(128):
        ch = chr(c)
        bits = 0
        bits |= 1 if "A" <= ch <= "Z" else 0
        bits |= 2 if "a" <= ch <= "z" else 0
        bits |= 4 if "0" <= ch <= "9" else 0
        bits |= 8 if ch in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" else 0
        bits |= 16 if ch == "!" else 0
        bits |= 32 if ch in "aeiouAEIOU" else 0
        bits |= 64 if ch.isalpha() and ch.lower() not in "aeiouy" else 0
        bits |= 128 if _re.match(r"\w", ch) else 0
        bits |= 256 if ch == "@" or ch.lower() in {chr(h[0]) for h in _URL_HINT_CODES} else 0
        flags[c] = bits
    return flags


_ASCII_FLAGS = _ascii_flags()


#: the column of each of ``CUE_COLUMNS`` in ``_cue_statistics``' rows
CUE = {name: j for j, name in enumerate(CUE_COLUMNS)}
#: the columns that say which patterns may match (``possible_patterns``' arguments)
CUE_GATES = [CUE[name] for name in ("may_url", "may_money", "may_phone", "may_email")]


def _cue_statistics(codes, offsets, classes, url_hints, money_hints, digit, tlds):
    """Per text, the columns ``CUE_COLUMNS`` (named as in ``text_cues``: its character
    statistics, all but the patterns), and the digit count, in one compiled pass. Ratios are
    over UTF-8 bytes, as in text_cues; words are ``\\w`` runs within the Basic Multilingual
    Plane (``astral_words`` is 1 where the text has characters beyond it that may be word
    characters, not emoji: Python counts the words of these texts). ``may_url`` and
    ``may_money``: whether the URL / money hints (money: with a digit) are in the
    lower-cased text: 1 where they are (``_any_in`` True), 0 where they are not, 2 where
    ``_any_in`` must tell (İ or the Kelvin sign, whose str.lower() holds ASCII without being
    ASCII; otherwise it maps ASCII letters as the compiled test does and keeps the rest
    non-ASCII, one character each); ``may_phone`` and ``may_email``: whether
    ``PHONE_RE`` (9 digits or more) and ``EMAIL_RE`` may match; the regular expressions run
    only where these allow.

    ``url_count`` and ``phone_match``, where ``may_url`` and ``may_phone`` allow: the number
    of ``URL_RE`` matches (up to 3) and whether ``PHONE_RE`` matches, -1 where Python must
    tell (a character beyond the BMP).

    One pass per text gathers the statistics, the character counts of the entropy and the
    URL hints; the money, phone and e-mail tests run only when their gates allow (digits,
    9 digits, an ``@``)."""
    ndoc = offsets.shape[0] - 1
    out = np.zeros((ndoc, len(CUE_COLUMNS)))
    _CUE_STATISTICS(codes=codes, offsets=offsets, ndoc=ndoc, classes=classes,
                    flags=_ASCII_FLAGS, url_hint_codes=url_hints, url_rows=url_hints.shape[0],
                    url_width=url_hints.shape[1], money_hint_codes=money_hints,
                    money_rows=money_hints.shape[0], money_width=money_hints.shape[1],
                    digit=digit, **_tld_arguments(tlds), out_width=out.shape[1], out=out)
    return out


def _tld_arguments(tlds) -> dict:
    return {"tld_codes": tlds, "tld_rows": tlds.shape[0], "tld_width": tlds.shape[1]}


_CUE_STATISTICS = Kernel("cue_statistics")


# --- URL_RE and PHONE_RE, compiled (for texts within the BMP) ----------------------------------
# In C (csrc/runtime.c). Under re.I, [a-z] and the letters of URL_RE match İ, dotless ı,
# long ſ and the Kelvin sign besides the ASCII ones (a test checks every BMP character
# against the regular expressions).
_TLDS = _hint_array(TLDS)


@lru_cache(maxsize=1)
def digit_table() -> np.ndarray:
    """``\\d`` (Unicode decimal digits) for every BMP code point."""
    return np.fromiter(map(str.isdecimal, map(chr, range(65536))), np.bool_, count=65536)


def _same_letter(c: int, want: int) -> bool:
    """Whether code point ``c`` matches the ASCII character ``want`` as a pattern compiled
    with re.I."""
    return _SAME_LETTER(c=int(c), want=int(want))


def _in_host_class(c: int) -> bool:
    """``[a-z0-9-]`` under re.I."""
    return _IN_HOST_CLASS(c=int(c))


def _url_matches(codes, a, b, classes, tlds, limit, starts, ends) -> int:
    """The first ``limit`` matches of ``URL_RE`` in codes[a:b] (as ``finditer`` finds them)
    into ``starts``/``ends`` (offsets from a; no more than they hold); returns how many.
    BMP texts only."""
    limit = min(int(limit), len(starts), len(ends))
    return _URL_MATCHES(codes=codes, a=int(a), b=int(b), classes=classes,
                        **_tld_arguments(tlds), limit=limit, starts=starts, ends=ends)


def _phone_search(codes, a, b, classes, digit) -> bool:
    """Whether ``PHONE_RE`` matches in codes[a:b] (BMP texts only): a chain of digits, each
    next one adjacent or after one of ``\\s().-``, from a digit after no word character to
    one before none, 9 digits or more."""
    return _PHONE_SEARCH(codes=codes, a=int(a), b=int(b), classes=classes, digit=digit)


def _phone_matches(codes, a, b, classes, digit, starts, ends) -> int:
    """The matches of ``PHONE_RE`` in codes[a:b] as ``finditer`` finds them, into
    ``starts``/``ends`` (offsets from a; no more than they hold); returns how many. BMP
    texts only."""
    return _PHONE_MATCHES(codes=codes, a=int(a), b=int(b), classes=classes, digit=digit,
                          capacity=min(len(starts), len(ends)), starts=starts, ends=ends)


_SAME_LETTER = Kernel("same_letter_of")
_IN_HOST_CLASS = Kernel("in_host_class_of")
_URL_MATCHES = Kernel("url_matches_at")
_PHONE_SEARCH = Kernel("phone_search_at")
_PHONE_MATCHES = Kernel("phone_matches_at")


def _pattern_spans(codes, offsets, pos, noff, req_doc, req_kind, classes, digit, tlds):
    """For explanations: per request r, the matches of ``URL_RE`` (``req_kind[r]`` 0) or
    ``PHONE_RE`` (1) in text ``req_doc[r]`` of ``ngrams.text_codes`` output, as normalised
    ``[start, end)`` (``pos``/``noff`` of ``ngrams.normalize_codes``) of the matches whose first
    and last characters normalisation kept. Returns ``(count, ptr, start, end)``;
    ``count[r]`` is the number of matches, -1 where Python must find them (a character
    beyond the BMP)."""
    nreq = req_doc.shape[0]
    lengths = offsets[req_doc + 1] - offsets[req_doc]
    cap = int(lengths.sum())
    longest = int(lengths.max()) if nreq else 0
    count = np.zeros(nreq, np.int64)
    ptr = np.zeros(nreq + 1, np.int64)
    out_s = np.empty(cap, np.int64)
    out_e = np.empty(cap, np.int64)
    m = _PATTERN_SPANS(codes=codes, offsets=offsets, pos=pos, noff=noff, req_doc=req_doc,
                       req_kind=req_kind, nreq=nreq, classes=classes, digit=digit,
                       **_tld_arguments(tlds), scratch_capacity=longest + 1,
                       starts=np.empty(longest + 1, np.int64),
                       ends=np.empty(longest + 1, np.int64), count=count, ptr=ptr,
                       capacity=cap, out_s=out_s, out_e=out_e)
    return count, ptr, out_s[:m], out_e[:m]


_PATTERN_SPANS = Kernel("pattern_spans")


def pattern_spans(codes, offsets, pos, noff, req_doc, req_kind):
    """``_pattern_spans`` with the character tables."""
    return _pattern_spans(codes, offsets, pos, noff, np.asarray(req_doc, np.int64),
                          np.asarray(req_kind, np.int64), char_tables()[0], digit_table(), _TLDS)


def text_cues_batch(texts: Sequence[str]) -> np.ndarray:
    """``text_cues`` of many texts, shape (len(texts), len(TEXT_FEATURES)): the character
    statistics in one compiled pass, the patterns only where a cheap test allows a match."""
    texts = [t or "" for t in texts]
    codes, offsets = text_codes(texts)
    return _cues_of(texts, cue_statistics(codes, offsets))


def cue_statistics(codes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``_cue_statistics`` of ``ngrams.text_codes`` output."""
    return _cue_statistics(codes, offsets, char_tables()[0], _URL_HINT_CODES,
                           _MONEY_HINT_CODES, digit_table(), _TLDS)


def _cues_of(texts: Sequence[str], stats: np.ndarray) -> np.ndarray:
    """``text_cues_batch`` from ``_cue_statistics``: the patterns where a cheap test allows."""
    cues = np.zeros((len(texts), len(TEXT_FEATURES)))
    column = {name: i for i, name in enumerate(TEXT_FEATURES)}
    for name in TEXT_FEATURES:
        if name in CUE:
            cues[:, column[name]] = stats[:, CUE[name]]
    for i in np.flatnonzero(stats[:, CUE["astral_words"]]).tolist():
        # words with letters beyond the BMP (𝐛𝐨𝐥𝐝, rare CJK ideographs): as text_cues counts
        words = WORD_RE.findall(texts[i])
        runs = _CONSONANT_RUN_BYTES.findall(
            texts[i].encode("utf-8", "ignore").translate(_CONSONANT_MAP))
        cues[i, column["consonant_runs"]] = len(runs) / max(len(words), 1)
        cues[i, column["mean_word_length"]] = sum(map(len, words)) / max(len(words), 1)
    may_url, may_money, may_phone, may_email, urls, phone = (
        stats[:, CUE[name]].tolist() for name in ("may_url", "may_money", "may_phone",
                                                  "may_email", "url_count", "phone_match"))
    for i in np.flatnonzero(np.any(stats[:, CUE_GATES] > 0, axis=1)).tolist():
        text = texts[i]
        for name in possible_patterns(text, may_url[i], may_money[i], may_phone[i],
                                      may_email[i]):
            if name == "urls":
                cues[i, column["urls"]] = (urls[i] if urls[i] >= 0
                                           else min(len(URL_RE.findall(text)), 3))
            elif name == "email":
                if EMAIL_RE.search(text):
                    cues[i, column["email"]] = 1.0
            elif name == "phone":
                if phone[i] > 0 if phone[i] >= 0 else PHONE_RE.search(text):
                    cues[i, column["phone"]] = 1.0
            else:
                cues[i, column["money"]] = min(len(MONEY_RE.findall(text)), 3)
    return cues


def possible_patterns(text: str, may_url, may_money, may_phone, may_email) -> list[str]:
    """The ``SPAN_PATTERNS`` that may match ``text``, from its ``_cue_statistics`` gates
    (``may_url``, ``may_money``, ``may_phone``, ``may_email``): the URL and money hints are
    1 when there, 2 when only ``str.lower`` can tell (İ or the Kelvin sign), phone and
    e-mail 1 when their pattern may match.
    The patterns themselves still decide; this only rules out texts they cannot match."""
    lowered = text.lower() if may_url == 2 or may_money == 2 else ""
    names = []
    if may_url == 1 or (may_url and _any_in(_URL_HINTS, lowered)):
        names.append("urls")
    if may_email:
        names.append("email")
    if may_phone:
        names.append("phone")
    if may_money == 1 or (may_money and _any_in(_MONEY_HINTS, lowered)):
        names.append("money")
    return names


CUE_CLIP = 3.0  # standardised cues are clipped to +-3 so one extreme comment cannot dominate

# Similarities use the word block only: character n-grams cost ten times as much to
# vectorise (articles, parents and every comment of a thread) for little off-topic signal.
# Several views of "shares something with": cosine of TF-IDF (``*_word``), the share of the
# comment's word weight (idf) found in the context (``*_overlap``: rare words count most),
# BM25 of the comment as a query against the context (``*_bm25``, divided by its maximum),
# and cosine in a topic space learned on the training texts (``*_topic``: TruncatedSVD of the
# word TF-IDF, so "visa" and "sponsor" meet without sharing a word). ``best_*`` take the
# best context there is: a reply that answers its parent is on topic whatever the article.
#
# ``asks_under_question``: the comment asks something ("?") under an article that is itself a
# question. In a forum thread that is not an answer (SemEval labels it Bad); under a blog post
# or a news article a question is ordinary conversation. Without it the question n-grams
# ("How long do you", "Do you expect") carried the forum's judgement to every thread.
#
# One indicator, ``has_context`` (any article, parent or thread), not one per context: one
# per context added up where the training rows never had them together (forum questions
# have an article and a thread, talk-page replies only a parent), and a reply in a real
# thread - article, parent and thread at once - got the sum of the baselines (0.99 off
# topic for "Is the remote option open to people in Portugal?" under a job post).
CONTEXT_FEATURES = (
    "has_context",
    "article_word",
    "article_word_sqrt",
    "parent_word",
    "thread_word",
    "thread_word_sqrt",
    "article_overlap",
    "article_bm25",
    "article_topic",
    "parent_overlap",
    "parent_bm25",
    "parent_topic",
    "thread_topic",
    "best_word",
    "best_word_sqrt",
    "best_overlap",
    "best_topic",
    "asks_under_question",
)
#: The context columns are multiplied by this in the feature matrix, so that the logistic
#: regression's L2 penalty weighs them less than the n-grams: the forum corpus's n-grams
#: ("How long do you ...") otherwise carried its idea of a good answer to every thread.
CONTEXT_SCALE = 3.0
#: The contexts a comment can be compared with, in the order the output names them.
CONTEXTS = ("article", "parent", "thread")
#: Pattern cues judged against the thread: a link, an e-mail address, a phone number or a
#: price is off-topic only where the rest of the thread (and its article) has none. Their
#: cue is multiplied by 1 - the share of the thread's other comments (and the article) that
#: have one too: in a who-is-hiring or classifieds thread it is the topic.
THREAD_RELATIVE_PATTERNS = ("urls", "email", "phone", "money")
BM25_K1 = 1.2
BM25_B = 0.75


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


def rowwise_dot(X: sp.csr_matrix, U: sp.csr_matrix, index: np.ndarray) -> np.ndarray:
    """dot(X[i], U[index[i]]) for every row i (0 where index[i] < 0), without materialising
    U[index] (an article's vector repeated for each of a million comments would not fit).

    Rows are taken by their U row: that row is spread into a dense vector once, and each of
    its X rows sums its products against it in its own order (the sums of
    ``reference.rowwise_dot_reference``, which a test holds equal)."""
    n = X.shape[0]
    out = np.zeros(n)
    if U.shape[0] == 0 or X.nnz == 0:
        return out
    X = X.tocsr()
    U = U.tocsr()
    U.sort_indices()
    index = np.asarray(index, dtype=np.int64)
    order = np.argsort(index, kind="stable")
    order = order[index[order] >= 0]
    # float32 products where both are float32 (the word blocks), else float64 throughout
    both32 = X.data.dtype == np.float32 and U.data.dtype == np.float32
    dtype = np.float32 if both32 else np.float64
    kernel = _ROWWISE_DOT_F32 if both32 else _ROWWISE_DOT_F64
    kernel(x_ptr=X.indptr.astype(np.int64), x_cols=X.indices.astype(np.int32, copy=False),
           x_data=X.data.astype(dtype, copy=False), u_ptr=U.indptr.astype(np.int64),
           u_cols=U.indices.astype(np.int32, copy=False), u_data=U.data.astype(dtype, copy=False),
           index=index, order=order, n_order=len(order), dense=np.zeros(U.shape[1], dtype),
           out=out)
    return out


_ROWWISE_DOT_F32 = Kernel("rowwise_dot_f32")
_ROWWISE_DOT_F64 = Kernel("rowwise_dot_f64")


def unique_index(values: Sequence[str] | None, n: int):
    """(unique non-empty values, index per row into them or -1)."""
    index = np.full(n, -1, dtype=np.intp)
    if values is None:
        return [], index
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        if value and not value.isspace():
            index[i] = seen.setdefault(value, len(seen))
    return list(seen), index


class FittedFeatures:
    """A fitted feature state: ``ngrams_`` (HashedNgrams), ``cue_mean_``/``cue_scale_``,
    ``slices_`` (char, word, text, context column ranges), ``context`` and
    ``n_extra_features_``. ``CommentFeatures`` fits it; ``of`` copies it out of one."""

    STATE = ("ngrams_", "cue_mean_", "cue_scale_", "slices_", "context", "n_extra_features_",
             "n_features_out_", "topic_columns_", "topic_components_", "context_length_")

    @classmethod
    def of(cls, fitted) -> FittedFeatures:
        """The plain state of a fitted ``CommentFeatures`` (no scikit-learn inside)."""
        state = object.__new__(cls)
        for name in cls.STATE:
            setattr(state, name, getattr(fitted, name))
        return state

    def scaled_cues(self, texts: Sequence[str]) -> np.ndarray:
        cues = text_cues_batch(texts)
        return np.clip((cues - self.cue_mean_) / self.cue_scale_, -CUE_CLIP, CUE_CLIP)

    def _split(self, ngrams):
        """(words, chars) blocks of an n-gram matrix."""
        n_char = self.slices_["char"].stop
        return ngrams[:, n_char:], ngrams[:, :n_char]

    def _words(self, texts: Sequence[str]):
        """The word block of ``texts`` (what the context similarities compare)."""
        matrix = self.ngrams_.transform([t or "" for t in texts], chars=False)
        return self._split(matrix)[0]

    def extra(self, batch: CommentBatch, ngrams=None, cues=None, words=None) -> np.ndarray:
        """The dense columns after the n-grams (text cues, context) for ``batch``; ``cues``
        (raw ``text_cues_batch``) and ``words`` (the word block) when already computed."""
        if cues is None:
            cues = text_cues_batch(batch.texts)
        if self.context and batch.groups is not None:
            cues = self._thread_relative_cues(batch, cues)
        cues = np.clip((cues - self.cue_mean_) / self.cue_scale_, -CUE_CLIP, CUE_CLIP)
        if not self.context:
            return cues
        if ngrams is None and words is None and not self._has_context(batch):
            return np.hstack([cues, np.zeros((len(batch), len(CONTEXT_FEATURES)))])
        if words is None:
            words = self._words(batch.texts) if ngrams is None else self._split(ngrams)[0]
        return np.hstack([cues, CONTEXT_SCALE * self._context(batch, words)])

    def context_facts(self, batch: CommentBatch, extra: np.ndarray) -> list[dict]:
        """Per comment, what its off-topic score compared it with: ``{"used": [contexts],
        "similarity": {context: cosine}}`` from ``extra``'s context columns: the cosine of
        word TF-IDF, rounded to 2 places (the words shared, as a moderator can check them;
        the topic space finds 0.1-0.3 between unrelated short texts). ``used`` is empty
        when the comment had no context."""
        if not self.context or not len(batch):
            return [{"used": [], "similarity": {}} for _ in range(len(batch))]
        start = self.n_extra_features_ - len(CONTEXT_FEATURES)
        column = {name: start + i for i, name in enumerate(CONTEXT_FEATURES)}
        present = _contexts_present(batch)
        similarity = {c: np.round(extra[:, column[f"{c}_word"]] / CONTEXT_SCALE, 2)
                      for c in CONTEXTS}
        facts = []
        for i in range(len(batch)):
            used = [c for c in CONTEXTS if present[c][i]]
            facts.append({"used": used,
                          "similarity": {c: float(similarity[c][i]) for c in used}})
        return facts

    def _thread_relative_cues(self, batch: CommentBatch, cues: np.ndarray) -> np.ndarray:
        """``cues`` with each ``THREAD_RELATIVE_PATTERNS`` cue multiplied by 1 - the share of
        the comment's thread (its other member comments, and its article) that has one."""
        n = len(batch)
        codes, members = _group_codes(batch)
        if not (codes >= 0).any():
            return cues
        columns = [TEXT_FEATURES.index(name) for name in THREAD_RELATIVE_PATTERNS]
        has = (cues[:, columns] > 0).astype(np.float64)
        if not has.any():
            return cues
        n_groups = int(codes.max()) + 1
        valid = codes >= 0
        own = (members & valid).astype(np.float64)
        totals = np.zeros((n_groups, len(columns)))
        np.add.at(totals, codes[members & valid], has[members & valid])
        sizes = np.bincount(codes[members & valid], minlength=n_groups).astype(np.float64)
        group = np.maximum(codes, 0)
        with_it = totals[group] - own[:, None] * has
        others = sizes[group] - own
        articles, art_index = unique_index(batch.articles, n)
        if articles:
            article_has = text_cues_batch(articles)[:, columns] > 0
            with_it = with_it + np.where(art_index[:, None] >= 0,
                                         article_has[np.maximum(art_index, 0)], 0)
            others = others + (art_index >= 0)
        share = np.divide(with_it, others[:, None], out=np.zeros_like(with_it),
                          where=(others[:, None] > 0) & valid[:, None])
        cues = cues.copy()
        cues[:, columns] *= 1.0 - share
        return cues

    def score_batch(self, texts: Sequence[str], table: np.ndarray, words: bool = False):
        """The n-gram scores of ``texts`` (``HashedNgrams.score``: whole, best window, number
        of windows; ``table`` from ``HashedNgrams.score_table``), their raw text cues, and
        with ``words`` their word block (else None).

        Chunks of ``SCORE_CHUNK`` texts, each normalised once for all of it, on up to
        ``scoring_threads()`` threads (the kernels release the GIL)."""
        texts = [t or "" for t in texts]
        chunks = [texts[i : i + SCORE_CHUNK] for i in range(0, len(texts), SCORE_CHUNK)]
        threads = min(scoring_threads(), len(chunks))
        if threads > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(threads) as pool:
                parts = list(pool.map(lambda chunk: self._score_chunk(chunk, table, words),
                                      chunks))
        else:
            parts = [self._score_chunk(chunk, table, words) for chunk in chunks]
        k = table.shape[1] - 1
        if not parts:
            return (np.zeros((0, k)), np.zeros((0, k)), np.zeros(0, np.int64),
                    np.zeros((0, len(TEXT_FEATURES))),
                    self.ngrams_.words_matrix(np.zeros(1, np.int64), np.zeros(0, np.int32),
                                              np.zeros(0, np.float32)) if words else None)
        whole, best, n_windows, cues, blocks = zip(*parts, strict=True)
        return (np.concatenate(whole), np.concatenate(best), np.concatenate(n_windows),
                np.concatenate(cues), sp.vstack(blocks, format="csr") if words else None)

    def _score_chunk(self, texts, table, words):
        tables = char_tables()
        codes, offsets = text_codes(texts)
        nc, ncls, _, noff = normalize_codes(codes, offsets, *tables, False)
        whole, best, n_windows, ptr, cols, vals = self.ngrams_._score_normalized(
            nc, ncls, noff, table, words)
        del nc, ncls
        cues = _cues_of(texts, cue_statistics(codes, offsets))
        block = self.ngrams_.words_matrix(ptr, cols, vals) if words else None
        return whole, best, n_windows, cues, block

    @staticmethod
    def _has_context(batch: CommentBatch) -> bool:
        return any(
            column is not None and any(column)  # any non-empty text
            for column in (batch.articles, batch.parents)
        ) or batch.groups is not None

    def window_matrix(self, texts: Sequence[str], min_chars: int = WINDOW_MIN_CHARS):
        """Sentence windows of the longer texts, as n-gram rows (``(matrix, owner)``): one
        vile sentence is not diluted by a long comment. Texts shorter than ``min_chars`` or
        of a single sentence have none; the windows are those of ``HashedNgrams``."""
        texts = [t or "" for t in texts]
        matrix, owner = self.ngrams_.transform(texts, windows=True)
        counts = np.bincount(owner, minlength=len(texts))
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        eligible = (counts >= 2) & (lengths >= min_chars)
        keep = np.flatnonzero(eligible[owner])
        return matrix[keep], owner[keep]

    def _word_idf(self) -> np.ndarray:
        """The idf of the word block's columns (0 for n-grams unseen in training)."""
        return self.ngrams_.idf_[self.slices_["char"].stop - self.slices_["char"].start:]

    def _context(self, batch: CommentBatch, words) -> np.ndarray:
        n = len(batch)
        names = {name: i for i, name in enumerate(CONTEXT_FEATURES)}
        columns = np.zeros((n, len(CONTEXT_FEATURES)))
        idf = self._word_idf().astype(np.float64)
        query = _with_data(words, idf[words.indices])  # the comment's words, by idf
        topics = self._topics(words)
        # Article: the same article repeats for a whole thread; vectorise each once.
        articles, art_index = unique_index(batch.articles, n)
        if articles:
            asked = np.array(["?" in a for a in articles])
            columns[:, names["asks_under_question"]] = (
                (art_index >= 0) & asked[np.maximum(art_index, 0)]
                & np.array(["?" in (t or "") for t in batch.texts], dtype=bool))
            article_words = self._words(articles)
            columns[:, names["article_word"]] = rowwise_dot(words, article_words, art_index)
            self._lexical(query, article_words, art_index, columns[:, names["article_overlap"]],
                          columns[:, names["article_bm25"]])
            columns[:, names["article_topic"]] = _rowwise_dense(
                topics, self._topics(article_words), art_index)
        # Parent: usually another comment of the batch; reuse its row when it is.
        parents, par_index = unique_index(batch.parents, n)
        if parents:
            row_of = {}
            for i, text in enumerate(batch.texts):
                row_of.setdefault(text, i)
            missing = [p for p in parents if p not in row_of]
            if missing:
                missing_words = self._words(missing)
                all_words = sp.vstack([words, missing_words], format="csr")
                all_topics = np.vstack([topics, self._topics(missing_words)])
                for k, p in enumerate(missing):
                    row_of[p] = n + k
            else:
                all_words, all_topics = words, topics
            lookup = np.array([row_of[p] for p in parents], dtype=np.intp)
            rows = np.where(par_index >= 0, lookup[np.maximum(par_index, 0)], -1)
            columns[:, names["parent_word"]] = rowwise_dot(words, all_words, rows)
            self._lexical(query, all_words, rows, columns[:, names["parent_overlap"]],
                          columns[:, names["parent_bm25"]])
            columns[:, names["parent_topic"]] = _rowwise_dense(topics, all_topics, rows)
        # Thread: cosine with the sum of the other comments of the same group.
        if batch.groups is not None:
            has_thread, thread_word = self._thread_similarity(batch, words)
            columns[:, names["thread_word"]] = thread_word
            columns[:, names["thread_topic"]] = _thread_dense(batch, topics)
        columns[:, names["article_word_sqrt"]] = np.sqrt(
            np.clip(columns[:, names["article_word"]], 0, None))
        columns[:, names["thread_word_sqrt"]] = np.sqrt(
            np.clip(columns[:, names["thread_word"]], 0, None))
        present = _contexts_present(batch)
        columns[:, names["has_context"]] = np.logical_or.reduce(list(present.values()))

        def best(view, contexts=CONTEXTS):
            return columns[:, [names[f"{c}_{view}"] for c in contexts]].max(axis=1)

        columns[:, names["best_word"]] = best("word")
        columns[:, names["best_word_sqrt"]] = np.sqrt(np.clip(best("word"), 0, None))
        columns[:, names["best_overlap"]] = best("overlap", ("article", "parent"))
        columns[:, names["best_topic"]] = best("topic")
        return columns

    def _lexical(self, query, context_words, index, overlap, bm25) -> None:
        """Into ``overlap`` and ``bm25``: per comment (``query``: its words valued by idf),
        the share of its idf found in context row ``index[i]`` of ``context_words``, and
        BM25 of it against that row divided by its maximum (every word found, saturated)."""
        total = np.asarray(query.sum(axis=1)).ravel()
        present = _with_data(context_words, np.ones(context_words.nnz))
        np.divide(rowwise_dot(query, present, index), total, out=overlap, where=total > 0)
        counts, per_row, length = word_counts(context_words, self._word_idf())
        scale = BM25_K1 * (1 - BM25_B + BM25_B * length / max(self.context_length_, 1.0))
        saturated = counts * (BM25_K1 + 1) / (counts + scale[per_row])
        tf = _with_data(context_words, saturated)
        np.divide(rowwise_dot(query, tf, index), total * (BM25_K1 + 1), out=bm25,
                  where=total > 0)

    def _topics(self, words) -> np.ndarray:
        """Unit rows of ``words`` projected on the topic space (zeros where a text has
        none of its words, or when the model has no topic space)."""
        components = self.topic_components_
        if components is None or not components.shape[0]:
            return np.zeros((words.shape[0], 0))
        projected = np.asarray(words[:, self.topic_columns_] @ components.T, dtype=np.float64)
        norms = np.linalg.norm(projected, axis=1, keepdims=True)
        return np.divide(projected, norms, out=np.zeros_like(projected), where=norms > 1e-12)

    @staticmethod
    def _thread_similarity(batch: CommentBatch, words):
        n = len(batch)
        codes, members = _group_codes(batch)
        if not (codes >= 0).any():
            return np.zeros(n), np.zeros(n)
        n_groups = int(codes.max()) + 1
        member_rows = np.flatnonzero(members)
        membership = sp.csr_matrix(
            (np.ones(len(member_rows)), (codes[member_rows], member_rows)), shape=(n_groups, n)
        )
        sums = (membership @ words).tocsr()
        sizes = np.asarray(membership.sum(axis=1)).ravel()
        sum_norm2 = np.asarray(sums.multiply(sums).sum(axis=1)).ravel()
        # summed as ``dot`` sums (float64 products, same order): a comment that shares no
        # word with the rest of its thread then gets rest_dot 0 exactly, not rounding noise
        # (float32 squares left up to 3e-9, 5e-5 after the square root of thread_word_sqrt)
        self_norm2 = rowwise_dot(words, words.astype(np.float64), np.arange(n))
        dot = rowwise_dot(words, sums, codes)
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


def word_counts(words: sp.csr_matrix, idf: np.ndarray):
    """The n-gram counts behind a word block's TF-IDF values, as ``(counts, row of each
    value, counts per row)``: ``x_f = count_f * idf_f / N`` with ``N = sum_g x_g * idf_g``
    (the occurrence norm of ``moderator.ngrams``)."""
    idf = np.asarray(idf, dtype=np.float64)
    values = words.data.astype(np.float64)
    col_idf = idf[words.indices]
    per_row = np.repeat(np.arange(words.shape[0]), np.diff(words.indptr))
    norm = np.bincount(per_row, values * col_idf, minlength=words.shape[0])
    counts = np.divide(values * norm[per_row], col_idf, out=np.zeros_like(values),
                       where=col_idf > 0)
    return counts, per_row, np.bincount(per_row, counts, minlength=words.shape[0])


def _contexts_present(batch: CommentBatch) -> dict[str, np.ndarray]:
    """Per context of ``CONTEXTS``, which comments have it: a non-blank article, a
    non-blank parent, another member comment in their thread."""
    n = len(batch)
    present = {c: np.zeros(n, dtype=bool) for c in CONTEXTS}
    present["article"] = unique_index(batch.articles, n)[1] >= 0
    present["parent"] = unique_index(batch.parents, n)[1] >= 0
    if batch.groups is not None:
        codes, members = _group_codes(batch)
        if (codes >= 0).any():
            sizes = np.bincount(codes[members], minlength=int(codes.max()) + 1)
            others = sizes[np.maximum(codes, 0)] - members
            present["thread"] = (codes >= 0) & (others > 0)
    return present


def _group_codes(batch: CommentBatch) -> tuple[np.ndarray, np.ndarray]:
    """(thread number per row, -1 for none; whether the row is a member of its thread)."""
    n = len(batch)
    codes = np.full(n, -1, dtype=np.intp)
    seen: dict = {}
    for i, group in enumerate(batch.groups or ()):
        if group is not None:
            codes[i] = seen.setdefault(group, len(seen))
    members = (
        np.ones(n, dtype=bool) if batch.members is None else np.asarray(batch.members, bool)
    )
    return codes, members & (codes >= 0)


def _with_data(matrix: sp.csr_matrix, data: np.ndarray) -> sp.csr_matrix:
    """``matrix``'s sparsity pattern with other values."""
    return sp.csr_matrix((data, matrix.indices, matrix.indptr), shape=matrix.shape)


def _rowwise_dense(A: np.ndarray, B: np.ndarray, index: np.ndarray) -> np.ndarray:
    """dot(A[i], B[index[i]]) for every row i (0 where index[i] < 0), clipped to 0..1."""
    out = np.zeros(A.shape[0])
    if not A.shape[1]:
        return out
    valid = index >= 0
    out[valid] = np.einsum("ij,ij->i", A[valid], B[index[valid]])
    return np.clip(out, 0.0, 1.0)


def _thread_dense(batch: CommentBatch, topics: np.ndarray) -> np.ndarray:
    """Cosine of each row of ``topics`` (unit rows) with the sum of its thread's other
    members' rows, clipped to 0..1."""
    n = len(batch)
    out = np.zeros(n)
    codes, members = _group_codes(batch)
    if not topics.shape[1] or not (codes >= 0).any():
        return out
    sums = np.zeros((int(codes.max()) + 1, topics.shape[1]))
    np.add.at(sums, codes[members], topics[members])
    valid = codes >= 0
    rest = sums[np.maximum(codes, 0)] - members[:, None] * topics
    norms = np.linalg.norm(rest, axis=1)
    dots = np.einsum("ij,ij->i", rest, topics)
    np.divide(dots, norms, out=out, where=valid & (norms > 1e-12))
    return np.clip(out, 0.0, 1.0)
