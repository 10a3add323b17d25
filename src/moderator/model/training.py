"""Training: a ``Model`` from labelled sources (``moderator.labels``): the training rows
(``rows``: implied labels, off-topic pairs, contextless copies, weights), features fitted
once, cross-validated scores, the window combiner, thresholds at a target precision
(``thresholds``), the final classifiers, the card and the span selector.

``train(sources, target_precision=0.9, seed=0) -> moderator.model.Model``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
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
from .rows import (
    CLASS_BALANCE,
    IMPLIES_TOXICITY,
    OFF_TOPIC_SOURCE_BALANCE,
    PAIRS_WEIGHT,
    REAL_KINDS,
    SOURCE_BALANCE,
    THREAD_PAIRS_SOURCE,
    implied_labels,
    label_matrix,
    make_contextless_copies,
    make_offtopic_pairs,
    positives_only,
    row_weights,
    split_large_threads,
    thread_members,
)
from .scoring import Model, combine, sigmoid
from .spans import MIN_MARKED_TEXTS, SpanSelector
from .thresholds import (
    MAX_CIVIL_FLAG_RATE,
    MIN_FLAG_RECALL,
    POOLED_PRECISION_ATTRIBUTES,
    attribute_metrics,
    choose_threshold,
    threshold_at_precision,
    warn_about_threshold,
)

log = logging.getLogger("moderator")

#: Above this many rows (with pairs) training takes one C and ``LARGE_FOLDS`` folds: on the
#: ten English corpora (67,682 rows) each fold of each attribute costs seconds.
LARGE_ROWS = 20_000
LARGE_FOLDS = 3
LARGE_C = 2.0
SMALL_FOLDS = 5
#: C of off_topic's logistic regression. Trained on the train splits of SemEval-2016,
#: SemEval-2015 and YouTube spam with the real-thread pairs, dev ROC AUC (2015 / 2016 /
#: YouTube): C=4 0.769 / 0.836 / 0.963, C=1 0.788 / 0.841 / 0.966, C=0.3 0.798 / 0.830 /
#: 0.962. (On data/labels.csv alone C=4 had done best: its n-grams are templates.)
OFF_TOPIC_C = 1.0


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
        labelled = [s for s in sources
                    if any(attribute in implied_labels(r.labels) for r in s.rows)]
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
    off_topic_source_balance: float = OFF_TOPIC_SOURCE_BALANCE,
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
    (default: every core this process may use). Rows are weighted by ``row_weights`` with
    ``source_balance`` (off_topic: ``off_topic_source_balance``) and ``class_balance``.
    Unknown labels are left out per attribute. Raises ``LabelsError`` for unusable data.
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
    balance = {"source_balance": source_balance, "class_balance": class_balance,
               "off_topic_source_balance": off_topic_source_balance}
    matrices = _training_matrices(data, feature_params, jobs, folds, seed, balance, say,
                                  started)
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
                 context_C, averaged, balance, seconds)
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
        LabelledRow(r.text, dict(implied_labels(r.labels)), r.article or "", r.parent or "",
                    r.group, r.source or s.name, getattr(r, "weight", 1.0))
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
    n_pairs = sum(1 for r in made if r.source == THREAD_PAIRS_SOURCE)
    say(f"training on {n_original} rows from {len(sources)} source(s) + {n_pairs} off-topic "
        f"pairs + {len(made) - n_pairs} context-free on-topic copies; "
        f"attributes: {', '.join(attributes)}")
    return _Rows(rows, made, n_original, n_pairs, attributes, Y, taught_nothing)


def _training_matrices(data: _Rows, feature_params, jobs, folds, seed, balance: dict, say,
                       started) -> _Matrices:
    """Features fitted once on the sources' comments; every row's n-grams, extra columns and
    sentence windows; each row's fold (a pair shares its comment's) and sample weights
    (``balance``: ``row_weights``' source and class balance, and off_topic's own source
    balance)."""
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
    W = row_weights(rows, Y, balance["source_balance"], balance["class_balance"])
    if "off_topic" in data.attributes:
        j = data.attributes.index("off_topic")
        W[:, j] = row_weights(rows, Y[:, [j]], balance["off_topic_source_balance"],
                              balance["class_balance"])[:, 0]
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
        found, bar = choose_threshold(
            real_labels, all_scores[mine], civil[mine], ids[mine], target_precision,
            per_source_precision=attribute not in POOLED_PRECISION_ATTRIBUTES)
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
    warn_about_threshold(attribute, metrics, target_precision, reached)


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
          folds, grid, context_C, averaged, balance: dict, seconds) -> dict:
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
                        "rows": sum(1 for r in s.rows if a in implied_labels(r.labels)),
                        "positives": sum(1 for r in s.rows if implied_labels(r.labels).get(a) == 1),
                    }
                    for a in attributes
                    if any(a in implied_labels(r.labels) for r in s.rows)
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
            **balance,
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
