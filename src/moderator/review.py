"""Flag policy: from a model's probabilities to ``flagged`` and ``reasons``.

The model (``moderator.model.Model``) only predicts probabilities and explains them. What a
site flags is policy: per-attribute thresholds, attributes switched off, banned words that
always flag, allowed words that never count toward a score. ``score_texts`` combines both
into the scoring contract::

    {"scores": {attribute: probability}, "flagged": bool,
     "reasons": [{"attribute", "score", "threshold", "spans": [[start, end, weight], ...],
                  "notes": ["similarity to the article 0.02", ...]}],
     "language": "en"}

Every reason is explained: its ``spans`` (the words the model's span selector chose) or
its ``notes`` (what is not a word: ``moderator.explanations.notes_for``), never neither.

The model is English: a comment in another language (``moderator.language``) has its
language code in ``language``, every score None and no flag from the model (a banned word
still flags it).
"""

from __future__ import annotations

import logging
import operator
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, count, repeat

from .attributes import ATTRIBUTES
from .errors import ConfigError
from .explanations import NO_SINGLE_WORD, marked_spans, notes_for
from .language import ENGLISH, languages

log = logging.getLogger("moderator")

BANNED_WORD = "banned_word"



@dataclass
class Policy:
    """What a site flags. Empty policy = the model's own thresholds, every attribute on."""

    thresholds: dict[str, float] = field(default_factory=dict)
    disabled: set[str] = field(default_factory=set)
    banned_words: list[str] = field(default_factory=list)
    allowed_words: list[str] = field(default_factory=list)
    model_path: str | None = None  # from the config file's ``model`` key
    source: str = ""  # the config file it came from, for error messages

    def threshold(self, attribute: str, model_threshold: float) -> float:
        return self.thresholds.get(attribute, model_threshold)

    def _word_pattern(self, words: Sequence[str]) -> re.Pattern | None:
        return _compile_words(tuple(w for w in words if w))

    def validate(self, attributes: Iterable[str]) -> None:
        """ConfigError for an attribute name no model has (a typo); a real attribute that
        this model was not trained for is ignored with a warning, so one site policy serves
        several models."""
        known = list(attributes)
        where = f"{self.source}: " if self.source else ""
        for section, names in (("thresholds", self.thresholds), ("attributes", self.disabled)):
            for name in sorted(names):
                if name in known:
                    continue
                if name in ATTRIBUTES:
                    log.warning("%skey '%s.%s': this model has no %r attribute; ignored",
                                where, section, name, name)
                    continue
                raise ConfigError(
                    f"{where}key '{section}.{name}': unknown attribute {name!r}; "
                    f"the model has {', '.join(known)}"
                )

    def mask_allowed(self, text: str) -> str:
        """Blank out allowed words (same length, so character offsets stay valid)."""
        pattern = self._word_pattern(self.allowed_words)
        if pattern is None:
            return text
        return pattern.sub(lambda m: " " * len(m.group(0)), text)

    def banned_spans(self, text: str) -> list[list]:
        pattern = self._word_pattern(self.banned_words)
        if pattern is None:
            return []
        return [[m.start(), m.end(), 1.0] for m in pattern.finditer(text)]


