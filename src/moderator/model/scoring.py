"""The scoring model: features -> one logistic regression per attribute, saved with a card.

``Model`` is what ``moderator.load_model()`` returns::

    model.attributes                       # ["toxicity", ..., "off_topic"]
    model.thresholds                       # {attribute: threshold chosen at a target precision}
    model.card                             # the model card (dict), also beside the file as JSON
    model.predict(texts, articles=None, parents=None, groups=None)  # ndarray (n, n_attributes)
    model.explain(text, attribute, article=None, parent=None)        # [[start, end, weight], ...]
    model.score_texts(texts, articles=None, parents=None, policy=None)  # scoring contract dicts
    model.score_thread(thread, policy=None)

``model.pipeline`` is a scikit-learn ``Pipeline([("features", CommentFeatures),
("classifier", AttributeClassifiers)])``: all attributes share one sparse feature matrix and
one stacked coefficient matrix, so scoring a batch is one sparse matrix product.

On disk: ``<name>.joblib`` and its card ``<name>.card.json`` beside it. The card records the
format version, library versions and the model file's SHA-256; ``load_model`` checks the
format and the hash before unpickling anything. Scoring reads plain numpy arrays only, so a
model keeps working under another scikit-learn; ``Model.pipeline`` (retraining, estimator
checks) checks the scikit-learn version it was saved with.

Which file: ``find_model`` (see ``LOOKUP``), the one rule every command and
``load_model()`` follow; the default model ships inside the package (``SHIPPED_MODEL``).
"""

from __future__ import annotations

import json
import os
import platform
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .attributes import CONTEXT_ATTRIBUTES
from .errors import ModelError
from .files import atomic_write, file_sha256
from .language import ENGLISH
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
from .review import score_texts as review_texts
from .review import score_thread as review_thread
from .runtime import (
    CONTEXT_FEATURES,
    COUNTED_PATTERNS,
    CUE_CLIP,
    CUE_GATES,
    SPAN_PATTERNS,
    TEXT_FEATURES,
    WINDOW_MIN_CHARS,
    CommentBatch,
    FittedFeatures,
    cue_statistics,
    pattern_spans,
    possible_patterns,
    scoring_threads,
    text_cues,
)
from .spans import MIN_CONTRIBUTION, STOP_WORDS, SpanSelector, TokenWeights
from .version import __version__

FORMAT = "moderator-model"
# 2: window combiner; 3: hashed n-grams; 4: scoring state without sklearn; 5: file not
# compressed, only the pickled pipeline inside it (loads in 0.03 s instead of 0.4 s);
# 6: the span selector (moderator.spans) learned with the model; 7: the context views
# (topic space, BM25 length, one has_context column, asks_under_question)
FORMAT_VERSION = 7
MODEL_ENV = "MODERATOR_MODEL"
#: A model trained here: ``python train.py`` writes it, relative to the current directory.
LOCAL_MODEL = Path("models") / "moderator.joblib"
#: The default model, package data (``make model`` writes it): found by an installed
#: ``moderator`` from any directory.
SHIPPED_MODEL = Path(__file__).resolve().parent / "models" / "moderator.joblib"
#: Where ``find_model`` looks, in order (for messages and the README).
LOOKUP = ("--model", f"${MODEL_ENV}", "the policy file's `model`", f"./{LOCAL_MODEL.as_posix()}",
          "the model shipped with moderator")
#: Attributes that see the context columns (article/parent/thread similarity).
RETRAIN = "retrain with `python train.py`"
#: the most spans ``explain`` lists per attribute (the selector's, strongest first)
EXPLAIN_TOP = 10
LANGUAGE_NOTE = ("English only: trained on English comments. Comments in another language "
                 "(identified with pycld2) are not judged: their language is reported, their "
                 "scores are empty and the model does not flag them.")
TRAIN_ONE = "train one with `python train.py`"


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0)))


def combine(whole: np.ndarray, window: np.ndarray, weights) -> np.ndarray:
    """Probability from the whole comment's logit and its best sentence window's logit."""
    a, b, c = weights
    return sigmoid(a * whole + b * window + c)




