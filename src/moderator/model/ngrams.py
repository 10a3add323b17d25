"""Hashed word and character n-grams, computed by compiled C kernels (csrc/ngrams.c,
score.c, explain.c; the wrappers here allocate their outputs and call them).

Why this exists: scikit-learn's n-gram analyzers run a Python loop per n-gram, about 1,000
long comments a second for words + characters. These kernels enumerate the same kind of
features ~50-100x faster, and ``score`` multiplies them by a linear model's weights without
building the feature matrix at all. Training still gets an ordinary scipy CSR matrix from
``transform``; a test checks that both paths agree.

What a "document" becomes:

1. Normalisation, character by character, keeping each character's original offset so that
   explanations point into the user's text: lower case; leetspeak (``sh1t``, ``a$$hole``,
   ``b!tch``, ``id10t``: leet characters inside a word read as letters); runs of three
   or more equal characters collapse to one (``fuuuuck``, ``idiooooot``; not digits, nor the
   ``w`` of ``www``); whitespace runs become
   one space (a newline is kept as the sentence boundary it is).
2. Tokens: the normalised text split by the nltk ``RegexpTokenizer`` pattern ``TOKEN_PATTERN``
   (URLs, words with inner ``* ' ’``, single symbols such as emoji or ``!``). The kernel
   implements that pattern natively; ``tokenize`` runs nltk's tokenizer itself, and a property
   test holds the two equal. Characters outside the Basic Multilingual Plane (emoji) are symbols.
3. Features: character n-grams (``char_range``, spaces included) and word n-grams
   (``word_range``; every URL is the one token ``<url>``), each hashed into its own block of
   ``2**char_bits`` / ``2**word_bits`` columns.

Values are TF-IDF with an "occurrence norm": ``x_f = count_f * idf_f / sqrt(sum over
occurrences of idf**2)`` per block. It equals the usual l2 norm when no n-gram repeats, and can be
computed in one pass, which is what makes the fused scoring kernel possible.
"""

from __future__ import annotations

import mmap
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from ..kernel_contract import MAX_WORD_N
from ..kernels import Kernel

BMP = 65536
CLS_SPACE, CLS_WORD, CLS_OTHER = 0, 1, 2
TOKEN_PATTERN = r"https?://\S+|www\.\S+|\w+(?:[*'’]\w+)*|[^\w\s]"
URL_TOKEN = "<url>"

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i"}


def _as_codes(text: str) -> np.ndarray:
    """The code points of ``text`` (lone surrogates included) as uint32."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)


@lru_cache(maxsize=1)
def char_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(class, lower-case map, leet map, is-letter) for every BMP code point.

    Built with C-level passes over one string of all of them (25 ms, where a Python loop
    per code point took 45 ms of every run); tests compare it with that loop."""
    import re

    chars = "".join(map(chr, range(BMP)))
    classes = np.full(BMP, CLS_OTHER, np.uint8)
    # "a" is \w and " " is \s: after the substitution they mark exactly the matches
    classes[_as_codes(re.sub(r"\w", "a", chars)) == ord("a")] = CLS_WORD
    classes[_as_codes(re.sub(r"\s", " ", chars)) == ord(" ")] = CLS_SPACE
    lows = list(map(str.lower, chars))
    for code in [code for code, low in enumerate(lows) if len(low) != 1]:
        lows[code] = chars[code]  # lower-cases to more than one character (İ): kept
    lower = _as_codes("".join(lows)).copy()
    letter = np.fromiter(map(str.isalpha, chars), np.bool_, count=BMP)
    leet = np.zeros(BMP, np.uint32)
    for src, dst in _LEET.items():
        leet[ord(src)] = ord(dst)
    return classes, lower, leet, letter


#: Characters that a token made only of them is punctuation in an explanation.
EXPLAIN_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~…“”‘’"


@lru_cache(maxsize=1)
def explain_tables() -> tuple[np.ndarray, np.ndarray]:
    """(is punctuation, ``str.isalnum``) for every BMP code point."""
    punctuation = np.zeros(BMP, np.bool_)
    for ch in EXPLAIN_PUNCTUATION:
        punctuation[ord(ch)] = True
    alnum = np.fromiter(map(str.isalnum, map(chr, range(BMP))), np.bool_, count=BMP)
    return punctuation, alnum