@lru_cache(maxsize=64)
def _compile_words(words: tuple[str, ...]) -> re.Pattern | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def score_texts(
    model,
    texts: Sequence[str],
    articles: Sequence[str] | None = None,
    parents: Sequence[str] | None = None,
    groups: Sequence | None = None,
    policy: Policy | None = None,
    explain: bool = True,
    given_languages: Sequence[str | None] | None = None,
) -> list[dict]:
    """Score texts with ``model`` under ``policy``; one contract dict per text.

    ``given_languages``: per text, the language the caller knows it is in (a client saying
    its comment is English), or None where it is to be detected (``moderator.language``).
    """
    policy = policy or Policy()
    if policy._word_pattern(policy.allowed_words) is None:
        masked = [t or "" for t in texts]
    else:
        masked = [policy.mask_allowed(t or "") for t in texts]
    if hasattr(model, "predict_with_facts"):
        probabilities, facts = model.predict_with_facts(masked, articles, parents, groups)
    else:  # a stand-in model: words only
        probabilities = model.predict(masked, articles=articles, parents=parents,
                                      groups=groups)
        facts = None
    import numpy as np  # here, not at the top: the CLI imports this module for --help

    rounded = np.round(probabilities, 6)
    attributes = list(model.attributes)
    unflagged = getattr(model, "unflagged", ())  # attributes off unless a policy sets them
    thresholds = {a: policy.threshold(a, model.thresholds[a]) for a in attributes
                  if a not in policy.disabled
                  and (a in policy.thresholds or a not in unflagged)}
    watched = [attributes.index(a) for a in thresholds]
    over = rounded[:, watched] >= np.array(list(thresholds.values()), dtype=np.float64)
    names = list(thresholds)
    # Nothing to read: a removed comment kept as the parent of its replies, or an empty
    # post. There is nothing for a moderator to review, whatever a model says.
    empty = set(compress(count(), map(str.isspace, masked)))  # C loops: one item per text
    empty.update(compress(count(), map(operator.not_, masked)))
    found = _languages_of(masked, given_languages)
    # not judged: the English model's scores on another language mean nothing
    foreign = set(compress(count(), map(ENGLISH.__ne__, found)))
    requests: dict[int, list[str]] = {}  # attributes to explain, per flagged text
    for i, j in zip(*(index.tolist() for index in np.nonzero(over)), strict=True):
        if i not in empty and i not in foreign:
            requests.setdefault(i, []).append(names[j])
    # every row has len(attributes) columns: zip needs no strict check
    results = [{"scores": scores, "flagged": False, "reasons": [], "language": language}
               for scores, language in zip(
                   map(dict, map(zip, repeat(attributes), rounded.tolist())), found,
                   strict=True)]
    for i in empty:
        results[i]["scores"] = dict.fromkeys(attributes, 0.0)
    for i in foreign:
        results[i]["scores"] = dict.fromkeys(attributes)
    rows = list(requests)
    spans = (_explanations(model, [masked[i] for i in rows], list(requests.values()),
                           _take(articles, rows), _take(parents, rows))
             if explain else None)
    for k, (i, wanted) in enumerate(requests.items()):
        result = results[i]
        scores = result["scores"]
        reasons = [{"attribute": attribute, "score": scores[attribute],
                    "threshold": thresholds[attribute],
                    "spans": spans[k][attribute] if spans is not None else [], "notes": []}
                   for attribute in wanted]
        if explain:
            for reason in reasons:
                explained(masked[i], reason,
                          facts.of(i, reason["attribute"]) if facts is not None else ({}, {}))
        result["reasons"] = reasons
        result["flagged"] = True
    if policy._word_pattern(policy.banned_words) is not None:
        for i, result in enumerate(results):
            banned = [] if i in empty else policy.banned_spans(texts[i] or "")
            if banned:
                result["reasons"].append({"attribute": BANNED_WORD, "score": 1.0,
                                          "threshold": 1.0, "spans": banned, "notes": []})
                result["flagged"] = True
    return results


def _languages_of(texts: Sequence[str], given: Sequence[str | None] | None) -> list[str]:
    """Each text's language: the one ``given``, else detected."""
    if given is None:
        return languages(texts)
    if len(given) != len(texts):
        raise ValueError(f"{len(given)} languages given for {len(texts)} texts")
    found = list(given)
    unknown = [i for i, code in enumerate(found) if code is None]
    for i, code in zip(unknown, languages([texts[i] for i in unknown]), strict=True):
        found[i] = code
    return found


def explained(text: str, reason: dict, facts: tuple[dict, dict]) -> dict:
    """``reason`` with its ``notes``: the non-word reasons of its attribute's score, and
    ``NO_SINGLE_WORD`` when it would otherwise show neither a word nor a note."""
    notes = notes_for(reason["attribute"], *facts)
    if not notes and not marked_spans(text, reason):
        notes = [NO_SINGLE_WORD]
    reason["notes"] = notes
    return reason


def _take(column: Sequence | None, rows: list[int]) -> list | None:
    return None if column is None else [column[i] for i in rows]


