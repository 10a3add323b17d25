"""Which words explain a score: the span selection a model learns from people's marks.

``Model.explain`` gives every token of a text its contribution to an attribute's log-odds
(word and character n-grams, pattern cues such as URLs). Most tokens contribute a little;
the words a person would point at are few. A ``SpanSelector`` decides which tokens are
shown, then joins neighbours into phrases::

    selector = SpanSelector().fit(model, texts, marks)   # marks: [[start, end), ...] per text
    model.span_selector = selector                       # what moderator.model.training does

Two ways to decide, both stored in the model:

- **learned** (``fit`` on texts whose toxic characters people marked, e.g. the ToxicSpans
  corpus ``civil-spans``): a logistic regression over a few features of each token (its
  contribution, its share of the strongest one, a word lexicon learned from the marks, its
  neighbours', whether it is a stop word), with the probability cut-off that maximises the
  character F1 on those texts. Used for the attributes the marks are about
  (``LEARNED_ATTRIBUTES``: toxicity and its kinds).
- **rule** (every other attribute, and every attribute of a model trained on labels without
  marks): a token is shown when it contributes at least ``share`` of the strongest token
  and at least ``min_weight`` log-odds. On the ToxicSpans dev split this rule reached a
  character F1 of 0.50 (see ``bench/quality.py``), the learned selector 0.6+.

Both: punctuation tokens never, stop words only inside a phrase (a span of nothing but stop
words and punctuation is dropped), kept tokens separated only by spaces or punctuation join
into one phrase. ``explain`` of a flagged attribute always has a span when any word pushed
the score up (the strongest such word, if the selector kept none).

Everything works on arrays of the tokens of many (text, attribute) pairs at once
(``TokenWeights``), so explaining the flagged comments of an archive stays one compiled
pass plus a few numpy operations.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..attributes import TOXICITY_FAMILY

#: The attributes people's toxic-span marks are about: the learned selector explains these.
LEARNED_ATTRIBUTES = TOXICITY_FAMILY

#: English function words: a span made only of them (and punctuation) says nothing about
#: why a comment was flagged ("They", "must", "your", "an" were shown before this list).
#: Written for this project: pronouns, articles, auxiliaries, prepositions, conjunctions.
STOP_WORDS = frozenset("""
a about above after again against all am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't
doing don't down during each few for from further had hadn't has hasn't have haven't having he
he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if
in into is isn't it it's its itself let's me more most mustn't must my myself no nor not of off
on once only or other ought our ours ourselves out over own same shan't she she'd she'll she's
should shouldn't so some such than that that's the their theirs them themselves then there
there's these they they'd they'll they're they've this those through to too under until up
very was wasn't we we'd we'll we're we've were weren't what what's when when's where where's
which while who who's whom why why's will with won't would wouldn't you you'd you'll you're
you've your yours yourself yourselves also just even still yet ever s t d ll re ve m
""".split())

#: The rule's defaults (measured on the ToxicSpans dev split, bench/quality.py).
RULE_SHARE = 0.5
RULE_MIN_WEIGHT = 0.05
#: The least contribution (log-odds) of the word shown when the selector kept none.
MIN_CONTRIBUTION = 1e-6
#: ``fit`` needs at least this many marked texts; with fewer the rule stays.
MIN_MARKED_TEXTS = 50
#: Where the learned probability is clipped when computing features (log-odds of a word).
_CLIP = 6.0


@dataclass
class TokenWeights:
    """The tokens of many (text, attribute) pairs and their contributions.

    Pair p's tokens are ``ptr[p]:ptr[p + 1]`` (punctuation-only tokens are not listed);
    ``start``/``end`` are offsets into the normalised characters of the batch, token i's
    normalised text is ``vocabulary[word[i]]`` (each distinct text once), ``weight`` each
    token's contribution to the pair's log-odds.
    ``alnum_before[i]`` counts the letters and digits before normalised character i (to
    tell whether two tokens are separated by a word). ``attributes[p]`` names pair p's
    attribute; ``alone[i]`` the model's log-odds of token i's word as a comment of its own."""

    ptr: np.ndarray
    start: np.ndarray
    end: np.ndarray
    weight: np.ndarray
    vocabulary: list[str]
    word: np.ndarray
    alnum_before: np.ndarray
    attributes: list[str]
    alone: np.ndarray  # the attribute's log-odds of each token's word as a text of its own

    @property
    def words(self) -> list[str]:
        """Each token's normalised text."""
        return [self.vocabulary[i] for i in self.word.tolist()]

    def stop(self) -> np.ndarray:
        """Per token: is it a stop word?"""
        flags = np.fromiter(map(STOP_WORDS.__contains__, self.vocabulary), bool,
                            count=len(self.vocabulary))
        return flags[self.word] if len(self.word) else np.zeros(0, bool)


