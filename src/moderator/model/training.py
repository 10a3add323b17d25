"""Training: a ``Model`` from labelled sources (``moderator.labels``): the off-topic pairs
and contextless copies made from them, source and class balancing, cross-validated scores,
the window combiner, thresholds at a target precision, the span selector.

``train(sources, target_precision=0.9, seed=0) -> moderator.model.Model``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score
from sklearn.pipeline import Pipeline

from ..attributes import ATTRIBUTES, CONTEXT_ATTRIBUTES
from ..errors import LabelsError
from ..labels import LabelledRow, LabelledSource
from .batch import CommentBatch
from .estimators import (
    AttributeClassifiers,
    default_jobs,
    fit_logistic,
    fit_rows,
    run_parallel,
    task_cost,
)
from .features import CommentFeatures
from .scoring import Model, combine, sigmoid
from .spans import MIN_MARKED_TEXTS, SpanSelector

log = logging.getLogger("moderator")


def label_matrix(rows: Sequence[LabelledRow], attributes: Iterable[str]):
    """(n, k) int8 array: 1/0 labels, -1 unknown."""

    attributes = list(attributes)
    y = np.full((len(rows), len(attributes)), -1, dtype=np.int8)
    index = {a: j for j, a in enumerate(attributes)}
    for i, row in enumerate(rows):
        for attribute, value in row.labels.items():
            j = index.get(attribute)
            if j is not None:
                y[i, j] = value
    return y


# --- training ------------------------------------------------------------------------------------

#: Kinds of toxicity: they imply ``toxicity`` = 1 when a row's toxicity is unknown (an insult
#: is toxic by definition), and a model scores them at most its toxicity score. Not
#: profanity: "holy shit, what a goal" attacks nobody (capping it cut its CV ROC AUC on
#: data/labels.csv from 0.996 to 0.710). Nothing implies a 0: unknown stays unknown.
IMPLIES_TOXICITY = ("severe_toxicity", "insult", "threat", "identity_attack")
PAIRS_SOURCE = "off-topic pairs"
#: Sources of real comments labelled by people (``LabelledSource.kind``).
REAL_KINDS = ("corpus", "feedback")
#: A made pair repeats an on-topic comment's text with the opposite label, so at full weight
#: it teaches the n-gram weights to cancel out: SemEval-2015 off_topic dev ROC AUC (SemEval
#: train split alone) 0.751 with pairs at weight 1, 0.783 at 0.25, 0.845 without pairs.
#: They still teach the context columns (a comment under another thread's article).
PAIRS_WEIGHT = 0.25
#: Pairs made of real threads whose comments carry no off-topic label (news, forum and
#: Reddit comments with their article or parent): on topic beside their own context, off
#: topic beside another thread's. At most this many comments per source.
THREAD_PAIRS_SOURCE = "real-thread pairs"
THREAD_PAIRS_PER_SOURCE = 1000
#: The other thread of a pair is one of the source's DONOR_WINDOW threads nearest in length
#: on either side: an article of 40 words beside one of 4,000 would be trivially told apart.
DONOR_WINDOW = 10
#: Pooled sources: each labelled row of source s weighs ``n_s ** -SOURCE_BALANCE`` (a big
#: corpus does not drown a small one), and where 2+ sources label an attribute, a source's
#: positives and negatives are pulled towards equal totals by ``CLASS_BALANCE`` (so a
#: corpus's own base rate - civil-spans 67% toxic, context-toxicity 1% - is not learned as
#: "this corpus's style is toxic"). See ``row_weights``.
SOURCE_BALANCE = 0.5
CLASS_BALANCE = 0.5
#: Above this many rows (with pairs) training takes one C and ``LARGE_FOLDS`` folds: on the
#: ten English corpora (67,682 rows) each fold of each attribute costs seconds.
LARGE_ROWS = 20_000
LARGE_FOLDS = 3
LARGE_C = 2.0
SMALL_FOLDS = 5
CONTEXTLESS_SOURCE = "on-topic comments without context"
#: C of off_topic's logistic regression. Trained on the train splits of SemEval-2016,
#: SemEval-2015 and YouTube spam with the real-thread pairs, dev ROC AUC (2015 / 2016 /
#: YouTube): C=4 0.769 / 0.836 / 0.963, C=1 0.788 / 0.841 / 0.966, C=0.3 0.798 / 0.830 /
#: 0.962. (On data/labels.csv alone C=4 had done best: its n-grams are templates.)
OFF_TOPIC_C = 1.0


def _implied(labels: dict[str, int]) -> dict[str, int]:
    if "toxicity" not in labels and any(labels.get(a) == 1 for a in IMPLIES_TOXICITY):
        return {**labels, "toxicity": 1}
    return labels


def positives_only(sources: Sequence[LabelledSource], rows: list[LabelledRow]) -> dict:
    """Unlabel, in ``rows``, each attribute a corpus labels with positives only, where other
    sources label it with both classes. Returns {source name: [attributes]}.

    A hate-speech corpus's hate posts are toxic (``IMPLIES_TOXICITY``), but with no
    negatives beside them they teach only "this corpus's topics are toxic": pooled with the
    Gab, HatEval and Stormfront hate posts as toxicity positives, the toxicity ROC AUC on
    held-out Reddit comments (Ruddit) fell from 0.965 to 0.925. A user's own labels and
    review queues are kept whatever they hold. Negatives-only sources stay: civil rows are
    civil for every kind of toxicity.
    """
    corpus_names = {s.name for s in sources if s.kind == "corpus"}
    corpus_names |= {r.source for s in sources if s.kind == "corpus" for r in s.rows}
    classes: dict[tuple[str, str], set[int]] = {}
    for row in rows:
        for attribute, value in row.labels.items():
            classes.setdefault((row.source, attribute), set()).add(value)
    both = {a for (_, a), values in classes.items() if values == {0, 1}}
    drop = {(source, a) for (source, a), values in classes.items()
            if values == {1} and a in both and source in corpus_names}
    if not drop:
        return {}
    for row in rows:
        for attribute in [a for a in row.labels if (row.source, a) in drop]:
            del row.labels[attribute]
    rows[:] = [r for r in rows if r.labels]
    out: dict[str, list[str]] = {}
    for source, attribute in sorted(drop):
        out.setdefault(source, []).append(attribute)
    return out


def _context_of(row: LabelledRow) -> str:
    """The text a row's comment is judged against: its article, else its parent."""
    if row.article and not row.article.isspace():
        return row.article
    return row.parent if row.parent and not row.parent.isspace() else ""


