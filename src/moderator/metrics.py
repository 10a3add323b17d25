"""Evaluation metrics: pure functions over arrays, plus ``evaluate_model`` over labelled rows.

Everything here is plain numpy so that ``model/training.py`` (cross-validation, threshold choice),
``moderator evaluate`` and ``bench/quality.py`` agree on the numbers. Labels are 0/1; a
label that is unknown (``None`` / NaN / -1) is left out of that attribute's metrics.

    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    >>> confusion_counts([0, 1, 1], [0.2, 0.7, 0.4], threshold=0.5)
    {'tp': 1, 'fp': 0, 'tn': 1, 'fn': 1}
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from .errors import ModelError

__all__ = [
    "average_precision",
    "calibration_table",
    "confusion_counts",
    "evaluate_model",
    "evaluate_scores",
    "evaluate_sources",
    "flag_report",
    "json_ready",
    "known_mask",
    "precision_recall_f1",
    "render_evaluation",
    "roc_auc",
]


def _arrays(y_true, y_score) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true, dtype=float).ravel()
    s = np.asarray(y_score, dtype=float).ravel()
    if y.shape != s.shape:
        raise ValueError(f"labels ({y.size}) and scores ({s.size}) differ in length")
    if y.size and not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1 (drop unknown labels first: see known_mask)")
    return y, s


def known_mask(labels: Iterable) -> np.ndarray:
    """Boolean mask of the labels that are known (0 or 1), from values that may be None/NaN/-1."""
    out = []
    for value in labels:
        if value is None:
            out.append(False)
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            out.append(False)
            continue
        out.append(number in (0.0, 1.0))
    return np.asarray(out, dtype=bool)


def roc_auc(y_true, y_score) -> float:
    """Area under the ROC curve (ties count one half); NaN when only one class is present.

    Computed as the Mann-Whitney U statistic over average ranks, which equals the
    trapezoidal area under the ROC curve.
    """
    y, s = _arrays(y_true, y_score)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    order = np.argsort(s, kind="mergesort")
    sorted_scores = s[order]
    ranks = np.empty(s.size, dtype=float)
    # average rank (1-based) within each run of tied scores
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [s.size]))
    average = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(average, ends - starts)
    u = ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def average_precision(y_true, y_score) -> float:
    """Average precision: sum over thresholds of (recall step) x precision, as scikit-learn.

    Tied scores form one threshold. NaN when there is no positive label.
    """
    y, s = _arrays(y_true, y_score)
    n_pos = y.sum()
    if n_pos == 0:
        return math.nan
    order = np.argsort(-s, kind="mergesort")
    y_sorted = y[order]
    s_sorted = s[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s_sorted)), y.size - 1]
    tp = np.cumsum(y_sorted)[last_of_tie]
    predicted = last_of_tie + 1.0
    precision = tp / predicted
    recall = tp / n_pos
    recall_steps = np.diff(np.r_[0.0, recall])
    return float((recall_steps * precision).sum())


def confusion_counts(y_true, y_score, threshold: float) -> dict[str, int]:
    """True/false positives/negatives when ``score >= threshold`` means positive."""
    y, s = _arrays(y_true, y_score)
    predicted = s >= threshold
    actual = y == 1
    return {
        "tp": int(np.sum(predicted & actual)),
        "fp": int(np.sum(predicted & ~actual)),
        "tn": int(np.sum(~predicted & ~actual)),
        "fn": int(np.sum(~predicted & actual)),
    }


def precision_recall_f1(y_true, y_score, threshold: float) -> dict[str, float]:
    """Precision, recall and F1 at ``threshold``; a ratio with a zero denominator is 0.0."""
    c = confusion_counts(y_true, y_score, threshold)
    flagged = c["tp"] + c["fp"]
    positives = c["tp"] + c["fn"]
    precision = c["tp"] / flagged if flagged else 0.0
    recall = c["tp"] / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def calibration_table(y_true, y_score, bins: int = 10) -> list[dict]:
    """Equal-width bins of predicted probability over [0, 1] that hold at least one row.

    Each bin: ``low``, ``high``, ``count``, ``mean_predicted``, ``observed_rate``. A score
    equal to a bin edge goes to the upper bin (1.0 goes to the last one).
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    y, s = _arrays(y_true, y_score)
    index = np.clip(np.floor(np.clip(s, 0.0, 1.0) * bins).astype(int), 0, bins - 1)
    table = []
    for b in range(bins):
        in_bin = index == b
        count = int(in_bin.sum())
        if not count:
            continue
        table.append(
            {
                "low": b / bins,
                "high": (b + 1) / bins,
                "count": count,
                "mean_predicted": float(s[in_bin].mean()),
                "observed_rate": float(y[in_bin].mean()),
            }
        )
    return table


