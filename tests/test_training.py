"""Labels CSV loading, its errors, and what training does with unknown labels and pairs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from moderator.errors import LabelsError
from moderator.labels import LabelledRow, LabelledSource, load_labels_csv
from moderator.model.rows import (
    DONOR_WINDOW,
    PAIRS_WEIGHT,
    THREAD_PAIRS_SOURCE,
    label_matrix,
    make_contextless_copies,
    make_offtopic_pairs,
    row_weights,
    split_large_threads,
    thread_members,
)
from moderator.model.thresholds import threshold_at_precision
from moderator.model.training import train

CIVIL = [
    "Thanks for the clear explanation of the budget.",
    "I disagree with the council but the plan is reasonable.",
    "The bus timetable changes on Monday, check the website.",
    "Good article, the numbers in the third paragraph help a lot.",
    "My neighbours are Sikh and they organised the street party.",
    "I think the referee got that decision right.",
]
TOXIC = [
    "You are a pathetic idiot.",
    "Shut up, you stupid moron.",
    "What a brainless clown you are.",
    "You ignorant fool, nobody cares.",
    "Go away, you worthless loser.",
    "You are a disgusting idiot and a liar.",
]


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def tiny_labels(path, n=4):
    rows = [[t, 0] for t in CIVIL * n] + [[t, 1] for t in TOXIC * n]
    return write_csv(path, ["text", "toxic"], rows)


# --- loading ---------------------------------------------------------------------------------


def test_load_project_schema_keeps_unknown_labels_absent(tmp_path):
    path = write_csv(
        tmp_path / "l.csv",
        ["text", "toxic", "off_topic", "article", "parent", "insult"],
        [
            ["hello there", "0", "", "", "", ""],
            ["you idiot", "1", "0", "Tram news", "a parent", "1"],
            ["buy pills", "", "1.0", "Tram news", "", "0.0"],
        ],
    )
    source = load_labels_csv(path)
    assert [r.labels for r in source.rows] == [
        {"toxicity": 0},
        {"toxicity": 1, "off_topic": 0, "insult": 1},
        {"off_topic": 1, "insult": 0},
    ]
    assert source.rows[1].article == "Tram news" and source.rows[1].parent == "a parent"
    # rows under the same article share a thread key; a row without article has none
    assert source.rows[1].group == source.rows[2].group is not None
    assert source.rows[0].group is None
    assert source.license == "written by the moderator project"
    assert len(source.sha256) == 64
    assert source.columns == {"toxicity": "toxic", "off_topic": "off_topic", "insult": "insult"}


def test_load_accepts_bom_thread_column_and_skips_blank_lines(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(
        "\ufefftext,toxic,thread\nfirst,0,t1\n\nsecond,1,t1\nthird,0,\n".encode()
    )
    rows = load_labels_csv(path).rows
    assert [r.text for r in rows] == ["first", "second", "third"]
    assert rows[0].group == rows[1].group and rows[2].group is None


@pytest.mark.parametrize(
    "content, row, column, words",
    [
        ("comment,toxic\nhello,0\n", 1, "text", "no 'text' column (found: comment, toxic)"),
        ("text,toxic\nhello,0\nbye,2\n", 3, "toxic", "label '2' is not 0, 1 or empty"),
        ("text,off_topic\nhello,yes\n", 2, "off_topic", "label 'yes' is not 0, 1 or empty"),
        ("", 1, None, "empty file"),
        ("text,toxic\n", 2, None, "no labelled rows"),
        ("text,author\nhello,me\n", 1, None, "no label column"),
        ("text,toxic\nhello,0,extra\n", 2, None, "3 fields but the header has 2"),
    ],
)
def test_bad_labels_file_names_file_row_and_column(tmp_path, content, row, column, words):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelsError) as info:
        load_labels_csv(path)
    error = info.value
    assert (error.path, error.row, error.column) == (str(path), row, column)
    assert words in str(error)
    expected = f"{path}, row {row}" + (f", column {column!r}" if column else "")
    assert str(error).startswith(expected)


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"text,toxic\nfine,0\ncaf\xe9,1\n")
    with pytest.raises(LabelsError, match=r"row 3: not UTF-8"):
        load_labels_csv(path)


def test_one_class_only_is_one_clear_error(tmp_path):
    path = write_csv(tmp_path / "one.csv", ["text", "toxic"], [[t, 0] for t in CIVIL * 3])
    with pytest.raises(LabelsError) as info:
        train([load_labels_csv(path)])
    assert info.value.path == str(path) and info.value.column == "toxic"
    assert "every labelled row has toxicity = 0" in str(info.value)


# --- training data ---------------------------------------------------------------------------


def test_one_class_from_a_corpus_only_leaves_the_attribute_out(tmp_path):
    source = load_labels_csv(tiny_labels(tmp_path / "l.csv"))
    corpus = LabelledSource("c", "c.csv", [LabelledRow("meh", {"threat": 0, "toxicity": 0})],
                            kind="corpus")
    model = train([source, corpus], folds=3)
    assert model.attributes == ["toxicity"]


def test_label_matrix_marks_unknown():
    rows = [LabelledRow("a", {"toxicity": 1}), LabelledRow("b", {"off_topic": 0})]
    assert label_matrix(rows, ["toxicity", "off_topic"]).tolist() == [[1, -1], [-1, 0]]


def test_rows_labelled_off_topic_get_no_pair():
    # a labelled on-topic comment copied beside another thread's article, labelled 1,
    # taught the words of good answers as off-topic (SemEval dev ROC AUC 0.79 -> 0.83 without)
    rows = [
        LabelledRow(f"on topic {i}", {"off_topic": 0}, article=f"article {i % 3}",
                    parent=f"parent {i}", group=f"g{i % 3}")
        for i in range(12)
    ]
    rows.append(LabelledRow("spam", {"off_topic": 1}, article="article 0", group="g0"))
    assert make_offtopic_pairs(rows, seed=1) == []
    rows.append(LabelledRow("unknown", {"toxicity": 0}, article="article 1", group="g1"))
    pairs = make_offtopic_pairs(rows, seed=1)
    assert [(p.text, p.labels) for p in pairs] == [("unknown", {"off_topic": 0}),
                                                    ("unknown", {"off_topic": 1})]
    assert make_offtopic_pairs(rows[-1:]) == []  # one article: nothing to swap


def test_the_on_topic_side_of_a_pair_stands_in_for_its_comment_in_the_thread():
    rows = [LabelledRow(f"comment {i}", {"toxicity": 0}, article=f"article {i % 2}",
                        group=f"t{i % 2}", source="news") for i in range(8)]
    rows.append(LabelledRow("Buy pills at pills.example", {"off_topic": 1}, group="t0",
                            source="spam"))
    n_original = len(rows)
    made = make_offtopic_pairs(rows, seed=0)
    members = thread_members(rows + made, n_original)
    on = {(p.text, p.group) for p in made if p.labels == {"off_topic": 0}}
    assert len(on) == 8
    # the copy is the member; its original is not: the thread holds each text once
    for i, row in enumerate(rows + made):
        if i < n_original:
            assert members[i] == ((row.text, row.group) not in on and row.source != "spam")
        else:
            assert members[i] == (row.labels == {"off_topic": 0})
    # so the copy is compared with the rest of its thread, not with itself
    from moderator.model.batch import CommentBatch
    from moderator.model.features import CommentFeatures

    everything = rows + made
    batch = CommentBatch(texts=[r.text for r in everything],
                         articles=[r.article for r in everything],
                         parents=[r.parent for r in everything],
                         groups=[r.group for r in everything], members=members)
    features = CommentFeatures(topic_components=2).fit(batch)
    extra = features.extra(batch)
    alone = features.extra(CommentBatch(texts=batch.texts[:8], articles=batch.articles[:8],
                                        groups=batch.groups[:8]))
    copy_of = {(r.text, r.group): i for i, r in enumerate(everything)
               if i >= n_original and r.labels == {"off_topic": 0}}
    for i in range(8):
        np.testing.assert_allclose(extra[copy_of[rows[i].text, rows[i].group]], alone[i],
                                   atol=1e-6)


def test_real_threads_give_both_sides_from_the_same_site_and_similar_length():
    # two sites; each has threads with short and long articles
    rows = []
    for site in ("news", "forum"):
        for t in range(40):
            article = f"{site} article {t} " + "word " * (5 + 10 * t)
            for c in range(3):
                rows.append(LabelledRow(f"{site} comment {t}.{c}", {"toxicity": c % 2},
                                        article=article, group=f"{site}{t}", source=site))
    # one thread far longer than the window: its comments still find another thread
    rows += [LabelledRow(f"crowd {c}", {"toxicity": 0}, article="crowded article",
                         group="crowd", source="news") for c in range(60)]
    # a comment with only a parent (no article) is paired on its parent
    rows += [LabelledRow(f"reply {i}", {"toxicity": 0}, parent=f"parent {i}", source="replies")
             for i in range(4)]
    pairs = make_offtopic_pairs(rows, seed=0)
    by_text = {r.text: r for r in rows}
    on = [p for p in pairs if p.labels == {"off_topic": 0}]
    off = [p for p in pairs if p.labels == {"off_topic": 1}]
    assert len(on) == len(off) == len(rows)
    assert all(p.source == THREAD_PAIRS_SOURCE and p.weight == PAIRS_WEIGHT for p in pairs)
    for pair in on:
        original = by_text[pair.text]
        assert (pair.article, pair.parent, pair.group) == (
            original.article, original.parent, original.group)
    for pair in off:
        original = by_text[pair.text]
        donor = next(r for r in rows if (r.article, r.parent) == (pair.article, pair.parent))
        assert donor.source == original.source  # same site
        assert (donor.group, donor.article, donor.parent) != (
            original.group, original.article, original.parent)
        if original.article:  # one of the DONOR_WINDOW threads nearest in length
            threads_apart = abs(len(donor.article) - len(original.article)) // 50
            assert threads_apart <= DONOR_WINDOW
    capped = make_offtopic_pairs(rows, seed=0, per_source=2)
    assert len([p for p in capped if p.labels == {"off_topic": 0}]) == 2 * 3


def test_contextless_copies_are_on_topic_without_context():
    rows = [
        LabelledRow("on", {"off_topic": 0}, article="a", group="g"),
        LabelledRow("spam", {"off_topic": 1}, article="a", group="g"),
        LabelledRow("plain", {"toxicity": 0}),
    ]
    copies = make_contextless_copies(rows)
    assert [(c.text, c.labels, c.article, c.group) for c in copies] == [
        ("on", {"off_topic": 0}, "", None)
    ]


def test_large_threads_are_cut_to_realistic_sizes():
    rows = [LabelledRow(str(i), {}, group="big") for i in range(100)]
    rows += [LabelledRow("s", {}, group="small")] * 2
    split_large_threads(rows, seed=0, largest=30)
    sizes = {}
    for row in rows[:100]:
        sizes[row.group] = sizes.get(row.group, 0) + 1
    assert len(sizes) >= 4 and max(sizes.values()) <= 30
    assert rows[100].group == "small"


def test_threshold_at_precision_keeps_a_margin():
    y = np.array([0] * 50 + [1] * 50)
    scores = np.r_[np.linspace(0.0, 0.3, 50), np.linspace(0.7, 1.0, 50)]
    threshold, reached = threshold_at_precision(y, scores, 0.9)
    assert reached and 0.7 - 1e-9 <= threshold <= 0.71  # not down at 0.3 in the negatives
    y = np.array([0, 1, 0, 1])
    threshold, reached = threshold_at_precision(y, np.array([0.9, 0.8, 0.7, 0.6]), 0.95)
    assert not reached


def test_threshold_keeps_recall_when_the_target_is_reached_only_at_the_top():
    # 4 of 1,000 positives score above every negative: the best recall is 0.004, less
    # than the slack; the threshold must still flag them, not climb to the top score
    y = np.array([1] * 1000 + [0] * 1000)
    top = [0.99, 0.98, 0.97, 0.96]
    scores = np.r_[top, np.linspace(0.0, 0.9, 996), np.linspace(0.0, 0.95, 1000)]
    threshold, reached = threshold_at_precision(y, scores, 0.9)
    assert reached
    flagged = scores >= threshold
    assert flagged[:4].sum() >= 2 and not flagged[1000:].any()


def test_unknown_labels_stay_out_of_training(tmp_path):
    civil = [LabelledRow(t, {"toxicity": 0}) for t in CIVIL * 4]
    toxic = [LabelledRow(t, {"toxicity": 1}) for t in TOXIC * 4]
    # insult known on only some rows: the rest must not count as negatives
    insults = [LabelledRow(t, {"toxicity": 1, "insult": 1}) for t in TOXIC[:3] * 4]
    calm = [LabelledRow(t, {"toxicity": 0, "insult": 0}) for t in CIVIL[:3] * 4]
    model = train([LabelledSource("mem", "mem", civil + toxic + insults + calm)], folds=3)
    assert model.attributes == ["toxicity", "insult"]  # no off_topic labels: no off_topic
    assert model.card["metrics"]["insult"]["rows"] == 24
    assert model.card["metrics"]["toxicity"]["rows"] == 72


def test_sub_attribute_implies_toxicity():
    rows = [LabelledRow(t, {"insult": 1}) for t in TOXIC * 3]
    rows += [LabelledRow(t, {"insult": 0, "toxicity": 0}) for t in CIVIL * 3]
    model = train([LabelledSource("mem", "mem", rows)], folds=3)
    assert model.card["metrics"]["toxicity"]["positives"] == 18


def test_train_is_deterministic_and_fills_the_card(tmp_path):
    source = load_labels_csv(tiny_labels(tmp_path / "l.csv"))
    first = train([source], folds=3, seed=3)
    second = train([source], folds=3, seed=3)
    assert first.thresholds == second.thresholds
    card = first.card
    assert card["sources"][0]["sha256"] == source.sha256
    assert card["sources"][0]["rows"] == 48
    assert card["sources"][0]["license"] == "written by the moderator project"
    metrics = card["metrics"]["toxicity"]
    assert set(metrics) >= {"roc_auc", "average_precision", "threshold", "precision", "recall"}
    assert metrics["roc_auc"] > 0.9
    assert card["feedback_rows"] == 0 and card["training_seconds"] >= 0
    json.dumps(card)  # serialisable as is


def test_feedback_rows_are_counted(tmp_path):
    source = load_labels_csv(tiny_labels(tmp_path / "l.csv"))
    feedback = LabelledSource(
        "queue.csv", "queue.csv", [LabelledRow("You clown.", {"toxicity": 1})], kind="feedback"
    )
    model = train([source, feedback], folds=3)
    assert model.card["feedback_rows"] == 1


def test_bad_target_precision():
    with pytest.raises(ValueError, match="between 0 and 1"):
        train([LabelledSource("m", "m", [LabelledRow("x", {"toxicity": 1})])], target_precision=1)


# --- parallel fits, folds, fold-averaged final model -----------------------------------------


def _mixed_source():
    rows = [LabelledRow(t, {"toxicity": 0, "insult": 0}) for t in CIVIL * 4]
    rows += [LabelledRow(t, {"toxicity": 1, "insult": i % 2}) for i, t in enumerate(TOXIC * 4)]
    return LabelledSource("mem", "mem", rows)


def test_threads_give_the_same_model_as_one_thread():
    one = train([_mixed_source()], folds=3, seed=1, jobs=1)
    two = train([_mixed_source()], folds=3, seed=1, jobs=2)
    assert one.thresholds == two.thresholds
    assert one.card["metrics"] == two.card["metrics"]
    np.testing.assert_array_equal(one.classifier.coef_, two.classifier.coef_)


def test_folds_default_to_five_and_three_above_large_rows(monkeypatch):
    import moderator.model.training as training

    small = train([_mixed_source()])
    assert small.card["cross_validation"]["folds"] == 5
    assert small.card["cross_validation"]["fold_mean_attributes"] == []
    monkeypatch.setattr(training, "LARGE_ROWS", 20)  # 48 rows count as large now
    large = train([_mixed_source()])
    assert large.card["cross_validation"]["folds"] == 3
    assert large.card["cross_validation"]["C_grid"] == [2.0]
    assert large.card["cross_validation"]["fold_mean_attributes"] == ["toxicity", "insult"]
    assert train([_mixed_source()], folds=4).card["cross_validation"]["folds"] == 4


def test_fold_averaged_model_is_the_mean_of_the_fold_models(monkeypatch):
    import moderator.model.training as training

    batches = []
    real = training.run_parallel

    def recording(tasks, *args, **kwargs):
        batches.append(real(tasks, *args, **kwargs))
        return batches[-1]

    monkeypatch.setattr(training, "run_parallel", recording)
    monkeypatch.setattr(training, "LARGE_ROWS", 20)
    model = train([_mixed_source()], jobs=2)
    results, finals = batches  # the cross-validation fits, then no final fit
    assert sorted(results) == [(a, 2.0, f) for a in ("insult", "toxicity") for f in range(3)]
    assert finals == {}
    coef = model.classifier.coef_
    for j, attribute in enumerate(model.attributes):
        folds = [results[attribute, 2.0, f][3] for f in range(3)]
        width = folds[0].coef_.shape[1]
        np.testing.assert_allclose(coef[:width, j], np.mean([m.coef_[0] for m in folds], 0))
        assert not coef[width:, j].any()  # cue and context columns stay unused
        assert model.classifier.intercept_[j] == pytest.approx(
            np.mean([m.intercept_[0] for m in folds])
        )


def test_context_attribute_uses_the_extra_columns_and_its_own_rows():
    rows = [LabelledRow(t, {"toxicity": 0}) for t in CIVIL * 4]
    rows += [LabelledRow(t, {"toxicity": 1}) for t in TOXIC * 4]
    article = "The council approved the new bus timetable and the budget for the park."
    rows += [LabelledRow(t, {"off_topic": 0}, article=article, group="a") for t in CIVIL * 2]
    rows += [LabelledRow("Buy cheap watches at www.example.com now!!!", {"off_topic": 1},
                         article=article, group="a")] * 6
    model = train([LabelledSource("mem", "mem", rows)], folds=3, pairs=False)
    assert model.attributes == ["toxicity", "off_topic"]
    assert model.card["metrics"]["off_topic"]["rows"] == 18
    coef = model.classifier.coef_
    n_extra = model.card["features"]["text_cues"] + model.card["features"]["context"]
    assert coef[-n_extra:, 1].any() and not coef[-n_extra:, 0].any()
    spam, civil = model.predict(["Buy cheap watches at www.example.com now!!!", CIVIL[0]],
                                articles=[article, article])[:, 1]
    assert spam > civil


def test_row_weights_balance_pooled_sources_and_their_classes():
    big = [LabelledRow(f"b{i}", {"toxicity": int(i < 10)}, source="big") for i in range(100)]
    small = [LabelledRow(f"s{i}", {"toxicity": int(i < 2)}, source="small") for i in range(4)]
    rows = big + small
    y = label_matrix(rows, ["toxicity"])
    plain = row_weights(rows, y, source_balance=0.0, class_balance=0.0)
    np.testing.assert_allclose(plain, 1.0)
    sources = row_weights(rows, y, source_balance=1.0, class_balance=0.0)[:, 0]
    assert sources[:100].sum() == pytest.approx(sources[100:].sum())  # equal totals
    assert sources.mean() == pytest.approx(1.0)
    classes = row_weights(rows, y, source_balance=0.0, class_balance=1.0)[:, 0]
    assert classes[:10].sum() == pytest.approx(classes[10:100].sum())  # big: 10 vs 90 rows
    assert classes[100] == classes[103]  # small is 2 vs 2 already
    # one source alone keeps its own class balance; a row's own weight multiplies in
    alone = [LabelledRow("a", {"toxicity": 1}, source="big", weight=0.5)] + big[1:]
    w = row_weights(alone, label_matrix(alone, ["toxicity"]), 0.5, 1.0)[:, 0]
    assert w[0] == pytest.approx(w[1] / 2)


def test_pairs_count_less_than_labelled_rows():
    rows = [
        LabelledRow("About the bridge.", {"toxicity": 0}, article="Bridge", group="a"),
        LabelledRow("About the school.", {"toxicity": 0}, article="School", group="b"),
        LabelledRow("Lovely bridge.", {"off_topic": 0}, article="Bridge", group="a"),
    ]
    pairs = make_offtopic_pairs(rows, seed=0)
    assert pairs and all(p.weight == PAIRS_WEIGHT < 1.0 for p in pairs)
    assert all(r.weight == 1.0 for r in make_contextless_copies(rows))


def test_training_warns_when_a_threshold_will_rarely_flag(caplog):
    # each toxic text is labelled insult as often as not: no feature separates them, so
    # precision 0.99 is out of reach (or reached only at the very top, catching little)
    rows = [LabelledRow(t, {"toxicity": 0, "insult": 0}) for t in CIVIL * 4]
    rows += [LabelledRow(t, {"toxicity": 1, "insult": int(i % 4 < 2)})
             for i, t in enumerate(TOXIC * 4)]
    with caplog.at_level("WARNING", logger="moderator"):
        model = train([LabelledSource("mem", "mem", rows)], folds=3, seed=1,
                      target_precision=0.99)
    insult = model.card["metrics"]["insult"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(w.startswith("insult: ") for w in warnings), warnings
    if insult["target_precision_reached"]:
        assert insult["recall"] < 0.2
        assert any("catches" in w and "--target-precision" in w for w in warnings)
    else:
        assert any("no threshold reaches precision 0.99" in w for w in warnings)
    assert not any(w.startswith("toxicity: ") for w in warnings)  # separable: no warning


def test_dual_liblinear_fits_run_alone_and_primal_fits_together(monkeypatch):
    """liblinear's dual solver shuffles with the process-wide C rand() that every fit
    re-seeds: a dual fit beside any other fit trained another model (run to run)."""
    import threading
    import time

    from moderator.model import estimators

    intervals = []
    lock = threading.Lock()

    class Recorded(estimators.LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            started = time.monotonic()
            time.sleep(0.05)
            fitted = super().fit(X, y, sample_weight=sample_weight)
            with lock:
                intervals.append((self.dual, started, time.monotonic()))
            return fitted

    monkeypatch.setattr(estimators, "LogisticRegression", Recorded)
    monkeypatch.setattr(estimators, "PRIMAL_ROWS", 30)
    rng = np.random.default_rng(0)
    X = rng.random((60, 80))
    y = np.arange(60) % 2
    tasks = {k: (lambda n=n: estimators.fit_logistic(X[:n], y[:n], 1.0))
             for k, n in enumerate([20, 40, 20, 40, 40, 20, 40, 40])}  # 20 rows: dual
    estimators.run_parallel(tasks, n_jobs=2)
    assert len(intervals) == 8 and {dual for dual, _, _ in intervals} == {True, False}

    def overlap(a, b):
        return a[1] < b[2] and b[1] < a[2]

    for i, a in enumerate(intervals):
        for b in intervals[i + 1:]:
            if a[0] or b[0]:
                assert not overlap(a, b), (a, b)
    primal = [a for a in intervals if not a[0]]
    assert any(overlap(a, b) for i, a in enumerate(primal) for b in primal[i + 1:])


# ------------------------------------------------------------------ thresholds on real rows


def test_choose_threshold_meets_precision_and_civil_rate_in_every_source():
    import numpy as np

    from moderator.model.thresholds import MAX_CIVIL_FLAG_RATE, choose_threshold

    rng = np.random.default_rng(0)
    # source 0: well separated; source 1: its civil rows score high (a hard domain)
    y = np.r_[np.ones(200), np.zeros(800), np.ones(100), np.zeros(400)].astype(int)
    scores = np.r_[rng.uniform(0.6, 1.0, 200), rng.uniform(0.0, 0.5, 800),
                   rng.uniform(0.7, 1.0, 100), rng.uniform(0.3, 0.9, 400)]
    source = np.r_[np.zeros(1000), np.ones(500)].astype(int)
    civil = y == 0
    threshold, report = choose_threshold(y, scores, civil, source, 0.8)
    assert threshold is not None and report["meets_bar"]
    flagged = scores >= threshold
    for s in (0, 1):
        mine = source == s
        assert (flagged & civil & mine).sum() / (civil & mine).sum() <= MAX_CIVIL_FLAG_RATE
        assert (flagged & (y == 1) & mine).sum() >= 0.8 * (flagged & mine).sum()
    # the lowest such threshold: source 1's civil tail sets it, not source 0
    assert (flagged & civil & (source == 1)).sum() / (civil & (source == 1)).sum() > 0.01
    assert report["per_source"][1]["civil_flag_rate"] <= MAX_CIVIL_FLAG_RATE
    # unknown labels (-1) count as neither right nor wrong flags, civil rows need no label
    y2 = y.copy()
    y2[source == 1] = -1
    threshold2, _ = choose_threshold(y2, scores, civil, source, 0.8)
    assert threshold2 is not None and threshold2 <= threshold


def test_off_topic_precision_is_held_pooled_and_the_civil_rate_in_every_source():
    from moderator.model.thresholds import (
        MAX_CIVIL_FLAG_RATE,
        POOLED_PRECISION_ATTRIBUTES,
        choose_threshold,
    )

    assert "off_topic" in POOLED_PRECISION_ATTRIBUTES
    rng = np.random.default_rng(2)
    # source 0: few positives (a forum's "not a good answer", 20%), its flags imprecise;
    # source 1: spam, easy to tell
    y = np.r_[np.ones(200), np.zeros(800), np.ones(500), np.zeros(500)].astype(int)
    scores = np.r_[rng.uniform(0.4, 1.0, 200), rng.uniform(0.0, 0.9, 800),
                   rng.uniform(0.6, 1.0, 500), rng.uniform(0.0, 0.3, 500)]
    source = np.r_[np.zeros(1000), np.ones(1000)].astype(int)
    civil = y == 0
    each, _ = choose_threshold(y, scores, civil, source, 0.8)
    pooled, report = choose_threshold(y, scores, civil, source, 0.8,
                                      per_source_precision=False)
    assert pooled is not None and pooled < each
    flagged = scores >= pooled
    assert (flagged & (y == 1)).sum() >= 0.8 * flagged.sum()
    for s in (0, 1):
        mine = source == s
        assert (flagged & civil & mine).sum() / (civil & mine).sum() <= MAX_CIVIL_FLAG_RATE
    assert report["per_source"][0]["precision"] < 0.8 <= report["pooled"]["precision"]


def test_choose_threshold_gives_none_when_no_threshold_meets_the_bar():
    import numpy as np

    from moderator.model.thresholds import choose_threshold

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 2000)
    scores = rng.uniform(size=2000)  # chance: precision never reaches 0.8
    threshold, report = choose_threshold(y, scores, y == 0, np.zeros(2000, int), 0.8)
    assert threshold is None and not report["meets_bar"]
    assert 0.0 <= report["threshold"] <= 1.0  # the best-F1 threshold, for the card


def test_corpus_training_thresholds_come_from_real_rows_and_unmet_bars_do_not_flag():
    from moderator.corpora import load_corpus
    from moderator.review import Policy, score_texts

    corpora = Path(__file__).parent / "fixtures" / "corpora"
    sources = [load_corpus("hatexplain", corpora / "hatexplain"),
               load_corpus("jigsaw", corpora / "jigsaw")]
    for s in sources:
        s.rows = s.rows * 12
    model = train(sources, folds=2, seed=0, target_precision=0.8)
    for attribute in model.attributes:
        bar = model.card["metrics"][attribute]["real_rows_bar"]
        assert set(bar["per_source"]) <= {"hatexplain", "jigsaw"}
        assert (attribute in model.unflagged) is (not bar["meets_bar"])
        assert (attribute in model.card["unflagged"]) is (not bar["meets_bar"])
    if model.unflagged:  # an unflagged attribute flags only when a policy asks for it
        attribute = model.unflagged[0]
        texts = ["you are vermin, all of you", "see you at the game"]
        off = score_texts(model, texts, explain=False)
        assert not any(r["attribute"] == attribute for x in off for r in x["reasons"])
        on = score_texts(model, texts, policy=Policy(thresholds={attribute: 0.0}),
                         explain=False)
        assert all(any(r["attribute"] == attribute for r in x["reasons"]) for x in on)


def test_same_corpora_give_the_same_scores(tmp_path):
    from moderator.corpora import load_corpus

    corpora = Path(__file__).parent / "fixtures" / "corpora"
    texts = ["you are vermin", "see you at the game tonight", "thanks for the fix"]

    def scores():
        sources = [load_corpus("hatexplain", corpora / "hatexplain"),
                   load_corpus("jigsaw", corpora / "jigsaw")]
        for s in sources:
            s.rows = s.rows * 10
        return train(sources, folds=2, seed=0).predict(texts)

    assert np.array_equal(scores(), scores())


def test_a_corpus_with_positives_only_does_not_teach_that_attribute():
    from moderator.model.rows import positives_only

    hate = LabelledSource("hate", "h.csv", [
        LabelledRow("they are vermin", {"identity_attack": 1}, source="hate"),
        LabelledRow("nice weather", {"identity_attack": 0}, source="hate"),
    ], kind="corpus")
    mixed = LabelledSource("mixed", "m.csv", [
        LabelledRow("idiot", {"toxicity": 1}, source="mixed"),
        LabelledRow("hello", {"toxicity": 0, "identity_attack": 0}, source="mixed"),
    ], kind="corpus")
    mine = LabelledSource("mine.csv", "mine.csv", [
        LabelledRow("scum", {"toxicity": 1}, source="mine.csv")], kind="labels")
    rows = [LabelledRow(r.text, dict(r.labels), source=r.source)
            for s in (hate, mixed, mine) for r in s.rows]
    rows[0].labels["toxicity"] = 1  # as train() implies it: hate is toxic
    assert positives_only([hate, mixed, mine], rows) == {"hate": ["toxicity"]}
    assert [r.labels for r in rows] == [
        {"identity_attack": 1}, {"identity_attack": 0},  # toxicity unknown again
        {"toxicity": 1}, {"toxicity": 0, "identity_attack": 0},
        {"toxicity": 1},  # a user's own labels are kept as they are
    ]
    assert hate.rows[0].labels == {"identity_attack": 1}  # the sources are left alone