def make_offtopic_pairs(
    rows: Sequence[LabelledRow], seed: int = 0, per_source: int = THREAD_PAIRS_PER_SOURCE
) -> list[LabelledRow]:
    """Off-topic examples from real threads: a comment beside another thread's context.

    - Every row with an article and ``off_topic`` = 0 is copied once with the article,
      parent and thread of a row under a different article, labelled ``off_topic`` = 1.
    - Comments of real threads whose ``off_topic`` is unknown (news, forum and Reddit
      comments with their article or parent) give both sides: the comment with its own
      article/parent/thread (``off_topic`` = 0, source ``THREAD_PAIRS_SOURCE``) and the same
      comment beside another thread's (1); at most ``per_source`` comments per source.

    The other thread is not chosen to be trivially easy: it comes from the same source
    (site), and its context is of similar length (one of the nearest in length among the
    source's other threads). The made rows label ``off_topic`` only. Needs two contexts.
    """

    rng = np.random.default_rng(seed)
    contexts = [_context_of(r) for r in rows]
    keys = [r.group or c for r, c in zip(rows, contexts, strict=True)]
    by_source: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if contexts[i]:
            by_source.setdefault(row.source, []).append(i)
    pairs = []
    for members in by_source.values():
        threads: dict = {}
        for i in members:
            threads.setdefault(keys[i], []).append(i)
        if len(threads) < 2:
            continue
        order = sorted(threads, key=lambda k: (len(contexts[threads[k][0]]), str(k)))
        rank = {key: r for r, key in enumerate(order)}
        labelled = [i for i in members if rows[i].labels.get("off_topic") == 0]
        unlabelled = [i for i in members if "off_topic" not in rows[i].labels]
        if len(unlabelled) > per_source:
            unlabelled = sorted(rng.choice(unlabelled, per_source, replace=False).tolist())
        for i in labelled + unlabelled:
            donor = _similar_donor(i, order, rank, threads, keys, contexts, rng)
            if donor is None:
                continue
            own = "off_topic" in rows[i].labels
            made_source = PAIRS_SOURCE if own else THREAD_PAIRS_SOURCE
            if not own:
                pairs.append(LabelledRow(
                    text=rows[i].text, labels={"off_topic": 0}, article=rows[i].article,
                    parent=rows[i].parent, group=rows[i].group, source=made_source,
                    weight=PAIRS_WEIGHT,
                ))
            pairs.append(LabelledRow(
                text=rows[i].text, labels={"off_topic": 1}, article=rows[donor].article,
                parent=rows[donor].parent, group=rows[donor].group, source=made_source,
                weight=PAIRS_WEIGHT,
            ))
    return pairs


def _similar_donor(i, order, rank, threads, keys, contexts, rng, window=DONOR_WINDOW,
                   tries=20):
    """A row of another thread among the ``window`` threads nearest in context length to
    row i's on either side (``order``: the source's threads sorted by it), or None."""
    at = rank[keys[i]]
    lo, hi = max(0, at - window), min(len(order), at + window + 1)
    nearby = [k for k in order[lo:hi] if k != keys[i]]
    for _ in range(tries):
        candidates = threads[nearby[int(rng.integers(len(nearby)))]]
        j = candidates[int(rng.integers(len(candidates)))]
        if contexts[j] != contexts[i]:
            return j
    return None


def split_large_threads(rows: list[LabelledRow], seed: int = 0, largest: int = 30) -> None:
    """Cut threads of more than ``largest`` rows into random threads of 3..``largest``.

    Labels files group every comment under one article into one "thread" of hundreds; the
    threads being scored are mostly far smaller, and their "rest of the thread" vectors far
    noisier. Training on realistic sizes keeps the thread-similarity weight honest.
    """

    rng = np.random.default_rng(seed)
    members: dict = {}
    for i, row in enumerate(rows):
        if row.group is not None:
            members.setdefault(row.group, []).append(i)
    for group, indices in members.items():
        if len(indices) <= largest:
            continue
        order = rng.permutation(indices)
        start, part = 0, 0
        while start < len(order):
            size = int(rng.integers(3, largest + 1))
            for i in order[start : start + size]:
                rows[i].group = f"{group}/{part}"
            start += size
            part += 1


def make_contextless_copies(rows: Sequence[LabelledRow]) -> list[LabelledRow]:
    """On-topic comments again without article, parent or thread, still ``off_topic`` = 0.

    Without them every labelled row lacking an article is spam or gibberish (nobody labels
    a context-free comment "on topic"), and the model learns "no article = off-topic".
    """
    return [
        LabelledRow(text=r.text, labels={"off_topic": 0}, source=CONTEXTLESS_SOURCE)
        for r in rows
        if r.labels.get("off_topic") == 0 and r.article and not r.article.isspace()
    ]


def thread_members(rows: Sequence[LabelledRow], n_original: int):
    """Which rows make up their thread's "rest of the thread" for the others: the original
    rows, except spam (``off_topic`` = 1 without an article: YouTube spam is half of its
    "threads", where a thread being scored is mostly real comments; its links would count
    as the thread's topic). Made pairs and copies are compared with a thread, never part
    of it."""

    return np.array([
        i < n_original and not (row.labels.get("off_topic") == 1 and not row.article.strip())
        for i, row in enumerate(rows)
    ], dtype=bool)