def text_codes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated UTF-32 code points and per-text offsets (offsets are Python str indices)."""
    joined = "".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in texts], out=offsets[1:])
    return codes, offsets


#: outputs from this size on are mapped as numba allocated them (see ``_output``)
_MAPPED_OUTPUT = 1 << 28


def _output(n, dtype):
    """``np.empty(n, dtype)`` for a kernel's output, in anonymous memory from
    ``_MAPPED_OUTPUT`` bytes on. numpy asks for huge pages for its large arrays; numba's
    allocations (malloc) did not. Where free memory is fragmented, the kernel then
    compacts memory at the first write of each 2 MB page of a large array: normalising and
    enumerating 250,000 texts at once for ``fit`` (3 GB written) took 4-8 s of system time
    instead of 1.5 s. Smaller arrays (``transform``'s chunks of 8,192 texts, scoring's of
    2,048) gain from huge pages: 1.7-2.1 s of system time instead of 3.7 s."""
    size = n * np.dtype(dtype).itemsize
    if size < max(_MAPPED_OUTPUT, 1):  # (an empty mapping is refused)
        return np.empty(n, dtype)
    return np.frombuffer(mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE), dtype)


_NORMALIZE = Kernel("normalize")


def normalize_codes(codes, offsets, classes, lower, leet, letter, positions=True):
    """Normalised code points, their classes, original offsets, and per-document offsets.
    Without ``positions`` (scoring needs none), the offsets are not kept (an empty array):
    the largest of the outputs, neither allocated nor written. (C: ``normalize``.)"""
    n = codes.shape[0]
    ndoc = offsets.shape[0] - 1
    out_c = _output(n, np.uint32)
    out_cls = _output(n, np.uint8)
    out_pos = _output(n if positions else 0, np.int64)
    out_off = np.empty(ndoc + 1, np.int64)
    k = _NORMALIZE(codes=codes, offsets=offsets, ndoc=ndoc, classes=classes, lower=lower,
                   leet=leet, letter=letter, positions=bool(positions), capacity=n,
                   out_c=out_c, out_cls=out_cls, out_pos=out_pos, out_off=out_off)
    return out_c[:k], out_cls[:k], out_pos[:k] if positions else out_pos, out_off


def _ranges(char_lo, char_hi, word_lo, word_hi, char_bits, word_bits, url_hash) -> dict:
    """The n-gram arguments every enumerating kernel takes, by name."""
    return {"char_lo": int(char_lo), "char_hi": int(char_hi), "word_lo": int(word_lo),
            "word_hi": int(word_hi), "char_bits": int(char_bits), "word_bits": int(word_bits),
            "url_hash": int(url_hash)}


def _check_word_range(word_hi):
    """``ValueError`` for word n-grams the kernels' token history cannot hold."""
    if word_hi > MAX_WORD_N:
        raise ValueError(f"word n-grams of up to {MAX_WORD_N} tokens, not {word_hi}")


_ENUMERATE = Kernel("enumerate_ngrams")


def _enumerate(nc, ncls, noff, char_lo, char_hi, word_lo, word_hi, char_bits, word_bits,
               url_hash, windows):
    """Every n-gram occurrence: (unit ptr, column, normalised start, normalised end, doc of unit).

    A unit is a document, or with ``windows`` a sentence window of one. Word n-grams never
    cross a sentence boundary, so a document's occurrences are exactly its windows'.
    (C: ``enumerate_ngrams``.)
    """
    _check_word_range(word_hi)
    ndoc = noff.shape[0] - 1
    total = int(noff[ndoc])
    cap = _ngram_room(total, char_lo, char_hi, word_lo, word_hi)
    cols = _output(cap, np.int64)
    starts = _output(cap, np.int64)
    ends = _output(cap, np.int64)
    unit_ptr = _output(total + ndoc + 2, np.int64)
    unit_doc = _output(total + ndoc + 2, np.int64)
    sizes = np.empty(2, np.int64)
    _ENUMERATE(nc=nc, ncls=ncls, noff=noff, ndoc=ndoc, **_ranges(
        char_lo, char_hi, word_lo, word_hi, char_bits, word_bits, url_hash),
        windows=bool(windows), unit_capacity=len(unit_ptr), unit_ptr=unit_ptr, capacity=cap,
        cols=cols, starts=starts, ends=ends, unit_doc=unit_doc, sizes=sizes)
    m, u = sizes.tolist()
    return unit_ptr[: u + 1], cols[:m], starts[:m], ends[:m], unit_doc[:u]


