"""``moderator evaluate``: numbers checked by hand on a keyword model, errors, and a real
model trained on a fixture."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import moderator
from conftest import FIXTURES
from doubles import KeywordModel
from moderator.cli import main

LABELS = (
    "text,toxic,off_topic,article,parent\n"
    "you idiot,1,0,Budget vote,\n"  # toxicity 0.90
    "that was stupid,1,,,\n"  # 0.70
    "damn fine coffee,0,0,Cafe review,\n"  # 0.60
    "nice work,0,0,,\n"  # 0.05
    "thanks,1,,,\n"  # 0.05: a positive the model misses, tied with a negative
    "buy now,,1,Budget vote,\n"  # off_topic 0.95; toxicity unknown
)


@pytest.fixture
def keyword_model(monkeypatch):
    model = KeywordModel()
    loaded = []

    def fake_load(path=None, config=None):
        loaded.append(path)
        return model

    monkeypatch.setattr(moderator, "load_model", fake_load)
    model.loaded = loaded
    return model


@pytest.fixture
def labels_csv(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(LABELS, encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(main, ["evaluate", *map(str, args)])


def test_json_numbers_by_hand(keyword_model, labels_csv):
    result = run("--labels", labels_csv, "--output", "json", "--model", "m.joblib")
    assert result.exit_code == 0, result.output
    assert keyword_model.loaded == ["m.joblib"]
    report = json.loads(result.output)
    (source,) = report["sources"]
    assert source["source"] == "labels.csv" and source["rows"] == 6
    assert "combined" not in report  # one source only
    tox = source["attributes"]["toxicity"]
    assert tox["rows"] == 5 and tox["positives"] == 3
    # positives 0.9, 0.7, 0.05 vs negatives 0.6, 0.05: 4 pairs won, 1 tie, 1 lost
    assert tox["roc_auc"] == pytest.approx(4.5 / 6)
    # ranks: 0.9+ (P 1, R 1/3), 0.7+ (P 1, R 2/3), 0.6-, 0.05 +- (P 3/5, R 1)
    assert tox["average_precision"] == pytest.approx((1 + 1 + 0.6) / 3)
    assert tox["threshold"] == 0.5
    assert tox["confusion"] == {"tp": 2, "fp": 1, "tn": 1, "fn": 1}
    assert tox["precision"] == pytest.approx(2 / 3)
    assert tox["recall"] == pytest.approx(2 / 3)
    assert tox["f1"] == pytest.approx(2 / 3)
    assert tox["calibration"] == [
        {"low": 0.0, "high": 0.1, "count": 2, "mean_predicted": 0.05, "observed_rate": 0.5},
        {"low": 0.6, "high": 0.7, "count": 1, "mean_predicted": 0.6, "observed_rate": 0.0},
        {"low": 0.7, "high": 0.8, "count": 1, "mean_predicted": 0.7, "observed_rate": 1.0},
        {"low": 0.9, "high": 1.0, "count": 1, "mean_predicted": 0.9, "observed_rate": 1.0},
    ]
    off = source["attributes"]["off_topic"]
    assert off["rows"] == 4 and off["positives"] == 1 and off["roc_auc"] == 1.0
    # the labels CSV has no insult column: listed, not scored
    assert source["unlabelled"] == ["insult"]


def test_table_output(keyword_model, labels_csv):
    result = run("--labels", labels_csv)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"labels.csv ({labels_csv}): 6 rows"
    tox = next(line for line in lines if line.strip().startswith("toxicity "))
    assert tox.split() == [
        "toxicity", "5", "3", "0.750", "0.867", "0.50", "0.667", "0.667", "0.667",
        "2", "1", "1", "1",
    ]  # fmt: skip
    assert any("calibration of off_topic" in line for line in lines)
    assert "not labelled here: insult" in result.output


def test_corpus_and_against_and_combined(keyword_model, labels_csv):
    kaggle = FIXTURES / "corpora" / "kaggle_insults" / "train.csv"
    result = run(
        "--labels", labels_csv, "--data", f"kaggle-insults={kaggle}",
        "--against", "toxicity=insult", "-o", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    kaggle_report = report["sources"][1]
    assert kaggle_report["source"] == "kaggle-insults"
    tox = kaggle_report["attributes"]["toxicity"]
    assert tox["label"] == "insult" and tox["rows"] == 4 and tox["positives"] == 2
    # "moron" is no toxicity keyword: both insults score 0.05 like the two civil rows
    assert tox["roc_auc"] == 0.5
    assert report["combined"]["rows"] == 10


def test_undefined_auc_is_null_in_json(keyword_model, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("text,toxic\nyou idiot,1\nyou moron,1\n")
    result = run("--labels", path, "-o", "json")
    assert result.exit_code == 0, result.output
    tox = json.loads(result.output)["sources"][0]["attributes"]["toxicity"]
    assert tox["roc_auc"] is None and tox["positives"] == 2
    table = run("--labels", path)
    assert "n/a" in table.output


def test_errors(keyword_model, tmp_path, labels_csv):
    result = run()
    assert result.exit_code == 2 and "give --labels PATH and/or --data NAME=PATH" in result.output
    result = run("--data", "nope=x.csv")
    assert result.exit_code == 1
    assert "Error: nope: unknown corpus (known: civil-spans," in result.output
    result = run("--data", "olid")
    assert result.exit_code == 1 and "expected NAME=PATH" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("text,toxic\nhello,2\n")
    result = run("--labels", bad)
    assert result.exit_code == 1
    assert f"Error: {bad}, row 2, column 'toxic': label '2' is not 0, 1 or empty" in result.output
    result = run("--labels", labels_csv, "--against", "threat=insult")
    assert result.exit_code == 2 and "unknown attribute 'threat'" in result.output
    result = run("--labels", labels_csv, "--against", "toxicity")
    assert result.exit_code == 2 and "is not ATTRIBUTE=LABEL" in result.output
    broken = FIXTURES / "corpora" / "olid"
    result = run("--data", f"olid={broken / 'missing.tsv'}")
    assert result.exit_code == 1 and "no such file or folder" in result.output


def test_help_has_an_example():
    result = CliRunner().invoke(main, ["evaluate", "--help"])
    assert result.exit_code == 0
    assert "moderator evaluate --labels data/labels.csv" in result.output


def test_real_model_numbers_match_its_own_predictions(trained_model_path):
    """A model trained by moderator.model.training: evaluate reports what scikit-learn computes
    from the model's own predictions, at the model's own thresholds."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from moderator.labels import load_labels_csv
    from moderator.model import load_model

    labels = FIXTURES / "labels_small.csv"
    semeval = FIXTURES / "corpora" / "semeval_cqa"
    result = run(
        "--labels", labels, "--data", f"semeval-cqa={semeval}",
        "--model", trained_model_path, "-o", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    model = load_model(trained_model_path)
    rows = load_labels_csv(labels).rows
    scores = model.predict(
        [r.text for r in rows],
        articles=[r.article or None for r in rows],
        parents=[r.parent or None for r in rows],
        groups=[r.group for r in rows],
    )
    first = report["sources"][0]
    assert first["rows"] == len(rows)
    for j, attribute in enumerate(model.attributes):
        known = [i for i, r in enumerate(rows) if attribute in r.labels]
        if not known:
            assert attribute in first["unlabelled"]
            continue
        y = [rows[i].labels[attribute] for i in known]
        s = scores[known, j]
        m = first["attributes"][attribute]
        assert m["rows"] == len(known) and m["positives"] == sum(y)
        assert m["threshold"] == pytest.approx(model.thresholds[attribute])
        if 0 < sum(y) < len(y):
            assert m["roc_auc"] == pytest.approx(roc_auc_score(y, s))
            assert m["average_precision"] == pytest.approx(average_precision_score(y, s))
        flagged = s >= model.thresholds[attribute]
        assert m["confusion"]["tp"] == sum(1 for f, t in zip(flagged, y, strict=True) if f and t)
        assert sum(b["count"] for b in m["calibration"]) == len(known)
    # the corpus: 4 off-topic-labelled comments (2 Bad) judged on off_topic only
    corpus = report["sources"][1]
    assert corpus["source"] == "semeval-cqa"
    assert corpus["attributes"]["off_topic"]["rows"] == 4
    assert corpus["attributes"]["off_topic"]["positives"] == 2
    assert set(corpus["attributes"]) == {"off_topic"}
    assert report["combined"]["rows"] == len(rows) + 4


@pytest.mark.slow
def test_the_models_own_training_data_is_said(trained_model_path, tmp_path):
    """The card holds each training source's SHA-256: labels with that digest are called
    the model's training data (table and JSON); a file with another digest is not."""
    labels = FIXTURES / "labels_small.csv"
    table = run("--labels", labels, "--model", trained_model_path)
    assert table.exit_code == 0, table.output
    assert table.output.splitlines()[:2] == [
        f"labels_small.csv ({labels}): 119 rows",
        "  NOTE: the model was trained on these rows (its card lists 'labels_small.csv' with "
        "this file's SHA-256): the figures below flatter it; judge it on data it has not seen",
    ]
    as_json = json.loads(run("--labels", labels, "--model", trained_model_path,
                             "-o", "json").output)
    assert as_json["sources"][0]["training_source"] == "labels_small.csv"
    other = tmp_path / "held_out.csv"
    other.write_text(labels.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    fresh = run("--labels", other, "--model", trained_model_path)
    assert "NOTE" not in fresh.output and "training_source" not in run(
        "--labels", other, "--model", trained_model_path, "-o", "json").output
