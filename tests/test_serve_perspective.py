"""Perspective's AnalyzeComment, checked in-process: every field, every error message, and
the scores against `moderator score` (the HTTP server itself: tests/test_serve_http.py)."""

from __future__ import annotations

import json

import pytest

import moderator
from moderator.errors import ConfigError, RequestError
from moderator.perspective import (
    MAX_TEXT_CHARS,
    analyze,
    analyze_batch,
    comment_thread,
    detect_language,
    parse_analyze,
    supported_language,
    utf16_offsets,
)
from moderator.policy_config import load_policy, load_serve_settings
from moderator.review import Policy, score_texts, score_thread
from moderator.threads import read_threads

ATTRIBUTES = ["toxicity", "insult", "threat", "identity_attack", "off_topic"]
INSULT = "You are a pathetic idiot and everyone here knows it"


@pytest.fixture(scope="module")
def model(trained_model_path):
    return moderator.load_model(trained_model_path)


def request(**fields):
    body = {"comment": {"text": INSULT}, "requestedAttributes": {"TOXICITY": {}}}
    body.update(fields)
    return body


def error_of(body) -> RequestError:
    with pytest.raises(RequestError) as caught:
        parse_analyze(body, ATTRIBUTES)
    return caught.value


@pytest.mark.parametrize("body, message", [
    ({"requestedAttributes": {"TOXICITY": {}}},
     "Comment text was not specified: set comment.text"),
    (request(comment={}), "Comment text was not specified: set comment.text"),
    (request(comment={"text": ""}), "Comment must be non-empty."),
    (request(comment={"text": " \n "}), "Comment must be non-empty."),
    (request(comment={"text": "<p> </p>", "type": "HTML"}), "Comment must be non-empty."),
    (request(comment={"text": "x" * (MAX_TEXT_CHARS + 1)}),
     "Comment text too long: 20,481 characters; the maximum is 20,480"),
    (request(requestedAttributes={"TOXICITY": {}, "SPAM": {}}),
     "Unknown requested attribute: SPAM; this server scores TOXICITY, INSULT, THREAT, "
     "IDENTITY_ATTACK, OFF_TOPIC"),
    (request(requestedAttributes={}),
     "Requested attributes must be non-empty: name one or more of TOXICITY, INSULT, THREAT, "
     "IDENTITY_ATTACK, OFF_TOPIC"),
    ({"comment": {"text": "hi"}},
     "Requested attributes must be non-empty: name one or more of TOXICITY, INSULT, THREAT, "
     "IDENTITY_ATTACK, OFF_TOPIC"),
    (request(languages=["es"]), "Attribute TOXICITY does not support request languages: es"),
    (request(languages=["en", "fr-FR", "de"]),
     "Attribute TOXICITY does not support request languages: fr-FR, de"),
    # wrong types name the field
    ([], "Invalid value at '': expected an object, got an array"),
    (request(comment="hello"), "Invalid value at 'comment': expected an object, got a string"),
    (request(comment={"text": 5}), "Invalid value at 'comment.text': expected a string, got a "
                                   "number"),
    (request(comment={"text": None}), "Invalid value at 'comment.text': expected a string, "
                                      "got null"),
    (request(comment={"text": "hi", "type": "MARKDOWN"}),
     "Invalid value at 'comment.type': 'MARKDOWN' is not one of TEXT_TYPE_UNSPECIFIED, "
     "PLAIN_TEXT, HTML"),
    (request(requestedAttributes=["TOXICITY"]),
     "Invalid value at 'requestedAttributes': expected an object, got an array"),
    (request(requestedAttributes={"TOXICITY": {"scoreThreshold": "high"}}),
     "Invalid value at 'requestedAttributes.TOXICITY.scoreThreshold': expected a number, got "
     "a string"),
    (request(requestedAttributes={"TOXICITY": {"scoreThreshold": 1.5}}),
     "Invalid value at 'requestedAttributes.TOXICITY.scoreThreshold': 1.5 is not from 0 to 1"),
    (request(requestedAttributes={"TOXICITY": {"scoreType": "RAW"}}),
     "Invalid value at 'requestedAttributes.TOXICITY.scoreType': score type 'RAW' is not "
     "supported: this server returns PROBABILITY scores"),
    (request(requestedAttributes={"TOXICITY": {"threshold": 0.5}}),
     'Invalid JSON payload received. Unknown name "threshold" at '
     "'requestedAttributes.TOXICITY': Cannot find field."),
    (request(spanAnotations=True),
     'Invalid JSON payload received. Unknown name "spanAnotations": Cannot find field.'),
    (request(languages="en"), "Invalid value at 'languages': expected an array, got a string"),
    (request(languages=["en", 1]), "Invalid value at 'languages[1]': expected a string, got a "
                                   "number"),
    (request(clientToken=7), "Invalid value at 'clientToken': expected a string, got a number"),
    (request(doNotStore="yes"), "Invalid value at 'doNotStore': expected true or false, got a "
                                "string"),
    (request(spanAnnotations=1), "Invalid value at 'spanAnnotations': expected true or false, "
                                 "got a number"),
    (request(sessionId=[]), "Invalid value at 'sessionId': expected a string, got an array"),
    (request(context=[]), "Invalid value at 'context': expected an object, got an array"),
    (request(context={"entries": {"text": "a"}}),
     "Invalid value at 'context.entries': expected an array, got an object"),
    (request(context={"entries": [{"text": "a"}, {"text": 3}]}),
     "Invalid value at 'context.entries[1].text': expected a string, got a number"),
    (request(context={"entries": [{"text": "a"}] * 101}),
     "Invalid value at 'context.entries': 101 entries; at most 100 (the article, earlier "
     "comments and the parent)"),
    (request(context={"entries": [], "articleAndParentComment": {}}),
     "context: set only one of 'entries' and 'articleAndParentComment'"),
    (request(context={"articleAndParentComment": {"parentComment": {"text": False}}}),
     "Invalid value at 'context.articleAndParentComment.parentComment.text': expected a "
     "string, got a boolean"),
    # text that is not text
    (request(comment={"text": "ok \ud83d then"}),
     "Invalid value at 'comment.text': a lone UTF-16 surrogate (\\ud83d) at character 3 is "
     "not text"),
])
def test_each_bad_request_is_one_clear_error(body, message):
    error = error_of(body)
    assert (error.code, error.status, error.message) == (400, "INVALID_ARGUMENT", message)
    assert error.payload() == {"error": {"code": 400, "message": message,
                                         "status": "INVALID_ARGUMENT"}}