_SCORE = Kernel("score")


def _score(nc, ncls, noff, char_lo, char_hi, word_lo, word_hi, char_bits, word_bits, url_hash,
           table, words):
    """``X @ weights`` for whole documents and the best sentence window of each, in one pass
    over the same occurrences as ``_enumerate`` (C: ``score`` in ``csrc/score.c``). ``table``
    rows are features: the k weight columns, then the idf (one 32-byte row read per n-gram
    for k = 7).

    Returns ``(out, out_win, n_windows, word_ptr, word_cols, word_vals)``: per document its
    scores, its best window's (``-inf`` without windows) and its number of windows; with
    ``words``, also each document's word block as ``transform(chars=False)`` makes it:
    ``(ptr, column within the block, value)``, CSR in canonical form (else empty)."""
    _check_word_range(word_hi)
    table = np.ascontiguousarray(table, np.float32)
    ndoc = noff.shape[0] - 1
    k = table.shape[1] - 1
    cap = int(noff[ndoc]) * (word_hi - word_lo + 1) if words else 0
    out = np.empty((ndoc, k), np.float64)
    out_win = np.empty((ndoc, k), np.float64)
    n_windows = np.empty(ndoc, np.int64)
    word_ptr = np.empty(ndoc + 1, np.int64)
    word_cols = np.empty(cap, np.int32)
    word_vals = np.empty(cap, np.float32)
    m = _SCORE(nc=nc, ncls=ncls, noff=noff, ndoc=ndoc, **_ranges(
                 char_lo, char_hi, word_lo, word_hi, char_bits, word_bits, url_hash),
               table=table, k=k, words=bool(words), out=out, out_win=out_win,
               n_windows=n_windows, word_ptr=word_ptr, word_capacity=cap, word_cols=word_cols,
               word_vals=word_vals)
    return out, out_win, n_windows, word_ptr, word_cols[:m], word_vals[:m]


_CONTRIBUTIONS = Kernel("contributions")


def _contributions(nc, ncls, a, b, char_lo, char_hi, word_lo, word_hi, char_bits, word_bits,
                   url_hash, weights, idf):
    """Per normalised character of one document [a, b): its share of every n-gram's
    contribution to ``X @ weights`` (each occurrence spread evenly over its characters).
    (C: ``contributions``, with ``_spread`` inlined.)"""
    _check_word_range(word_hi)
    k = weights.shape[1]
    out = np.zeros((b - a, k), np.float64)
    _CONTRIBUTIONS(nc=nc, ncls=ncls, a=int(a), b=int(b), **_ranges(
                 char_lo, char_hi, word_lo, word_hi, char_bits, word_bits, url_hash),
                   weights=weights, k=k, idf=idf, out_size=out.size, out=out)
    return out


def url_token_hash() -> np.uint64:
    h = _FNV_OFFSET
    for ch in URL_TOKEN:
        h = np.uint64((int(h) ^ ord(ch)) * int(_FNV_PRIME) % (1 << 64))
    return h


def tokenize(text: str) -> list[str]:
    """The word tokens of ``text`` after normalisation, by nltk's RegexpTokenizer (the spec
    that the compiled kernel follows)."""
    from nltk.tokenize import RegexpTokenizer

    normalized, _ = normalize(text)
    return RegexpTokenizer(TOKEN_PATTERN).tokenize(normalized)


def normalize(text: str) -> tuple[str, np.ndarray]:
    """The normalised text and, per normalised character, its offset in ``text``."""
    codes, offsets = text_codes([text])
    nc, _, pos, _ = normalize_codes(codes, offsets, *char_tables())
    return nc.tobytes().decode("utf-32-le", "surrogatepass"), pos