def threshold_at_precision(
    y, scores, target: float, recall_slack: float = 0.01
) -> tuple[float, bool]:
    """A threshold whose cross-validated precision reaches ``target``, with a margin.

    Among thresholds with precision >= target, the most recall is reached at the lowest; on
    easily separated data that lowest threshold sits deep in the negatives' tail (0.04 on
    data/labels.csv) and flags civil comments from elsewhere. So: the highest threshold
    whose recall is within ``recall_slack`` (and half) of that best recall. Returns (threshold,
    reached); when no threshold reaches the target, the best-F1 threshold and False.
    """

    precision, recall, thresholds = precision_recall_curve(y, scores)
    ok = np.flatnonzero(precision[:-1] >= target)
    if ok.size:
        best_recall = recall[ok[0]]
        # at most half the best recall given up: with an absolute slack, a best recall under
        # it (insult on the pooled corpora: 0.005) let the threshold climb to 1.0, recall 0
        keep = ok[recall[ok] >= best_recall - min(recall_slack, best_recall / 2)]
        return float(thresholds[keep[-1]]), True
    f1 = np.divide(
        2 * precision * recall, precision + recall,
        out=np.zeros_like(precision), where=(precision + recall) > 0,
    )[:-1]
    return float(thresholds[int(np.argmax(f1))]), False


#: The default model's flagging bar on real rows (``choose_threshold``): at most this share
#: of the rows a corpus labels civil (toxicity 0; off_topic 0 for off_topic; not labelled 1
#: for the attribute itself; weak negatives of weight < 1 not counted) may be flagged, in
#: every source that has at least ``MIN_CIVIL_ROWS`` of them, and at least the target
#: precision in every source with ``MIN_SOURCE_FLAGS`` judged flags.
MAX_CIVIL_FLAG_RATE = 0.02
MIN_CIVIL_ROWS = 50
MIN_SOURCE_FLAGS = 20
#: Below this recall at the chosen threshold an attribute does not flag by default (the
#: card says why): a bar met only by flagging a handful of comments is no bar.
MIN_FLAG_RECALL = 0.05


def choose_threshold(y, scores, civil, source_ids, target: float,
                     max_civil_rate: float = MAX_CIVIL_FLAG_RATE):
    """The lowest threshold that meets the bar on held-out scores of real rows, per source
    and pooled: precision >= ``target`` on the rows whose label is known (``y`` 0/1, -1
    unknown), and at most ``max_civil_rate`` of the ``civil`` rows flagged.

    ``source_ids`` (ints) name each row's source; sources too small to judge (fewer than
    ``MIN_CIVIL_ROWS`` civil rows, fewer than ``MIN_SOURCE_FLAGS`` judged flags) count in
    the pooled figures only. Returns ``(threshold, report)``; the threshold is None when no
    candidate meets the bar with recall >= ``MIN_FLAG_RECALL``, and ``report`` gives
    precision, recall and civil flag rate pooled and per source at the threshold (or, when
    None, at the best-F1 threshold, for the card).
    """

    y = np.asarray(y)
    scores = np.asarray(scores, dtype=np.float64)
    civil = np.asarray(civil, dtype=bool)
    source_ids = np.asarray(source_ids)
    known = y >= 0
    positives = known & (y == 1)
    candidates = np.unique(np.quantile(scores[known | civil], np.linspace(0.5, 1.0, 2001)))
    candidates = np.unique(np.concatenate([candidates, np.unique(scores[positives])[-2000:]]))

    def counts(mask):
        """flag counts at each candidate threshold: how many of ``mask``'s rows score >= it."""
        values = np.sort(scores[mask])
        return len(values) - np.searchsorted(values, candidates, side="left")

    tp, fp = counts(positives), counts(known & (y == 0))
    n_pos = max(int(positives.sum()), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 1.0)
    recall = tp / n_pos
    ok = (precision >= target) & (tp + fp > 0)
    n_civil = max(int(civil.sum()), 1)
    ok &= counts(civil) / n_civil <= max_civil_rate
    for source in np.unique(source_ids):
        mine = source_ids == source
        if (civil & mine).sum() >= MIN_CIVIL_ROWS:
            ok &= counts(civil & mine) / (civil & mine).sum() <= max_civil_rate
        stp, sfp = counts(positives & mine), counts(known & (y == 0) & mine)
        judged = stp + sfp
        with np.errstate(invalid="ignore", divide="ignore"):
            ok &= (judged < MIN_SOURCE_FLAGS) | (stp >= target * judged)
    ok &= recall >= MIN_FLAG_RECALL
    if ok.any():
        threshold = float(candidates[np.flatnonzero(ok)[0]])
        reached = True
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(precision + recall > 0,
                          2 * precision * recall / (precision + recall), 0)
        threshold = float(candidates[int(np.argmax(f1))])
        reached = False

    def at(mask_known, mask_pos, mask_civil):
        flagged = scores >= threshold
        tp_ = int((flagged & mask_pos).sum())
        judged_ = int((flagged & mask_known).sum())
        return {
            "precision": round(tp_ / judged_, 4) if judged_ else None,
            "recall": round(tp_ / mask_pos.sum(), 4) if mask_pos.any() else None,
            "civil_flag_rate": round(float((flagged & mask_civil).sum() / mask_civil.sum()), 4)
            if mask_civil.any() else None,
            "judged_flags": judged_,
            "civil_rows": int(mask_civil.sum()),
        }

    report = {
        "threshold": round(threshold, 6),
        "meets_bar": reached,
        "pooled": at(known, positives, civil),
        "per_source": {
            int(source): at(known & (source_ids == source), positives & (source_ids == source),
                            civil & (source_ids == source))
            for source in np.unique(source_ids)
        },
    }
    return (threshold if reached else None), report


#: Below this cross-validated recall at the chosen threshold, training says so: the
#: attribute will rarely flag (on the pooled public corpora, insult at precision 0.9: 1%).
LOW_RECALL = 0.2