def _explanations(model, texts, requests, articles, parents) -> list[dict[str, list]]:
    """Per text, {attribute: spans} for the requested attributes: in one batch when the
    model can (``explain_batch``), else one ``explain`` call per pair."""
    if hasattr(model, "explain_batch"):
        return model.explain_batch(texts, requests)
    return [
        {
            attribute: model.explain(
                texts[i], attribute,
                article=articles[i] if articles is not None else None,
                parent=parents[i] if parents is not None else None,
            )
            for attribute in wanted
        }
        for i, wanted in enumerate(requests)
    ]


_TEXT = operator.attrgetter("text")
_PARENT_ID = operator.attrgetter("parent_id")


def score_thread(model, thread, policy: Policy | None = None, explain: bool = True) -> list[dict]:
    """Score every comment of ``thread`` with its article and parent as context."""
    return score_threads(model, [thread], policy=policy, explain=explain)[0]


def score_threads(model, threads: Sequence, policy: Policy | None = None,
                  explain: bool = True,
                  given_languages: Sequence[str | None] | None = None) -> list[list[dict]]:
    """``score_thread`` of each thread, in one batch (one model call for them all: what a
    server answering many small requests at once needs). Each comment's context is its
    own thread's, so a thread's scores are the same alone or in a batch.
    ``given_languages``: as ``score_texts``'s, one per comment of all the threads in order."""
    texts: list[str] = []
    parents: list[str] = []
    articles: list[str] = []
    groups: list = []
    sizes = []
    keys: list = [thread.id for thread in threads]
    if len(set(keys)) != len(keys):  # two threads may share an id: keep them apart
        keys = list(range(len(threads)))
    for key, thread in zip(keys, threads, strict=True):
        comments = thread.comments
        texts += map(_TEXT, comments)
        parent_ids = list(map(_PARENT_ID, comments))
        if parent_ids.count(None) != len(parent_ids):
            by_id = {c.id: c for c in comments}
            parents += [by_id[p].text if p in by_id else "" for p in parent_ids]
        else:  # no replies (a flat table): no lookups
            parents += [""] * len(comments)
        articles += [thread.article or ""] * len(comments)
        # a comment alone in its thread has no thread to be compared with: no group, and no
        # cost (a group costs a few milliseconds per call, however small the batch)
        groups += [key if len(comments) > 1 else None] * len(comments)
        sizes.append(len(comments))
    grouped = groups if any(key is not None for key in groups) else None
    results = score_texts(model, texts, articles, parents, grouped, policy=policy,
                          explain=explain, given_languages=given_languages)
    out, start = [], 0
    for size in sizes:
        out.append(results[start : start + size])
        start += size
    return out


def comment_records(thread, results: Sequence[dict]) -> list[dict]:
    """Per comment: ``thread_id``, the parse fields, then ``scores``, ``flagged``, ``reasons``."""
    records = []
    for comment, result in zip(thread.comments, results, strict=True):
        record = {"thread_id": thread.id}
        record.update(comment.to_dict())
        record.update(result)
        records.append(record)
    return records


def flag_counts(records: Iterable[dict]) -> tuple[int, int, Counter, int]:
    """``(comments, flagged comments, Counter(attribute -> flagged comments), comments not
    judged for not being in English)``."""
    comments = flagged = foreign = 0
    by_attribute: Counter = Counter()
    for record in records:
        comments += 1
        if record["flagged"]:
            flagged += 1
            for reason in record["reasons"]:
                by_attribute[reason["attribute"]] += 1
        if record.get("language", ENGLISH) != ENGLISH:
            foreign += 1
    return comments, flagged, by_attribute, foreign


def flag_summary(comments: int, flagged: int, by_attribute: Counter,
                 attributes: Sequence[str] = (), foreign: int = 0) -> str:
    """``12 comments, 3 flagged: toxicity 2, insult 1, off_topic 1; 2 not in English (not
    judged)`` (model order first)."""
    order = {a: i for i, a in enumerate(attributes)}
    ranked = sorted(by_attribute.items(), key=lambda item: (order.get(item[0], len(order)),
                                                            item[0]))
    text = f"{comments} comment{'s' if comments != 1 else ''}, {flagged} flagged"
    if ranked:
        text += ": " + ", ".join(f"{a} {n}" for a, n in ranked)
    if foreign:
        text += f"; {foreign} not in English (not judged)"
    return text
