"""The context views of a comment: how much it shares with its article, its parent and
the rest of its thread (word TF-IDF cosine, idf overlap, BM25, a topic space), the columns
the context attributes (``off_topic``) read, and the thread-relative pattern cues.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..kernels import Kernel
from .batch import CommentBatch, unique_index
from .cues import TEXT_FEATURES, text_cues_batch

# Similarities use the word block only: character n-grams cost ten times as much to
# vectorise (articles, parents and every comment of a thread) for little off-topic signal.
# Several views of "shares something with": cosine of TF-IDF (``*_word``), the share of the
# comment's word weight (idf) found in the context (``*_overlap``: rare words count most),
# BM25 of the comment as a query against the context (``*_bm25``, divided by its maximum),
# and cosine in a topic space learned on the training texts (``*_topic``: TruncatedSVD of the
# word TF-IDF, so "visa" and "sponsor" meet without sharing a word). ``best_*`` take the
# best context there is: a reply that answers its parent is on topic whatever the article.
#
# ``asks_under_question``: the comment asks something ("?") under an article that is itself a
# question, answering no other comment (no parent). In a forum thread that is not an answer
# (SemEval labels it Bad); under a blog post or a news article a question is ordinary
# conversation, and a reply that asks its parent ("How long did the first upload take for
# you?" under an Ask HN post) is conversation too: it scored 0.975 off topic as one. Without
# it the question n-grams ("How long do you", "Do you expect") carried the forum's judgement
# to every thread.
#
# One indicator, ``has_context`` (any article, parent or thread), not one per context: one
# per context added up where the training rows never had them together (forum questions
# have an article and a thread, talk-page replies only a parent), and a reply in a real
# thread - article, parent and thread at once - got the sum of the baselines (0.99 off
# topic for "Is the remote option open to people in Portugal?" under a job post).
CONTEXT_FEATURES = (
    "has_context",
    "article_word",
    "article_word_sqrt",
    "parent_word",
    "thread_word",
    "thread_word_sqrt",
    "article_overlap",
    "article_bm25",
    "article_topic",
    "parent_overlap",
    "parent_bm25",
    "parent_topic",
    "thread_topic",
    "best_word",
    "best_word_sqrt",
    "best_overlap",
    "best_topic",
    "asks_under_question",
)
#: The context columns are multiplied by this in the feature matrix, so that the logistic
#: regression's L2 penalty weighs them less than the n-grams: the forum corpus's n-grams
#: ("How long do you ...") otherwise carried its idea of a good answer to every thread.
CONTEXT_SCALE = 3.0
#: The contexts a comment can be compared with, in the order the output names them.
CONTEXTS = ("article", "parent", "thread")
#: Pattern cues judged against the thread: a link, an e-mail address, a phone number or a
#: price is off-topic only where the rest of the thread (and its article) has none. Their
#: standardised cue is moved towards the value of "none" by the share of the thread's other
#: comments (and the article) that have one too: in a who-is-hiring or classifieds thread it
#: is the topic.
THREAD_RELATIVE_PATTERNS = ("urls", "email", "phone", "money")
BM25_K1 = 1.2
BM25_B = 0.75



def rowwise_dot(X: sp.csr_matrix, U: sp.csr_matrix, index: np.ndarray) -> np.ndarray:
    """dot(X[i], U[index[i]]) for every row i (0 where index[i] < 0), without materialising
    U[index] (an article's vector repeated for each of a million comments would not fit).

    Rows are taken by their U row: that row is spread into a dense vector once, and each of
    its X rows sums its products against it in its own order (the sums of
    ``reference.rowwise_dot_reference``, which a test holds equal)."""
    n = X.shape[0]
    out = np.zeros(n)
    if U.shape[0] == 0 or X.nnz == 0:
        return out
    X = X.tocsr()
    U = U.tocsr()
    U.sort_indices()
    index = np.asarray(index, dtype=np.int64)
    order = np.argsort(index, kind="stable")
    order = order[index[order] >= 0]
    # float32 products where both are float32 (the word blocks), else float64 throughout
    both32 = X.data.dtype == np.float32 and U.data.dtype == np.float32
    dtype = np.float32 if both32 else np.float64
    kernel = _ROWWISE_DOT_F32 if both32 else _ROWWISE_DOT_F64
    kernel(x_ptr=X.indptr.astype(np.int64), x_cols=X.indices.astype(np.int32, copy=False),
           x_data=X.data.astype(dtype, copy=False), u_ptr=U.indptr.astype(np.int64),
           u_cols=U.indices.astype(np.int32, copy=False), u_data=U.data.astype(dtype, copy=False),
           index=index, order=order, n_order=len(order), dense=np.zeros(U.shape[1], dtype),
           out=out)
    return out


_ROWWISE_DOT_F32 = Kernel("rowwise_dot_f32")
_ROWWISE_DOT_F64 = Kernel("rowwise_dot_f64")



def discounted_cues(scaled: np.ndarray, kept: np.ndarray, none: np.ndarray) -> np.ndarray:
    """Standardised, clipped ``scaled`` cues with each ``THREAD_RELATIVE_PATTERNS`` cue
    moved towards ``none`` (its standardised value for "none") by the thread's share
    (``kept`` = 1 - share, from ``thread_kept``).

    Discounting the raw count before standardising did little: one link is ten standard
    deviations above the mean, so half a link was still clipped at +3 (the price of a job
    post in a who-is-hiring thread counted in full)."""
    columns = [TEXT_FEATURES.index(name) for name in THREAD_RELATIVE_PATTERNS]
    scaled = scaled.copy()
    scaled[:, columns] = none[columns] + (scaled[:, columns] - none[columns]) * kept
    return scaled


def thread_kept(batch: CommentBatch, cues: np.ndarray) -> np.ndarray | None:
    """Per comment and ``THREAD_RELATIVE_PATTERNS`` cue, 1 - the share of its thread (its
    other member comments, and its article) that has one (raw ``cues``); None when no
    comment is in a thread or none has any of them."""
    n = len(batch)
    codes, members = _group_codes(batch)
    if not (codes >= 0).any():
        return None
    columns = [TEXT_FEATURES.index(name) for name in THREAD_RELATIVE_PATTERNS]
    has = (cues[:, columns] > 0).astype(np.float64)
    if not has.any():
        return None
    n_groups = int(codes.max()) + 1
    valid = codes >= 0
    own = (members & valid).astype(np.float64)
    totals = np.zeros((n_groups, len(columns)))
    np.add.at(totals, codes[members & valid], has[members & valid])
    sizes = np.bincount(codes[members & valid], minlength=n_groups).astype(np.float64)
    group = np.maximum(codes, 0)
    with_it = totals[group] - own[:, None] * has
    others = sizes[group] - own
    articles, art_index = unique_index(batch.articles, n)
    if articles:
        article_has = text_cues_batch(articles)[:, columns] > 0
        with_it = with_it + np.where(art_index[:, None] >= 0,
                                     article_has[np.maximum(art_index, 0)], 0)
        others = others + (art_index >= 0)
    share = np.divide(with_it, others[:, None], out=np.zeros_like(with_it),
                      where=(others[:, None] > 0) & valid[:, None])
    return 1.0 - share


def word_idf(features) -> np.ndarray:
    """The idf of the word block's columns (0 for n-grams unseen in training)."""
    return features.ngrams_.idf_[features.slices_["char"].stop - features.slices_["char"].start:]


def context_columns(features, batch: CommentBatch, words) -> np.ndarray:
    n = len(batch)
    names = {name: i for i, name in enumerate(CONTEXT_FEATURES)}
    columns = np.zeros((n, len(CONTEXT_FEATURES)))
    topics = topic_rows(features, words)
    articles, art_index = unique_index(batch.articles, n)
    parents, par_index = unique_index(batch.parents, n)
    if articles or parents:  # the comment's words, by idf
        idf = word_idf(features).astype(np.float64)
        query = _with_data(words, idf[words.indices])
    # Article: the same article repeats for a whole thread; vectorise each once.
    if articles:
        asked = np.array(["?" in a for a in articles])
        _, par_index = unique_index(batch.parents, n)
        columns[:, names["asks_under_question"]] = (
            (art_index >= 0) & asked[np.maximum(art_index, 0)] & (par_index < 0)
            & np.array(["?" in (t or "") for t in batch.texts], dtype=bool))
        article_words = features.word_block(articles)
        columns[:, names["article_word"]] = rowwise_dot(words, article_words, art_index)
        lexical_views(features, query, article_words, art_index,
                      columns[:, names["article_overlap"]], columns[:, names["article_bm25"]])
        columns[:, names["article_topic"]] = _rowwise_dense(
            topics, topic_rows(features, article_words), art_index)
    # Parent: usually another comment of the batch; reuse its row when it is.
    if parents:
        row_of = {}
        for i, text in enumerate(batch.texts):
            row_of.setdefault(text, i)
        missing = [p for p in parents if p not in row_of]
        if missing:
            missing_words = features.word_block(missing)
            all_words = sp.vstack([words, missing_words], format="csr")
            all_topics = np.vstack([topics, topic_rows(features, missing_words)])
            for k, p in enumerate(missing):
                row_of[p] = n + k
        else:
            all_words, all_topics = words, topics
        lookup = np.array([row_of[p] for p in parents], dtype=np.intp)
        rows = np.where(par_index >= 0, lookup[np.maximum(par_index, 0)], -1)
        columns[:, names["parent_word"]] = rowwise_dot(words, all_words, rows)
        lexical_views(features, query, all_words, rows, columns[:, names["parent_overlap"]],
                      columns[:, names["parent_bm25"]])
        columns[:, names["parent_topic"]] = _rowwise_dense(topics, all_topics, rows)
    # Thread: cosine with the sum of the other comments of the same group.
    if batch.groups is not None:
        has_thread, thread_word = thread_similarity(batch, words)
        columns[:, names["thread_word"]] = thread_word
        columns[:, names["thread_topic"]] = _thread_dense(batch, topics)
    columns[:, names["article_word_sqrt"]] = np.sqrt(
        np.clip(columns[:, names["article_word"]], 0, None))
    columns[:, names["thread_word_sqrt"]] = np.sqrt(
        np.clip(columns[:, names["thread_word"]], 0, None))
    present = contexts_present(batch)
    columns[:, names["has_context"]] = np.logical_or.reduce(list(present.values()))

    def best(view, contexts=CONTEXTS):
        return columns[:, [names[f"{c}_{view}"] for c in contexts]].max(axis=1)

    columns[:, names["best_word"]] = best("word")
    columns[:, names["best_word_sqrt"]] = np.sqrt(np.clip(best("word"), 0, None))
    columns[:, names["best_overlap"]] = best("overlap", ("article", "parent"))
    columns[:, names["best_topic"]] = best("topic")
    return columns


def lexical_views(features, query, context_words, index, overlap, bm25) -> None:
    """Into ``overlap`` and ``bm25``: per comment (``query``: its words valued by idf),
    the share of its idf found in context row ``index[i]`` of ``context_words``, and
    BM25 of it against that row divided by its maximum (every word found, saturated)."""
    total = np.asarray(query.sum(axis=1)).ravel()
    present = _with_data(context_words, np.ones(context_words.nnz))
    np.divide(rowwise_dot(query, present, index), total, out=overlap, where=total > 0)
    counts, per_row, length = word_counts(context_words, word_idf(features))
    scale = BM25_K1 * (1 - BM25_B + BM25_B * length / max(features.context_length_, 1.0))
    saturated = counts * (BM25_K1 + 1) / (counts + scale[per_row])
    tf = _with_data(context_words, saturated)
    np.divide(rowwise_dot(query, tf, index), total * (BM25_K1 + 1), out=bm25,
              where=total > 0)


def topic_rows(features, words) -> np.ndarray:
    """Unit rows of ``words`` projected on the topic space (zeros where a text has
    none of its words, or when the model has no topic space)."""
    components = features.topic_components_
    if components is None or not components.shape[0]:
        return np.zeros((words.shape[0], 0))
    projected = np.asarray(words[:, features.topic_columns_] @ components.T, dtype=np.float64)
    norms = np.linalg.norm(projected, axis=1, keepdims=True)
    return np.divide(projected, norms, out=np.zeros_like(projected), where=norms > 1e-12)


def thread_similarity(batch: CommentBatch, words):
    n = len(batch)
    codes, members = _group_codes(batch)
    if not (codes >= 0).any():
        return np.zeros(n), np.zeros(n)
    n_groups = int(codes.max()) + 1
    member_rows = np.flatnonzero(members)
    membership = sp.csr_matrix(
        (np.ones(len(member_rows)), (codes[member_rows], member_rows)), shape=(n_groups, n)
    )
    # the words in float64 once, for the sums and both dots (each converted its own copy)
    words = _with_data(words, words.data.astype(np.float64))
    sums = (membership @ words).tocsr()
    sizes = np.asarray(membership.sum(axis=1)).ravel()
    sum_norm2 = np.asarray(sums.multiply(sums).sum(axis=1)).ravel()
    # summed as ``dot`` sums (float64 products, same order): a comment that shares no
    # word with the rest of its thread then gets rest_dot 0 exactly, not rounding noise
    # (float32 squares left up to 3e-9, 5e-5 after the square root of thread_word_sqrt)
    self_norm2 = rowwise_dot(words, words, np.arange(n))
    dot = rowwise_dot(words, sums, codes)
    valid = codes >= 0
    own = members.astype(np.float64)
    rest_dot = dot - own * self_norm2
    rest_norm2 = np.where(
        valid, sum_norm2[np.maximum(codes, 0)] - 2 * own * dot + own * self_norm2, 0.0
    )
    others = np.where(valid, sizes[np.maximum(codes, 0)] - own, 0)
    denom = np.sqrt(np.clip(rest_norm2, 0, None) * self_norm2)
    cosine = np.divide(rest_dot, denom, out=np.zeros(n), where=denom > 1e-12)
    return (others > 0).astype(np.float64), np.clip(cosine, 0.0, 1.0)


def word_counts(words: sp.csr_matrix, idf: np.ndarray):
    """The n-gram counts behind a word block's TF-IDF values, as ``(counts, row of each
    value, counts per row)``: ``x_f = count_f * idf_f / N`` with ``N = sum_g x_g * idf_g``
    (the occurrence norm of ``moderator.model.ngrams``)."""
    idf = np.asarray(idf, dtype=np.float64)
    values = words.data.astype(np.float64)
    col_idf = idf[words.indices]
    per_row = np.repeat(np.arange(words.shape[0]), np.diff(words.indptr))
    norm = np.bincount(per_row, values * col_idf, minlength=words.shape[0])
    counts = np.divide(values * norm[per_row], col_idf, out=np.zeros_like(values),
                       where=col_idf > 0)
    return counts, per_row, np.bincount(per_row, counts, minlength=words.shape[0])


def contexts_present(batch: CommentBatch) -> dict[str, np.ndarray]:
    """Per context of ``CONTEXTS``, which comments have it: a non-blank article, a
    non-blank parent, another member comment in their thread."""
    n = len(batch)
    present = {c: np.zeros(n, dtype=bool) for c in CONTEXTS}
    present["article"] = unique_index(batch.articles, n)[1] >= 0
    present["parent"] = unique_index(batch.parents, n)[1] >= 0
    if batch.groups is not None:
        codes, members = _group_codes(batch)
        if (codes >= 0).any():
            sizes = np.bincount(codes[members], minlength=int(codes.max()) + 1)
            others = sizes[np.maximum(codes, 0)] - members
            present["thread"] = (codes >= 0) & (others > 0)
    return present


def _group_codes(batch: CommentBatch) -> tuple[np.ndarray, np.ndarray]:
    """(thread number per row, -1 for none; whether the row is a member of its thread)."""
    return batch.thread_codes


def _with_data(matrix: sp.csr_matrix, data: np.ndarray) -> sp.csr_matrix:
    """``matrix``'s sparsity pattern with other values."""
    return sp.csr_matrix((data, matrix.indices, matrix.indptr), shape=matrix.shape)


def _rowwise_dense(A: np.ndarray, B: np.ndarray, index: np.ndarray) -> np.ndarray:
    """dot(A[i], B[index[i]]) for every row i (0 where index[i] < 0), clipped to 0..1."""
    out = np.zeros(A.shape[0])
    if not A.shape[1]:
        return out
    valid = index >= 0
    out[valid] = np.einsum("ij,ij->i", A[valid], B[index[valid]])
    return np.clip(out, 0.0, 1.0)


def _thread_dense(batch: CommentBatch, topics: np.ndarray) -> np.ndarray:
    """Cosine of each row of ``topics`` (unit rows) with the sum of its thread's other
    members' rows, clipped to 0..1."""
    n = len(batch)
    out = np.zeros(n)
    codes, members = _group_codes(batch)
    if not topics.shape[1] or not (codes >= 0).any():
        return out
    sums = np.zeros((int(codes.max()) + 1, topics.shape[1]))
    np.add.at(sums, codes[members], topics[members])
    valid = codes >= 0
    rest = sums[np.maximum(codes, 0)] - members[:, None] * topics
    norms = np.linalg.norm(rest, axis=1)
    dots = np.einsum("ij,ij->i", rest, topics)
    np.divide(dots, norms, out=out, where=valid & (norms > 1e-12))
    return np.clip(out, 0.0, 1.0)