@dataclass
class Spans:
    """Selected spans of every pair: ``ptr[p]:ptr[p + 1]``, normalised ``[start, end)``."""

    ptr: np.ndarray
    start: np.ndarray
    end: np.ndarray
    weight: np.ndarray


def char_f1(predicted: Sequence[Sequence[int]], gold: Sequence[Sequence[int]]) -> float:
    """SemEval-2021 Task 5's character F1 of one text: ``predicted`` and ``gold`` are
    ``[start, end)`` ranges (extra items such as a weight are ignored); 1.0 when both are
    empty, 0.0 when only one is."""
    p = {c for span in predicted for c in range(int(span[0]), int(span[1]))}
    g = {c for span in gold for c in range(int(span[0]), int(span[1]))}
    if not g:
        return 1.0 if not p else 0.0
    if not p:
        return 0.0
    both = len(p & g)
    if not both:
        return 0.0
    precision, recall = both / len(p), both / len(g)
    return 2 * precision * recall / (precision + recall)


def _pair_of(ptr: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))


class SpanSelector:
    """Chooses the tokens shown for a score (see the module docstring).

    ``share``/``min_weight``: the rule. ``fit`` adds the learned part: ``lexicon_`` {word:
    log-odds of being marked}, ``coef_``/``intercept_`` of the token model, ``cutoff_`` on
    its probability, ``metrics_`` (character F1 on the texts it was fitted on)."""

    def __init__(self, share: float = RULE_SHARE, min_weight: float = RULE_MIN_WEIGHT):
        self.share = share
        self.min_weight = min_weight

    # -- what a model reads --
    @property
    def learned(self) -> bool:
        return hasattr(self, "coef_")

    def describe(self) -> dict:
        """For the model card: how spans are chosen, and how well that did."""
        rule = {"share": self.share, "min_weight": self.min_weight}
        if not self.learned:
            return {"method": "rule", "rule": rule}
        return {
            "method": "learned from marked spans",
            "attributes": list(LEARNED_ATTRIBUTES),
            "rule (other attributes)": rule,
            "lexicon_words": len(self.lexicon_),
            "cutoff": round(float(self.cutoff_), 4),
            "fit": self.metrics_,
        }

    # -- features --
    def _lexicon_values(self, words: list[str], lexicon: dict, prior: float) -> np.ndarray:
        get = lexicon.get
        return np.fromiter((get(w, prior) for w in words), np.float64, count=len(words))

    def _features(self, tokens: TokenWeights, lexicon: dict, prior: float) -> np.ndarray:
        w = tokens.weight
        pair = _pair_of(tokens.ptr)
        n = len(w)
        strongest = np.zeros(len(tokens.ptr) - 1)
        if n:
            np.maximum.at(strongest, pair, w)
        top = np.maximum(strongest[pair], 1e-6)
        relative = np.clip(w / top, -1.0, 1.0)
        lex = self._lexicon_values(tokens.vocabulary, lexicon, prior)[tokens.word] if n else (
            np.zeros(0))
        stop = tokens.stop().astype(np.float64)
        first = np.zeros(n, bool)
        last = np.zeros(n, bool)
        starts, ends = tokens.ptr[:-1], tokens.ptr[1:]
        nonempty = ends > starts
        first[starts[nonempty]] = True
        last[ends[nonempty] - 1] = True
        prev_rel = np.where(first, 0.0, np.roll(relative, 1))
        next_rel = np.where(last, 0.0, np.roll(relative, -1))
        prev_lex = np.where(first, prior, np.roll(lex, 1))
        next_lex = np.where(last, prior, np.roll(lex, -1))
        return np.column_stack([
            np.clip(w, -_CLIP, _CLIP), relative, lex, stop, prev_rel, next_rel, prev_lex,
            next_lex, np.log1p(np.maximum(top, 0.0)), np.clip(tokens.alone, -_CLIP, _CLIP),
        ])

    def _probabilities(self, tokens: TokenWeights) -> np.ndarray:
        x = self._features(tokens, self.lexicon_, self.prior_)
        z = x @ self.coef_ + self.intercept_
        return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))

    # -- selection --
    def keep(self, tokens: TokenWeights) -> np.ndarray:
        """Per token: is it shown? (learned attributes by the token model, others by the
        rule; never a token that pushed the score down)."""
        w = tokens.weight
        pair = _pair_of(tokens.ptr)
        strongest = np.zeros(len(tokens.ptr) - 1)
        if len(w):
            np.maximum.at(strongest, pair, w)
        kept = (w >= self.share * strongest[pair]) & (w >= self.min_weight)
        if self.learned and len(w):
            learned_pair = np.fromiter((a in LEARNED_ATTRIBUTES for a in tokens.attributes),
                                       bool, count=len(tokens.attributes))
            on = learned_pair[pair]
            if on.any():
                kept = np.where(on, self._probabilities(tokens) >= self.cutoff_, kept)
        return kept & (w > 0)

    def spans(self, tokens: TokenWeights, at_least_one: np.ndarray | None = None,
              kept: np.ndarray | None = None) -> Spans:
        """The phrases of every pair: kept tokens joined across gaps without a letter or
        digit; a phrase of stop words only is dropped. ``at_least_one[p]``: pair p gets its
        strongest positive non-stop-word token when nothing else is kept."""
        if kept is None:
            kept = self.keep(tokens)
        kept = kept.copy()
        n_pairs = len(tokens.ptr) - 1
        pair = _pair_of(tokens.ptr)
        w = tokens.weight
        stop = tokens.stop()
        if at_least_one is not None and len(w):
            has = np.zeros(n_pairs, bool)
            has[pair[kept & ~stop]] = True
            needy = at_least_one & ~has
            candidates = needy[pair] & ~stop & (w > MIN_CONTRIBUTION)
            if candidates.any():
                index = np.flatnonzero(candidates)
                order = np.lexsort((-w[index], pair[index]))
                index = index[order]
                firsts = index[np.r_[True, pair[index][1:] != pair[index][:-1]]]
                kept[firsts] = True
        index = np.flatnonzero(kept)
        if not len(index):
            return Spans(np.zeros(n_pairs + 1, np.int64), np.zeros(0, np.int64),
                         np.zeros(0, np.int64), np.zeros(0))
        # a kept token continues the phrase of the kept token before it when both are
        # neighbours in the pair's token list and no letter or digit lies between them
        p = pair[index]
        same = np.r_[False, (p[1:] == p[:-1]) & (index[1:] == index[:-1] + 1)]
        gap = tokens.alnum_before[tokens.start[index[1:]]] - tokens.alnum_before[
            tokens.end[index[:-1]]]
        joined = same & np.r_[False, gap == 0]
        phrase = np.cumsum(~joined) - 1
        n = phrase[-1] + 1
        start = tokens.start[index[~joined]]
        end = tokens.end[index[np.r_[~joined[1:], True]]]
        weight = np.bincount(phrase, weights=w[index], minlength=n)
        content = np.bincount(phrase, weights=~stop[index], minlength=n) > 0
        owner = p[~joined]
        start, end, weight, owner = start[content], end[content], weight[content], owner[content]
        ptr = np.zeros(n_pairs + 1, np.int64)
        np.cumsum(np.bincount(owner, minlength=n_pairs), out=ptr[1:])
        return Spans(ptr, start.astype(np.int64), end, weight)

    # -- learning --
    def fit(self, model, texts: Sequence[str], marks: Sequence[Sequence[Sequence[int]]],
            attribute: str = "toxicity", folds: int = 5, seed: int = 0) -> SpanSelector:
        """Learn which tokens people mark from ``texts`` and their ``marks`` (character
        ranges ``[start, end)`` into each text), with ``model``'s contributions for
        ``attribute``. The lexicon features of the token model are computed out of fold
        (a word's own text never tells the token model it was marked)."""
        from sklearn.linear_model import LogisticRegression

        texts = [t or "" for t in texts]
        if len(texts) != len(marks):
            raise ValueError(f"{len(marks)} mark lists for {len(texts)} texts")
        tokens, origin = model.token_weights(texts, attribute)
        pair = _pair_of(tokens.ptr)
        # a token is marked when most of its characters are
        y = np.zeros(len(tokens.weight), bool)
        original_start, original_end = origin
        for p in range(len(texts)):
            if not marks[p]:
                continue
            marked = np.zeros(len(texts[p]) + 1, np.int64)
            for s, e in marks[p]:
                marked[max(0, int(s)) : min(len(texts[p]), int(e))] = 1
            cum = np.r_[0, np.cumsum(marked)]
            a, b = tokens.ptr[p], tokens.ptr[p + 1]
            s, e = original_start[a:b], original_end[a:b]
            y[a:b] = 2 * (cum[e] - cum[s]) > (e - s)
        rng = np.random.default_rng(seed)
        fold = rng.integers(0, folds, len(texts))[pair]
        prior = math.log((y.sum() + 1) / (len(y) - y.sum() + 1))
        lex_oof = np.zeros(len(y))
        words = tokens.words
        for f in range(folds):
            lexicon = _lexicon(words, y, fold != f, prior)
            at = np.flatnonzero(fold == f)
            lex_oof[at] = self._lexicon_values([words[i] for i in at], lexicon, prior)
        self.lexicon_ = {}
        self.prior_ = prior
        x = self._features(tokens, {}, prior)
        x[:, 2] = lex_oof
        # neighbours' lexicon values out of fold too
        starts, ends = tokens.ptr[:-1], tokens.ptr[1:]
        first = np.zeros(len(y), bool)
        last = np.zeros(len(y), bool)
        first[starts[ends > starts]] = True
        last[ends[ends > starts] - 1] = True
        x[:, 6] = np.where(first, prior, np.roll(lex_oof, 1))
        x[:, 7] = np.where(last, prior, np.roll(lex_oof, -1))
        classifier = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
        self.coef_ = classifier.coef_.ravel().astype(np.float64)
        self.intercept_ = float(classifier.intercept_[0])
        self.lexicon_ = _lexicon(words, y, np.ones(len(y), bool), prior)
        # the cut-off: the best mean character F1 over the texts (out-of-fold lexicon)
        z = x @ self.coef_ + self.intercept_
        probability = 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))
        best = (-1.0, 0.5)
        for cutoff in np.arange(0.1, 0.71, 0.05):
            keep = (probability >= cutoff) & (tokens.weight > 0)
            found = self.spans(tokens, np.ones(len(texts), bool), keep)
            score = _mean_f1(found, tokens, origin, marks)
            if score > best[0] + 1e-9:
                best = (score, float(cutoff))
        self.cutoff_ = best[1]
        self.metrics_ = {"texts": len(texts), "tokens": int(len(y)),
                         "marked_tokens": int(y.sum()), "char_f1": round(best[0], 4)}
        return self


