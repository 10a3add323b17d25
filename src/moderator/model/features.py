"""Features shared by every attribute: one sparse matrix per batch of comments.

Columns, in order (``CommentFeatures.slices_`` names them):

- ``char``: TF-IDF of hashed character 2–4-grams (catches obfuscation);
- ``word``: TF-IDF of hashed word unigrams+bigrams (nltk ``RegexpTokenizer`` pattern: URLs,
  masked words such as ``f*ck`` and emoji stay whole);
- ``text``: standardised dense cues of the comment alone (length, URLs, e-mail, phone numbers,
  money, capitals, digits, symbols, character entropy, consonant runs …: spam and gibberish);
- ``context``: similarity of the comment to its article, its parent and the rest of its
  thread (cosine of word TF-IDF vectors), with presence indicators.

The n-gram blocks come from ``moderator.model.ngrams.HashedNgrams`` (compiled kernels; text is
normalised there: lower case, leetspeak such as ``sh1t``/``a$$hole``, elongations, with
offsets kept for explanations). Only the context attributes (``off_topic``) use the last two
blocks (``n_extra_features_`` columns); the toxicity attributes see the n-grams alone.
"""


from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .batch import CommentBatch, unique_index
from .context import CONTEXT_FEATURES, word_counts, word_idf
from .cues import TEXT_FEATURES, text_cues_batch
from .fitted import FittedFeatures
from .ngrams import HashedNgrams


class CommentFeatures(FittedFeatures, TransformerMixin, BaseEstimator):
    """Comment (+ context) -> one sparse row: char TF-IDF | word TF-IDF | text cues | context.

    Accepts a ``CommentBatch`` or a sequence of texts (no context). The scoring-time methods
    (``extra``, ``window_matrix``, ...) come from ``FittedFeatures``.
    """

    def __init__(
        self,
        word_ngram_range=(1, 2),
        char_ngram_range=(2, 4),
        min_df=2,
        char_bits=18,
        word_bits=17,
        context=True,
        topic_components=48,
        topic_columns=8192,
        topic_sample=40_000,
    ):
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.char_bits = char_bits
        self.word_bits = word_bits
        self.context = context
        self.topic_components = topic_components
        self.topic_columns = topic_columns
        self.topic_sample = topic_sample

    def fit(self, X, y=None):
        batch = CommentBatch.of(X)
        texts = [t or "" for t in batch.texts]
        if not texts:
            raise ValueError("cannot fit features on no comments")
        min_df = self.min_df if len(texts) >= 10 * max(self.min_df, 1) else 1
        self.ngrams_ = HashedNgrams(
            char_range=tuple(self.char_ngram_range), word_range=tuple(self.word_ngram_range),
            char_bits=self.char_bits, word_bits=self.word_bits, min_df=min_df,
        ).fit(texts)
        cues = text_cues_batch(texts)
        self.cue_mean_ = cues.mean(axis=0)
        scale = cues.std(axis=0)
        self.cue_scale_ = np.where(scale > 1e-9, scale, 1.0)
        n_char = 1 << self.char_bits
        n_word = 1 << self.word_bits
        n_text = len(TEXT_FEATURES)
        n_context = len(CONTEXT_FEATURES) if self.context else 0
        edges = np.cumsum([0, n_char, n_word, n_text, n_context])
        self.slices_ = {
            name: slice(int(edges[i]), int(edges[i + 1]))
            for i, name in enumerate(("char", "word", "text", "context"))
        }
        self.n_features_out_ = int(edges[-1])
        self._fit_context(batch)
        # Text cues and context columns serve the context attributes (off_topic) only: on
        # toxicity, cues such as length or entropy learn the quirks of a labels file
        # (short insults) instead of language.
        self.n_extra_features_ = n_text + n_context
        return self

    def _fit_context(self, batch: CommentBatch) -> None:
        """The topic space (TruncatedSVD of the word TF-IDF of the comments and their
        articles, on the ``topic_columns`` most frequent word n-grams) and the mean length
        of a context for BM25. Fitted on at most ``topic_sample`` texts."""
        from sklearn.decomposition import TruncatedSVD

        texts = [t or "" for t in batch.texts]
        articles, _ = unique_index(batch.articles, len(batch))
        corpus = texts + articles
        if len(corpus) > self.topic_sample:
            pick = np.random.default_rng(0).choice(len(corpus), self.topic_sample, replace=False)
            corpus = [corpus[i] for i in np.sort(pick)]
        words = self.word_block(corpus)
        _, _, lengths = word_counts(words, word_idf(self))
        self.context_length_ = float(lengths.mean()) if len(lengths) else 1.0
        self.topic_columns_ = np.zeros(0, dtype=np.int64)
        self.topic_components_ = None
        k = min(self.topic_components, len(corpus) - 1)
        if not self.context or k < 2:
            return
        df = np.bincount(words.indices, minlength=words.shape[1])
        seen = np.flatnonzero(df > 1)
        columns = np.sort(seen[np.argsort(-df[seen], kind="stable")[: self.topic_columns]])
        if len(columns) <= k:
            return
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=0)
        svd.fit(words[:, columns])
        self.topic_columns_ = columns.astype(np.int64)
        self.topic_components_ = svd.components_.astype(np.float32)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        names = [f"char:#{i}" for i in range(1 << self.char_bits)]
        names += [f"word:#{i}" for i in range(1 << self.word_bits)]
        names += [f"text:{t}" for t in TEXT_FEATURES]
        if self.context:
            names += [f"context:{c}" for c in CONTEXT_FEATURES]
        return np.asarray(names, dtype=object)

    def transform(self, X):
        ngrams, extra = self.transform_parts(X)
        return sp.hstack([ngrams, sp.csr_matrix(extra)], format="csr")

    def transform_parts(self, X):
        """``transform`` unstacked: (n-gram TF-IDF, float32 CSR; the extra columns, dense).
        Training fits the text attributes on the n-grams alone and needs no stacked copy."""
        check_is_fitted(self)
        batch = CommentBatch.of(X)
        ngrams = self.ngrams_.transform([t or "" for t in batch.texts])
        return ngrams, np.asarray(self.extra(batch, ngrams), dtype=np.float64)

    def training_matrices(self, X, jobs: int = 1, chunk: int = 8192):
        """``transform_parts`` and ``window_matrix`` of one batch: (n-grams, extra, window
        rows, window owners). The n-gram rows are built ``chunk`` comments at a time on
        ``jobs`` threads (the kernels release the GIL); the kernels' scratch memory grows
        with the texts at once, and all 67,682 comments of the English corpora at once
        peaked at 4.2 GB with comments and windows side by side."""
        from concurrent.futures import ThreadPoolExecutor

        check_is_fitted(self)
        batch = CommentBatch.of(X)
        texts = [t or "" for t in batch.texts]
        starts = range(0, len(texts), chunk)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            rows = [pool.submit(self.ngrams_.transform, texts[i : i + chunk]) for i in starts]
            windows = [pool.submit(self.window_matrix, texts[i : i + chunk]) for i in starts]
            ngrams = sp.vstack([r.result() for r in rows], format="csr")
            parts = [w.result() for w in windows]
        if parts:
            window_rows = sp.vstack([m for m, _ in parts], format="csr")
            owner = np.concatenate([o + i for (_, o), i in zip(parts, starts, strict=True)])
        else:
            window_rows = sp.csr_matrix((0, ngrams.shape[1]), dtype=np.float32)
            owner = np.zeros(0, dtype=np.intp)
        extra = np.asarray(self.extra(batch, ngrams), dtype=np.float64)
        return ngrams, extra, window_rows, owner
