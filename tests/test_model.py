"""The model: per-attribute classifiers, predict, explain, and the checked save/load."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib.metadata import version

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

import moderator
from moderator.errors import ModelError
from moderator.model import (
    Model,
    card_path,
    load_model,
    save_model,
)
from moderator.model.estimators import AttributeClassifiers
from moderator.model.explain import explain_reference
from moderator.threads.model import Comment, Thread


@pytest.fixture(scope="module")
def model(trained_model_path) -> Model:
    return load_model(trained_model_path)


@pytest.fixture
def model_copy(trained_model_path, tmp_path):
    target = tmp_path / "m.joblib"
    shutil.copy(trained_model_path, target)
    shutil.copy(card_path(trained_model_path), card_path(target))
    return target


# --- AttributeClassifiers --------------------------------------------------------------------


def _data(seed=0, n=120, d=8):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.column_stack([(X[:, 0] > 0), (X[:, 1] + X[:, -1] > 0)]).astype(int)
    return X, y


def test_unknown_labels_are_left_out_not_negative():
    X, y = _data()
    y_unknown = y.copy()
    y_unknown[::3, 0] = -1
    fitted = AttributeClassifiers(attributes=["a", "b"], C=1.0).fit(sp.csr_matrix(X), y_unknown)
    alone = LogisticRegression(C=1.0, solver="liblinear").fit(X[y_unknown[:, 0] >= 0],
                                                              y[y_unknown[:, 0] >= 0, 0])
    np.testing.assert_allclose(fitted.coef_[:, 0], alone.coef_.ravel(), atol=1e-3)


def test_extra_columns_only_for_context_attributes():
    X, y = _data()
    fitted = AttributeClassifiers(
        attributes=["toxicity", "off_topic"], n_extra_features=2, C=1.0
    ).fit(X, y)
    assert not fitted.coef_[-2:, 0].any()  # toxicity ignores the last two columns
    assert fitted.coef_[-1, 1] != 0  # off_topic uses them
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba[:, 1], fitted.estimators_[1].predict_proba(X)[:, 1])


def test_pickled_classifiers_store_each_coefficient_once():
    import pickle

    X, y = _data(d=4000)
    fitted = AttributeClassifiers(
        attributes=["toxicity", "off_topic"], n_extra_features=2, C=1.0
    ).fit(X, y)
    data = pickle.dumps(fitted)
    # once, not twice (estimators_ are rebuilt), the n-gram rows in float32
    assert len(data) < 0.6 * fitted.coef_.nbytes
    again = pickle.loads(data)
    assert "estimators_" in vars(fitted)  # pickling left the original alone
    expected = fitted.coef_.copy()
    expected[:-2] = expected[:-2].astype(np.float32)  # what the scoring kernels read
    assert again.coef_.dtype == np.float64 and np.array_equal(again.coef_, expected)
    assert np.array_equal(again.coef_[-2:], fitted.coef_[-2:])  # extra columns exact
    for j, (before, after) in enumerate(zip(fitted.estimators_, again.estimators_,
                                            strict=True)):
        assert np.array_equal(after.coef_.ravel(), expected[: after.coef_.shape[1], j])
        assert np.array_equal(before.intercept_, after.intercept_)
        assert before.get_params() == after.get_params()
    np.testing.assert_allclose(fitted.predict_proba(X), again.predict_proba(X), rtol=1e-6)


def test_one_class_attribute_is_refused():
    X, y = _data()
    y[:, 1] = 0
    with pytest.raises(ValueError, match="needs both classes"):
        AttributeClassifiers(attributes=["a", "b"]).fit(X, y)


# --- predict / explain -----------------------------------------------------------------------


def test_predict_shape_order_and_context_lengths(model):
    texts = ["You are a complete idiot.", "Thanks for the clear article."]
    probabilities = model.predict(texts)
    assert probabilities.shape == (2, len(model.attributes))
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    toxicity = model.attributes.index("toxicity")
    assert probabilities[0, toxicity] > probabilities[1, toxicity]
    assert model.predict([]).shape == (0, len(model.attributes))
    with pytest.raises(ValueError, match="1 articles for 2 texts"):
        model.predict(texts, articles=["one"])


def test_one_vile_sentence_is_not_diluted(model):
    calm = "The consultation was well organised and the maps were clear enough for everyone. "
    long_vile = calm * 3 + "You are a fucking moron."
    long_calm = calm * 3 + "I hope the work finishes on time."
    toxicity = model.attributes.index("toxicity")
    p = model.predict([long_vile, long_calm])[:, toxicity]
    assert p[0] > p[1]
    model.windows = False
    try:
        diluted = model.predict([long_vile])[0, toxicity]
    finally:
        model.windows = True
    assert p[0] >= diluted


def test_explain_points_at_the_insult_in_the_original_text(model):
    text = "Honestly, YOU are a stuuuupid MORON!!"
    spans = model.explain(text, "toxicity")
    assert spans and all(len(s) == 3 for s in spans)
    assert all(0 <= s < e <= len(text) for s, e, _ in spans)
    weights = [w for _, _, w in spans]
    assert weights == sorted(weights, reverse=True) and weights[0] > 0
    covered = " ".join(text[s:e] for s, e, _ in spans).lower()
    assert "moron" in covered or "stuuuupid" in covered


def test_explain_url_for_off_topic(model):
    text = "Visit www.cheap-watches.biz for deals"
    spans = model.explain(text, "off_topic", article="The tram extension opens in 2029.")
    assert any("www.cheap-watches.biz" in text[s:e] for s, e, _ in spans)


def test_explain_unknown_attribute_and_empty_text(model):
    with pytest.raises(ModelError, match="unknown attribute 'spam'"):
        model.explain("text", "spam")
    assert model.explain("", "toxicity") == []


def test_chunks_and_threads_score_as_one_batch(model, monkeypatch):
    from moderator.model import fitted

    texts = [f"Comment {i}: you are an idiot." if i % 3 else f"The bus plan {i} is fine. " * 8
             for i in range(23)]
    groups = ["a"] * 10 + ["b"] * 13
    parents = [""] + texts[:-1]
    monkeypatch.setenv(fitted.THREADS_ENV, "1")
    whole = model.predict(texts, parents=parents, groups=groups)
    monkeypatch.setattr(fitted, "SCORE_CHUNK", 4)
    monkeypatch.setenv(fitted.THREADS_ENV, "3")
    np.testing.assert_array_equal(model.predict(texts, parents=parents, groups=groups), whole)


EXPLAIN_PIECES = st.sampled_from(
    ["You", "idiot", "stupid", "moron", "bus", "lanes", "www.cheap-watches.biz",
     "https://x.co/a", "mail me at joe@example.com", "$500", "call +1 555 123 4567",
     "f*ck", "sh1t", "fuuuuck", "𝐟𝐮𝐜𝐤", "🙂", "é", "!!!", "...", "“", "’", " ", "  ", "\n",
     ". ", "? ", "-", "'"]
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(EXPLAIN_PIECES, max_size=30).map("".join), min_size=1, max_size=5))
def test_batched_explanations_equal_the_one_at_a_time_definition(model, texts):
    requests = [list(model.attributes) for _ in texts]
    batched = model.explain_batch(texts, requests)
    for text, spans in zip(texts, batched, strict=True):
        for attribute in model.attributes:
            assert spans[attribute] == explain_reference(model, text, attribute)


@settings(max_examples=200, deadline=None)
@given(st.lists(EXPLAIN_PIECES | st.sampled_from(["12", "٣٤٥٦٧٨٩٠١", "€3", "5 usd", "a.co"]),
                max_size=30).map("".join))
def test_possible_patterns_never_rule_out_a_pattern_cue_that_text_cues_sees(text):
    """Explanations and the scoring cues run a pattern only where ``possible_patterns``
    allows it: every cue that ``text_cues`` finds non-zero must be allowed."""
    from moderator.model.cues import (
        CUE_GATES,
        SPAN_PATTERNS,
        TEXT_FEATURES,
        cue_statistics,
        possible_patterns,
        text_cues,
    )
    from moderator.model.ngrams import text_codes

    gates = cue_statistics(*text_codes([text]))[0, CUE_GATES].tolist()
    allowed = possible_patterns(text, *gates)
    cues = text_cues(text)
    assert {n for n in SPAN_PATTERNS if cues[TEXT_FEATURES.index(n)]} <= set(allowed)


HINT_PIECES = st.sampled_from(
    ["WWW.", "www", ".", "HTTP://", "https:/", "/", "http", ".CoM", ".c", "o", ".İnfo", ".ıo",
     "\u212a", "ru", ".Ly", "USD", "us", "d", "€", "£", "$", "Dollar", "EURO", "Buck", "5",
     "a", " ", "İ", "ß", "🙂", "\u0307", "@", "x@y.co", "é@ü.de", "_", "-", "+", "K", "ſ",
     "12345", "(0)", "٣٤٥", "\u00a0", "1.2"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(HINT_PIECES, max_size=14).map("".join), min_size=1, max_size=4))
def test_compiled_hint_tests_never_miss_a_python_hint(texts):
    from moderator.model.cues import (
        _MONEY_HINTS,
        _URL_HINTS,
        EMAIL_RE,
        PHONE_RE,
        _any_in,
        cue_statistics,
    )
    from moderator.model.ngrams import text_codes

    stats = cue_statistics(*text_codes(texts))
    for text, row in zip(texts, stats, strict=True):
        if _any_in(_URL_HINTS, text.lower()):
            assert row[10]
        if row[9] and _any_in(_MONEY_HINTS, text.lower()):
            assert row[11]
        if row[9] >= 9 and PHONE_RE.search(text):
            assert row[12]
        if EMAIL_RE.search(text):
            assert row[13]


def test_score_texts_and_thread_follow_the_contract(model):
    results = model.score_texts(["You are a complete idiot.", "Thanks for the article."])
    assert set(results[0]) == {"scores", "flagged", "reasons", "language"}
    assert set(results[0]["scores"]) == set(model.attributes)
    thread = Thread(
        id="t1",
        article="The council approved the bike lanes across the city centre.",
        comments=[
            Comment("1", None, 0, 0, text="The bike lanes will make my commute safer."),
            Comment("2", "1", 1, 1, text="Agreed, cycling here is dangerous today."),
            Comment("3", None, 0, 2, text="Buy cheap watches at www.best-watches.biz"),
        ],
    )
    scored = model.score_thread(thread)
    assert len(scored) == 3
    assert scored[2]["scores"]["off_topic"] > scored[0]["scores"]["off_topic"]


# --- save / load ---------------------------------------------------------------------------


def test_round_trip_and_card(model_copy, model):
    loaded = load_model(model_copy)
    texts = ["You are an idiot", "Nice article"]
    np.testing.assert_allclose(loaded.predict(texts), model.predict(texts))
    card = json.loads(card_path(model_copy).read_text())
    for key in ("format_version", "moderator_version", "sklearn_version", "python_version",
                "sources", "attributes", "thresholds", "metrics", "training_seconds",
                "feedback_rows", "model_sha256"):
        assert key in card, key
    assert card["attributes"] == loaded.attributes
    assert card["languages"] == ["en"]  # the others are not judged (moderator.language)
    assert card["language_note"].startswith("English only: ")
    assert card_path("models/moderator.joblib").as_posix() == "models/moderator.card.json"


def test_default_path_and_env_var(model_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODERATOR_MODEL", raising=False)
    monkeypatch.setattr("moderator.model.persistence.SHIPPED_MODEL", tmp_path / "none" / "m.joblib")
    with pytest.raises(ModelError, match="^no model found: "):
        moderator.load_model()
    monkeypatch.setenv("MODERATOR_MODEL", str(model_copy))
    assert moderator.load_model().attributes


def test_sha_mismatch_is_refused(model_copy):
    with open(model_copy, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="does not match its card.*refusing"):
        load_model(model_copy)


def _edit_card(path, **changes):
    card = json.loads(card_path(path).read_text())
    card.update(changes)
    card_path(path).write_text(json.dumps(card))


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"format_version": 0}, "saved in model format 0"),
        ({"format": "something-else"}, "is not a moderator model"),
    ],
)
def test_other_versions_ask_to_retrain(model_copy, changes, words):
    _edit_card(model_copy, **changes)
    with pytest.raises(ModelError) as info:
        load_model(model_copy)
    assert words in str(info.value)
    assert str(info.value).endswith("retrain with `python train.py`")


def test_payload_version_is_checked_too(model_copy):
    """A file re-saved by another version (card re-hashed to match) is still refused."""
    payload = joblib.load(model_copy)
    payload["format_version"] = 1
    joblib.dump(payload, model_copy)
    from moderator.files import file_sha256

    _edit_card(model_copy, model_sha256=file_sha256(model_copy))
    with pytest.raises(ModelError, match="saved in model format 1"):
        load_model(model_copy)


def test_another_scikit_learn_scores_but_cannot_restore_the_pipeline(model_copy, model):
    """Scoring reads numpy arrays only: a model keeps working when a user's pip installs
    another scikit-learn. Only the pickled pipeline (retraining, estimator checks) needs
    the version that saved it, and says so."""
    _edit_card(model_copy, sklearn_version="0.24.2")
    loaded = load_model(model_copy)
    texts = ["You are an idiot", "Nice article"]
    np.testing.assert_array_equal(loaded.predict(texts), model.predict(texts))
    assert loaded.score_texts(texts)[0]["flagged"] == model.score_texts(texts)[0]["flagged"]
    with pytest.raises(ModelError) as info:
        loaded.pipeline  # noqa: B018 - the property restores the pipeline
    assert str(info.value) == (
        "small.joblib was saved with scikit-learn 0.24.2; this is scikit-learn "
        f"{version('scikit-learn')}, which cannot restore its pipeline (scoring does not "
        f"need it): retrain with `python train.py`"
    )


def test_corrupt_model_and_missing_card(model_copy):
    model_copy.write_bytes(b"not a joblib file")
    from moderator.files import file_sha256

    _edit_card(model_copy, model_sha256=file_sha256(model_copy))
    with pytest.raises(ModelError, match="cannot load model"):
        load_model(model_copy)
    card_path(model_copy).unlink()
    with pytest.raises(ModelError, match="model card .* is missing"):
        load_model(model_copy)


def test_save_writes_atomically_beside(model, tmp_path):
    target = tmp_path / "deep" / "site.joblib"
    card = save_model(model, target)
    assert card == tmp_path / "deep" / "site.card.json"
    assert sorted(p.name for p in target.parent.iterdir()) == ["site.card.json", "site.joblib"]
    assert load_model(target).thresholds == model.thresholds


def test_kinds_of_toxicity_never_score_above_toxicity(model):
    assert set(model.capped) == set(model.attributes) - {"toxicity", "profanity", "off_topic"}
    texts = ["You are a pathetic idiot.", "My neighbours are Muslim.", "I will hurt you.", "Hi"]
    probabilities = model.predict(texts)
    toxicity = probabilities[:, model.attributes.index("toxicity")]
    for attribute in model.capped:
        assert (probabilities[:, model.attributes.index(attribute)] <= toxicity).all()


def test_loading_and_scoring_do_not_import_scikit_learn(trained_model_path):
    """A loaded model scores from plain arrays (scikit-learn's import alone took 0.8 s of a
    1.0 s load); the fitted pipeline is unpickled only when asked for."""
    code = (
        "import sys, moderator; m = moderator.load_model(sys.argv[1]); "
        "m.score_texts(['You idiot', 'Nice point about the buses']); "
        "print('sklearn' in sys.modules); "
        "m.pipeline; print('sklearn' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(trained_model_path)],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_restored_pipeline_holds_the_coefficients_the_model_scores_with(model):
    coef = model.classifier.coef_
    n_ngrams = model.features.slices_["text"].start
    np.testing.assert_allclose(model.ngram_weights_, coef[:n_ngrams], rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(model.extra_coef_, coef[n_ngrams:])
    np.testing.assert_array_equal(model.intercept_, model.classifier.intercept_)