def test_the_longest_text_allowed_is_scored():
    parsed = parse_analyze(request(comment={"text": "a" * MAX_TEXT_CHARS}), ATTRIBUTES)
    assert len(parsed.text) == MAX_TEXT_CHARS


@pytest.mark.parametrize("code, supported", [
    ("en", True), ("EN", True), ("en-US", True), ("en_GB", True), ("es", False),
    ("eng", False), ("", False),
])
def test_languages_read_by_primary_subtag(code, supported):
    assert supported_language(code) is supported


def test_utf16_offsets_count_astral_characters_twice():
    text = "a😀b𝐱c"
    to_utf16 = utf16_offsets(text)
    assert [to_utf16(i) for i in range(len(text) + 1)] == [0, 1, 3, 4, 6, 7]
    assert len(text.encode("utf-16-le")) // 2 == to_utf16(len(text))
    assert utf16_offsets("plain") is int


def test_context_entries_are_article_earlier_comments_and_parent():
    parsed = parse_analyze(request(context={"entries": [
        {"text": "The article"}, {"text": "An earlier comment"},
        {"text": "<b>The</b> parent", "type": "HTML"}]}), ATTRIBUTES)
    thread = comment_thread(parsed)
    assert thread.article == "The article"
    assert [(c.id, c.parent_id, c.depth, c.text) for c in thread.comments] == [
        ("context-0", None, 0, "An earlier comment"),
        ("context-1", None, 0, "The parent"),
        ("comment", "context-1", 1, INSULT),
    ]
    pair = parse_analyze(request(context={"articleAndParentComment": {
        "article": {"text": "Art"}, "parentComment": {"text": "Par"}}}), ATTRIBUTES)
    assert (pair.article, pair.context_comments) == ("Art", ["Par"])
    alone = comment_thread(parse_analyze(request(), ATTRIBUTES))
    assert [(c.parent_id, c.depth) for c in alone.comments] == [(None, 0)]