def _warn_about_threshold(attribute: str, metrics: dict, target: float, reached: bool) -> None:
    """A warning when the threshold will flag little, or misses the target precision."""
    if not reached:
        log.warning(
            "%s: no threshold reaches precision %.2f in cross-validation; using the best-F1 "
            "threshold %.3f (precision %.2f, recall %.2f)", attribute, target,
            metrics["threshold"], metrics["precision"], metrics["recall"])
    elif metrics["recall"] < LOW_RECALL:
        log.warning(
            "%s: at precision %.2f the threshold (%.3f) catches %.0f%% of the positives in "
            "cross-validation; a lower --target-precision flags more of them (and more "
            "wrongly)", attribute, target, metrics["threshold"], 100 * metrics["recall"])


def attribute_metrics(y, scores, threshold: float) -> dict:
    """ROC AUC, average precision and precision/recall/F1 at ``threshold``."""

    y = np.asarray(y)
    flagged = np.asarray(scores) >= threshold
    tp = int(np.sum(flagged & (y == 1)))
    fp = int(np.sum(flagged & (y == 0)))
    fn = int(np.sum(~flagged & (y == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "roc_auc": round(float(roc_auc_score(y, scores)), 4),
        "average_precision": round(float(average_precision_score(y, scores)), 4),
        "threshold": round(float(threshold), 4),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def _fold_of(y_first, n_folds: int, seed: int):
    """Stratified fold per row: rows shuffled, then dealt round-robin within each class."""

    rng = np.random.default_rng(seed)
    folds = np.empty(len(y_first), dtype=np.intp)
    for value in np.unique(y_first):
        members = np.flatnonzero(y_first == value)
        rng.shuffle(members)
        folds[members] = (np.arange(len(members)) + rng.integers(n_folds)) % n_folds
    return folds


def _one_class_attributes(sources, Y, attributes) -> list[str]:
    """Attributes whose known labels are all one class.

    In a labels file the user wrote, that is an error (``LabelsError`` naming file and
    column). When only corpora or review queues label the attribute (a corpus that says
    ``severe_toxicity`` = 0 on a few rows), the attribute is returned to be left out.
    """
    dropped = []
    for j, attribute in enumerate(attributes):
        values = Y[Y[:, j] >= 0, j]
        present = {int(v) for v in values}
        if len(present) == 2:
            continue
        labelled = [s for s in sources if any(attribute in _implied(r.labels) for r in s.rows)]
        written = [s for s in labelled if s.kind == "labels"]
        if not written:
            dropped.append(attribute)
            continue
        raise LabelsError(
            ", ".join(s.path for s in written),
            f"every labelled row has {attribute} = {present.pop()} ({len(values)} rows): "
            "training needs both 0 and 1 (leave a column empty where a label is unknown)",
            column=written[0].columns.get(attribute, attribute),
        )
    return dropped


def _cv_tasks(matrix, labels, known, fold, folds, C, fold_windows, score_all=False,
              weights=None):
    """One task per fold: fit on the fold's complement among the ``known`` rows, return
    (test rows, their logits, logits of the fold's sentence windows or None, the fitted
    estimator).

    The test rows are the fold's known rows (every row of the fold with ``score_all``;
    toxicity needs that to cap its sub-attributes).
    """
    scored = np.zeros(len(fold), dtype=bool)
    scored[np.arange(len(fold)) if score_all else known] = True
    tasks, cost = {}, {}
    for f in range(folds):
        train_rows = known[fold[known] != f]
        test_rows = np.flatnonzero((fold == f) & scored)
        if not len(test_rows) or len(np.unique(labels[train_rows])) < 2:
            continue

        def task(train_rows=train_rows, test_rows=test_rows, f=f):
            estimator = fit_logistic(
                matrix[train_rows], labels[train_rows].astype(int), C,
                sample_weight=weights[train_rows],
            )
            windows = None
            if fold_windows is not None and fold_windows[f][0].shape[0]:
                windows = estimator.decision_function(fold_windows[f][0])
            return test_rows, estimator.decision_function(matrix[test_rows]), windows, estimator

        tasks[f] = task
        cost[f] = task_cost(matrix, train_rows)
    return tasks, cost


def _gather_folds(results, fold_windows, n_rows, scored_rows):
    """Out-of-fold logits over all rows from ``_cv_tasks`` results: (whole comment, the
    better of the whole comment and its best sentence window, as ``Model.predict`` does)."""

    whole = np.zeros(n_rows)
    best = np.full(n_rows, -np.inf)
    for f, (test_rows, logits, windows, _) in results.items():
        whole[test_rows] = logits
        if windows is not None:
            owner = fold_windows[f][1]
            keep = scored_rows[owner]
            np.maximum.at(best, owner[keep], windows[keep])
    return whole, np.maximum(whole, best)


def row_weights(rows, Y, source_balance=SOURCE_BALANCE, class_balance=CLASS_BALANCE):
    """(n, k) sample weights, each column scaled to mean 1 over its labelled rows.

    Per attribute, a labelled row of source s (``row.source``; the made pairs and copies
    are sources of their own) weighs ``row.weight * n_s ** -source_balance``, ``n_s`` being
    the rows of s labelled for it. Where two or more sources label the attribute, a source
    with both classes has its positives weighted by ``(n_s / (2 * positives_s)) **
    class_balance`` and its negatives likewise (1 = equal totals). One source alone keeps
    its own class balance.
    """

    W = np.tile(np.array([r.weight for r in rows], dtype=np.float64)[:, None], (1, Y.shape[1]))
    names = np.array([r.source for r in rows])
    for j in range(Y.shape[1]):
        known = Y[:, j] >= 0
        if not known.any():
            continue
        labelled_by = np.unique(names[known])
        for name in labelled_by:
            members = known & (names == name)
            W[members, j] *= float(members.sum()) ** -source_balance
            pos = members & (Y[:, j] == 1)
            neg = members & (Y[:, j] == 0)
            if class_balance and len(labelled_by) > 1 and pos.any() and neg.any():
                W[pos, j] *= (members.sum() / (2.0 * pos.sum())) ** class_balance
                W[neg, j] *= (members.sum() / (2.0 * neg.sum())) ** class_balance
        W[known, j] /= W[known, j].mean()
    return W


def fit_combiner(whole, window, y) -> tuple[float, float, float]:
    """(a, b, c) of ``sigmoid(a * whole + b * window + c)``, learned on out-of-fold logits.

    The plain maximum of whole and window scores lost 0.02-0.04 ROC AUC on Jigsaw (short
    sentences score noisily); a learned weight keeps what windows add. ``b`` is kept >= 0 so
    a vile sentence can only raise a comment's score.
    """

    both = LogisticRegression(C=100.0).fit(np.column_stack([whole, window]), y)
    a, b = (float(v) for v in both.coef_.ravel())
    if b >= 0 and a > 0:
        return a, b, float(both.intercept_[0])
    alone = LogisticRegression(C=100.0).fit(whole[:, None], y)
    return float(alone.coef_[0, 0]), 0.0, float(alone.intercept_[0])


@dataclass
class _Rows:
    """The rows ``train`` learns from: the sources' (first ``n_original``) and the made ones
    (``made``: off-topic pairs and contextless copies), with the label matrix ``Y``."""

    rows: list
    made: list
    n_original: int
    n_pairs: int
    attributes: list
    Y: np.ndarray
    taught_nothing: dict


@dataclass
class _Matrices:
    """The fitted features and every row's matrices (``view`` gives an attribute's)."""

    features: CommentFeatures
    X_text: object
    extra: np.ndarray
    owner: np.ndarray
    n_seen: int
    fold: np.ndarray
    fold_windows: list | None
    is_context: list
    context_rows: np.ndarray
    X_context: object
    W: np.ndarray

    def view(self, data: _Rows, j: int):
        """(matrix, labels, fold, sample weights) attribute ``j`` is trained on."""
        if self.is_context[j]:
            rows = self.context_rows
            return self.X_context, data.Y[rows, j], self.fold[rows], self.W[rows, j]
        return self.X_text, data.Y[:, j], self.fold, self.W[:, j]


def train(
    sources: Sequence[LabelledSource],
    target_precision: float = 0.9,
    seed: int = 0,
    folds: int | None = None,
    C_grid: Sequence[float] | None = None,  # noqa: N803 - scikit-learn's name
    pairs: bool = True,
    progress=None,
    feature_params: dict | None = None,
    jobs: int | None = None,
    average_folds: bool | None = None,
    source_balance: float = SOURCE_BALANCE,
    class_balance: float = CLASS_BALANCE,
):
    """Train a ``moderator.model.Model`` from labelled sources.

    Steps: rows of all sources (+ off-topic pairs made from rows with articles); features
    fitted once on every comment; for each attribute, ``folds``-fold cross-validation
    (default 5, 3 above ``LARGE_ROWS`` rows) of its logistic regression over ``C_grid``
    (default 4, 16; just 2 above ``LARGE_ROWS``; off_topic 4) picks C by average precision,
    and the out-of-fold scores give the threshold at ``target_precision`` and the card's
    metrics. Final classifiers: an attribute with more than ``LARGE_ROWS`` labelled rows
    takes the mean of its fold models (``average_folds`` True/False forces it for all or
    none), the others are fitted on all their rows. The fits run on ``jobs`` threads
    (default: every core this process may use). Unknown labels are left out per attribute.
    Raises ``LabelsError`` for unusable data.
    """
    say = progress or log.info
    started = time.perf_counter()
    if not 0.0 < target_precision < 1.0:
        raise ValueError(f"target precision must be between 0 and 1, got {target_precision}")
    sources = list(sources)
    if not sources:
        raise LabelsError("training data", "no labelled sources given")
    data = _training_rows(sources, seed, pairs, say)
    large = len(data.rows) > LARGE_ROWS
    if folds is None:
        folds = LARGE_FOLDS if large else SMALL_FOLDS
    jobs = default_jobs() if not jobs else jobs
    matrices = _training_matrices(data, feature_params, jobs, folds, seed, source_balance,
                                  class_balance, say, started)
    # Above LARGE_ROWS one C: each value costs a full cross-validation. C=2 there: on the
    # pooled English corpora it beat C=8 on held-out toxicity (ROC AUC 0.901 vs 0.892) and
    # fits 1.6x faster.
    grid = list(C_grid) if C_grid else ([4.0, 16.0] if not large else [LARGE_C])
    # off_topic (pairs make identical texts with both labels) converges 4x slower in liblinear
    # than the text attributes, so it gets one C: OFF_TOPIC_C.
    context_C = grid[0] if C_grid else OFF_TOPIC_C
    candidates = {attribute: [context_C] if matrices.is_context[j] else grid
                  for j, attribute in enumerate(data.attributes)}
    results = _cross_validate(data, matrices, candidates, folds, jobs)
    say(f"cross-validated {len(results)} fits ({folds} folds) on {jobs} thread(s) "
        f"[{time.perf_counter() - started:.1f}s]")
    chosen = _choose(sources, data, matrices, candidates, results, target_precision, say)
    matrices.fold_windows = None
    classifier, n_final, averaged = _final_classifier(
        data, matrices, chosen["C"], results, folds, average_folds, jobs)
    del results
    say(f"final models: {n_final} fitted, {len(averaged)} fold means "
        f"[{time.perf_counter() - started:.1f}s]")
    pipeline = Pipeline([("features", matrices.features), ("classifier", classifier)])
    seconds = round(time.perf_counter() - started, 2)
    card = _card(sources, data, matrices, chosen, target_precision, seed, folds, grid,
                 context_C, averaged, source_balance, class_balance, seconds)
    model = Model(pipeline, chosen["thresholds"], card, combiner=chosen["combiner"],
                  capped=chosen["capped"], unflagged=chosen["unflagged"])
    model.span_selector = fit_span_selector(model, sources, say)
    model.card["explanations"] = model.selector.describe()
    model.card["training_seconds"] = round(time.perf_counter() - started, 2)
    say(f"trained in {model.card['training_seconds']:.1f}s")
    return model


def _training_rows(sources, seed: int, pairs: bool, say) -> _Rows:
    """Every source's rows (labels implied), threads split, pairs and copies made, and the
    attributes some row labels with both classes."""
    rows = [
        LabelledRow(r.text, dict(_implied(r.labels)), r.article or "", r.parent or "", r.group,
                    r.source or s.name, getattr(r, "weight", 1.0))
        for s in sources
        for r in s.rows
    ]
    if not rows:
        raise LabelsError(", ".join(s.path for s in sources), "no labelled rows")
    taught_nothing = positives_only(sources, rows)
    if taught_nothing:
        say("left out as positives only (no negatives to learn language from): "
            + "; ".join(f"{name} {', '.join(a)}" for name, a in taught_nothing.items()))
    n_original = len(rows)
    split_large_threads(rows, seed)
    made = make_offtopic_pairs(rows, seed) + make_contextless_copies(rows) if pairs else []
    rows = rows + made
    attributes = [a for a in ATTRIBUTES if any(a in r.labels for r in rows)]
    if not attributes:
        raise LabelsError(", ".join(s.path for s in sources), "no row has any label")
    Y = label_matrix(rows, attributes)
    dropped = _one_class_attributes(sources, Y, attributes)
    if dropped:
        say(f"leaving out {', '.join(dropped)}: the corpora label only one class of it")
        attributes = [a for a in attributes if a not in dropped]
        if not attributes:
            raise LabelsError(", ".join(s.path for s in sources), "no attribute has both classes")
        Y = label_matrix(rows, attributes)
    n_pairs = sum(1 for r in made if r.source in (PAIRS_SOURCE, THREAD_PAIRS_SOURCE))
    say(f"training on {n_original} rows from {len(sources)} source(s) + {n_pairs} off-topic "
        f"pairs + {len(made) - n_pairs} context-free on-topic copies; "
        f"attributes: {', '.join(attributes)}")
    return _Rows(rows, made, n_original, n_pairs, attributes, Y, taught_nothing)


def _training_matrices(data: _Rows, feature_params, jobs, folds, seed, source_balance,
                       class_balance, say, started) -> _Matrices:
    """Features fitted once on the sources' comments; every row's n-grams, extra columns and
    sentence windows; each row's fold (a pair shares its comment's) and sample weights."""
    rows, n_original, made, Y = data.rows, data.n_original, data.made, data.Y
    features = CommentFeatures(**(feature_params or {}))
    batch = CommentBatch(
        texts=[r.text for r in rows],
        articles=[r.article for r in rows],
        parents=[r.parent for r in rows],
        groups=[r.group for r in rows],
        members=thread_members(rows, n_original),
    )
    features.fit(CommentBatch(texts=batch.texts[:n_original],
                              articles=batch.articles[:n_original]))
    X_text, extra, X_windows, owner = features.training_matrices(batch, jobs)
    n_extra = features.n_extra_features_
    n_seen = int(np.count_nonzero(features.ngrams_.idf_))
    say(f"features: {X_text.shape[1] + n_extra} columns ({n_seen} hashed n-grams seen), "
        f"{len(owner)} sentence windows "
        f"[{time.perf_counter() - started:.1f}s]")
    first_label = np.where(Y[:, 0] >= 0, Y[:, 0], 2)
    fold = _fold_of(first_label[:n_original], folds, seed)
    text_row = {}  # a pair shares its comment's fold, so no comment is on both sides
    for i, r in enumerate(rows[:n_original]):
        text_row.setdefault(r.text, i)
    pair_fold = np.array([fold[text_row[r.text]] for r in made], dtype=np.intp)
    fold = np.concatenate([fold, pair_fold]) if made else fold
    fold_windows = None
    if X_windows.shape[0]:
        fold_windows = []
        for f in range(folds):
            in_fold = np.flatnonzero(fold[owner] == f)
            fold_windows.append((X_windows[in_fold], owner[in_fold]))
    del X_windows
    # The context attributes see the extra columns too: n-grams | extra, stacked only for
    # the rows they label (``context_rows``; their row numbers are local to that matrix).
    is_context = [a in CONTEXT_ATTRIBUTES for a in data.attributes]
    context_rows = np.flatnonzero(
        (Y[:, is_context] >= 0).any(axis=1) if any(is_context) else np.zeros(len(rows), bool)
    )
    X_context = sp.hstack([X_text[context_rows], sp.csr_matrix(extra[context_rows])],
                          format="csr")
    W = row_weights(rows, Y, source_balance, class_balance)
    return _Matrices(features, X_text, extra, owner, n_seen, fold, fold_windows, is_context,
                     context_rows, X_context, W)


def _cross_validate(data: _Rows, matrices: _Matrices, candidates, folds, jobs) -> dict:
    """Every attribute's every fold (and C) as one task, run on ``jobs`` threads:
    ``{(attribute, C, fold): _cv_tasks result}``."""
    tasks, cost = {}, {}
    for j, attribute in enumerate(data.attributes):
        matrix, labels, attribute_fold, weights = matrices.view(data, j)
        known = np.flatnonzero(labels >= 0)
        context = matrices.is_context[j]
        for C in candidates[attribute]:
            fold_tasks, fold_cost = _cv_tasks(
                matrix, labels, known, attribute_fold, folds, C,
                None if context else matrices.fold_windows, score_all=not context,
                weights=weights,
            )
            for f, task in fold_tasks.items():
                tasks[attribute, C, f] = task
                cost[attribute, C, f] = fold_cost[f]
    return run_parallel(tasks, jobs, cost)


def _choose(sources, data: _Rows, matrices: _Matrices, candidates, results,
            target_precision, say) -> dict:
    """Per attribute, from the out-of-fold scores: its C (best average precision), its
    window combiner, its threshold at ``target_precision`` and its card metrics."""
    rows, n_original, attributes = data.rows, data.n_original, data.attributes
    chosen = {"C": {}, "thresholds": {}, "metrics": {}, "combiner": {}, "unflagged": []}
    # Thresholds come from the held-out scores of real rows when there are any: the rows of
    # corpora and review queues, not the made pairs or a project-written labels file.
    real_names = {s.name for s in sources if s.kind in REAL_KINDS}
    real_names |= {r.source for s in sources if s.kind in REAL_KINDS for r in s.rows}
    source_names = sorted({r.source for r in rows})
    real = {
        "names": source_names,
        "id": np.array([source_names.index(r.source) for r in rows]),
        "rows": np.array([i < n_original and r.source in real_names
                          for i, r in enumerate(rows)]),
        # Weak negatives (a row weight below 1: civil-spans posts half the original raters
        # had called toxic, youtube's "not spam") are no civil comments to hold the bar to.
        "strong": np.array([r.weight >= 1.0 for r in rows]),
    }
    chosen["capped"] = ([a for a in attributes if a in IMPLIES_TOXICITY]
                        if "toxicity" in attributes else [])
    toxicity_all = None  # out-of-fold toxicity probability of every row
    for j, attribute in enumerate(attributes):
        _, labels, _, _ = matrices.view(data, j)
        context = matrices.is_context[j]
        C, whole, window = _best_C(attribute, labels, context, candidates[attribute],
                                   results, matrices.fold_windows)
        if not context:
            chosen["combiner"][attribute] = fit_combiner(
                whole[labels >= 0], window[labels >= 0], labels[labels >= 0].astype(int))
            if attribute == "toxicity":
                toxicity_all = combine(whole, window, chosen["combiner"][attribute])
        _threshold_of(attribute, j, C, whole, window, labels, context, data, matrices, real,
                      chosen, toxicity_all, target_precision, say)
    return chosen


def _best_C(attribute, labels, context, candidates, results, fold_windows):
    """(C, out-of-fold whole-comment logits, window logits) of the candidate C with the best
    average precision on the attribute's known rows."""
    known = np.flatnonzero(labels >= 0)
    y = labels[known].astype(int)
    scored_rows = np.zeros(len(labels), dtype=bool)
    scored_rows[known if context else np.arange(len(labels))] = True
    best = None
    for C in candidates:
        whole, window = _gather_folds(
            {key[2]: value for key, value in results.items() if key[:2] == (attribute, C)},
            None if context else fold_windows, len(labels), scored_rows,
        )
        ap = average_precision_score(y, whole[known])
        if best is None or ap > best[0] + 1e-9:
            best = (ap, C, whole, window)
    return best[1], best[2], best[3]


def _threshold_of(attribute, j, C, whole, window, labels, context, data: _Rows,
                  matrices: _Matrices, real: dict, chosen: dict, toxicity_all,
                  target_precision, say) -> None:
    """Into ``chosen``: the attribute's C, threshold and metrics (and whether it flags),
    judged on held-out real rows when there are any with both classes."""
    attributes, Y, context_rows = data.attributes, data.Y, matrices.context_rows
    known = np.flatnonzero(labels >= 0)
    y = labels[known].astype(int)
    combiner = chosen["combiner"]
    capped = chosen["capped"]
    if context:
        oof = sigmoid(whole[known])
    else:
        oof = combine(whole[known], window[known], combiner[attribute])
    if attribute in capped:
        oof = np.minimum(oof, toxicity_all[known])
    bar = None
    real_rows = real["rows"]
    if real_rows.any():
        # On real rows (corpora, review queues): the bar per source and pooled, on the
        # held-out score of every row (``civil`` rows need not be labelled for it).
        if context:
            mine = real_rows[context_rows]
            all_scores, all_labels = sigmoid(whole), labels
            civil = labels == 0
            ids = real["id"][context_rows]
        else:
            mine = real_rows
            all_scores = combine(whole, window, combiner[attribute])
            if attribute in capped:
                all_scores = np.minimum(all_scores, toxicity_all)
            all_labels = labels
            civil = Y[:, attributes.index("toxicity")] == 0 if "toxicity" in attributes \
                else labels == 0
            civil &= labels != 1  # "holy shit, what a goal": civil, and profane
            ids = real["id"]
        civil = civil & real["strong"][context_rows if context else slice(None)]
        real_labels = all_labels[mine]
    if real_rows.any() and {0, 1} <= set(np.unique(real_labels).tolist()):
        found, bar = choose_threshold(real_labels, all_scores[mine], civil[mine],
                                      ids[mine], target_precision)
        bar["per_source"] = {real["names"][k]: v for k, v in bar["per_source"].items()}
        threshold, reached = bar["threshold"], found is not None
        if not reached:
            chosen["unflagged"].append(attribute)
    else:  # no real rows with both classes of it: the cross-validated threshold
        threshold, reached = threshold_at_precision(y, oof, target_precision)
    chosen["C"][attribute] = C
    chosen["thresholds"][attribute] = round(threshold, 6)
    metrics = chosen["metrics"][attribute] = {
        "rows": int(len(known)),
        "positives": int(y.sum()),
        **({"pairs": data.n_pairs, "contextless_copies": len(data.made) - data.n_pairs}
           if attribute == "off_topic" else {}),
        "C": C,
        **({"window_combiner": [round(v, 4) for v in combiner[attribute]]}
           if attribute in combiner else {}),
        **attribute_metrics(y, oof, threshold),
        "target_precision_reached": reached,
        **({"real_rows_bar": bar} if bar is not None else {}),
    }
    say(f"{attribute}: {len(known)} rows, {int(y.sum())} positive, C={C:g}, "
        f"ROC AUC {metrics['roc_auc']:.3f}, AP "
        f"{metrics['average_precision']:.3f}, threshold {threshold:.3f} "
        f"(P {metrics['precision']:.2f} R {metrics['recall']:.2f})")
    _warn_about_threshold(attribute, metrics, target_precision, reached)


def _final_classifier(data: _Rows, matrices: _Matrices, chosen_C, results, folds,
                      average_folds, jobs):
    """The final ``AttributeClassifiers``, the number of final fits and the attributes that
    took the mean of their fold models.

    An attribute with more than LARGE_ROWS labelled rows takes the mean of its fold models
    (itself a logistic model), which saves its final fit; the others are fitted on all their
    rows."""
    models, final_tasks, final_cost, averaged = {}, {}, {}, []
    for j, attribute in enumerate(data.attributes):
        matrix, labels, _, weights = matrices.view(data, j)
        known = np.flatnonzero(labels >= 0)
        fitted = [value[3] for key, value in results.items()
                  if key[:2] == (attribute, chosen_C[attribute])]
        mean_ok = average_folds if average_folds is not None else len(known) > LARGE_ROWS
        if mean_ok and len(fitted) == folds:
            models[attribute] = fitted
            averaged.append(attribute)
        else:
            final_tasks[attribute] = fit_rows(
                matrix, known, labels[known].astype(int), chosen_C[attribute],
                sample_weight=weights[known],
            )
            final_cost[attribute] = task_cost(matrix, known)
    for attribute, model in run_parallel(final_tasks, jobs, final_cost).items():
        models[attribute] = [model]
    n_extra = matrices.features.n_extra_features_
    classifier = AttributeClassifiers(
        attributes=data.attributes, n_extra_features=n_extra, C=chosen_C
    ).from_models(models, matrices.X_text.shape[1] + n_extra)
    return classifier, len(final_tasks), averaged


def _card(sources, data: _Rows, matrices: _Matrices, chosen: dict, target_precision, seed,
          folds, grid, context_C, averaged, source_balance, class_balance, seconds) -> dict:
    """The model card: the sources and their labels, how the model was cross-validated and
    weighted, each attribute's metrics, the features."""
    attributes, taught_nothing, made = data.attributes, data.taught_nothing, data.made
    rows, n_original, n_pairs = data.rows, data.n_original, data.n_pairs
    metrics, unflagged = chosen["metrics"], chosen["unflagged"]
    features, n_seen = matrices.features, matrices.n_seen
    card = {
        "sources": [
            {
                "name": s.name,
                "kind": s.kind,
                "path": s.path,
                "rows": len(s.rows),
                "sha256": s.sha256,
                "license": s.license,
                "labels": {
                    a: {
                        "rows": sum(1 for r in s.rows if a in _implied(r.labels)),
                        "positives": sum(1 for r in s.rows if _implied(r.labels).get(a) == 1),
                    }
                    for a in attributes
                    if any(a in _implied(r.labels) for r in s.rows)
                    and a not in taught_nothing.get(s.name, ())
                },
            }
            for s in sources
        ],
        "feedback_rows": sum(len(s.rows) for s in sources if s.kind == "feedback"),
        "left_out_positives_only": taught_nothing,
        "offtopic_pairs": n_pairs,
        "contextless_copies": len(made) - n_pairs,
        "target_precision": target_precision,
        "seed": seed,
        "cross_validation": {
            "folds": folds,
            "C_grid": grid,
            "off_topic_C": context_C,
            "fold_mean_attributes": averaged,
            "note": "features fitted on all rows once; each attribute's classifier and the "
            "sentence-window maximum are cross-validated; thresholds come from out-of-fold "
            "scores",
        },
        "weights": {
            "source_balance": source_balance,
            "class_balance": class_balance,
            "pairs": PAIRS_WEIGHT,
            "rows_weighted_by_their_source": sum(1 for r in rows[:n_original] if r.weight != 1),
        },
        "metrics": metrics,
        "unflagged": {
            a: f"no threshold reaches precision {target_precision:.2f} with at most "
               f"{MAX_CIVIL_FLAG_RATE:.0%} of civil rows flagged in every source and "
               f"recall >= {MIN_FLAG_RECALL:.0%} on held-out real rows: not flagged by default "
               "(a policy threshold turns it on)"
            for a in unflagged
        },
        "features": {
            "char_columns": features.slices_["char"].stop - features.slices_["char"].start,
            "word_columns": features.slices_["word"].stop - features.slices_["word"].start,
            "ngrams_seen": n_seen,
            "text_cues": features.slices_["text"].stop - features.slices_["text"].start,
            "context": features.slices_["context"].stop - features.slices_["context"].start,
        },
        "training_seconds": seconds,
    }
    return card


def marked_rows(sources: Sequence[LabelledSource]) -> list:
    """The rows whose toxic characters people marked (``spans``, e.g. the ``civil-spans``
    corpus): toxic rows only, where an empty list means "toxic, but no word marked"."""
    return [r for s in sources for r in s.rows
            if getattr(r, "spans", None) is not None and r.labels.get("toxicity") == 1]


def fit_span_selector(model, sources: Sequence[LabelledSource], say=log.info):
    """The span selector learned from the sources' marked rows (``moderator.model.spans``), or
    None (the documented rule) when there are fewer than ``MIN_MARKED_TEXTS`` of them."""
    rows = marked_rows(sources)
    if "toxicity" not in model.attributes or len(rows) < MIN_MARKED_TEXTS:
        say(f"explanations: the rule (spans need {MIN_MARKED_TEXTS}+ texts with marked "
            f"toxic words; {len(rows)} given)")
        return None
    selector = SpanSelector().fit(model, [r.text for r in rows], [r.spans for r in rows])
    say(f"explanations: learned from {len(rows)} texts with marked toxic words "
        f"(character F1 {selector.metrics_['char_f1']:.3f} on them, cut-off "
        f"{selector.cutoff_:.2f})")
    return selector
