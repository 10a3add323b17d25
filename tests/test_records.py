"""Scored JSON lines: the direct formatting of ``RecordWriter.write_thread`` is byte for byte
what the json encoder writes for the same records, whatever the values."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderator.records import SCORED_FIELDS, RecordWriter, _FloatText
from moderator.review import comment_records
from moderator.threads import Comment, Thread

ATTRIBUTES = ["toxicity", "insult", "off_topic"]
EDGES = [0.0, 1.0, 1e-06, 5e-05, 0.0001, 0.000123, 1.8e-05, 0.5, 0.999999, 0.1, 0.3]


def lines_both_ways(thread, results, attributes=ATTRIBUTES) -> tuple[str, str]:
    """(write_thread's text, the json encoder's text via one ``write`` per record)."""
    fast, slow = io.StringIO(), io.StringIO()
    writer = RecordWriter(fast, "jsonl", SCORED_FIELDS, attributes)
    writer.write_thread(thread, results)
    assert writer.count == len(results)
    reference = RecordWriter(slow, "jsonl", SCORED_FIELDS, attributes)
    for record in comment_records(thread, results):
        reference.write(record)
    return fast.getvalue(), slow.getvalue()


def thread_of(n: int, thread_id="t-1") -> Thread:
    return Thread(id=thread_id, comments=[
        Comment(f"c{i}", None if i == 0 else "c0", 0 if i == 0 else 1, i,
                author="ann" if i % 2 else None, likes=i if i % 3 else None,
                removed=i % 5 == 4, text=f"comment {i} \"quoted\" \\ \u00e9\n")
        for i in range(n)
    ])


def result(scores: dict, reasons=None) -> dict:
    return {"scores": scores, "flagged": bool(reasons), "reasons": reasons or []}


rounded = st.one_of(
    st.sampled_from(EDGES),
    st.floats(0.0, 1.0).map(lambda x: float(np.round(x, 6))),
    st.integers(0, 10**6).map(lambda k: float(np.round(k / 1e6, 6))),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(rounded, min_size=1, max_size=40))
def test_float_text_is_repr_for_rounded_scores(values):
    texts = _FloatText()
    for _ in range(2):  # the second pass reads the cache
        assert [texts[v] for v in values] == [repr(v) for v in values]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(rounded, rounded, rounded), min_size=1, max_size=20))
def test_scored_lines_equal_the_json_encoder(rows):
    thread = thread_of(len(rows))
    results = []
    for i, row in enumerate(rows):
        reasons = ([{"attribute": "toxicity", "score": row[0], "threshold": 0.5,
                     "spans": [[0, 7, 1.2345], [8, 9, 0.5]], "notes": []}] if i % 2 else [])
        results.append(result(dict(zip(ATTRIBUTES, row, strict=True)), reasons))
    fast, slow = lines_both_ways(thread, results)
    assert fast == slow
    assert [json.loads(line)["scores"] for line in fast.splitlines()] == [
        dict(zip(ATTRIBUTES, row, strict=True)) for row in rows]


def test_many_lines():
    n = 1027
    results = [result({"toxicity": round(i / n, 6), "insult": 0.25, "off_topic": 1e-06})
               for i in range(n)]
    fast, slow = lines_both_ways(thread_of(n), results)
    assert fast == slow and fast.count("\n") == n


@pytest.mark.parametrize("odd", [
    float("nan"), float("inf"), -float("inf"), -0.0, 0, 1, True, np.float64(0.25),
])
def test_values_of_other_types_are_written_as_json_writes_them(odd):
    # the first comment puts 0.25, 0.0 and 1.0 in the cache; the second has the odd value
    results = [result({"toxicity": 0.25, "insult": 0.0, "off_topic": 1.0}),
               result({"toxicity": odd, "insult": 0.25, "off_topic": 0.0})]
    fast, slow = lines_both_ways(thread_of(2), results)
    assert fast == slow


@pytest.mark.parametrize("odd", [np.float32(0.25), Decimal("0.25"), "0.25"])
def test_values_json_cannot_write_fail_as_they_do_there(odd):
    results = [result({"toxicity": 0.25, "insult": 0.0, "off_topic": 1.0}),
               result({"toxicity": odd, "insult": 0.25, "off_topic": 0.0})]
    if isinstance(odd, str):
        fast, slow = lines_both_ways(thread_of(2), results)
        assert fast == slow and '"toxicity": "0.25"' in fast
        return
    with pytest.raises(TypeError):
        RecordWriter(io.StringIO(), "jsonl", SCORED_FIELDS, ATTRIBUTES).write_thread(
            thread_of(2), results)
    with pytest.raises(TypeError):
        json.dumps(comment_records(thread_of(2), results))


@pytest.mark.parametrize("change", [
    lambda c, r: setattr(c, "depth", True),
    lambda c, r: setattr(c, "likes", 2.0),
    lambda c, r: setattr(c, "removed", 1),
    lambda c, r: setattr(c, "author", 7),
    lambda c, r: setattr(c, "id", None),
    lambda c, r: r.update(flagged=1),
    lambda c, r: r.update(extra="x"),
    lambda c, r: r.update(reasons=({"attribute": "toxicity"},)),
    lambda c, r: r.update(scores={1: 0.5}),
    lambda c, r: r.update(scores={"100%": 0.5, "a\u00e9\"": 0.25}),
    lambda c, r: r.update(reasons=[{"attribute": "toxicity", "spans": [(0, 1, -0.0)]}]),
])
def test_comments_and_results_of_other_shapes_match_the_encoder(change):
    thread = thread_of(3, thread_id="t%s\u00e9\"")
    results = [result({"toxicity": 0.5, "insult": 0.1, "off_topic": 0.2}) for _ in range(3)]
    change(thread.comments[1], results[1])
    fast, slow = lines_both_ways(thread, results)
    assert fast == slow


@pytest.mark.parametrize("thread_id", [None, 17])
def test_thread_ids_other_than_text(thread_id):
    results = [result({"toxicity": 0.5, "insult": 0.1, "off_topic": 0.2}) for _ in range(2)]
    fast, slow = lines_both_ways(thread_of(2, thread_id=thread_id), results)
    assert fast == slow


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.text(),
    st.text(alphabet=st.characters(max_codepoint=127)),  # ASCII: control chars, DEL, quotes
    st.sampled_from(["", "\x7f", "a\x7fb", "\u00e9\x7f", "\"\\\n\t\x00\x1f", "\U0001f642"]),
), min_size=1, max_size=8))
def test_any_text_is_written_as_json_writes_it(texts):
    thread = thread_of(len(texts))
    for comment, text in zip(thread.comments, texts, strict=True):
        comment.text = comment.author = text
    results = [result({"toxicity": 0.5, "insult": 0.1, "off_topic": 0.2}) for _ in texts]
    fast, slow = lines_both_ways(thread, results)
    assert fast == slow
    assert [json.loads(line)["text"] for line in fast.split("\n")[:-1]] == texts


SPAN_REASON = {"attribute": "toxicity", "score": 0.75, "threshold": 0.5,
               "spans": [[0, 5, 1.2345], [6, 9, 0.5], [10, 12, -0.0]], "notes": []}


@pytest.mark.parametrize("reasons", [
    [SPAN_REASON, {**SPAN_REASON, "attribute": "insult\u00e9\"", "spans": []}],
    [{**SPAN_REASON, "spans": [(0, 5, 1.25)]}],
    [{**SPAN_REASON, "spans": [[0, 5, 1]]}],
    [{**SPAN_REASON, "spans": [[0, 5, True]]}],
    [{**SPAN_REASON, "spans": [[False, 5, 0.5]]}],
    [{**SPAN_REASON, "spans": [[0, 5, 0.5, "extra"]]}],
    [{**SPAN_REASON, "spans": [[0, 5, float("nan")]]}],
    [{**SPAN_REASON, "spans": [[0, 5, np.float64(0.5)]]}],
    [{**SPAN_REASON, "score": 1}],
    [{**SPAN_REASON, "threshold": None}],
    [{**SPAN_REASON, "attribute": None}],
    [{**SPAN_REASON, "spans": ()}],
    [{"score": 0.75, "attribute": "toxicity", "threshold": 0.5, "spans": []}],
    [{**SPAN_REASON, "note": "extra key"}],
    [{**SPAN_REASON, "notes": ["similarity to the article 0.02", "\u00e9\"\\ \x7f"]}],
    [{**SPAN_REASON, "notes": [3]}],
    [{**SPAN_REASON, "notes": ("a link",)}],
    [{key: value for key, value in SPAN_REASON.items() if key != "notes"}],
    [{"attribute": "toxicity"}],
    ["not a dict"],
    [SPAN_REASON, None],
])
def test_reasons_of_any_shape_are_written_as_json_writes_them(reasons):
    results = [result({"toxicity": 0.75, "insult": 0.5, "off_topic": 1.0}, [SPAN_REASON]),
               result({"toxicity": 0.75, "insult": 0.5, "off_topic": 1.0}, reasons)]
    fast, slow = lines_both_ways(thread_of(2), results)
    assert fast == slow
