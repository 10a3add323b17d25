"""Thresholds at a target precision: on cross-validated scores, or on held-out real rows
per source with a cap on the civil rows flagged; and the metrics the card gives for them."""

from __future__ import annotations

import logging

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

log = logging.getLogger("moderator")


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
#: Attributes whose precision is held pooled over the sources, not in each: off_topic's
#: sources label different things at different rates (SemEval-2015 "not a good answer" 19%
#: of its comments, SemEval-2016 45%, YouTube spam 50%), so one source's precision says
#: more about its base rate than about the flags. Held in each, the bar was decided by
#: SemEval-2015's 1,094 training rows: precision stays below 0.8 there at every threshold
#: with 20+ flags, so the threshold climbed to where that source had 19 flags (out-of-fold,
#: off_topic's rows: 0.932, recall 0.07 on SemEval-2016; the default model before: 0.965,
#: which left the replica-watch link spam under a blog post, 0.94, unflagged). Pooled
#: precision with the civil bar in every source: 0.869 (pooled precision 0.918, recall
#: 0.27; 1.9% of SemEval's good answers flagged, 2015 precision 0.67, 2016 0.89, YouTube
#: 0.98).
POOLED_PRECISION_ATTRIBUTES = ("off_topic",)


def choose_threshold(y, scores, civil, source_ids, target: float,
                     max_civil_rate: float = MAX_CIVIL_FLAG_RATE,
                     per_source_precision: bool = True):
    """The lowest threshold that meets the bar on held-out scores of real rows, per source
    and pooled: precision >= ``target`` on the rows whose label is known (``y`` 0/1, -1
    unknown), and at most ``max_civil_rate`` of the ``civil`` rows flagged.

    ``source_ids`` (ints) name each row's source; sources too small to judge (fewer than
    ``MIN_CIVIL_ROWS`` civil rows, fewer than ``MIN_SOURCE_FLAGS`` judged flags) count in
    the pooled figures only. Without ``per_source_precision`` precision is held pooled only
    (the civil flag rate still in every source): see ``POOLED_PRECISION_ATTRIBUTES``.
    Returns ``(threshold, report)``; the threshold is None when no
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
        if not per_source_precision:
            continue
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


def warn_about_threshold(attribute: str, metrics: dict, target: float, reached: bool) -> None:
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