class HashedNgrams:
    """TF-IDF over hashed character and word n-grams (scikit-learn transformer conventions).

    ``fit`` learns ``idf_``; ``transform`` returns a CSR matrix with ``n_features_`` columns
    (character block, then word block); ``score`` returns ``X @ coef.T`` without building X.
    """

    def __init__(self, char_range=(2, 5), word_range=(1, 2), char_bits=19, word_bits=18,
                 min_df=1):
        self.char_range = char_range
        self.word_range = word_range
        self.char_bits = char_bits
        self.word_bits = word_bits
        self.min_df = min_df

    # scikit-learn plumbing --------------------------------------------------------------
    def get_params(self, deep=True):
        return {k: getattr(self, k) for k in
                ("char_range", "word_range", "char_bits", "word_bits", "min_df")}

    def set_params(self, **params):
        for k, v in params.items():
            setattr(self, k, v)
        return self

    @property
    def n_features_(self) -> int:
        return (1 << self.char_bits) + (1 << self.word_bits)

    # enumeration ------------------------------------------------------------------------
    def _occurrences(self, texts, windows=False, chars=True):
        codes, offsets = text_codes(list(texts))
        nc, ncls, pos, noff = normalize_codes(codes, offsets, *char_tables())
        char_lo, char_hi = self.char_range if chars else (1, 0)
        ptr, cols, starts, ends, unit_doc = _enumerate(
            nc, ncls, noff, char_lo, char_hi, self.word_range[0],
            self.word_range[1], self.char_bits, self.word_bits, url_token_hash(), windows,
        )
        return ptr, cols, starts, ends, unit_doc, pos, noff

    def _counts(self, ptr, cols, n_units):
        data = np.ones(cols.shape[0], np.float32)
        counts = sp.csr_matrix((data, cols, ptr), shape=(n_units, self.n_features_))
        counts.sum_duplicates()
        return counts

    def fit(self, texts, y=None):
        ptr, cols, *_ = self._occurrences(texts)
        counts = self._counts(ptr, cols, len(ptr) - 1)
        df = np.bincount(counts.indices, minlength=self.n_features_).astype(np.float64)
        n = counts.shape[0]
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        if self.min_df > 1:
            idf[df < self.min_df] = 0.0
        self.idf_ = idf.astype(np.float32)
        return self

    def fit_transform(self, texts, y=None):
        return self.fit(texts).transform(texts)

    def transform(self, texts, windows=False, chars=True):
        """CSR features; with ``windows`` one row per sentence window, and the owning doc
        index of each row as the second return value. ``chars=False`` leaves the character
        block empty (the word block is the same), for a tenth of the cost."""
        ptr, cols, _, _, unit_doc, _, _ = self._occurrences(texts, windows, chars)
        n_units = len(ptr) - 1
        weights = self.idf_[cols]
        char_block = cols < (1 << self.char_bits)
        unit_of = np.repeat(np.arange(n_units), np.diff(ptr))
        sq = weights.astype(np.float64) ** 2
        char_norm = np.sqrt(np.bincount(unit_of, sq * char_block, minlength=n_units))
        word_norm = np.sqrt(np.bincount(unit_of, sq * ~char_block, minlength=n_units))
        norm = np.where(char_block, char_norm[unit_of], word_norm[unit_of])
        values = np.divide(weights, norm, out=np.zeros_like(weights), where=norm > 0)
        matrix = sp.csr_matrix((values.astype(np.float32), cols, ptr),
                               shape=(n_units, self.n_features_))
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        if windows:
            return matrix, unit_doc
        return matrix

    def score(self, texts, coef: np.ndarray):
        """``(X @ coef.T, best window @ coef.T, number of windows)`` for ``texts`` without
        building X. ``coef`` is (n_attributes, n_features_)."""
        codes, offsets = text_codes(list(texts))
        nc, ncls, _, noff = normalize_codes(codes, offsets, *char_tables(), False)
        return self._score_normalized(nc, ncls, noff, self.score_table(coef.T))[:3]

    def score_table(self, weights: np.ndarray) -> np.ndarray:
        """What ``_score`` reads: ``weights`` ((n_features_, k)) and the idf as a last
        column, float32, C order, starting on a 64-byte boundary: a row of 8 floats (k = 7)
        is then one cache line's half, never across two (numpy's 16-byte alignment split
        every other row; aligned, scoring takes ~9% less)."""
        shape = (weights.shape[0], weights.shape[1] + 1)
        nbytes = shape[0] * shape[1] * 4
        raw = np.empty(nbytes + 64, np.uint8)
        start = -raw.ctypes.data % 64
        table = raw[start : start + nbytes].view(np.float32).reshape(shape)
        table[:, :-1] = weights
        table[:, -1] = self.idf_
        return table

    def _score_normalized(self, nc, ncls, noff, table, words=False):
        """``_score`` of normalised documents (``table`` from ``score_table``)."""
        return _score(nc, ncls, noff, self.char_range[0], self.char_range[1],
                      self.word_range[0], self.word_range[1], self.char_bits, self.word_bits,
                      url_token_hash(), table, words)

    def words_matrix(self, ptr, cols, vals) -> sp.csr_matrix:
        """The word block (``transform(chars=False)``'s columns after the character block)
        from ``_score``'s word n-grams (already summed per column, sorted, no zeros)."""
        matrix = sp.csr_matrix((vals, cols, ptr), shape=(len(ptr) - 1, 1 << self.word_bits))
        matrix.has_sorted_indices = True
        matrix.has_canonical_format = True
        return matrix

    def contributions(self, text: str, coef: np.ndarray):
        """``(normalised text, original offset per normalised character, contributions)``
        where ``contributions[p, j]`` is character p's share of ``(X @ coef.T)[0, j]``: each
        n-gram occurrence's value times its weight, spread evenly over the characters it
        covers. ``coef`` is (n_attributes, n_features_); the rows sum to the score."""
        codes, offsets = text_codes([text])
        nc, ncls, pos, noff = normalize_codes(codes, offsets, *char_tables())
        weights = np.ascontiguousarray(np.atleast_2d(coef).T, dtype=np.float32)
        out = _contributions(nc, ncls, 0, int(noff[1]), self.char_range[0], self.char_range[1],
                             self.word_range[0], self.word_range[1], self.char_bits,
                             self.word_bits, url_token_hash(), weights, self.idf_)
        return nc.tobytes().decode("utf-32-le", "surrogatepass"), pos, out


