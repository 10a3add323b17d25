"""The words behind a flag: one definition, read by every output.

A flagged comment's ``reasons`` (``moderator.review``) hold, per attribute, the ``spans``
the model's span selector chose (``moderator.model.spans``: learned from people's marks) and
``notes``, the reasons that are not words (an off-topic comment's similarity to the
article, its links and phone numbers, its length). What a person is shown comes from here
alone, so the score table's ``why:`` line, the review queue's ``why`` column, the JSON
Lines/CSV ``reasons`` and the HTML report's marks always name the same words:

    marked_spans(text, reason)   # [(start, end, weight)]: every positive span, trimmed
    reason_words(text, reason)   # ['clueless idiot', 'pathetic']: their texts, each once
    reason_text(text, reason)    # 'insult 0.93: "clueless idiot", "pathetic"'
    why_text(text, reasons)      # the reason_texts of a comment joined with " | "

The spans themselves, for any attribute whether flagged or not (e.g. Perspective's
``spanScores``), come from the model: ``Model.explain_batch(texts, [[attribute, ...], ...])``
gives per text ``{attribute: [[start, end, weight], ...]}``, chosen by the same selector.

Non-word reasons: ``notes_for(attribute, facts)`` turns a comment's facts (``Model.facts``:
similarity to the article, parent and thread, links, e-mail, phone numbers, money, length)
into sentences with the rules of ``NOTE_RULES``. A rule is a function ``(attribute, facts,
contributions) -> [sentence, ...]``; add one there for a new kind of fact (context facts
such as "shares nothing with the article" belong in ``_context_notes``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

#: What a flag with neither a word nor a fact behind it says (the model's bias alone:
#: nothing in the comment pushed the score up more than the rest).
NO_SINGLE_WORD = "the wording as a whole: no single word stands out"

#: Where a span's edges are trimmed: whitespace and sentence punctuation.
EDGE_PUNCTUATION = " \t\r\n.,;:!?\u2026"

#: A fact becomes a note when it adds at least this much to the attribute's log-odds.
NOTE_MIN_CONTRIBUTION = 0.25


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past whitespace and sentence punctuation at its edges."""
    start, end = max(0, int(start)), min(len(text), int(end))
    while start < end and text[start] in EDGE_PUNCTUATION:
        start += 1
    while end > start and text[end - 1] in EDGE_PUNCTUATION:
        end -= 1
    return start, end


#: A word masked with asterisks ("f**king", "sh*t"): the tokenizer splits it at the
#: asterisks, so a span on one piece is shown as the whole word.
MASKED_WORD = re.compile(r"\w+(?:\*+\w*)+|\*+\w+")