class Model:
    """A trained moderator model; see the module docstring for the API."""

    unflagged: list = []  # noqa: RUF012 - models saved before it existed flag every attribute

    def __init__(self, pipeline, thresholds: dict, card: dict | None = None,
                 combiner: dict | None = None, windows: bool = True, capped=(),
                 span_selector: SpanSelector | None = None, unflagged=()):
        self._pipeline = pipeline
        #: which tokens ``explain`` shows (``moderator.spans``); None: the documented rule
        self.span_selector = span_selector
        self.thresholds = dict(thresholds)
        #: attributes that do not flag unless a policy sets their threshold: no threshold
        #: met the bar on held-out real rows (the card says why)
        self.unflagged = list(unflagged)
        self.card = dict(card or {})
        #: attribute -> (a, b, c): probability = sigmoid(a * whole + b * best_window + c)
        #: of the logits of the whole comment and of its best sentence window.
        self.combiner = dict(combiner or {})
        self.windows = windows
        #: kinds of toxicity scored at most the toxicity score: every insult, threat ... is
        #: toxic, and a sub-attribute above toxicity is a false alarm ("My neighbours are
        #: Muslim and ..." scored identity_attack 0.27 with toxicity 0.01).
        self.capped = list(capped)
        # What scoring reads, as plain arrays: a loaded model scores without importing
        # scikit-learn, and unpickles the fitted pipeline only when asked for it.
        classifier = pipeline.named_steps["classifier"]
        self.features = FittedFeatures.of(pipeline.named_steps["features"])
        self.attributes = list(classifier.attributes_)
        n_ngrams = self.features.slices_["text"].start
        #: n-gram coefficients as the kernels read them: float32, one row per feature
        self.ngram_weights_ = np.ascontiguousarray(classifier.coef_[:n_ngrams], dtype=np.float32)
        #: coefficients of the dense columns (text cues, context), float64
        self.extra_coef_ = np.array(classifier.coef_[n_ngrams:], dtype=np.float64)
        self.intercept_ = np.array(classifier.intercept_, dtype=np.float64)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_table", None)  # caches, not part of the model
        state.pop("_cue_delta_cache", None)
        if state.get("_pipeline") is not None:
            import pickle
            import zlib

            # compressed alone: the scoring arrays beside it then load without inflating
            state["_pipeline_bytes"] = zlib.compress(
                pickle.dumps(state["_pipeline"], protocol=5), 1)
        state["_pipeline"] = None
        return state

    # -- parts --
    @property
    def pipeline(self):
        """The fitted scikit-learn ``Pipeline([("features", CommentFeatures), ("classifier",
        AttributeClassifiers)])`` (unpickled on first use after loading, under the
        scikit-learn version that saved it: else a ``ModelError``)."""
        if self._pipeline is None:
            import pickle
            import zlib

            _check_sklearn(self.card, self.card.get("model_file") or "this model")
            try:
                self._pipeline = pickle.loads(zlib.decompress(self._pipeline_bytes))
            except Exception as exc:  # noqa: BLE001 - any unpickling failure: unusable file
                raise ModelError(
                    f"cannot restore the model's pipeline ({exc}); {RETRAIN}"
                ) from None
        return self._pipeline

    @property
    def classifier(self):
        return self.pipeline.named_steps["classifier"]

    # -- scoring --
    def predict(
        self,
        texts: Sequence[str],
        articles: Sequence[str] | None = None,
        parents: Sequence[str] | None = None,
        groups: Sequence | None = None,
    ) -> np.ndarray:
        """Probabilities, shape (len(texts), len(attributes)), columns in ``attributes`` order."""
        return self.predict_with_facts(texts, articles, parents, groups)[0]

    def predict_with_facts(self, texts, articles=None, parents=None, groups=None):
        """``(predict(...), Facts)``: the probabilities, and what is not a word behind them
        (``Facts.of(i, attribute)``), from the same pass."""
        texts = ["" if t is None else str(t) for t in texts]
        for name, column in (("articles", articles), ("parents", parents), ("groups", groups)):
            if column is not None and len(column) != len(texts):
                raise ValueError(f"{len(column)} {name} for {len(texts)} texts")
        if not texts:
            return np.zeros((0, len(self.attributes))), Facts(self, texts, None, None, [])
        batch = CommentBatch(
            texts=texts,
            articles=None if articles is None else ["" if a is None else a for a in articles],
            parents=None if parents is None else ["" if p is None else p for p in parents],
            groups=groups,
        )
        features = self.features
        extra_columns = np.flatnonzero(np.any(self.extra_coef_ != 0, axis=0))
        context = bool(len(extra_columns) and features.context and features._has_context(batch))
        # n-grams: one compiled pass per chunk gives every attribute's whole-comment and
        # best-window dot products without building the feature matrix, the text cues and
        # (for the context similarities) the word block.
        whole, best_window, n_windows, cues, words = features.score_batch(
            texts, self._score_table(), words=context)
        logits = whole + self.intercept_
        extra = None
        contexts = None
        if len(extra_columns):
            extra = features.extra(batch, cues=cues, words=words)
            logits[:, extra_columns] += extra @ self.extra_coef_[:, extra_columns]
            if context:
                contexts = features.context_facts(batch, extra)
        facts = Facts(self, texts, cues, extra, contexts)
        if not self.combiner:
            return self._cap(sigmoid(logits)), facts
        attributes = self.attributes
        columns = [j for j, a in enumerate(attributes) if a in self.combiner]
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        windowed = (n_windows >= 2) & (lengths >= WINDOW_MIN_CHARS) if self.windows else None
        probabilities = sigmoid(logits)
        for j in columns:
            best = logits[:, j]
            if windowed is not None:
                window_logit = best_window[:, j] + self.intercept_[j]
                best = np.where(windowed, np.maximum(best, window_logit), best)
            probabilities[:, j] = combine(logits[:, j], best, self.combiner[attributes[j]])
        return self._cap(probabilities), facts

    def _score_table(self) -> np.ndarray:
        """The n-gram weights with the idf beside them, as the scoring kernel reads them
        (made once per loaded model)."""
        table = self.__dict__.get("_table")
        if table is None:
            table = self._table = self.features.ngrams_.score_table(self.ngram_weights_)
        return table

    def _cap(self, probabilities):
        capped = getattr(self, "capped", ())
        if capped:
            attributes = self.attributes
            toxicity = probabilities[:, attributes.index("toxicity")]
            for attribute in capped:
                j = attributes.index(attribute)
                probabilities[:, j] = np.minimum(probabilities[:, j], toxicity)
        return probabilities

    def score_texts(self, texts, articles=None, parents=None, groups=None, policy=None,
                    explain=True) -> list[dict]:
        """The scoring contract per text (see ``moderator.review.score_texts``)."""
        return review_texts(self, texts, articles, parents, groups, policy=policy, explain=explain)

    def score_thread(self, thread, policy=None, explain=True) -> list[dict]:
        """Score every comment of a ``Thread`` with its article, parent and thread as context."""
        return review_thread(self, thread, policy=policy, explain=explain)

    # -- explanations --
    def explain(self, text: str, attribute: str, article: str | None = None,
                parent: str | None = None, top_k: int = EXPLAIN_TOP) -> list[list]:
        """Spans of ``text`` that pushed ``attribute`` up: ``[[start, end, weight], ...]``.

        Offsets are into ``text`` as given; weight is the span's contribution to the
        attribute's log-odds (word n-grams, character n-grams and pattern cues such as URLs),
        strongest first, at most ``top_k``. Which words are spans is the model's span
        selector's choice (``selector``: learned from people's marks in training, else the
        rule of ``moderator.spans``); the strongest word is listed when it kept none.
        Context (similarity to article/parent) has no span: see ``Facts``.
        """
        return self.explain_batch([text], [[attribute]], top_k=top_k)[0][attribute]

    def explain_batch(self, texts: Sequence[str], requests: Sequence[Sequence[str]],
                      top_k: int = EXPLAIN_TOP) -> list[dict[str, list]]:
        """``explain`` for many texts at once: ``requests[i]`` names the attributes to explain
        for ``texts[i]``; returns per text ``{attribute: spans}``. One compiled pass over all
        of them (what ``score_texts`` uses for the flagged comments)."""
        columns = {}
        for attributes in requests:
            for attribute in attributes:
                if attribute not in columns:
                    try:
                        columns[attribute] = self.attributes.index(attribute)
                    except ValueError:
                        raise ModelError(
                            f"unknown attribute {attribute!r}; this model has "
                            f"{', '.join(self.attributes)}"
                        ) from None
        results: list[dict[str, list]] = [{} for _ in texts]
        wanted = [i for i, attributes in enumerate(requests) if attributes]
        chunks = [wanted[start : start + EXPLAIN_CHUNK]
                  for start in range(0, len(wanted), EXPLAIN_CHUNK)]

        def explain_chunk(chunk):
            self._explain_chunk([texts[i] or "" for i in chunk],
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

    def _explain_chunk(self, texts, requests, columns, results, top_k):
        tokens, pos, origin, _ = self._token_weights(texts, requests, columns)
        found = self.selector.spans(tokens, at_least_one=np.ones(len(tokens.attributes), bool))
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
                        results[d][attribute] = self._spans_in_python(
                            found.ptr, found.start, found.end, found.weight, pos,
                            int(origin[p]), p, top_k)
                    p += 1

    @property
    def selector(self) -> SpanSelector:
        """How the words shown for a score are chosen (``moderator.spans``): learned from
        marked spans by ``moderator.training.train`` when it had them, else the rule."""
        selector = getattr(self, "span_selector", None)
        return selector if selector is not None else SpanSelector()

    def token_weights(self, texts: Sequence[str], attribute: str):
        """Every token of each text (punctuation aside) with its contribution to
        ``attribute``: ``(TokenWeights, (start, end))``, the second the tokens' offsets into
        their own text (what ``SpanSelector.fit`` reads)."""
        if attribute not in self.attributes:
            raise ModelError(f"unknown attribute {attribute!r}; this model has "
                             f"{', '.join(self.attributes)}")
        texts = [t or "" for t in texts]
        tokens, pos, origin, _ = self._token_weights(
            texts, [[attribute]] * len(texts), {attribute: self.attributes.index(attribute)})
        pair_origin = np.repeat(origin, np.diff(tokens.ptr))
        start = pos[tokens.start] - pair_origin if len(tokens.start) else tokens.start
        end = pos[tokens.end - 1] + 1 - pair_origin if len(tokens.end) else tokens.end
        return tokens, (start, end)

    def _token_weights(self, texts, requests, columns):
        """(TokenWeights of every requested (text, attribute) pair, normalised -> original
        character map, first original offset of each pair's text, normalised text)."""
        ngrams = self.features.ngrams_
        codes, offsets = text_codes(texts)
        nc, ncls, pos, noff = normalize_codes(codes, offsets, *char_tables())
        tok_ptr, tok_start, tok_end = token_bounds(nc, ncls, noff)
        tok_ptr, tok_start, tok_end = _astral_tokens(nc, noff, tok_ptr, tok_start, tok_end)
        pair_ptr = np.zeros(len(texts) + 1, np.int64)
        np.cumsum([len(attributes) for attributes in requests], out=pair_ptr[1:])
        pair_cols = [columns[attribute] for attributes in requests for attribute in attributes]
        add_ptr, add = self._pattern_additions(texts, codes, offsets, pos, noff, pair_ptr,
                                               pair_cols)
        punctuation, alnum = explain_tables()
        # every token but punctuation, each on its own: the selector chooses
        ptr, start, end, weight = explain_spans(
            nc, ncls, noff, pair_ptr, np.array(pair_cols, np.int64), tok_ptr, tok_start,
            tok_end, add_ptr, add[:, 0].astype(np.int64),
            add[:, 1].astype(np.int64), add[:, 2].copy(), punctuation, alnum,
            ngrams.char_range[0], ngrams.char_range[1], ngrams.word_range[0],
            ngrams.word_range[1], ngrams.char_bits, ngrams.word_bits, url_token_hash(),
            self._score_table(), -np.inf, -np.inf, merge=False,
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
        alone_logits = (self.features.score_batch(vocabulary, self._score_table())[0]
                        + self.intercept_) if vocabulary else np.zeros((0, len(self.attributes)))
        token_cols = np.repeat(np.array(pair_cols, np.int64), np.diff(ptr))
        alone = alone_logits[word, token_cols] if len(words) else np.zeros(0)
        tokens = TokenWeights(ptr, start, end, weight, vocabulary, word, alnum_before,
                              attributes, alone)
        return tokens, pos, origin, norm

    def _cue_deltas(self, column):
        """``{pattern: {raw cue value: contribution}}`` of the pattern cues to the log-odds of
        weight column ``column`` (a cue at its zero adds nothing), or None when the column
        has no text cues (the toxicity attributes). Computed once per column."""
        cache = self.__dict__.setdefault("_cue_delta_cache", {})
        if column in cache:
            return cache[column]
        features = self.features
        n_text = features.slices_["text"].stop - features.slices_["text"].start
        coef = self.extra_coef_[:n_text, column]
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

    def _pattern_additions(self, texts, codes, offsets, pos, noff, pair_ptr, pair_cols):
        """The pattern cues' (URLs, e-mail, phone numbers, money) extra weights of every
        (document, column) pair, for ``explain_spans``: ``(add_ptr, rows of (start, end,
        weight))``, each cue's contribution spread over the normalised characters of its
        matches. A pattern runs once per document, only where ``cue_statistics`` allows a
        match (``possible_patterns``), and gives the cue's value (its number of
        matches) with the matches: URLs and phone numbers by the compiled matchers."""
        add_counts = np.zeros(len(pair_cols), np.int64)
        adds: list[tuple[int, int, float]] = []
        deltas = [self._cue_deltas(column) for column in pair_cols]
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
                        n, spans = self._pattern_matches(name, texts[d], pos, offsets, noff, d)
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

    @staticmethod
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

    def _explain_reference(self, text: str, attribute: str,
                           top_k: int = EXPLAIN_TOP) -> list[list]:
        """``explain`` one text at a time in Python: the definition the batched kernel is
        tested against."""
        column = self.attributes.index(attribute)
        text = text or ""
        norm, offsets, contributions = self.features.ngrams_.contributions(
            text, self.ngram_weights_.T)
        if not norm:
            return []
        features = self.features
        weights = np.zeros(len(norm) + 1)
        weights[: len(norm)] = contributions[:, column]
        n_text = features.slices_["text"].stop - features.slices_["text"].start
        self._cue_weights(text, norm, offsets, self.extra_coef_[:n_text, column], weights)
        starts, ends = self.token_bounds(norm)
        cumulative = np.concatenate([[0.0], np.cumsum(weights[: len(norm)])])
        token_weights = cumulative[ends] - cumulative[starts]
        tokens = [(s, e, w) for s, e, w in zip(starts.tolist(), ends.tolist(),
                                                token_weights.tolist(), strict=True)
                  if norm[s:e].strip(_PUNCTUATION)]
        words = [norm[s:e] for s, e, _ in tokens]
        alone = [float(self.features.ngrams_.contributions(word, self.ngram_weights_.T)[2]
                       [:, column].sum() + self.intercept_[column]) for word in words]
        alnum_before = np.concatenate([[0], np.cumsum([ch.isalnum() for ch in norm])])
        kept = self.selector.keep(TokenWeights(
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

    def token_bounds(self, norm: str):
        """Start and end arrays of the tokens of normalised text."""
        bounds = [m.span() for m in _TOKEN_RE.finditer(norm)]
        return (np.array([b[0] for b in bounds], dtype=np.intp),
                np.array([b[1] for b in bounds], dtype=np.intp))

    def _cue_weights(self, text, norm, offsets, coef, weights):
        """URLs, e-mail, phone numbers, money: their cue's contribution over their matches."""
        if not np.any(coef):
            return  # the toxicity attributes do not use the cues
        found = {name: list(pattern.finditer(text)) for name, pattern in SPAN_PATTERNS.items()}
        if not any(found.values()):
            return
        features = self.features
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

    # -- persistence --
    def save(self, path: str | Path) -> Path:
        """Write the model and its card (``<stem>.card.json``) atomically; returns card path."""
        return save_model(self, path)


_TOKEN_RE = re.compile(TOKEN_PATTERN)
_WORD_CHAR = re.compile(r"\w")
#: flagged comments explained per compiled call (bounds the per-character arrays)
EXPLAIN_CHUNK = 1024
#: pattern cues whose matches the compiled matchers find (``runtime.pattern_spans`` kinds)
_COMPILED_PATTERNS = ("urls", "phone")


def _negative_weight(span):
    return -span[2]


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
# Punctuation tokens carry n-gram weight but mean nothing on their own in an explanation.
_PUNCTUATION = EXPLAIN_PUNCTUATION


class Facts:
    """What is not a word behind a batch's scores: per comment, its links, e-mail
    addresses, phone numbers, sums of money, length, and its similarity to the article,
    parent and rest of the thread (when known), with what each added to an attribute's
    log-odds (the model's coefficient times the scaled value). ``moderator.explanations``
    turns them into a flag's notes."""

    #: fact name -> the dense columns (``TEXT_FEATURES`` + ``CONTEXT_FEATURES``) it covers
    COLUMNS = {
        "urls": ("urls",), "email": ("email",), "phone": ("phone",), "money": ("money",),
        "length": ("log_length",),
        "article_similarity": ("article_word", "article_word_sqrt", "article_overlap",
                               "article_bm25", "article_topic"),
        "parent_similarity": ("parent_word", "parent_overlap", "parent_bm25", "parent_topic"),
        "thread_similarity": ("thread_word", "thread_word_sqrt", "thread_topic"),
    }
    #: the similarity facts, by the context (``runtime.CONTEXTS``) they compare with
    SIMILARITY = {"article_similarity": "article", "parent_similarity": "parent",
                  "thread_similarity": "thread"}

    def __init__(self, model: Model, texts, cues, extra, contexts=None):
        self.model = model
        self.texts = texts
        self.cues = cues  # raw text_cues, or None
        self.extra = extra  # scaled dense columns as the classifier reads them, or None
        #: per comment, ``FittedFeatures.context_facts`` (the contexts it was compared with
        #: and its word cosine to each), or None when the batch had no context
        self.contexts = contexts

    def of(self, i: int, attribute: str) -> tuple[dict, dict]:
        """``(facts, contributions)`` of comment ``i`` for ``attribute``: ``{name: value}``
        and ``{name: log-odds added}``; both empty when the model reads no such column.
        For an attribute that reads the context, ``facts["contexts"]`` lists the contexts
        the comment was compared with (empty: none was known)."""
        if self.extra is None or self.cues is None:
            return {}, {}
        names = list(TEXT_FEATURES) + list(CONTEXT_FEATURES)[: self.extra.shape[1]
                                                              - len(TEXT_FEATURES)]
        column = {name: k for k, name in enumerate(names)}
        coef = self.model.extra_coef_[:, self.model.attributes.index(attribute)]
        row = self.extra[i]
        raw = self.cues[i]
        compared = self.contexts[i] if self.contexts is not None else {"used": [],
                                                                        "similarity": {}}
        facts, contributions = {}, {}
        if any(coef[len(TEXT_FEATURES):]):
            facts["contexts"] = list(compared["used"])
        for name, columns in self.COLUMNS.items():
            ks = [column[c] for c in columns if c in column]
            if not ks or not any(coef[k] for k in ks):
                continue
            context = self.SIMILARITY.get(name)
            if context is not None:
                if context not in compared["used"]:
                    continue
                facts[name] = float(compared["similarity"][context])
            elif name == "length":
                facts[name] = len(self.texts[i])
            else:
                facts[name] = float(raw[TEXT_FEATURES.index(columns[0])])
            contributions[name] = float(sum(coef[k] * row[k] for k in ks))
        return facts, contributions


# --- persistence -------------------------------------------------------------------------------


def card_path(model_path: str | Path) -> Path:
    """``models/moderator.joblib`` -> ``models/moderator.card.json``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ".card.json")


def find_model(path: str | Path | None = None, config: str | Path | None = None) -> Path:
    """The model file to load, by the first of ``LOOKUP`` that applies: ``path`` (the
    command's ``--model``), ``$MODERATOR_MODEL``, ``config`` (the policy file's ``model``),
    ``./models/moderator.joblib`` if it exists, the shipped model if it exists.

    A path that is given (the first three) must exist: a typo is an error, not a silent
    fall back to another model. ``ModelError`` says what was looked at."""
    for given, origin in ((path, "--model"), (os.environ.get(MODEL_ENV), f"${MODEL_ENV}"),
                          (config, "the policy file's `model`")):
        if given:
            given = Path(given)
            if not given.is_file():
                raise ModelError(f"no model at {given} (from {origin}); {TRAIN_ONE}")
            return given
    for candidate in (LOCAL_MODEL, SHIPPED_MODEL):
        if candidate.is_file():
            return candidate
    raise ModelError(
        f"no model found: no --model, no ${MODEL_ENV}, no `model` in a policy file, no "
        f"{LOCAL_MODEL} in {Path.cwd()}, and no model shipped at {SHIPPED_MODEL} "
        f"(a checkout builds it with `make model`); {TRAIN_ONE}"
    )


def _sklearn_version() -> str:
    # from the installed distribution's metadata: `import sklearn` alone takes 0.8 s
    from importlib.metadata import version

    return version("scikit-learn")


def versions() -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "moderator_version": __version__,
        "sklearn_version": _sklearn_version(),
        "python_version": platform.python_version(),
    }


def save_model(model: Model, path: str | Path) -> Path:
    import joblib

    path = Path(path)
    payload = {**versions(), "model": model}
    # not compressed: the big pickled pipeline is compressed inside (Model.__getstate__)
    atomic_write(path, lambda handle: joblib.dump(payload, handle))
    card = {**model.card, **versions()}
    # what the model reads: others are not judged (moderator.language)
    card.setdefault("languages", [ENGLISH])
    card.setdefault("language_note", LANGUAGE_NOTE)
    card["attributes"] = model.attributes
    card["thresholds"] = model.thresholds
    card["flagged_by_default"] = [a for a in model.attributes if a not in model.unflagged]
    card["model_file"] = path.name
    card["model_sha256"] = file_sha256(path)
    model.card = card
    target = card_path(path)
    text = json.dumps(card, indent=2, sort_keys=False) + "\n"
    atomic_write(target, lambda handle: handle.write(text.encode("utf-8")))
    return target


def _check_format(found: dict, where: str) -> None:
    """What scoring needs: this moderator's model format. The scoring state is numpy arrays
    and moderator's own classes, so the scikit-learn version does not matter here."""
    if found.get("format") != FORMAT:
        raise ModelError(f"{where} is not a moderator model; {RETRAIN}")
    if found.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{where} was saved in model format {found.get('format_version')!r}; this "
            f"moderator {__version__} reads format {FORMAT_VERSION}: {RETRAIN}"
        )


def _check_sklearn(found: dict, where: str) -> None:
    """What the pickled scikit-learn pipeline needs: the scikit-learn that saved it
    (scikit-learn does not promise to unpickle estimators across versions)."""
    if found.get("sklearn_version") != _sklearn_version():
        raise ModelError(
            f"{where} was saved with scikit-learn {found.get('sklearn_version')}; this is "
            f"scikit-learn {_sklearn_version()}, which cannot restore its pipeline (scoring "
            f"does not need it): {RETRAIN}"
        )


def load_model(path: str | Path | None = None, config: str | Path | None = None) -> Model:
    """Load the model ``find_model(path, config)`` names (no argument: the default one).

    Checks, before unpickling: the card beside it exists, has this model format, and its
    SHA-256 matches the file. Any failure is a ``ModelError``.
    """
    path = find_model(path, config)
    card_file = card_path(path)
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: its model card {card_file} is missing; {RETRAIN}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{card_file}: unreadable model card ({exc}); {RETRAIN}") from None
    if not isinstance(card, dict):
        raise ModelError(f"{card_file}: not a model card; {RETRAIN}")
    _check_format(card, str(path))
    try:
        digest = file_sha256(path)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read model ({exc.strerror or exc})") from None
    if digest != card.get("model_sha256"):
        raise ModelError(
            f"{path}: SHA-256 {digest[:12]}… does not match its card {card_file} "
            f"({str(card.get('model_sha256'))[:12]}…); refusing to load a model that was "
            f"changed after training; {RETRAIN}"
        )
    import joblib

    # The payload holds numpy arrays and plain classes only (the scikit-learn pipeline is
    # kept as bytes inside the Model), so this does not import scikit-learn.
    try:
        payload = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means an unusable file
        raise ModelError(f"{path}: cannot load model ({type(exc).__name__}: {exc}); "
                         f"{RETRAIN}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("model"), Model):
        raise ModelError(f"{path} is not a moderator model; {RETRAIN}")
    _check_format(payload, str(path))
    model = payload["model"]
    model.card = card
    return model


__all__ = [
    "CONTEXT_ATTRIBUTES",
    "FORMAT_VERSION",
    "LOCAL_MODEL",
    "LOOKUP",
    "SHIPPED_MODEL",
    "Model",
    "card_path",
    "find_model",
    "load_model",
    "save_model",
]