# --- explanations, many at once ------------------------------------------------------------


_TOKEN_BOUNDS = Kernel("token_bounds")


def token_bounds(nc, ncls, noff):
    """Token ``(start, end)`` (normalised offsets) of every document, ``TOKEN_PATTERN``
    semantics as in ``_enumerate``; ``ptr[d]:ptr[d + 1]`` are document d's.
    (C: ``token_bounds``.)"""
    ndoc = noff.shape[0] - 1
    total = int(noff[ndoc])
    starts = np.empty(total, np.int64)
    ends = np.empty(total, np.int64)
    ptr = np.empty(ndoc + 1, np.int64)
    m = _TOKEN_BOUNDS(nc=nc, ncls=ncls, noff=noff, ndoc=ndoc, ptr=ptr, capacity=total,
                      starts=starts, ends=ends)
    return ptr, starts[:m], ends[:m]


def _ngram_room(length, char_lo, char_hi, word_lo, word_hi):
    """Scratch entries for the n-grams of a document of ``length`` characters."""
    return length * ((char_hi - char_lo + 1) + (word_hi - word_lo + 1)) + 16


_DOC_CONTRIBUTIONS = Kernel("doc_contributions")


def _doc_contributions(nc, ncls, a, b, char_lo, char_hi, word_lo, word_hi, char_bits,
                       word_bits, url_hash, table, columns, cols, firsts, lasts):
    """``_contributions`` of one document for the given weight columns only (the same
    arithmetic per column, so the same numbers), transposed: one contiguous row of
    characters per column; ``table`` as ``_score`` reads it.
    ``cols``/``firsts``/``lasts`` are scratch space for the document's n-grams: hashed once,
    their norms summed with rows prefetched, then their shares spread in the same order.
    (C: ``doc_contributions``, with ``_spread_columns`` inlined; ``explain_spans`` calls it
    directly.)"""
    _check_word_range(word_hi)
    out = np.zeros((columns.shape[0], b - a), np.float64)
    _DOC_CONTRIBUTIONS(nc=nc, ncls=ncls, a=int(a), b=int(b), **_ranges(
                 char_lo, char_hi, word_lo, word_hi, char_bits, word_bits, url_hash),
                       table=table, width=table.shape[1], columns=columns,
                       ncolumns=columns.shape[0], room=min(len(cols), len(firsts), len(lasts)),
                       cols=cols, firsts=firsts, lasts=lasts, out=out)
    return out