def _lexicon(words: list[str], y: np.ndarray, rows: np.ndarray, prior: float,
             smoothing: float = 2.0, least: int = 2) -> dict[str, float]:
    """{word: smoothed log-odds that the word is marked} over the tokens ``rows``."""
    total: Counter = Counter()
    marked: Counter = Counter()
    for word, label, use in zip(words, y.tolist(), rows.tolist(), strict=True):
        if use:
            total[word] += 1
            if label:
                marked[word] += 1
    rate = 1.0 / (1.0 + math.exp(-prior))
    out = {}
    for word, n in total.items():
        if n < least:
            continue
        k = marked[word]
        p = (k + smoothing * rate) / (n + smoothing)
        out[word] = max(-_CLIP, min(_CLIP, math.log(p / (1.0 - p))))
    return out


def _mean_f1(found: Spans, tokens: TokenWeights, origin, marks) -> float:
    """Mean character F1 of ``found`` (normalised offsets mapped to the original through
    the tokens' ``origin``) against ``marks``."""
    to_original = dict(zip(tokens.start.tolist(), origin[0].tolist(), strict=True))
    to_original_end = dict(zip(tokens.end.tolist(), origin[1].tolist(), strict=True))
    total = 0.0
    ptr = found.ptr.tolist()
    starts, ends = found.start.tolist(), found.end.tolist()
    for p, gold in enumerate(marks):
        predicted = [(to_original[s], to_original_end[e])
                     for s, e in zip(starts[ptr[p] : ptr[p + 1]], ends[ptr[p] : ptr[p + 1]],
                                     strict=True)]
        total += char_f1(predicted, gold)
    return total / max(len(marks), 1)
