"""The language of each comment: the scoring model is English, so it judges English only.

``languages(texts)`` gives each text's language code: ``en`` for the texts the English model
judges (English, and texts too short or too mixed to place), else the code of the language
found (``de``, ``tr``, ``es`` …; CLD2's codes, ISO 639-1 where one exists). A comment in
another language is not judged: the English model's scores on it mean nothing (a warm
Turkish book review scored toxicity 1.00, Spanish profanity 0.00).

The identifier is pycld2, Google's Compact Language Detector 2: compiled, its tables inside
the package (nothing is downloaded), about 5-10 us a comment on its first ``PREFIX``
characters. Measured on real comments (bench/language.py): none of 5,904 English ones (OLID
tweets, Jigsaw comments, the seed pages) placed outside English; 93.1% of 3,000 German news
comments (One Million Posts) and 53 of 56 short comments we wrote in 13 languages found not
English. langid, py3langid, lingua, langdetect and gcld3 called 4-13% of the English tweets
another language at their default settings (py3langid and lingua came near pycld2 only when
told to trust high probabilities alone, and then missed 5-8% more German), and loaded in
0.9-37 s (pycld2: 0.02 s). Comments the cheap check (``plainly_english``) settles skip CLD2.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pycld2

ENGLISH = "en"
#: characters of a comment read: the language shows in its first sentences, and a long
#: comment then costs no more than a tweet (the same calls on 3,000 German comments)
PREFIX = 200
#: what CLD2 reports on short English it cannot place: "unknown", Scots (English slang:
#: "money diggin bitch !! she looks like a rat") and constructed or classical languages
#: nobody comments in ("WikiDon, STOP stalking me!" was Volapük, a sarcasm alert Esperanto,
#: a spaced-out "Fu ck ing" Javanese): all read as English, so the model judges them.
READ_AS_ENGLISH = frozenset({ENGLISH, "un", "sco", "vo", "eo", "ia", "ie", "jw", "la",
                             "xx-Qaai"})
#: bytes CLD2 refuses as "invalid UTF-8" (control characters) and lone surrogates
_UNREADABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _detect(text: str):
    # The English hint settles short texts that could be either way towards English (the
    # model then judges them, as before) and moves no clearly foreign one (measured).
    return pycld2.detect(text, isPlainText=True, hintLanguage=ENGLISH)


def language_of(text: str) -> str:
    """``en`` when the English model judges ``text``, else the code of its language: CLD2
    must call it reliably and name a language outside ``READ_AS_ENGLISH``."""
    prefix = text[:PREFIX]
    try:
        reliable, _, details = _detect(prefix)
    except (pycld2.error, UnicodeEncodeError):
        try:
            reliable, _, details = _detect(_UNREADABLE.sub(" ", prefix))
        except (pycld2.error, UnicodeEncodeError):  # pragma: no cover - nothing left to drop
            return ENGLISH
    code = details[0][1]
    if not reliable or code in READ_AS_ENGLISH:
        return ENGLISH
    return code


#: English function words, spaced: a comment whose first ``PREFIX`` characters hold
#: ``ENGLISH_MARKS`` of them is English without asking CLD2 (measured: 73% of OLID tweets,
#: 87% of Jigsaw comments, 0.4% of German comments, those quoting English; none of our
#: comments in 13 other languages; with 3 marks: 59%, 79%, 0.2%)
_MARKS = (" the ", " and ", " you", " is ", " to ", " of ", " that ", " it ", " for ", " this ",
          " with ", " are ", " have ", " not ", " i ")
ENGLISH_MARKS = 2


def plainly_english(text: str) -> bool:
    """The cheap check: ``ENGLISH_MARKS`` English function words in the first ``PREFIX``
    characters (a few ``str.count`` passes: a fraction of CLD2's cost)."""
    spaced = f" {text[:PREFIX].lower()} "
    found = 0
    for mark in _MARKS:
        found += spaced.count(mark)
        if found >= ENGLISH_MARKS:
            return True
    return False


def languages(texts: Sequence[str]) -> list[str]:
    """``language_of`` each text; empty ones and those ``plainly_english`` are ``en``
    without CLD2."""
    return [ENGLISH if not text or plainly_english(text) else language_of(text)
            for text in texts]


__all__ = ["ENGLISH", "ENGLISH_MARKS", "PREFIX", "READ_AS_ENGLISH", "language_of", "languages",
           "plainly_english"]
