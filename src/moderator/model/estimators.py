"""The scikit-learn estimators a model is fitted with (imported for training, and when a
loaded model's ``pipeline`` is unpickled; never on the scoring path)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted, validate_data

from ..attributes import CONTEXT_ATTRIBUTES
from .scoring import sigmoid


class AttributeClassifiers(ClassifierMixin, BaseEstimator):
    """One logistic regression per column of ``y``; ``-1`` in ``y`` means unknown.

    Rows with an unknown label for an attribute are left out of that attribute's fit. The
    last ``n_extra_features`` columns of X (text cues and context similarities) are used only
    by ``context_attributes``; the others get zero coefficients there.
    ``C`` is one value or ``{attribute: C}``. Fitted: ``estimators_``, ``coef_`` (stacked,
    shape (n_features, n_attributes)), ``intercept_``.
    """

    def __init__(
        self,
        attributes=None,
        context_attributes=CONTEXT_ATTRIBUTES,
        n_extra_features=0,
        C=4.0,
        max_iter=1000,
        tol=1e-4,
        n_jobs=1,
    ):
        self.attributes = attributes
        self.context_attributes = context_attributes
        self.n_extra_features = n_extra_features
        self.C = C
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs

    def _C_for(self, attribute):
        return self.C.get(attribute, 4.0) if isinstance(self.C, dict) else self.C

    def _columns(self, attribute, n_features):
        if attribute in (self.context_attributes or ()) or not self.n_extra_features:
            return n_features
        return n_features - self.n_extra_features

    def fit(self, X, y):
        X, y = validate_data(
            self, X, y, accept_sparse="csr", multi_output=True, dtype=(np.float64, np.float32),
            y_numeric=True,
        )
        y = np.asarray(y)
        if y.ndim == 1:
            y = y[:, None]
        names = list(self.attributes) if self.attributes is not None else [
            f"y{j}" for j in range(y.shape[1])
        ]
        if len(names) != y.shape[1]:
            raise ValueError(f"{len(names)} attributes for {y.shape[1]} label columns")
        blocks = {}  # width -> X[:, :width], sliced once for all attributes sharing it
        tasks = {}
        for j, attribute in enumerate(names):
            known = np.flatnonzero(y[:, j] >= 0)
            labels = y[known, j].astype(int)
            if len(np.unique(labels)) < 2:
                raise ValueError(f"attribute {attribute!r} needs both classes, got {labels[:1]}")
            width = self._columns(attribute, X.shape[1])
            if width not in blocks:
                blocks[width] = X if width == X.shape[1] else X[:, :width]
            block = blocks[width]
            tasks[j] = (
                fit_rows(block, known, labels, self._C_for(attribute), self.max_iter, self.tol),
                task_cost(block, known),
            )
        fitted = run_parallel(
            {j: task for j, (task, _) in tasks.items()},
            self.n_jobs,
            cost={j: cost for j, (_, cost) in tasks.items()},
        )
        return self._set_fitted(names, [fitted[j] for j in range(len(names))], X.shape[1])

    def _set_fitted(self, names, estimators, n_features):
        """The fitted state from one estimator per attribute; an estimator fitted on fewer
        columns (the n-gram block) gets zero coefficients beyond them."""
        coefs = np.zeros((n_features, len(estimators)))
        for j, estimator in enumerate(estimators):
            coefs[: estimator.coef_.shape[1], j] = estimator.coef_.ravel()
        self.estimators_ = list(estimators)
        self.attributes_ = names
        self.coef_ = coefs
        self.intercept_ = np.asarray([float(e.intercept_[0]) for e in estimators])
        self.classes_ = np.array([0, 1])
        return self

    def __getstate__(self):
        """Pickled without ``estimators_``: their coefficients are the columns of ``coef_``
        (pickling both doubled a model file: 44 MB of classifier for the pooled corpora), and
        with the n-gram coefficients in float32, the precision the scoring kernels use."""
        state = dict(super().__getstate__())  # a copy: object's is the live __dict__
        coef = state.get("coef_")
        if coef is not None and coef.dtype == np.float64:
            # the n-gram rows as float32, as the scoring kernels read them (moderator.model);
            # the dense extra columns exact
            n_ngrams = coef.shape[0] - self.n_extra_features
            state["coef_"] = np.ascontiguousarray(coef[:n_ngrams], dtype=np.float32)
            state["_coef_extra"] = np.array(coef[n_ngrams:])
        estimators = state.pop("estimators_", None)
        if estimators is not None:
            state["_estimator_widths"] = [int(e.coef_.shape[1]) for e in estimators]
            state["_estimator_params"] = [e.get_params() for e in estimators]
            state["_estimator_n_iter"] = [getattr(e, "n_iter_", None) for e in estimators]
        return state

    def __setstate__(self, state):
        widths = state.pop("_estimator_widths", None)
        params = state.pop("_estimator_params", None)
        n_iter = state.pop("_estimator_n_iter", None)
        extra = state.pop("_coef_extra", None)
        if extra is not None:
            state["coef_"] = np.vstack([state["coef_"].astype(np.float64), extra])
        super().__setstate__(state)
        if widths is not None:
            self.estimators_ = []
            for j, (width, kwargs, iters) in enumerate(zip(widths, params, n_iter, strict=True)):
                estimator = LogisticRegression(**kwargs)
                estimator.coef_ = self.coef_[:width, j][None, :].copy()
                estimator.intercept_ = np.array([self.intercept_[j]])
                estimator.classes_ = self.classes_
                estimator.n_features_in_ = width
                if iters is not None:
                    estimator.n_iter_ = iters
                self.estimators_.append(estimator)

    def from_models(self, fitted, n_features):
        """Fitted from ``{attribute: [LogisticRegression, ...]}`` already fitted (a final
        fit, or the cross-validation folds' models): each attribute's coefficients and
        intercept are the mean of its models. ``n_features`` is the width of X; a model
        fitted on fewer columns (the n-gram block) gets zeros beyond them."""
        names = list(self.attributes)
        estimators = []
        for attribute in names:
            models = fitted[attribute]
            if not models:
                raise ValueError(f"no fitted model for {attribute!r}")
            estimators.append(models[0] if len(models) == 1 else _mean_model(models))
        self.n_features_in_ = n_features
        return self._set_fitted(names, estimators, n_features)

    def decision_function(self, X):
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", reset=False, dtype=(np.float64, np.float32)
        )
        scores = X @ self.coef_ + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """(n, n_attributes) probabilities of the positive class (one column per attribute)."""
        return sigmoid(self.decision_function(X))

    def predict(self, X):
        return (self.decision_function(X) >= 0).astype(int)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags


def fit_logistic(
    X, y, C: float, max_iter: int = 1000, tol: float = 1e-4, sample_weight=None
) -> LogisticRegression:
    """The one place a per-attribute logistic regression is configured.

    liblinear. Dual for small data: on data/labels.csv (8,387 rows x 29k TF-IDF columns) one
    fit took 0.22 s CPU dual vs 1.0 s primal, 3.5 s lbfgs, 4.2 s saga, same held-out ROC AUC
    (0.9988). Primal above ``PRIMAL_ROWS``: on the pooled English corpora (46,624 rows x 393k
    hashed columns, toxicity) dual took 110 s at C=8 and failed to converge, primal 21 s;
    primal at tol 1e-3 took 9 s with the same held-out ROC AUC as at 1e-4.
    """
    dual = X.shape[0] < min(X.shape[1], PRIMAL_ROWS)
    estimator = LogisticRegression(
        C=C, solver="liblinear", dual=dual, max_iter=max_iter,
        tol=tol if dual else max(tol, PRIMAL_TOL),
        random_state=0,  # dual coordinate descent shuffles: the same model from any thread
    )
    with _LIBLINEAR_RAND.exclusive() if dual else _LIBLINEAR_RAND.shared():
        return estimator.fit(X, y, sample_weight=sample_weight)


class _RandGuard:
    """liblinear's dual solver shuffles with C's ``rand()``: one state for the whole process,
    which every liblinear fit re-seeds when it starts. A dual fit running beside any other
    fit therefore drew another sequence (data/labels.csv trained twice on 2 threads: weights
    1.8e-5 apart, other thresholds). A dual fit runs alone (``exclusive``); primal fits,
    which draw nothing, run together (``shared``)."""

    def __init__(self):
        self._changed = threading.Condition()
        self._shared = 0
        self._exclusive = False

    @contextmanager
    def shared(self):
        with self._changed:
            self._changed.wait_for(lambda: not self._exclusive)
            self._shared += 1
        try:
            yield
        finally:
            with self._changed:
                self._shared -= 1
                self._changed.notify_all()

    @contextmanager
    def exclusive(self):
        with self._changed:
            self._changed.wait_for(lambda: not self._exclusive and not self._shared)
            self._exclusive = True
        try:
            yield
        finally:
            with self._changed:
                self._exclusive = False
                self._changed.notify_all()


_LIBLINEAR_RAND = _RandGuard()


def _mean_model(models: Sequence[LogisticRegression]) -> LogisticRegression:
    """A fitted ``LogisticRegression`` whose coefficients and intercept are the mean of
    ``models``' (a mean of linear models is a linear model)."""
    mean = clone(models[0])
    mean.coef_ = np.mean([m.coef_ for m in models], axis=0)
    mean.intercept_ = np.mean([m.intercept_ for m in models], axis=0)
    mean.classes_ = models[0].classes_
    mean.n_features_in_ = models[0].n_features_in_
    mean.n_iter_ = np.max([m.n_iter_ for m in models], axis=0)
    return mean


def fit_rows(
    X, rows, y, C, max_iter=1000, tol=1e-4, sample_weight=None
) -> Callable[[], LogisticRegression]:
    """A task fitting ``fit_logistic`` on ``X[rows]``; the row copy is made when it runs, so
    only the running tasks hold one."""
    return lambda: fit_logistic(X[rows], y, C, max_iter, tol, sample_weight)


def default_jobs() -> int:
    """Threads for the fits: the cores this process may use."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, cores)


def task_cost(X, rows) -> float:
    """Work of a fit on ``X[rows]``: its stored values (liblinear is linear in them)."""
    if hasattr(X, "indptr"):
        return float(np.diff(X.indptr)[rows].sum())
    return float(len(rows) * X.shape[1])


def run_parallel(
    tasks: dict[Hashable, Callable[[], object]],
    n_jobs: int | None = 1,
    cost: dict[Hashable, float] | None = None,
) -> dict[Hashable, object]:
    """Run independent fitting tasks on ``n_jobs`` threads; ``{key: result}``.

    liblinear releases the GIL while it trains, so threads fit side by side and share the
    feature matrix (processes would each copy it). Tasks start in decreasing ``cost`` so the
    longest is not left for last. BLAS is held to one thread meanwhile: its own threads
    (dot products over the 400k-column weight vector) fought the fits for the 2 cores, one
    toxicity fit took 14.9 s wall with them and 7.2 s without.
    """
    from threadpoolctl import threadpool_limits

    n_jobs = default_jobs() if n_jobs is None or n_jobs < 1 else n_jobs
    order: Sequence[Hashable] = sorted(tasks, key=lambda k: -(cost or {}).get(k, 0.0))
    with threadpool_limits(limits=1, user_api="blas"):
        if n_jobs == 1 or len(tasks) < 2:
            return {key: tasks[key]() for key in order}
        with ThreadPoolExecutor(max_workers=min(n_jobs, len(tasks))) as pool:
            futures = {key: pool.submit(tasks[key]) for key in order}
            return {key: futures[key].result() for key in tasks}


#: Row count above which the logistic regressions are fitted in the primal, and its tolerance.
PRIMAL_ROWS = 10_000
PRIMAL_TOL = 1e-3
