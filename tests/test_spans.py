"""Span selection (moderator.model.spans): the rule, phrases, stop words, and the selector a model
learns from people's marks during training."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import FIXTURES
from moderator.corpora import CorpusRow
from moderator.labels import LabelledSource, load_labels_csv
from moderator.model.explain import explain_reference
from moderator.model.persistence import save_model
from moderator.model.spans import (
    STOP_WORDS,
    SpanSelector,
    TokenWeights,
    char_f1,
)
from moderator.model.training import train


def test_char_f1_follows_semeval():
    assert char_f1([], []) == 1.0
    assert char_f1([[0, 3]], []) == 0.0
    assert char_f1([], [[0, 3]]) == 0.0
    assert char_f1([[0, 4, 0.9]], [[0, 4]]) == 1.0  # a weight beside the range is ignored
    # 2 of 4 predicted characters are marked, 2 of 2 marked ones found: P .5, R 1
    assert char_f1([[0, 4]], [[2, 4]]) == pytest.approx(2 / 3)
    assert char_f1([[0, 2]], [[2, 4]]) == 0.0


def tokens_of(text: str, weights: list[float], attribute: str = "toxicity") -> TokenWeights:
    """The TokenWeights of one pair: the words of ``text`` (split on spaces, as the kernel's
    tokens would be for these texts) with the given weights."""
    starts, ends, words, position = [], [], [], 0
    for word in text.split(" "):
        starts.append(position)
        ends.append(position + len(word))
        words.append(word)
        position += len(word) + 1
    alnum_before = np.concatenate([[0], np.cumsum([c.isalnum() for c in text])])
    return TokenWeights(np.array([0, len(words)]), np.array(starts), np.array(ends),
                        np.array(weights, float), words, np.arange(len(words)), alnum_before,
                        [attribute], np.zeros(len(words)))


def spans_of(selector, tokens, at_least_one=False):
    found = selector.spans(tokens, np.array([at_least_one]))
    return [(int(s), int(e)) for s, e in zip(found.start, found.end, strict=True)]


def test_rule_keeps_strong_tokens_and_joins_neighbours_into_phrases():
    text = "you clueless idiot and a pathetic troll"
    tokens = tokens_of(text, [0.3, 1.5, 2.0, 0.1, 0.05, 1.2, 1.4])
    spans = spans_of(SpanSelector(share=0.5, min_weight=0.05), tokens)
    assert [text[s:e] for s, e in spans] == ["clueless idiot", "pathetic troll"]


def test_rule_leaves_out_weak_negative_and_stop_word_only_spans():
    text = "they are an idiot"
    # "they are an" carry weight, but a phrase of stop words alone says nothing
    tokens = tokens_of(text, [2.0, 1.9, 1.8, -0.5])
    assert spans_of(SpanSelector(share=0.5, min_weight=0.05), tokens) == []
    assert {"they", "are", "an", "you", "your"} <= STOP_WORDS
    # a stop word inside a phrase with a content word stays: "an idiot"
    tokens = tokens_of(text, [0.0, 0.0, 1.8, 2.0])
    assert spans_of(SpanSelector(share=0.5, min_weight=0.05), tokens) == [(9, 17)]


def test_at_least_one_gives_the_strongest_content_word():
    text = "the idiot said the thing"
    tokens = tokens_of(text, [0.01, 0.04, 0.03, 0.01, 0.02])
    selector = SpanSelector(share=0.5, min_weight=0.05)  # nothing reaches min_weight
    assert spans_of(selector, tokens) == []
    assert spans_of(selector, tokens, at_least_one=True) == [(4, 9)]
    # nothing pushed the score up: no word to show, even for a flag
    assert spans_of(selector, tokens_of(text, [-0.1] * 5), at_least_one=True) == []


def test_phrases_break_at_a_word_between_them():
    # tokens 0 and 2 kept, token 1 (a word) not: two spans, not one
    text = "idiot sat moron"
    tokens = tokens_of(text, [2.0, 0.0, 2.0])
    assert spans_of(SpanSelector(share=0.5, min_weight=0.05), tokens) == [(0, 5), (10, 15)]


def test_fit_checks_its_inputs():
    with pytest.raises(ValueError, match="1 mark lists for 2 texts"):
        SpanSelector().fit(object(), ["a", "b"], [[]])


# --- learned during training ----------------------------------------------------------------

INSULTS = ["idiot", "moron", "clown", "fool", "imbecile", "dimwit"]
OPENERS = ["Honestly, only a", "What a", "The mayor is a total", "Your plan reads like a",
           "Anyone who votes for this is a", "Stop it, you"]
CLOSERS = ["and everyone on the bus route knows it.", "who never reads the budget.",
           "with no idea about trams.", "as the council minutes show.", ""]


def marked_rows() -> list[CorpusRow]:
    """Texts written for this test with their insult marked, as the ToxicSpans corpus
    marks toxic words."""
    rows = []
    for i, insult in enumerate(INSULTS * 2):
        for j, opener in enumerate(OPENERS):
            closer = CLOSERS[(i + j) % len(CLOSERS)]
            text = f"{opener} {insult} {closer}".strip()
            start = len(opener) + 1
            rows.append(CorpusRow(text=text, labels={"toxicity": 1}, source="marks",
                                  spans=[[start, start + len(insult)]]))
    return rows


@pytest.fixture(scope="module")
def learned_model():
    marks = LabelledSource("marks", "(test)", marked_rows(), kind="corpus")
    return train([load_labels_csv(FIXTURES / "labels_small.csv"), marks], folds=3)


def test_training_with_marks_learns_the_selector_and_the_card_says_so(learned_model):
    selector = learned_model.span_selector
    assert selector is not None and selector.learned
    card = learned_model.card["explanations"]
    assert card["method"] == "learned from marked spans"
    assert card["fit"]["texts"] == len(marked_rows())
    assert 0.0 < card["fit"]["char_f1"] <= 1.0
    assert "idiot" in selector.lexicon_ and selector.lexicon_["idiot"] > selector.prior_


def test_learned_selector_points_at_the_insult(learned_model):
    text = "Frankly the new councillor is a moron about parking."
    spans = learned_model.explain(text, "toxicity")
    assert [text[s:e] for s, e, _ in spans][:1] == ["moron"]
    assert char_f1(spans, [[32, 37]]) > 0.5


def test_learned_explain_batch_equals_the_python_reference(learned_model):
    texts = ["What a clown, honestly.", "The budget is fine.", "you fool!! moron",
             "Idiot idiot IDIOT", ""]
    batched = learned_model.explain_batch(texts, [["toxicity", "insult"]] * len(texts))
    for text, spans in zip(texts, batched, strict=True):
        for attribute in ("toxicity", "insult"):
            assert spans[attribute] == explain_reference(learned_model, text, attribute)


def test_training_without_marks_keeps_the_rule(trained_model_path):
    import moderator

    model = moderator.load_model(trained_model_path)
    assert model.span_selector is None and not model.selector.learned
    assert model.card["explanations"]["method"] == "rule"


def test_the_learned_selector_is_saved_with_the_model(learned_model, tmp_path):
    import moderator

    save_model(learned_model, tmp_path / "m.joblib")
    loaded = moderator.load_model(tmp_path / "m.joblib")
    assert loaded.selector.learned
    text = "What a dimwit, honestly."
    assert loaded.explain(text, "toxicity") == learned_model.explain(text, "toxicity")
