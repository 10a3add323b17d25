"""Evaluation metrics: hand-computed cases, agreement with scikit-learn, unknown labels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, roc_auc_score

from moderator.errors import ModelError
from moderator.metrics import (
    average_precision,
    calibration_table,
    confusion_counts,
    evaluate_model,
    evaluate_scores,
    known_mask,
    precision_recall_f1,
    roc_auc,
)


def test_roc_auc_by_hand():
    # pairs (pos, neg): (0.35 > 0.1) yes, (0.35 > 0.4) no, (0.8 > both) yes yes -> 3/4
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    # a tie between a positive and a negative counts one half: (1 + 0.5) / 2
    assert roc_auc([0, 0, 1], [0.2, 0.5, 0.5]) == 0.75
    assert roc_auc([1, 1, 0], [0.9, 0.8, 0.1]) == 1.0
    assert roc_auc([1, 0], [0.1, 0.9]) == 0.0


def test_roc_auc_one_class_is_nan():
    assert math.isnan(roc_auc([1, 1], [0.1, 0.2]))
    assert math.isnan(roc_auc([], []))


def test_average_precision_by_hand():
    # ranking 0.8(+) 0.4(-) 0.35(+) 0.1(-): P@1 = 1, P@3 = 2/3 -> (1 + 2/3) / 2
    assert average_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(5 / 6)
    # a tie of one positive and one negative is one threshold with precision 1/2
    assert average_precision([1, 0], [0.5, 0.5]) == 0.5
    assert math.isnan(average_precision([0, 0], [0.1, 0.2]))


def test_threshold_metrics_by_hand():
    y = [1, 1, 1, 0, 0, 0, 0]
    s = [0.9, 0.6, 0.3, 0.7, 0.2, 0.1, 0.5]
    assert confusion_counts(y, s, 0.5) == {"tp": 2, "fp": 2, "tn": 2, "fn": 1}
    prf = precision_recall_f1(y, s, 0.5)
    assert prf["precision"] == 0.5
    assert prf["recall"] == pytest.approx(2 / 3)
    assert prf["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    # nothing flagged: precision and F1 are 0, not a division error
    assert precision_recall_f1(y, s, 0.95) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_calibration_table_by_hand():
    y = [0, 1, 1, 0, 1]
    s = [0.05, 0.15, 0.5, 0.55, 1.0]
    table = calibration_table(y, s, bins=2)
    assert table == [
        {"low": 0.0, "high": 0.5, "count": 2, "mean_predicted": 0.1, "observed_rate": 0.5},
        {
            "low": 0.5,
            "high": 1.0,
            "count": 3,
            "mean_predicted": pytest.approx((0.5 + 0.55 + 1.0) / 3),
            "observed_rate": pytest.approx(2 / 3),
        },
    ]
    # empty bins are left out
    assert [b["low"] for b in calibration_table(y, s, bins=10)] == [0.0, 0.1, 0.5, 0.9]
    with pytest.raises(ValueError):
        calibration_table(y, s, bins=0)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="differ in length"):
        roc_auc([0, 1], [0.5])
    with pytest.raises(ValueError, match="0 or 1"):
        roc_auc([0, 2], [0.5, 0.6])


def test_known_mask():
    values = [0, 1, None, float("nan"), -1, "1", "0", "", "x", True]
    assert known_mask(values).tolist() == [
        True,
        True,
        False,
        False,
        False,
        True,
        True,
        False,
        False,
        True,
    ]


def test_evaluate_scores_drops_unknown_labels():
    result = evaluate_scores([1, None, 0, 1, float("nan")], [0.9, 0.99, 0.2, 0.4, 0.0], 0.5)
    assert result["rows"] == 3
    assert result["positives"] == 2
    assert result["roc_auc"] == 1.0
    assert result["confusion"] == {"tp": 1, "fp": 0, "tn": 1, "fn": 1}
    assert result["recall"] == 0.5
    assert sum(b["count"] for b in result["calibration"]) == 3


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 20)),  # few distinct scores -> many ties
        min_size=2,
        max_size=60,
    )
)
def test_agrees_with_scikit_learn(pairs):
    y = np.array([p[0] for p in pairs])
    s = np.array([p[1] / 20 for p in pairs])
    if y.min() == y.max():
        assert math.isnan(roc_auc(y, s))
        return
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s))
    assert average_precision(y, s) == pytest.approx(average_precision_score(y, s))


class FixedModel:
    """A stand-in with the model contract: attributes, thresholds, predict."""

    attributes = ["toxicity", "off_topic"]
    thresholds = {"toxicity": 0.5, "off_topic": 0.7}

    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=float)
        self.calls = []

    def predict(self, texts, articles=None, parents=None, groups=None):
        self.calls.append((list(texts), articles, parents, groups))
        return self.scores


def test_evaluate_model_by_hand():
    rows = [
        {"text": "a", "labels": {"toxicity": 1, "insult": 1}},
        {"text": "b", "labels": {"toxicity": 0, "insult": None}},
        {"text": "c", "labels": {"toxicity": 1, "insult": 0}},
        {"text": "d", "labels": {"toxicity": 0}},
    ]
    model = FixedModel([[0.9, 0.1], [0.6, 0.2], [0.4, 0.3], [0.1, 0.9]])
    report = evaluate_model(model, rows)
    assert report["rows"] == 4
    assert report["unlabelled"] == ["off_topic"]
    tox = report["attributes"]["toxicity"]
    # positives 0.9, 0.4; negatives 0.6, 0.1 -> pairs won 0.9>0.6, 0.9>0.1, 0.4>0.1 = 3/4
    assert tox["roc_auc"] == 0.75
    assert tox["confusion"] == {"tp": 1, "fp": 1, "tn": 1, "fn": 1}
    assert tox["threshold"] == 0.5
    assert model.calls[0] == (["a", "b", "c", "d"], None, None, None)

    # the toxicity output judged on insult labels: rows a (1, 0.9) and c (0, 0.4)
    mapped = evaluate_model(model, rows, attributes=["toxicity"], label_map={"toxicity": "insult"})
    assert mapped["attributes"]["toxicity"]["label"] == "insult"
    assert mapped["attributes"]["toxicity"]["rows"] == 2
    assert mapped["attributes"]["toxicity"]["roc_auc"] == 1.0


def test_evaluate_model_passes_context_and_rejects_unknown_attribute():
    rows = [
        {"text": "a", "article": "art", "parent": None, "group": "t1", "labels": {"off_topic": 1}},
        {"text": "b", "article": "art", "parent": "a", "group": "t1", "labels": {"off_topic": 0}},
    ]
    model = FixedModel([[0.1, 0.8], [0.1, 0.3]])
    report = evaluate_model(model, rows)
    assert report["attributes"]["off_topic"]["roc_auc"] == 1.0
    assert model.calls[0][1:] == (["art", "art"], [None, "a"], ["t1", "t1"])
    with pytest.raises(ModelError, match="no attribute threat"):
        evaluate_model(model, rows, attributes=["threat"])