def evaluate_scores(y_true, y_score, threshold: float, bins: int = 10) -> dict:
    """Every metric for one attribute; rows whose label is unknown are left out first."""
    labels = list(y_true)
    mask = known_mask(labels)
    y = np.asarray([float(v) for v, k in zip(labels, mask, strict=True) if k], dtype=float)
    s = np.asarray(y_score, dtype=float).ravel()
    if s.size != mask.size:
        raise ValueError(f"labels ({mask.size}) and scores ({s.size}) differ in length")
    s = s[mask]
    result = {
        "rows": int(y.size),
        "positives": int(y.sum()),
        "roc_auc": roc_auc(y, s),
        "average_precision": average_precision(y, s),
        "threshold": float(threshold),
    }
    result.update(precision_recall_f1(y, s, threshold))
    result["confusion"] = confusion_counts(y, s, threshold)
    result["calibration"] = calibration_table(y, s, bins=bins)
    return result


def _row_field(row, name: str, default=None):
    if isinstance(row, dict):
        return row.get(name, default)
    return getattr(row, name, default)


def _row_label(row, attribute: str):
    labels = _row_field(row, "labels")
    if isinstance(labels, dict):
        return labels.get(attribute)
    return _row_field(row, attribute)


def evaluate_model(
    model,
    rows: Sequence,
    attributes: Sequence[str] | None = None,
    label_map: dict[str, str] | None = None,
    bins: int = 10,
) -> dict:
    """Score ``rows`` with ``model`` and compute metrics for each attribute with known labels.

    ``rows`` are labelled rows (``text``, ``article``, ``parent``, ``group`` and a ``labels``
    mapping attribute -> 0/1/None, or the labels as attributes). ``label_map`` maps a model
    attribute to the row label it is judged against (``{"toxicity": "insult"}`` scores the
    toxicity output on insult labels). Attributes no row labels are listed in ``unlabelled``.
    The thresholds are the model's own (``model.thresholds``).
    """
    rows = list(rows)
    label_map = dict(label_map or {})
    wanted = list(attributes) if attributes is not None else list(model.attributes)
    missing = [a for a in wanted if a not in model.attributes]
    if missing:
        raise ModelError(
            f"the model has no attribute {', '.join(missing)} "
            f"(it scores: {', '.join(model.attributes)})"
        )
    report: dict = {"rows": len(rows), "attributes": {}, "unlabelled": []}
    labelled = {}
    for attribute in wanted:
        label_name = label_map.get(attribute, attribute)
        values = [_row_label(r, label_name) for r in rows]
        if known_mask(values).any():
            labelled[attribute] = (label_name, values)
        else:
            report["unlabelled"].append(attribute)
    if not labelled:
        return report

    def column(name):  # None when no row has this context ("" and None mean unknown)
        values = [_row_field(r, name) or None for r in rows]
        return values if any(v is not None for v in values) else None

    scores = np.asarray(
        model.predict(
            [_row_field(r, "text") or "" for r in rows],
            articles=column("article"),
            parents=column("parent"),
            groups=column("group"),
        ),
        dtype=float,
    )
    for attribute, (label_name, values) in labelled.items():
        j = list(model.attributes).index(attribute)
        metrics = evaluate_scores(values, scores[:, j], model.thresholds[attribute], bins=bins)
        if label_name != attribute:
            metrics["label"] = label_name
        report["attributes"][attribute] = metrics
    return report


def evaluate_sources(
    model,
    sources: Sequence,
    label_map: dict[str, str] | None = None,
    bins: int = 10,
) -> dict:
    """``evaluate_model`` per source (a ``LabelledSource`` or ``(name, rows)``), and over
    all rows together when there are several sources. JSON-ready except for NaN floats
    (see ``json_ready``)."""
    results = []
    all_rows: list = []
    card = getattr(model, "card", None) or {}  # a model without a card knows no sources
    trained_on = {s["sha256"]: s.get("name") for s in card.get("sources", ()) if s.get("sha256")}
    for source in sources:
        if isinstance(source, tuple):
            name, rows = source
            path = sha256 = ""
        else:
            name, rows, path = source.name, source.rows, source.path
            sha256 = getattr(source, "sha256", "")
        rows = list(rows)
        all_rows.extend(rows)
        report = evaluate_model(model, rows, label_map=label_map, bins=bins)
        result = {"source": name, "path": str(path), **report}
        if sha256 and sha256 in trained_on:
            # the card's digest of a training source: these scores are not a test
            result["training_source"] = trained_on[sha256]
        results.append(result)
    out = {"sources": results}
    if len(results) > 1:
        out["combined"] = evaluate_model(model, all_rows, label_map=label_map, bins=bins)
    return out