def test_response_shape_and_scores_equal_score_thread(model):
    parsed = parse_analyze(request(
        requestedAttributes={"TOXICITY": {}, "insult": {"scoreType": "PROBABILITY"},
                             "OFF_TOPIC": {}},
        clientToken="comment:42", doNotStore=True, languages=["en-US"],
        context={"entries": [{"text": "Council approves the bike lane on Elm Street"}]}),
        ATTRIBUTES)
    response = analyze(model, parsed).response
    thread = comment_thread(parsed)
    expected = score_thread(model, thread, Policy())[-1]["scores"]
    assert set(response) == {"attributeScores", "languages", "clientToken"}
    assert response["clientToken"] == "comment:42"
    assert response["languages"] == ["en-US"]
    assert list(response["attributeScores"]) == ["TOXICITY", "insult", "OFF_TOPIC"]
    for name, attribute in (("TOXICITY", "toxicity"), ("insult", "insult"),
                            ("OFF_TOPIC", "off_topic")):
        scores = response["attributeScores"][name]
        assert scores["summaryScore"] == {"value": expected[attribute], "type": "PROBABILITY"}
        assert scores["spanScores"] == [{"begin": 0, "end": len(INSULT),
                                         "score": {"value": expected[attribute],
                                                   "type": "PROBABILITY"}}]
    assert response["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5


def test_score_threshold_leaves_out_lower_scores(model):
    parsed = parse_analyze(request(requestedAttributes={
        "TOXICITY": {"scoreThreshold": 0.0}, "OFF_TOPIC": {"scoreThreshold": 1.0}}), ATTRIBUTES)
    scores = analyze(model, parsed).response["attributeScores"]
    assert list(scores) == ["TOXICITY"]


def test_span_annotations_are_the_explanation_in_utf16(model):
    text = "😀😀 " + INSULT
    parsed = parse_analyze(request(comment={"text": text}, spanAnnotations=True,
                                   requestedAttributes={"TOXICITY": {}, "INSULT": {}}),
                           ATTRIBUTES)
    response = analyze(model, parsed).response
    explained = model.explain(text, "toxicity")
    spans = response["attributeScores"]["TOXICITY"]["spanScores"]
    assert spans, "an insult has words that drove its score"
    # the explanation's spans, in text order, 2 more UTF-16 units per emoji before them
    assert [(s["begin"], s["end"]) for s in spans] == sorted(
        (start + 2, end + 2) for start, end, _ in explained)
    units = text.encode("utf-16-le")
    for span in spans:
        shown = units[2 * span["begin"] : 2 * span["end"]].decode("utf-16-le")
        assert shown.strip() and shown in text
        alone = model.score_texts([shown], articles=[""], parents=[""])[0]["scores"]
        assert span["score"] == {"value": alone["toxicity"], "type": "PROBABILITY"}


def test_drop_unsupported_attributes_answers_without_scores(model):
    parsed = parse_analyze(request(languages=["de"], dropUnsupportedAttributes=True,
                                   clientToken="t"), ATTRIBUTES)
    assert analyze(model, parsed).response == {"attributeScores": {}, "languages": ["de"],
                                               "clientToken": "t"}


def test_a_batch_scores_each_request_as_alone(model):
    bodies = [
        request(),
        request(comment={"text": "Thanks, the new library hours work well for me"}),
        request(comment={"text": "Buy cheap watches at www.example-shop.biz now!!!"},
                requestedAttributes={"OFF_TOPIC": {}},
                context={"entries": [{"text": "The council approved a bike lane."},
                                     {"text": "Will it reach the station?"}]}),
        request(languages=["fr"], dropUnsupportedAttributes=True),
        request(comment={"text": "Idiot.", "type": "HTML"}, spanAnnotations=True),
    ]
    parsed = [parse_analyze(body, ATTRIBUTES) for body in bodies]
    together = [a.response for a in analyze_batch(model, parsed)]
    assert together == [analyze(model, p).response for p in parsed]


def test_html_is_stripped_before_scoring(model):
    parsed = parse_analyze(request(comment={"text": "<p>You are an <b>idiot</b></p>",
                                            "type": "HTML"}), ATTRIBUTES)
    assert parsed.text == "You are an idiot"


def test_scores_equal_moderator_score_of_the_same_thread_file(model, tmp_path):
    """A thread file holding the article, the parent and the comment gives, through
    read_threads and score_thread (what `moderator score` runs), the server's scores."""
    article = "The central library closes for three months of renovation."
    parent = "Will the children's corner stay open?"
    text = "Earn $500 a day from home, visit www.quick-cash.biz"
    path = tmp_path / "thread.json"
    path.write_text(json.dumps({"article": article, "comments": [
        {"text": parent, "replies": [{"text": text}]}]}))
    thread = next(read_threads(path))
    expected = score_thread(model, thread)[-1]["scores"]
    parsed = parse_analyze(request(comment={"text": text}, requestedAttributes={
        "TOXICITY": {}, "OFF_TOPIC": {}}, context={"entries": [{"text": article},
                                                               {"text": parent}]}), ATTRIBUTES)
    scores = analyze(model, parsed).response["attributeScores"]
    assert scores["TOXICITY"]["summaryScore"]["value"] == expected["toxicity"]
    assert scores["OFF_TOPIC"]["summaryScore"]["value"] == expected["off_topic"]


def test_flagged_attributes_follow_the_policy(model):
    parsed = parse_analyze(request(), ATTRIBUTES)
    everything = Policy(thresholds=dict.fromkeys(ATTRIBUTES, 0.0))
    assert analyze(model, parsed, everything).flagged == ATTRIBUTES
    assert analyze(model, parsed, Policy(thresholds=dict.fromkeys(ATTRIBUTES, 1.0),
                                         )).flagged == []


@pytest.mark.parametrize("toml, message", [
    ("[serve]\nkeys = []\n",
     "unknown key 'serve.keys'; expected one of api_keys, requests_per_minute"),
    ("[serve]\napi_keys = 'abc'\n", "key 'serve.api_keys' must be a list of strings"),
    ("[serve]\napi_keys = ['short']\n",
     "key 'serve.api_keys' item 0 must be 16 characters or more, without spaces around it "
     "(a long random string)"),
    ("[serve]\nrequests_per_minute = 0\n",
     "key 'serve.requests_per_minute' must be a whole number, 1 or more, not 0"),
    ("[serve]\nrequests_per_minute = 'many'\n",
     "key 'serve.requests_per_minute' must be a whole number, 1 or more, not a string"),
    ("serve = 3\n", "key 'serve' must be a table ([serve]), not a number"),
])
def test_serve_settings_errors_name_file_and_key(tmp_path, toml, message):
    path = tmp_path / "moderator.toml"
    path.write_text(toml)
    for load in (load_serve_settings, load_policy):
        with pytest.raises(ConfigError) as caught:
            load(path)
        assert str(caught.value) == f"{path}: {message}"


def test_serve_settings_read(tmp_path):
    path = tmp_path / "moderator.toml"
    path.write_text("[serve]\napi_keys = ['0123456789abcdef0123']\nrequests_per_minute = 60\n")
    settings = load_serve_settings(path)
    assert (settings.api_keys, settings.requests_per_minute) == (["0123456789abcdef0123"], 60)
    assert load_policy(path).thresholds == {}
    assert load_serve_settings(None).api_keys == []


class _Breaking:
    """A model that fails on one text (a bug a hostile comment might hit)."""

    def __init__(self, model, attributes=None):
        self._model = model
        self.attributes = attributes or model.attributes

    def __getattr__(self, name):
        return getattr(self._model, name)

    def _check(self, texts):
        if any("BOOM" in text for text in texts):
            raise ValueError("the model broke")

    def predict(self, texts, *args, **kwargs):
        self._check(texts)
        return self._model.predict(texts, *args, **kwargs)

    def predict_with_facts(self, texts, *args, **kwargs):
        self._check(texts)
        return self._model.predict_with_facts(texts, *args, **kwargs)


def _batched(loaded, bodies):
    """Submit every body to one Batcher at once (they form one batch); results or errors."""
    import asyncio

    server = pytest.importorskip("moderator.server")

    class Fixed:
        current = loaded

    async def run():
        batcher = server.Batcher(Fixed())
        return await asyncio.gather(*(batcher.analyze(parse_analyze(body, ATTRIBUTES))
                                      for body in bodies), return_exceptions=True)

    return asyncio.run(run())


def test_a_failing_request_fails_alone_in_its_batch(model):
    server = pytest.importorskip("moderator.server")
    loaded = server.Loaded(_Breaking(model), Policy(), None, None, ())
    bodies = [request(), request(comment={"text": "BOOM goes the comment"}), request()]
    first, broken, last = _batched(loaded, bodies)
    assert isinstance(broken, ValueError) and str(broken) == "the model broke"
    assert first.response == last.response == analyze(model, parse_analyze(
        request(), ATTRIBUTES)).response


def test_a_request_for_an_attribute_the_new_model_lacks(model):
    server = pytest.importorskip("moderator.server")
    loaded = server.Loaded(_Breaking(model, ["toxicity", "insult"]), Policy(), None, None, ())
    [error] = _batched(loaded, [request(requestedAttributes={"THREAT": {}})])
    assert isinstance(error, RequestError)
    assert error.message == "Unknown requested attribute: THREAT; this server scores " \
                            "TOXICITY, INSULT"


# --- languages: detected when the request names none -------------------------------------------

# comments written for these tests: a warm Turkish book review, Spanish and German remarks on
# a council story (the English model's scores on them would mean nothing)
FOREIGN = {
    "tr": "Bu kitabı çok sevdim, yazarın anlatımı harika ve karakterler çok canlı.",
    "es": "Me encantó el artículo, pero creo que el alcalde debería explicar mejor el "
          "presupuesto.",
    "de": "Der Artikel ist gut geschrieben, aber die Stadt sollte die Radwege endlich ausbauen.",
}


@pytest.mark.parametrize("code", sorted(FOREIGN))
def test_a_comment_not_in_english_is_perspectives_unsupported_language(model, code):
    parsed = parse_analyze(request(comment={"text": FOREIGN[code]},
                                   requestedAttributes={"INSULT": {}, "TOXICITY": {}}),
                           ATTRIBUTES)
    with pytest.raises(RequestError) as caught:
        detect_language(parsed)
    assert caught.value.payload() == {"error": {
        "code": 400, "status": "INVALID_ARGUMENT",
        "message": f"Attribute INSULT does not support request languages: {code}"}}
    # analyze detects too when its caller did not
    with pytest.raises(RequestError, match=f"does not support request languages: {code}$"):
        analyze(model, parse_analyze(request(comment={"text": FOREIGN[code]}), ATTRIBUTES))


@pytest.mark.parametrize("code", sorted(FOREIGN))
def test_drop_unsupported_attributes_answers_the_detected_language(model, code):
    parsed = parse_analyze(request(comment={"text": FOREIGN[code]}, clientToken="t",
                                   dropUnsupportedAttributes=True), ATTRIBUTES)
    analysis = analyze(model, detect_language(parsed))
    assert analysis.response == {"attributeScores": {}, "languages": [code],
                                 "detectedLanguages": [code], "clientToken": "t"}
    assert (analysis.flagged, analysis.language) == ([], code)


@pytest.mark.parametrize("code", sorted(FOREIGN))
def test_english_asserted_is_scored_whatever_the_detector_says(model, code):
    text = FOREIGN[code]
    parsed = parse_analyze(request(comment={"text": text}, languages=["en"],
                                   requestedAttributes={"TOXICITY": {}, "INSULT": {}},
                                   spanAnnotations=True), ATTRIBUTES)
    analysis = analyze(model, detect_language(parsed))
    response = analysis.response
    assert (response["languages"], analysis.language) == (["en"], "en")
    assert "detectedLanguages" not in response
    # what `moderator score` would give it, were it English ...
    judged = score_texts(model, [text], [""], [""], given_languages=["en"])[0]
    assert judged["language"] == "en"
    for name, attribute in (("TOXICITY", "toxicity"), ("INSULT", "insult")):
        value = response["attributeScores"][name]["summaryScore"]["value"]
        assert isinstance(value, float) and value == judged["scores"][attribute]
        for span in response["attributeScores"][name]["spanScores"]:
            assert isinstance(span["score"]["value"], float)
    # ... which it does not judge, being in another language
    alone = score_thread(model, comment_thread(parsed))[-1]
    assert alone["language"] == code
    assert set(alone["scores"].values()) == {None}


def test_an_english_comment_answers_detected_languages(model):
    for body in (request(), request(languages=[])):  # an empty list names no language
        parsed = detect_language(parse_analyze(body, ATTRIBUTES))
        response = analyze(model, parsed).response
        assert (response["languages"], response["detectedLanguages"]) == (["en"], ["en"])
        expected = score_thread(model, comment_thread(parsed))[-1]["scores"]["toxicity"]
        assert response["attributeScores"]["TOXICITY"]["summaryScore"]["value"] == expected


def test_the_language_is_detected_after_allowed_words_are_blanked(model):
    # English only in its allowed words: Turkish to `moderator score`, and so to the server
    text = ("the story and the photos: Bu kitabı çok sevdim, yazarın anlatımı harika ve "
            "karakterler çok canlı.")
    policy = Policy(allowed_words=["the", "and"])
    assert score_texts(model, [text], policy=policy)[0]["language"] == "tr"
    with pytest.raises(RequestError, match="does not support request languages: tr$"):
        detect_language(parse_analyze(request(comment={"text": text}), ATTRIBUTES), policy)
    without = detect_language(parse_analyze(request(comment={"text": text}), ATTRIBUTES))
    assert without.detected == ["en"]


def test_a_batch_with_languages_scores_each_request_as_alone(model):
    bodies = [
        request(),
        request(comment={"text": FOREIGN["tr"]}, dropUnsupportedAttributes=True),
        request(comment={"text": FOREIGN["es"]}, languages=["en"]),
        request(comment={"text": FOREIGN["de"]}, languages=["en-GB"], spanAnnotations=True),
    ]
    together = [a.response for a in analyze_batch(
        model, [parse_analyze(body, ATTRIBUTES) for body in bodies])]
    alone = [analyze(model, parse_analyze(body, ATTRIBUTES)).response for body in bodies]
    assert together == alone
    assert [r.get("detectedLanguages") for r in together] == [["en"], ["tr"], None, None]
    assert [list(r["attributeScores"]) for r in together] == [["TOXICITY"], [], ["TOXICITY"],
                                                              ["TOXICITY"]]


def test_given_languages_skip_detection_where_set():
    class Words:  # a stand-in model: one attribute, the same score for every text
        attributes = ["toxicity"]
        thresholds = {"toxicity": 0.5}

        def predict(self, texts, articles=None, parents=None, groups=None):
            import numpy as np

            return np.full((len(texts), 1), 0.25)

    texts = [FOREIGN["tr"], FOREIGN["de"], INSULT]
    results = score_texts(Words(), texts, given_languages=["en", None, None])
    assert [r["language"] for r in results] == ["en", "de", "en"]
    assert [r["scores"]["toxicity"] for r in results] == [0.25, None, 0.25]
    with pytest.raises(ValueError, match="1 languages given for 3 texts"):
        score_texts(Words(), texts, given_languages=["en"])