_EXPLAIN = Kernel("explain")


def explain_spans(nc, ncls, noff, pair_ptr, pair_cols, tok_ptr, tok_start, tok_end, add_ptr,
             add_start, add_end, add_value, punctuation, alnum, char_lo, char_hi, word_lo,
             word_hi, char_bits, word_bits, url_hash, table, min_weight, share, merge=True):
    """The spans behind every requested (document, weight column) pair.

    Document d's pairs are ``pair_ptr[d]:pair_ptr[d + 1]`` (columns ``pair_cols``); ``add_*``
    are extra per-character weights of each pair (pattern cues), added in order. Per pair,
    as ``Model.explain`` defines it: tokens weigh the sum of their characters' shares; tokens
    below ``share`` of the strongest, or of punctuation only, are left out; kept tokens
    separated by no letter or digit join into one span. Without ``merge``, every token but
    punctuation is a span of its own (``share`` unused): the token weights a
    ``moderator.model.spans.SpanSelector`` chooses from. Returns ``(span_ptr, start, end,
    weight)`` with normalised offsets [start, end); no spans when the strongest token
    weighs ``min_weight`` or less. (C: ``explain``; its scratch is allocated once, for the
    longest document.)
    """
    _check_word_range(word_hi)
    ndoc = noff.shape[0] - 1
    npair = pair_cols.shape[0]
    cap = int(np.dot(np.diff(pair_ptr[: ndoc + 1]), np.diff(tok_ptr[: ndoc + 1])))
    span_ptr = np.zeros(npair + 1, np.int64)
    out_start = np.empty(cap, np.int64)
    out_end = np.empty(cap, np.int64)
    out_w = np.empty(cap, np.float64)
    m = _EXPLAIN(nc=nc, ncls=ncls, noff=noff, ndoc=ndoc, pair_ptr=pair_ptr,
                 pair_cols=pair_cols, tok_ptr=tok_ptr, tok_start=tok_start, tok_end=tok_end,
                 add_ptr=add_ptr, add_start=add_start, add_end=add_end, add_value=add_value,
                 punctuation=punctuation, alnum=alnum, **_ranges(
                 char_lo, char_hi, word_lo, word_hi, char_bits, word_bits, url_hash),
                 table=table, width=table.shape[1], min_weight=float(min_weight),
                 share=float(share), merge=bool(merge), span_ptr=span_ptr, capacity=cap,
                 out_start=out_start, out_end=out_end, out_w=out_w)
    return span_ptr, out_start[:m], out_end[:m], out_w[:m]


_ROUND4 = Kernel("round4")


def _round4(x):
    """``(round(x, 4), True)`` as Python rounds (the double nearest the decimal), or
    ``(x, False)`` where ``x * 10**4`` lies too near a half for a double to decide.
    (C: ``round4``; ``top_spans`` rounds in C.)"""
    value = np.empty(1, np.float64)
    exact = _ROUND4(x=float(x), value=value)
    return float(value[0]), bool(exact)


_TOP_SPANS = Kernel("top_spans")


def top_spans(span_ptr, span_start, span_end, span_w, pos, origin, top_k):
    """Per pair, its ``top_k`` spans as ``Model.explain`` lists them: original offsets
    ``[start, end)`` (``pos`` maps normalised to original characters, ``origin[p]`` is the
    text's first), weights rounded to 4 places, strongest first (ties keep text order).
    ``exact[p]`` is False where a weight's rounding needs Python (then nothing is listed).
    (C: ``top_spans``.)"""
    npair = span_ptr.shape[0] - 1
    cap = int(np.minimum(np.diff(span_ptr), top_k).sum())
    top_ptr = np.zeros(npair + 1, np.int64)
    out_s = np.empty(cap, np.int64)
    out_e = np.empty(cap, np.int64)
    out_w = np.empty(cap, np.float64)
    exact = np.ones(npair, np.bool_)
    m = _TOP_SPANS(span_ptr=span_ptr, npair=npair, span_start=span_start, span_end=span_end,
                   span_w=span_w, pos=pos, origin=origin, top_k=int(top_k), top_ptr=top_ptr,
                   capacity=cap, out_s=out_s, out_e=out_e, out_w=out_w, exact=exact)
    return top_ptr, out_s[:m], out_e[:m], out_w[:m], exact
