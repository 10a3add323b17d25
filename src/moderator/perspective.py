"""Perspective's AnalyzeComment request and response, answered by a moderator model.

Google's Perspective API (``POST /v1alpha1/comments:analyze``) takes::

    {"comment": {"text": "…", "type": "PLAIN_TEXT"},          # or "HTML": markup stripped
     "requestedAttributes": {"TOXICITY": {}, "INSULT": {"scoreThreshold": 0.5}},
     "context": {"entries": [{"text": "the article"}, {"text": "the parent comment"}]},
     "languages": ["en"], "spanAnnotations": true, "clientToken": "…", "doNotStore": true}

and answers::

    {"attributeScores": {"TOXICITY": {
        "summaryScore": {"value": 0.91, "type": "PROBABILITY"},
        "spanScores": [{"begin": 17, "end": 22, "score": {"value": 0.87, "type": "PROBABILITY"}}]}},
     "languages": ["en"], "clientToken": "…"}

plus ``"detectedLanguages": ["en"]`` when the request named no ``languages``.

This module is the translation, with no web framework in it: ``parse_analyze`` checks a
decoded request body (every error a ``RequestError`` naming the field, in Google's words
where Perspective had them) and ``analyze`` scores it with a model and a flag policy.

The context feeds off-topic the way a thread file does: ``context.entries`` are the
article, then earlier comments, the last entry being the parent the comment replies to
(``articleAndParentComment`` names the two). The comment is scored inside that thread with
``review.score_threads`` (many requests in one call), so its scores are those ``moderator
score`` gives the same thread file: ``comment_thread(request)`` is that thread.

Languages, as Perspective had them: a request naming ``languages`` is scored in them (the
model reads English only, so anything else is an unsupported language); a request naming
none has its comment's language detected (``moderator.language``, what ``moderator score``
reports as ``language``) and answered in ``detectedLanguages`` and ``languages``. A comment in
a language the model does not read is Perspective's error, ``Attribute TOXICITY does not
support request languages: tr``, or with ``dropUnsupportedAttributes`` an answer with no
scores. ``languages: ["en"]`` is the client's word that the comment is English: it is scored
whatever the detector would say.

``spanScores`` are Perspective's: offsets in UTF-16 code units of the text scored (after
HTML stripping). Without ``spanAnnotations`` there is one span, the whole text, with the
summary score (as Perspective answered); with it, the spans are the model's explanation
(the words that pushed the attribute up, ``Model.explain_batch``), each scored on its own
with the comment's context.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import RequestError
from .language import ENGLISH
from .language import languages as detect_languages
from .review import Policy, score_texts, score_threads
from .threads.html_text import html_to_text
from .threads.jsonload import type_name
from .threads.model import Comment, Thread

#: Perspective refused longer comments (20 KB); so does this server, in characters.
MAX_TEXT_CHARS = 20_480
#: Context entries kept at most (an article, earlier comments, the parent).
MAX_CONTEXT_ENTRIES = 100
#: Languages the model reads.
SUPPORTED_LANGUAGES = (ENGLISH,)
PROBABILITY = "PROBABILITY"
SCORE_TYPES = ("SCORE_TYPE_UNSPECIFIED", PROBABILITY)
TEXT_TYPES = ("TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT", "HTML")

# The request's fields, as Google's discovery document lists them.
REQUEST_FIELDS = frozenset({
    "comment", "context", "requestedAttributes", "languages", "doNotStore", "clientToken",
    "sessionId", "communityId", "spanAnnotations", "dropUnsupportedAttributes",
})
TEXT_ENTRY_FIELDS = frozenset({"text", "type"})
CONTEXT_FIELDS = frozenset({"entries", "articleAndParentComment"})
ARTICLE_AND_PARENT_FIELDS = frozenset({"article", "parentComment"})
ATTRIBUTE_FIELDS = frozenset({"scoreThreshold", "scoreType"})

_SURROGATE = re.compile("[\ud800-\udfff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@dataclass
class AnalyzeRequest:
    """A checked AnalyzeComment request.

    ``attributes`` maps each requested name, as the client spelled it, to
    ``(model attribute, scoreThreshold or None)``.
    """

    text: str
    attributes: dict[str, tuple[str, float | None]]
    article: str = ""
    context_comments: list[str] = field(default_factory=list)  # earlier ones, parent last
    languages: list[str] | None = None  # as the request named them
    #: the comment's language found by ``detect_language`` when ``languages`` is None
    detected: list[str] | None = None
    drop_unsupported: bool = False
    client_token: str | None = None
    span_annotations: bool = False
    #: languages asked for (or detected) that the model does not read (with
    #: dropUnsupportedAttributes: every attribute is dropped, as all of them read English only)
    unsupported: list[str] = field(default_factory=list)


def perspective_name(attribute: str) -> str:
    """``identity_attack`` -> ``IDENTITY_ATTACK`` (Perspective's spelling)."""
    return attribute.upper()


def _invalid(path: str, reason: str) -> RequestError:
    return RequestError(f"Invalid value at '{path}': {reason}")


def _object(value: Any, path: str, fields: frozenset) -> dict:
    if not isinstance(value, dict):
        raise _invalid(path, f"expected an object, got {type_name(value)}")
    for name in value:
        if name not in fields:
            where = f" at '{path}'" if path else ""
            raise RequestError(
                f'Invalid JSON payload received. Unknown name "{name}"{where}: Cannot find field.')
    return value


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _invalid(path, f"expected a string, got {type_name(value)}")
    bad = _SURROGATE.search(value)
    if bad:
        raise _invalid(path, f"a lone UTF-16 surrogate (\\u{ord(bad.group()):04x}) at "
                             f"character {bad.start()} is not text")
    return value


def _boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _invalid(path, f"expected true or false, got {type_name(value)}")
    return value


def _text_entry(value: Any, path: str) -> str:
    """A TextEntry's text (HTML stripped when its type says so)."""
    entry = _object(value, path, TEXT_ENTRY_FIELDS)
    text = _string(entry.get("text", ""), f"{path}.text")
    kind = entry.get("type", "TEXT_TYPE_UNSPECIFIED")
    if kind not in TEXT_TYPES:
        shown = _string(kind, f"{path}.type")
        raise _invalid(f"{path}.type", f"{shown!r} is not one of {', '.join(TEXT_TYPES)}")
    return html_to_text(text) if kind == "HTML" else text


def _context(value: Any) -> tuple[str, list[str]]:
    """``(article, [earlier comments…, parent])`` from ``context``."""
    context = _object(value, "context", CONTEXT_FIELDS)
    if "entries" in context and "articleAndParentComment" in context:
        raise RequestError("context: set only one of 'entries' and 'articleAndParentComment'")
    if "articleAndParentComment" in context:
        pair = _object(context["articleAndParentComment"], "context.articleAndParentComment",
                       ARTICLE_AND_PARENT_FIELDS)
        article = parent = ""
        if "article" in pair:
            article = _text_entry(pair["article"], "context.articleAndParentComment.article")
        if "parentComment" in pair:
            parent = _text_entry(pair["parentComment"],
                                 "context.articleAndParentComment.parentComment")
        return article, [parent] if parent.strip() else []
    entries = context.get("entries", [])
    if not isinstance(entries, list):
        raise _invalid("context.entries", f"expected an array, got {type_name(entries)}")
    if len(entries) > MAX_CONTEXT_ENTRIES:
        raise _invalid("context.entries", f"{len(entries)} entries; at most "
                                          f"{MAX_CONTEXT_ENTRIES} (the article, earlier "
                                          f"comments and the parent)")
    texts = [_text_entry(entry, f"context.entries[{i}]") for i, entry in enumerate(entries)]
    if not texts:
        return "", []
    return texts[0], [t for t in texts[1:] if t.strip()]


def _attributes(value: Any, model_attributes: Sequence[str]) -> dict:
    if not isinstance(value, dict):
        raise _invalid("requestedAttributes", f"expected an object, got {type_name(value)}")
    if not value:
        raise RequestError("Requested attributes must be non-empty: name one or more of "
                           + ", ".join(map(perspective_name, model_attributes)))
    known = {perspective_name(a): a for a in model_attributes}
    chosen = {}
    for name, options in value.items():
        attribute = known.get(name.upper())
        if attribute is None:
            raise RequestError(f"Unknown requested attribute: {name}; this server scores "
                               f"{', '.join(known)}")
        path = f"requestedAttributes.{name}"
        options = _object({} if options is None else options, path, ATTRIBUTE_FIELDS)
        threshold = options.get("scoreThreshold")
        if threshold is not None:
            if isinstance(threshold, bool) or not isinstance(threshold, int | float):
                raise _invalid(f"{path}.scoreThreshold",
                               f"expected a number, got {type_name(threshold)}")
            if not 0.0 <= threshold <= 1.0:
                raise _invalid(f"{path}.scoreThreshold", f"{threshold} is not from 0 to 1")
            threshold = float(threshold)
        kind = options.get("scoreType", "SCORE_TYPE_UNSPECIFIED")
        if kind not in SCORE_TYPES:
            shown = _string(kind, f"{path}.scoreType")
            raise _invalid(f"{path}.scoreType",
                           f"score type {shown!r} is not supported: this server returns "
                           f"{PROBABILITY} scores")
        chosen[name] = (attribute, threshold)
    return chosen


def _languages(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _invalid("languages", f"expected an array, got {type_name(value)}")
    return [_string(code, f"languages[{i}]") for i, code in enumerate(value)]


def supported_language(code: str) -> bool:
    """``en``, ``EN``, ``en-US``, ``en_GB``: the primary subtag is what the model reads."""
    return re.split(r"[-_]", code.strip(), maxsplit=1)[0].lower() in SUPPORTED_LANGUAGES


def parse_analyze(body: Any, model_attributes: Sequence[str]) -> AnalyzeRequest:
    """Check a decoded AnalyzeComment body; ``RequestError`` names what is wrong."""
    body = _object(body, "", REQUEST_FIELDS)
    if "comment" not in body:
        raise RequestError("Comment text was not specified: set comment.text")
    comment = _object(body["comment"], "comment", TEXT_ENTRY_FIELDS)
    if "text" not in comment:
        raise RequestError("Comment text was not specified: set comment.text")
    raw = _string(comment["text"], "comment.text")
    if len(raw) > MAX_TEXT_CHARS:
        raise RequestError(f"Comment text too long: {len(raw):,} characters; the maximum is "
                           f"{MAX_TEXT_CHARS:,}")
    text = _text_entry(comment, "comment")
    if not text.strip():
        raise RequestError("Comment must be non-empty.")
    if "requestedAttributes" not in body:
        raise RequestError("Requested attributes must be non-empty: name one or more of "
                           + ", ".join(map(perspective_name, model_attributes)))
    request = AnalyzeRequest(text=text,
                             attributes=_attributes(body["requestedAttributes"],
                                                    model_attributes))
    if "context" in body:
        request.article, request.context_comments = _context(body["context"])
    if "languages" in body:  # an empty list names none: the language is detected
        request.languages = _languages(body["languages"]) or None
    if "clientToken" in body:
        request.client_token = _string(body["clientToken"], "clientToken")
    for name in ("sessionId", "communityId"):
        if name in body:
            _string(body[name], name)
    if "doNotStore" in body:
        _boolean(body["doNotStore"], "doNotStore")  # nothing is ever stored
    if "spanAnnotations" in body:
        request.span_annotations = _boolean(body["spanAnnotations"], "spanAnnotations")
    if "dropUnsupportedAttributes" in body:
        request.drop_unsupported = _boolean(body["dropUnsupportedAttributes"],
                                            "dropUnsupportedAttributes")
    request.unsupported = [code for code in request.languages or ()
                           if not supported_language(code)]
    _refuse_unsupported(request)
    return request


def _refuse_unsupported(request: AnalyzeRequest) -> None:
    if request.unsupported and not request.drop_unsupported:
        raise RequestError(f"Attribute {next(iter(request.attributes))} does not support "
                           f"request languages: {', '.join(request.unsupported)}")


def detect_language(request: AnalyzeRequest, policy: Policy | None = None) -> AnalyzeRequest:
    """Find the comment's language when the request named none (``request.detected``), as
    ``moderator score`` finds it (allowed words blanked first): a language the model does
    not read is Perspective's error unless the request drops unsupported attributes.
    Requests naming ``languages``, and those already detected, are left as they are."""
    if request.languages is not None or request.detected is not None:
        return request
    text = (policy or Policy()).mask_allowed(request.text)
    code = detect_languages([text])[0]
    request.detected = [code]
    request.unsupported = [] if supported_language(code) else [code]
    _refuse_unsupported(request)
    return request


def _language_given(request: AnalyzeRequest) -> str:
    """The language the comment is scored in: English when the client said so (every
    language it named is one the model reads), else the one detected."""
    if request.languages is not None:
        return ENGLISH
    return request.detected[0] if request.detected else ENGLISH


def comment_thread(request: AnalyzeRequest) -> Thread:
    """The thread the comment is scored in: the article, the context comments (top level),
    and the comment as a reply to the last of them (or top level without any)."""
    thread = Thread(id="request", article=request.article)
    for position, text in enumerate(request.context_comments):
        thread.comments.append(Comment(id=f"context-{position}", parent_id=None, depth=0,
                                       position=position, text=text))
    parent = thread.comments[-1].id if thread.comments else None
    thread.comments.append(Comment(id="comment", parent_id=parent, depth=int(bool(parent)),
                                   position=len(thread.comments), text=request.text))
    return thread


def utf16_offsets(text: str):
    """A function from code point offsets of ``text`` to UTF-16 code unit offsets (what
    Perspective's ``begin``/``end`` count): characters beyond the BMP count twice."""
    if text.isascii():
        return int
    astral = [m.start() for m in _ASTRAL.finditer(text)]
    if not astral:
        return int
    return lambda offset: offset + bisect_left(astral, offset)


def _score(value: float) -> dict:
    return {"value": value, "type": PROBABILITY}


@dataclass
class Analysis:
    """What ``analyze`` found: the response body and, for metrics, the flag policy's
    verdict on the comment (``flagged`` attributes, every attribute of the model) and the
    language it was taken to be in (not English: not scored)."""

    response: dict
    flagged: list[str]
    language: str = ENGLISH


def analyze(model, request: AnalyzeRequest, policy: Policy | None = None) -> Analysis:
    """Score ``request`` with ``model`` under ``policy``: the AnalyzeComment response."""
    return analyze_batch(model, [request], policy)[0]


def analyze_batch(model, requests: Sequence[AnalyzeRequest],
                  policy: Policy | None = None) -> list[Analysis]:
    """``analyze`` of many requests with one model call: each comment is scored in its own
    thread (``comment_thread``), so its scores are those it gets alone. A request whose
    language is not known yet is detected first (``detect_language``, which may refuse it)."""
    for request in requests:
        detect_language(request, policy)
    threads = {i: comment_thread(r) for i, r in enumerate(requests) if not r.unsupported}
    given: list[str | None] = []
    for i, thread in threads.items():  # the context comments' languages: detected
        given += [None] * (len(thread.comments) - 1) + [_language_given(requests[i])]
    results = dict(zip(threads, score_threads(model, list(threads.values()), policy,
                                              explain=False, given_languages=given),
                       strict=True))
    return [_response(model, request, threads.get(i), results.get(i), policy)
            for i, request in enumerate(requests)]


def _response(model, request, thread, results, policy) -> Analysis:
    response: dict = {"attributeScores": {},
                      "languages": (request.languages if request.languages is not None
                                    else request.detected or list(SUPPORTED_LANGUAGES))}
    if request.languages is None and request.detected is not None:
        response["detectedLanguages"] = request.detected
    if request.client_token is not None:
        response["clientToken"] = request.client_token
    if thread is None:  # dropUnsupportedAttributes: every attribute reads English only
        return Analysis(response, [], request.unsupported[0])
    result = results[-1]  # the comment, after its context comments
    scores = result["scores"]
    text = request.text
    to_utf16 = utf16_offsets(text)
    spans = (_annotated_spans(model, request, thread, policy)
             if request.span_annotations else None)
    out = response["attributeScores"]
    for name, (attribute, threshold) in request.attributes.items():
        value = scores.get(attribute)
        if value is None:  # not judged (scored in a language the model does not read)
            continue
        if threshold is not None and value < threshold:
            continue  # Perspective: no score below the requested threshold
        if spans is None:
            span_scores = [{"begin": 0, "end": to_utf16(len(text)), "score": _score(value)}]
        else:
            span_scores = [
                {"begin": to_utf16(start), "end": to_utf16(end), "score": _score(span_value)}
                for start, end, span_value in spans[attribute]
                if span_value is not None and (threshold is None or span_value >= threshold)
            ]
        out[name] = {"spanScores": span_scores, "summaryScore": _score(value)}
    return Analysis(response, [reason["attribute"] for reason in result["reasons"]],
                    result["language"])


def _annotated_spans(model, request, thread, policy) -> dict[str, list]:
    """Per requested attribute, ``[(begin, end, score)]`` in text order: the explanation's
    spans, each scored as a comment of its own with the comment's article and parent."""
    policy = policy or Policy()
    masked = policy.mask_allowed(request.text)
    wanted = list(dict.fromkeys(attribute for attribute, _ in request.attributes.values()))
    explained = model.explain_batch([masked], [wanted])[0]
    pieces = sorted({(start, end) for spans in explained.values() for start, end, _ in spans})
    if not pieces:
        return {attribute: [] for attribute in wanted}
    parent = thread.comments[-2].text if len(thread.comments) > 1 else ""
    # a piece of a comment judged English is English, however short or foreign-looking
    probabilities = score_texts(
        model, [masked[start:end] for start, end in pieces],
        articles=[thread.article] * len(pieces), parents=[parent] * len(pieces),
        policy=policy, explain=False, given_languages=[ENGLISH] * len(pieces))
    score_of = {piece: result["scores"] for piece, result in
                zip(pieces, probabilities, strict=True)}
    return {
        attribute: sorted((start, end, score_of[(start, end)][attribute])
                          for start, end, _ in explained.get(attribute, []))
        for attribute in wanted
    }


__all__ = [
    "MAX_TEXT_CHARS",
    "AnalyzeRequest",
    "Analysis",
    "analyze",
    "analyze_batch",
    "comment_thread",
    "detect_language",
    "parse_analyze",
    "perspective_name",
    "supported_language",
    "utf16_offsets",
]
