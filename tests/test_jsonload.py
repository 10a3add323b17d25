"""JSON decoding that survives 20,000-level nesting and reports file:line:column."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderator.errors import ThreadFormatError
from moderator.threads.jsonload import loads, loads_iterative, type_name

DEEP = 20_000


def test_deep_nesting_decodes_without_recursion_error():
    text = '{"replies": [' * DEEP + '"leaf"' + "]}" * DEEP
    value = loads(text, "deep.json")
    depth = 0
    while isinstance(value, dict):
        value = value["replies"][0]
        depth += 1
    assert (depth, value) == (DEEP, "leaf")


@pytest.mark.parametrize(
    "text",
    ['{"a":1,"b":[1,2.5,-3e2,"\\u00e9\\n",true,false,null,{}],"c":{"d":[]}}', " [ 1 , [ ] ] ",
     '"s"', "3", "[NaN, Infinity, -Infinity]"],
)
def test_iterative_decoder_matches_json(text):
    assert repr(loads_iterative(text)) == repr(json.loads(text))


@pytest.mark.parametrize("text", ["[1,]", '{"a" 1}', "[1 2]", '{"a":1,}', "[", "{", "", "[1]x",
                                  "{1:2}", "tru", "[-]", '["unterminated'])
def test_iterative_decoder_errors_match_json(text):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as got:
        loads_iterative(text)
    assert (got.value.msg, got.value.pos) == (expected.value.msg, expected.value.pos)


def test_errors_name_file_line_and_column():
    with pytest.raises(ThreadFormatError) as info:
        loads('[\n  {"id": 1},\n  {"id": 2\n', "thread.json")
    # the text ends before the value does: truncated, as the generic JSON reader says too
    assert str(info.value) == "thread.json:4:1: truncated JSON: Expecting ',' delimiter"
    deep_truncated = "[" * DEEP
    with pytest.raises(ThreadFormatError, match=r"deep\.json:1:\d+: truncated JSON"):
        loads(deep_truncated, "deep.json")


def test_type_name():
    assert [type_name(v) for v in (None, True, 1, "x", [], {})] == [
        "null", "a boolean", "a number", "a string", "an array", "an object"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(), kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=80, deadline=None)
@given(json_values)
def test_iterative_decoder_round_trips(value):
    assert loads_iterative(json.dumps(value)) == value
