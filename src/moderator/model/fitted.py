"""What scoring needs at run time, importable without scikit-learn.

The fitted feature state of a model (``FittedFeatures``: hashed n-grams, text cues, context
similarities) and how many threads score at once. ``moderator.model.features.CommentFeatures``
is the scikit-learn transformer that fits this state; a loaded model keeps only the state, so
that scoring does not pay for importing scikit-learn (0.8 s of a 1.0 s model load).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import ConfigError
from .batch import CommentBatch
from .context import (
    CONTEXT_FEATURES,
    CONTEXT_SCALE,
    CONTEXTS,
    context_columns,
    contexts_present,
    discounted_cues,
    thread_kept,
)
from .cues import CUE_CLIP, TEXT_FEATURES, cue_statistics, cues_of, text_cues_batch
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



class ContextFacts(Sequence):
    """``FittedFeatures.context_facts``: item i is ``{"used": [the contexts comment i
    has], "similarity": {context: its rounded word cosine}}``, made when asked."""

    def __init__(self, present: dict[str, np.ndarray], similarity: dict[str, np.ndarray]):
        self.present = present  # context -> bool per comment (``contexts_present``)
        self.similarity = similarity  # context -> rounded cosine per comment

    def __len__(self) -> int:
        return len(self.present[CONTEXTS[0]])

    def __getitem__(self, i: int) -> dict:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        used = [c for c in CONTEXTS if self.present[c][i]]
        return {"used": used, "similarity": {c: float(self.similarity[c][i]) for c in used}}


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

    def split_blocks(self, ngrams):
        """(words, chars) blocks of an n-gram matrix."""
        n_char = self.slices_["char"].stop
        return ngrams[:, n_char:], ngrams[:, :n_char]

    def word_block(self, texts: Sequence[str]):
        """The word block of ``texts`` (what the context similarities compare)."""
        matrix = self.ngrams_.transform([t or "" for t in texts], chars=False)
        return self.split_blocks(matrix)[0]

    def extra(self, batch: CommentBatch, ngrams=None, cues=None, words=None) -> np.ndarray:
        """The dense columns after the n-grams (text cues, context) for ``batch``; ``cues``
        (raw ``text_cues_batch``) and ``words`` (the word block) when already computed."""
        if cues is None:
            cues = text_cues_batch(batch.texts)
        kept = thread_kept(batch, cues) if self.context and batch.groups is not None else None
        cues = np.clip((cues - self.cue_mean_) / self.cue_scale_, -CUE_CLIP, CUE_CLIP)
        if kept is not None:  # links, prices ... the rest of the thread has too
            none = np.clip(-self.cue_mean_ / self.cue_scale_, -CUE_CLIP, CUE_CLIP)
            cues = discounted_cues(cues, kept, none)
        if not self.context:
            return cues
        if ngrams is None and words is None and not self.has_context(batch):
            return np.hstack([cues, np.zeros((len(batch), len(CONTEXT_FEATURES)))])
        if words is None:
            words = self.word_block(batch.texts) if ngrams is None else self.split_blocks(ngrams)[0]
        return np.hstack([cues, CONTEXT_SCALE * context_columns(self, batch, words)])

    def context_facts(self, batch: CommentBatch, extra: np.ndarray) -> ContextFacts:
        """Per comment, what its off-topic score compared it with: ``{"used": [contexts],
        "similarity": {context: cosine}}`` from ``extra``'s context columns: the cosine of
        word TF-IDF, rounded to 2 places (the words shared, as a moderator can check them;
        the topic space finds 0.1-0.3 between unrelated short texts). ``used`` is empty
        when the comment had no context. A sequence that makes each comment's dict when
        asked: only flagged comments' are read (making all was ~4% of scoring 100,000
        comments)."""
        if not self.context or not len(batch):
            return ContextFacts({c: np.zeros(len(batch), dtype=bool) for c in CONTEXTS}, {})
        start = self.n_extra_features_ - len(CONTEXT_FEATURES)
        column = {name: start + i for i, name in enumerate(CONTEXT_FEATURES)}
        similarity = {c: np.round(extra[:, column[f"{c}_word"]] / CONTEXT_SCALE, 2)
                      for c in CONTEXTS}
        return ContextFacts(contexts_present(batch), similarity)

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
        cues = cues_of(texts, cue_statistics(codes, offsets))
        block = self.ngrams_.words_matrix(ptr, cols, vals) if words else None
        return whole, best, n_windows, cues, block

    @staticmethod
    def has_context(batch: CommentBatch) -> bool:
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