def _whole_masked_word(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` widened at either edge that falls inside a masked word."""
    low, high = max(0, start - 64), min(len(text), end + 64)
    # every masked word holds an asterisk: without one, no search (the search backtracks
    # through each word, and was ~15% of scoring 100,000 Jigsaw comments)
    if text.find("*", low, high) < 0:
        return start, end
    for match in MASKED_WORD.finditer(text, low, high):
        if match.start() <= start < match.end():
            start = match.start()
        if match.start() < end <= match.end():
            end = match.end()
    return start, end


def marked_spans(text: str, reason: dict) -> list[tuple[int, int, float]]:
    """The ``(start, end, weight)`` of the words shown for ``reason``, strongest first:
    every span with a positive weight, trimmed of spaces and sentence punctuation (a span
    of nothing else is left out), a piece of an asterisk-masked word shown as the word."""
    shown = []
    seen: set[tuple[int, int]] = set()
    for span in sorted(reason.get("spans") or [], key=lambda s: -float(s[2])):
        weight = float(span[2])
        if weight <= 0:
            continue
        start, end = _whole_masked_word(text, *trim_span(text, span[0], span[1]))
        if end > start and (start, end) not in seen:
            seen.add((start, end))
            shown.append((start, end, weight))
    return shown


def reason_words(text: str, reason: dict) -> list[str]:
    """The words behind ``reason``, strongest first, each once (case aside): the texts of
    ``marked_spans``."""
    words: list[str] = []
    seen: set[str] = set()
    for start, end, _ in marked_spans(text, reason):
        word = text[start:end]
        if word.lower() not in seen:
            seen.add(word.lower())
            words.append(word)
    return words


def reason_text(text: str, reason: dict) -> str:
    """``insult 0.93: "clueless idiot", "pathetic"``; notes follow the words
    (``off_topic 0.97: "www.cheap.biz"; shares nothing with the article``)."""
    if not isinstance(reason, dict):
        return str(reason)
    head = str(reason.get("attribute", "?"))
    score = reason.get("score")
    if isinstance(score, int | float) and not isinstance(score, bool):
        head += f" {score:.2f}"
    parts = [", ".join(f'"{word}"' for word in reason_words(text, reason))]
    parts.extend(str(note) for note in reason.get("notes") or ())
    said = "; ".join(part for part in parts if part)
    return f"{head}: {said}" if said else head


def why_text(text: str, reasons: Sequence[dict]) -> str:
    """Every reason of a comment in words, joined with `` | `` (empty when not flagged)."""
    return " | ".join(reason_text(text, reason) for reason in reasons or ())


# --- non-word reasons ---------------------------------------------------------------------


def _count(n: float, one: str, many: str) -> str:
    n = int(round(n))
    return one if n == 1 else f"{n} {many}"


_PATTERN_WORDS = {
    "urls": ("a link", "links"),
    "email": ("an e-mail address", "e-mail addresses"),
    "phone": ("a phone number", "phone numbers"),
    "money": ("a sum of money", "sums of money"),
}


def _pattern_notes(attribute: str, facts: dict, contributions: dict) -> list[str]:
    """Links, e-mail addresses, phone numbers, sums of money that raised the score."""
    found = [_count(facts[name], *words) for name, words in _PATTERN_WORDS.items()
             if facts.get(name) and contributions.get(name, 0.0) >= NOTE_MIN_CONTRIBUTION]
    if not found:
        return []
    return [" and ".join([", ".join(found[:-1]), found[-1]] if len(found) > 1 else found)]


#: Word cosine below which a comment "shares nothing with" a context, and below which it
#: has "little in common" with it.
NOTHING_IN_COMMON = 0.05
LITTLE_IN_COMMON = 0.15
_CONTEXT_NAMES = (("article_similarity", "article"), ("parent_similarity", "parent"),
                  ("thread_similarity", "thread"))


def _context_notes(attribute: str, facts: dict, contributions: dict) -> list[str]:
    """What the comment was compared with, for an attribute that reads the context
    (off_topic): ``shares nothing with the article or the thread``, ``little in common with
    the parent (0.09)``, ``similar to the thread (0.41)`` (the cosine of word TF-IDF), or
    that there was nothing to compare it with. Low similarity is the reason itself,
    whatever the log-odds it adds."""
    if "contexts" not in facts:
        return []
    known = [(name, label) for name, label in _CONTEXT_NAMES if name in facts]
    if not known:
        return ["no article, parent or thread to compare it with"]
    nothing = [label for name, label in known if facts[name] < NOTHING_IN_COMMON]
    notes = ["shares nothing with the " + " or the ".join(nothing)] if nothing else []
    for name, label in known:
        value = facts[name]
        if value >= NOTHING_IN_COMMON:
            phrase = "little in common with" if value < LITTLE_IN_COMMON else "similar to"
            notes.append(f"{phrase} the {label} ({value:.2f})")
    return notes


def _length_notes(attribute: str, facts: dict, contributions: dict) -> list[str]:
    if "length" in facts and contributions.get("length", 0.0) >= NOTE_MIN_CONTRIBUTION:
        return [f"comment length {int(facts['length'])} characters"]
    return []


#: The rules that turn facts into notes, in the order their notes are shown.
NOTE_RULES: tuple[Callable[[str, dict, dict], list[str]], ...] = (
    _context_notes,
    _pattern_notes,
    _length_notes,
)


def notes_for(attribute: str, facts: dict, contributions: dict) -> list[str]:
    """The non-word reasons of ``attribute``'s score: ``facts`` (name -> value, from
    ``Model.facts``) and what each added to the attribute's log-odds (``contributions``)."""
    return [note for rule in NOTE_RULES for note in rule(attribute, facts, contributions)]
