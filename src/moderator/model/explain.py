"""How a score is explained: the spans of a text that pushed an attribute up.

``Model.explain``/``explain_batch``/``token_weights`` delegate here. Every token's
contribution (word and character n-grams, and the pattern cues: URLs, e-mail, phone numbers,
money spread over their matches) comes from one compiled pass (``ngrams.explain_spans``);
the model's span selector (``moderator.model.spans``) chooses which tokens are shown, and
``ngrams.top_spans`` ranks them. ``explain_reference`` is the same in plain Python, one text
at a time: the definition the batched kernels are tested against. What is not a word
(links, length, context similarity) is in ``scoring.Facts``; the words a reason shows are
rendered by ``moderator.explanations``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ..errors import ModelError
from .cues import (
    COUNTED_PATTERNS,
    CUE_CLIP,
    CUE_GATES,
    SPAN_PATTERNS,
    TEXT_FEATURES,
    cue_statistics,
    pattern_spans,
    possible_patterns,
    text_cues,
)
from .fitted import scoring_threads
from .ngrams import (
    EXPLAIN_PUNCTUATION,
    TOKEN_PATTERN,
    char_tables,
    explain_spans,
    explain_tables,
    normalize_codes,
    text_codes,
    token_bounds,
    top_spans,
    url_token_hash,
)
from .spans import MIN_CONTRIBUTION, STOP_WORDS, TokenWeights

#: the most spans ``explain`` lists per attribute (the selector's, strongest first)
EXPLAIN_TOP = 10
#: flagged comments explained per compiled call (bounds the per-character arrays)
EXPLAIN_CHUNK = 1024
#: pattern cues whose matches the compiled matchers find (``cues.pattern_spans`` kinds)
_COMPILED_PATTERNS = ("urls", "phone")
_TOKEN_RE = re.compile(TOKEN_PATTERN)
_WORD_CHAR = re.compile(r"\w")
# Punctuation tokens carry n-gram weight but mean nothing on their own in an explanation.
_PUNCTUATION = EXPLAIN_PUNCTUATION


def explain_batch(model, texts: Sequence[str], requests: Sequence[Sequence[str]],
                  top_k: int = EXPLAIN_TOP) -> list[dict[str, list]]:
    """``explain`` for many texts at once: ``requests[i]`` names the attributes to explain
    for ``texts[i]``; returns per text ``{attribute: spans}``. One compiled pass over all
    of them (what ``score_texts`` uses for the flagged comments)."""
    columns = {}
    for attributes in requests:
        for attribute in attributes:
            if attribute not in columns:
                try:
                    columns[attribute] = model.attributes.index(attribute)
                except ValueError:
                    raise ModelError(
                        f"unknown attribute {attribute!r}; this model has "
                        f"{', '.join(model.attributes)}"
                    ) from None
    results: list[dict[str, list]] = [{} for _ in texts]
    wanted = [i for i, attributes in enumerate(requests) if attributes]
    chunks = [wanted[start : start + EXPLAIN_CHUNK]
              for start in range(0, len(wanted), EXPLAIN_CHUNK)]

    def explain_chunk(chunk):
        _explain_chunk(model, [texts[i] or "" for i in chunk],
                            [list(dict.fromkeys(requests[i])) for i in chunk],
                            columns, [results[i] for i in chunk], top_k)

    threads = min(scoring_threads(), len(chunks))
    if threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(explain_chunk, chunks))
    else:
        for chunk in chunks:
            explain_chunk(chunk)
    return results

def _explain_chunk(model, texts, requests, columns, results, top_k):
    tokens, pos, origin, _ = _token_weights(model, texts, requests, columns)
    found = model.selector.spans(tokens, at_least_one=np.ones(len(tokens.attributes), bool))
    top_ptr, top_s, top_e, top_w, exact = top_spans(
        found.ptr, found.start, found.end, found.weight, pos, origin, top_k)
    top = [[s, e, w] for s, e, w in zip(top_s.tolist(), top_e.tolist(), top_w.tolist(),
                                         strict=True)]
    bounds = top_ptr.tolist()
    p = 0
    for d, attributes in enumerate(requests):
        result = results[d]
        for attribute in attributes:
            result[attribute] = top[bounds[p] : bounds[p + 1]]
            p += 1
    if not exact.all():
        p = 0
        for d, attributes in enumerate(requests):
            for attribute in attributes:
                if not exact[p]:
                    results[d][attribute] = pair_top_spans(found, pos, int(origin[p]), p, top_k)
                p += 1


def pair_top_spans(found, pos, origin: int, p: int, top_k: int) -> list[list]:
    """Pair ``p``'s ``top_k`` spans as ``top_spans`` lists them, rounded by Python: for the
    rare pair where a weight lies too near a half at 4 places for C to round it."""
    a, b = int(found.ptr[p]), int(found.ptr[p + 1])
    spans = [[int(pos[found.start[q]]) - origin, int(pos[found.end[q] - 1]) + 1 - origin,
              round(float(found.weight[q]), 4)] for q in range(a, b)]
    spans.sort(key=lambda span: -span[2])  # stable: ties keep text order
    return spans[:top_k]



def token_weights(model, texts: Sequence[str], attribute: str):
    """Every token of each text (punctuation aside) with its contribution to
    ``attribute``: ``(TokenWeights, (start, end))``, the second the tokens' offsets into
    their own text (what ``SpanSelector.fit`` reads)."""
    if attribute not in model.attributes:
        raise ModelError(f"unknown attribute {attribute!r}; this model has "
                         f"{', '.join(model.attributes)}")
    texts = [t or "" for t in texts]
    tokens, pos, origin, _ = _token_weights(
        model, texts, [[attribute]] * len(texts), {attribute: model.attributes.index(attribute)})
    pair_origin = np.repeat(origin, np.diff(tokens.ptr))
    start = pos[tokens.start] - pair_origin if len(tokens.start) else tokens.start
    end = pos[tokens.end - 1] + 1 - pair_origin if len(tokens.end) else tokens.end
    return tokens, (start, end)

def _token_weights(model, texts, requests, columns):
    """(TokenWeights of every requested (text, attribute) pair, normalised -> original
    character map, first original offset of each pair's text, normalised text)."""
    ngrams = model.features.ngrams_
    codes, offsets = text_codes(texts)
    nc, ncls, pos, noff = normalize_codes(codes, offsets, *char_tables())
    tok_ptr, tok_start, tok_end = token_bounds(nc, ncls, noff)
    tok_ptr, tok_start, tok_end = _astral_tokens(nc, noff, tok_ptr, tok_start, tok_end)
    pair_ptr = np.zeros(len(texts) + 1, np.int64)
    np.cumsum([len(attributes) for attributes in requests], out=pair_ptr[1:])
    pair_cols = [columns[attribute] for attributes in requests for attribute in attributes]
    add_ptr, add = _pattern_additions(model, texts, codes, offsets, pos, noff, pair_ptr,
                                           pair_cols)
    punctuation, alnum = explain_tables()
    # every token but punctuation, each on its own: the selector chooses
    ptr, start, end, weight = explain_spans(
        nc, ncls, noff, pair_ptr, np.array(pair_cols, np.int64), tok_ptr, tok_start,
        tok_end, add_ptr, add[:, 0].astype(np.int64),
        add[:, 1].astype(np.int64), add[:, 2].copy(), punctuation, alnum,
        ngrams.char_range[0], ngrams.char_range[1], ngrams.word_range[0],
        ngrams.word_range[1], ngrams.char_bits, ngrams.word_bits, url_token_hash(),
        model.score_table(), -np.inf, -np.inf, merge=False,
    )
    norm = nc.tobytes().decode("utf-32-le", "surrogatepass")
    words = list(map(norm.__getitem__, map(slice, start.tolist(), end.tolist())))
    vocabulary = list(dict.fromkeys(words))
    index = {w: i for i, w in enumerate(vocabulary)}
    word = np.fromiter(map(index.__getitem__, words), np.int64, count=len(words))
    in_bmp = nc < 65536
    is_alnum = np.zeros(len(nc), bool)
    is_alnum[in_bmp] = alnum[nc[in_bmp]]
    alnum_before = np.zeros(len(nc) + 1, np.int64)
    np.cumsum(is_alnum, out=alnum_before[1:])
    origin = np.repeat(offsets[:-1], np.diff(pair_ptr))
    attributes = [a for wanted in requests for a in wanted]
    # each distinct word scored on its own: how much the model minds the word itself,
    # whatever surrounds it (contributions shrink in long comments; this does not)
    alone_logits = (model.features.score_batch(vocabulary, model.score_table())[0]
                    + model.intercept_) if vocabulary else np.zeros((0, len(model.attributes)))
    token_cols = np.repeat(np.array(pair_cols, np.int64), np.diff(ptr))
    alone = alone_logits[word, token_cols] if len(words) else np.zeros(0)
    tokens = TokenWeights(ptr, start, end, weight, vocabulary, word, alnum_before,
                          attributes, alone)
    return tokens, pos, origin, norm

def _cue_deltas(model, column):
    """``{pattern: {raw cue value: contribution}}`` of the pattern cues to the log-odds of
    weight column ``column`` (a cue at its zero adds nothing), or None when the column
    has no text cues (the toxicity attributes). Computed once per column."""
    cache = model.__dict__.setdefault("_cue_delta_cache", {})
    if column in cache:
        return cache[column]
    features = model.features
    n_text = features.slices_["text"].stop - features.slices_["text"].start
    coef = model.extra_coef_[:n_text, column]
    deltas = None
    if np.any(coef):
        deltas = {}
        for name in SPAN_PATTERNS:
            k = TEXT_FEATURES.index(name)
            zero = (0.0 - features.cue_mean_[k]) / features.cue_scale_[k]
            deltas[name] = {}
            # the values text_cues gives: counts up to 3, or 1.0 for "any"
            for raw in (1, 2, 3) if name in COUNTED_PATTERNS else (1.0,):
                value = (raw - features.cue_mean_[k]) / features.cue_scale_[k]
                shown = (np.clip(value, -CUE_CLIP, CUE_CLIP)
                         - np.clip(zero, -CUE_CLIP, CUE_CLIP))
                deltas[name][raw] = coef[k] * shown
    cache[column] = deltas
    return deltas

def _pattern_additions(model, texts, codes, offsets, pos, noff, pair_ptr, pair_cols):
    """The pattern cues' (URLs, e-mail, phone numbers, money) extra weights of every
    (document, column) pair, for ``explain_spans``: ``(add_ptr, rows of (start, end,
    weight))``, each cue's contribution spread over the normalised characters of its
    matches. A pattern runs once per document, only where ``cue_statistics`` allows a
    match (``possible_patterns``), and gives the cue's value (its number of
    matches) with the matches: URLs and phone numbers by the compiled matchers."""
    add_counts = np.zeros(len(pair_cols), np.int64)
    adds: list[tuple[int, int, float]] = []
    deltas = [_cue_deltas(model, column) for column in pair_cols]
    cued = [p for p, delta in enumerate(deltas) if delta is not None]
    if cued:
        doc_of = np.repeat(np.arange(len(texts)), np.diff(pair_ptr)).tolist()
        cued_docs = sorted({doc_of[p] for p in cued})
        cued_codes = text_codes([texts[d] for d in cued_docs])
        stats = cue_statistics(*cued_codes)[:, CUE_GATES].tolist()
        empty = (noff[1:] == noff[:-1]).tolist()
        allowed = {}
        requests: list[tuple[int, str]] = []
        for d, (may_url, may_money, may_phone, may_email) in zip(cued_docs, stats,
                                                                 strict=True):
            names = []
            if not empty[d]:
                names = possible_patterns(texts[d], may_url, may_money, may_phone,
                                          may_email)
                requests.extend((d, name) for name in names if name in _COMPILED_PATTERNS)
            allowed[d] = names
        count, ptr, span_start, span_end = pattern_spans(
            codes, offsets, pos, noff, [d for d, _ in requests],
            [_COMPILED_PATTERNS.index(name) for _, name in requests])
        count, ptr = count.tolist(), ptr.tolist()
        span_start, span_end = span_start.tolist(), span_end.tolist()
        compiled = {request: r for r, request in enumerate(requests)}
        found = {}
        for d in cued_docs:
            matches = []
            for name in allowed[d]:
                r = compiled.get((d, name))
                if r is not None and count[r] >= 0:
                    n = count[r]
                    spans = list(zip(span_start[ptr[r] : ptr[r + 1]],
                                     span_end[ptr[r] : ptr[r + 1]], strict=True))
                else:
                    n, spans = _pattern_matches(name, texts[d], pos, offsets, noff, d)
                if n:
                    matches.append((name, min(n, 3) if name in COUNTED_PATTERNS else 1.0,
                                    n, spans))
            found[d] = matches
        for p in cued:
            matches = found[doc_of[p]]
            if not matches:
                continue
            delta_of = deltas[p]
            before = len(adds)
            for name, raw, n, spans in matches:
                delta = delta_of[name][raw]
                if delta <= 0:
                    continue
                for start, end in spans:
                    adds.append((start, end, delta / n / (end - start)))
            add_counts[p] = len(adds) - before
    add_ptr = np.zeros(len(pair_cols) + 1, np.int64)
    np.cumsum(add_counts, out=add_ptr[1:])
    return add_ptr, np.array(adds, dtype=np.float64).reshape(-1, 3)

def _pattern_matches(name, text, pos, offsets, noff, d):
    """``(number of matches, normalised [start, end) of the matches whose first and
    last characters normalisation kept)`` of pattern cue ``name`` in ``text`` (document
    d of the chunk), by its regular expression."""
    a, b = int(noff[d]), int(noff[d + 1])
    matches = [m.span() for m in SPAN_PATTERNS[name].finditer(text)]
    if not matches:
        return 0, []
    # the normalised character at each match's first and last original offset
    relative = pos[a:b] - offsets[d]
    ends = np.array([(s, e - 1) for s, e in matches], np.int64).ravel()
    at = np.minimum(np.searchsorted(relative, ends), len(relative) - 1)
    kept = (relative[at] == ends).tolist()
    at = at.tolist()
    spans = []
    for m in range(len(matches)):
        if not (kept[2 * m] and kept[2 * m + 1]):
            continue
        start, end = at[2 * m], at[2 * m + 1]
        if end < start:
            continue
        spans.append((a + start, a + end + 1))
    return len(matches), spans

def explain_reference(model, text: str, attribute: str,
                       top_k: int = EXPLAIN_TOP) -> list[list]:
    """``explain`` one text at a time in Python: the definition the batched kernel is
    tested against."""
    column = model.attributes.index(attribute)
    text = text or ""
    norm, offsets, contributions = model.features.ngrams_.contributions(
        text, model.ngram_weights_.T)
    if not norm:
        return []
    features = model.features
    weights = np.zeros(len(norm) + 1)
    weights[: len(norm)] = contributions[:, column]
    n_text = features.slices_["text"].stop - features.slices_["text"].start
    _cue_weights(model, text, norm, offsets, model.extra_coef_[:n_text, column], weights)
    starts, ends = regex_token_bounds(norm)
    cumulative = np.concatenate([[0.0], np.cumsum(weights[: len(norm)])])
    token_weights = cumulative[ends] - cumulative[starts]
    tokens = [(s, e, w) for s, e, w in zip(starts.tolist(), ends.tolist(),
                                            token_weights.tolist(), strict=True)
              if norm[s:e].strip(_PUNCTUATION)]
    words = [norm[s:e] for s, e, _ in tokens]
    alone = [float(model.features.ngrams_.contributions(word, model.ngram_weights_.T)[2]
                   [:, column].sum() + model.intercept_[column]) for word in words]
    alnum_before = np.concatenate([[0], np.cumsum([ch.isalnum() for ch in norm])])
    kept = model.selector.keep(TokenWeights(
        np.array([0, len(tokens)], np.int64), np.array([s for s, _, _ in tokens], np.int64),
        np.array([e for _, e, _ in tokens], np.int64), np.array([w for *_, w in tokens]),
        words, np.arange(len(words)), alnum_before, [attribute], np.array(alone))).tolist()
    # the strongest word when nothing else is kept: every flag has its words
    content = [i for i, word in enumerate(words) if word not in STOP_WORDS]
    if not any(kept[i] for i in content):
        best = max(content, key=lambda i: tokens[i][2], default=None)
        if best is not None and tokens[best][2] > MIN_CONTRIBUTION:
            kept[best] = True
    # kept neighbours with no letter or digit between them form one phrase; a phrase
    # of stop words only says nothing
    spans: list[list] = []
    previous = None
    for i, (start, end, weight) in enumerate(tokens):
        if not kept[i]:
            continue
        if previous == i - 1 and not any(ch.isalnum() for ch in norm[spans[-1][1] : start]):
            spans[-1][1] = end
            spans[-1][2] += weight
            spans[-1][3] = spans[-1][3] or words[i] not in STOP_WORDS
        else:
            spans.append([start, end, weight, words[i] not in STOP_WORDS])
        previous = i
    result = [[int(offsets[s]), int(offsets[e - 1]) + 1, round(w, 4)]
              for s, e, w, content in spans if content]
    result.sort(key=lambda span: -span[2])
    return result[:top_k]

def regex_token_bounds(norm: str):
    """Start and end arrays of the tokens of normalised text."""
    bounds = [m.span() for m in _TOKEN_RE.finditer(norm)]
    return (np.array([b[0] for b in bounds], dtype=np.intp),
            np.array([b[1] for b in bounds], dtype=np.intp))

def _cue_weights(model, text, norm, offsets, coef, weights):
    """URLs, e-mail, phone numbers, money: their cue's contribution over their matches."""
    if not np.any(coef):
        return  # the toxicity attributes do not use the cues
    found = {name: list(pattern.finditer(text)) for name, pattern in SPAN_PATTERNS.items()}
    if not any(found.values()):
        return
    features = model.features
    value = (np.asarray(text_cues(text)) - features.cue_mean_) / features.cue_scale_
    zero = (0.0 - features.cue_mean_) / features.cue_scale_
    position = {int(o): i for i, o in reversed(list(enumerate(offsets)))}
    for name in SPAN_PATTERNS:
        k = TEXT_FEATURES.index(name)
        shown = np.clip(value[k], -CUE_CLIP, CUE_CLIP) - np.clip(zero[k], -CUE_CLIP, CUE_CLIP)
        delta = coef[k] * shown
        matches = found[name]
        if not matches or delta <= 0:
            continue
        for match in matches:
            start = position.get(match.start())
            end = position.get(match.end() - 1)
            if start is None or end is None or end < start:
                continue
            weights[start : end + 1] += delta / len(matches) / (end + 1 - start)




def _astral_tokens(nc, noff, tok_ptr, tok_start, tok_end):
    """Token bounds with those of documents holding word characters beyond the BMP (which
    the kernel reads as symbols, as Python's ``\\w`` does emoji, but not letters such as
    mathematical bold ones) cut by ``TOKEN_PATTERN``."""
    beyond = nc >= 65536
    if not beyond.any():
        return tok_ptr, tok_start, tok_end
    wordlike = [c for c in np.unique(nc[beyond]).tolist() if _WORD_CHAR.match(chr(c))]
    if not wordlike:
        return tok_ptr, tok_start, tok_end
    astral = np.concatenate([[0], np.cumsum(np.isin(nc, wordlike))])
    docs = np.flatnonzero(astral[noff[1:]] - astral[noff[:-1]])
    starts, ends, counts = [], [], np.diff(tok_ptr)
    done = 0
    for d in docs.tolist():
        a, b = int(noff[d]), int(noff[d + 1])
        starts.append(tok_start[tok_ptr[done] : tok_ptr[d]])
        ends.append(tok_end[tok_ptr[done] : tok_ptr[d]])
        norm = nc[a:b].tobytes().decode("utf-32-le", "surrogatepass")
        bounds = np.array([m.span() for m in _TOKEN_RE.finditer(norm)], np.int64).reshape(-1, 2)
        starts.append(bounds[:, 0] + a)
        ends.append(bounds[:, 1] + a)
        counts[d] = len(bounds)
        done = d + 1
    starts.append(tok_start[tok_ptr[done] :])
    ends.append(tok_end[tok_ptr[done] :])
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return ptr, np.concatenate(starts), np.concatenate(ends)
