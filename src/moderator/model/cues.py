"""The dense text cues of a comment alone (length, URLs, e-mail, phone numbers, money,
capitals, digits, symbols, character entropy, consonant runs: spam and gibberish), computed by
the ``cue_statistics`` kernel with the regular expressions as the definition, and the URL and
phone-number matchers compiled for texts within the BMP (``pattern_spans``, what explanations
mark).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from ..kernel_contract import CUE_COLUMNS
from ..kernels import Kernel
from .ngrams import char_tables, text_codes

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
    return cues_of(texts, cue_statistics(codes, offsets))


def cue_statistics(codes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``_cue_statistics`` of ``ngrams.text_codes`` output."""
    return _cue_statistics(codes, offsets, char_tables()[0], _URL_HINT_CODES,
                           _MONEY_HINT_CODES, digit_table(), _TLDS)


def cues_of(texts: Sequence[str], stats: np.ndarray) -> np.ndarray:
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