def flag_report(model, dev_sources: Sequence[tuple[str, Sequence]]) -> dict:
    """How the model's flags fare on labelled dev rows: per attribute, pooled over
    ``dev_sources`` (``(name, rows)``) and per source, the precision and recall of its flags
    where the attribute is labelled, the share of the rows labelled civil (toxicity 0;
    off_topic 0 for off_topic) it flags, and the ROC AUC where both classes are present.
    An attribute the model does not flag by default (``model.unflagged``) is reported at
    its threshold all the same, marked ``flags_by_default: False``."""
    unflagged = set(getattr(model, "unflagged", ()))
    per_source: dict[str, dict] = {a: {} for a in model.attributes}
    totals = {a: dict(tp=0, judged=0, pos=0, civil=0, civil_flagged=0) for a in model.attributes}
    for name, rows in dev_sources:
        rows = list(rows)
        if not rows:
            continue
        context = {  # as bench/quality.py passes them: "" = no text, None = no thread
            field: [_row_field(r, field) or empty for r in rows]
            if any(_row_field(r, field) for r in rows) else None
            for field, empty in (("article", ""), ("parent", ""), ("group", None))
        }
        scores = np.asarray(model.predict(
            [_row_field(r, "text") or "" for r in rows], articles=context["article"],
            parents=context["parent"], groups=context["group"],
        ))
        for j, attribute in enumerate(model.attributes):
            civil_label = "off_topic" if attribute == "off_topic" else "toxicity"
            y = np.array([_row_label(r, attribute) for r in rows], dtype=float)
            y = np.where(np.isnan(y), -1, y)
            civil = np.array([_row_label(r, civil_label) == 0 for r in rows])
            if not (y >= 0).any() and not civil.any():
                continue
            flagged = scores[:, j] >= model.thresholds[attribute]
            counts = dict(
                tp=int((flagged & (y == 1)).sum()), judged=int((flagged & (y >= 0)).sum()),
                pos=int((y == 1).sum()), civil=int(civil.sum()),
                civil_flagged=int((flagged & civil).sum()),
            )
            for key, value in counts.items():
                totals[attribute][key] += value
            known = y >= 0
            both = known.any() and len(np.unique(y[known])) == 2
            per_source[attribute][name] = {
                "rows": int(known.sum()),
                "roc_auc": round(roc_auc(y[known], scores[known, j]), 4) if both else None,
                **_flag_rates(counts),
            }
    return {
        attribute: {
            "threshold": model.thresholds[attribute],
            "flags_by_default": attribute not in unflagged,
            "pooled": _flag_rates(totals[attribute]),
            "per_source": per_source[attribute],
        }
        for attribute in model.attributes
    }


def _flag_rates(counts: dict) -> dict:
    return {
        "precision": round(counts["tp"] / counts["judged"], 4) if counts["judged"] else None,
        "recall": round(counts["tp"] / counts["pos"], 4) if counts["pos"] else None,
        "civil_flag_rate": round(counts["civil_flagged"] / counts["civil"], 4)
        if counts["civil"] else None,
        "flags_judged": counts["judged"],
        "civil_rows": counts["civil"],
    }


def json_ready(value):
    """``value`` with NaN floats (an undefined AUC) turned into ``None`` for JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


def _fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}"


def render_report(report: dict, title: str) -> list[str]:
    """Lines of a people-readable table for one ``evaluate_model`` report."""
    lines = [f"{title}: {report['rows']} rows"]
    attributes = report["attributes"]
    if not attributes:
        lines.append("  no labels for any attribute of the model")
    else:
        header = (
            f"  {'attribute':<16} {'rows':>6} {'pos':>6} {'ROC AUC':>7} {'AP':>6} "
            f"{'thresh':>6} {'prec':>6} {'recall':>6} {'F1':>6} "
            f"{'TP':>6} {'FP':>6} {'TN':>6} {'FN':>6}"
        )
        lines.append(header)
        for attribute, m in attributes.items():
            name = attribute if "label" not in m else f"{attribute}~{m['label']}"
            c = m["confusion"]
            lines.append(
                f"  {name:<16} {m['rows']:>6} {m['positives']:>6} {_fmt(m['roc_auc']):>7} "
                f"{_fmt(m['average_precision']):>6} {_fmt(m['threshold'], 2):>6} "
                f"{_fmt(m['precision']):>6} {_fmt(m['recall']):>6} {_fmt(m['f1']):>6} "
                f"{c['tp']:>6} {c['fp']:>6} {c['tn']:>6} {c['fn']:>6}"
            )
        for attribute, m in attributes.items():
            lines.append(f"  calibration of {attribute}: predicted   count  mean pred  observed")
            for b in m["calibration"]:
                lines.append(
                    f"  {'':<{len('calibration of ') + len(attribute)}}  "
                    f"{b['low']:.2f}-{b['high']:.2f} {b['count']:>7} "
                    f"{b['mean_predicted']:>10.3f} {b['observed_rate']:>9.3f}"
                )
    if report.get("unlabelled"):
        lines.append(f"  not labelled here: {', '.join(report['unlabelled'])}")
    return lines


def render_evaluation(evaluation: dict) -> str:
    """The whole ``evaluate_sources`` result as a text table."""
    blocks = []
    for result in evaluation["sources"]:
        where = f" ({result['path']})" if result.get("path") else ""
        lines = render_report(result, f"{result['source']}{where}")
        if result.get("training_source"):
            lines.insert(1, f"  NOTE: the model was trained on these rows (its card lists "
                            f"{result['training_source']!r} with this file's SHA-256): the "
                            f"figures below flatter it; judge it on data it has not seen")
        blocks.append("\n".join(lines))
    if "combined" in evaluation:
        blocks.append("\n".join(render_report(evaluation["combined"], "all sources")))
    return "\n\n".join(blocks)
