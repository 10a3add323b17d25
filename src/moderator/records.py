"""Writing scored comment records as JSON Lines or CSV (score and export share these).

A record is a flat dict of the parse fields plus ``scores`` {attribute: probability},
``flagged`` and ``reasons``. In CSV the scores become one ``score_<attribute>`` column each
and the other nested values (``reasons``) are JSON strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from json.encoder import (  # what json.dumps(ensure_ascii=False) uses
    c_make_encoder,
    encode_basestring,
    encode_basestring_ascii,
)
from typing import TextIO

from .output import JSON_ENCODER, CsvRowWriter, write_jsonl
from .review import comment_records
from .threads.model import COMMENT_FIELDS

SCORE_PREFIX = "score_"


def csv_columns(fields: Sequence[str], attributes: Sequence[str]) -> list[str]:
    """``fields`` with ``scores`` replaced by one column per attribute."""
    columns: list[str] = []
    for name in fields:
        if name == "scores":
            columns.extend(SCORE_PREFIX + a for a in attributes)
        else:
            columns.append(name)
    return columns


class RecordWriter:
    """Write records to ``fh`` as ``jsonl`` or ``csv`` with ``moderator.output``'s writers.

    Only ``fields`` are written, in that order; in CSV ``scores`` is spread over
    ``score_<attribute>`` columns.
    """

    def __init__(self, fh: TextIO, kind: str, fields: Sequence[str], attributes: Sequence[str]):
        if kind not in ("jsonl", "csv"):
            raise ValueError(f"unknown record format {kind!r}")
        self.fh = fh
        self.kind = kind
        self.fields = list(fields)
        self.attributes = list(attributes)
        self.count = 0
        self._floats = _FloatText()
        if kind == "csv":
            self._csv = CsvRowWriter(fh, csv_columns(self.fields, self.attributes))
            self._csv.close()  # the header, even when no row follows

    def write(self, record: dict) -> None:
        if self.kind == "csv":
            row = {}
            for name in self.fields:
                if name == "scores":
                    scores = record.get("scores") or {}
                    row.update((SCORE_PREFIX + a, scores.get(a)) for a in self.attributes)
                else:
                    row[name] = record.get(name)
            self._csv.write([row])
        else:
            write_jsonl([{name: record.get(name) for name in self.fields}], self.fh)
        self.count += 1

    def write_thread(self, thread, results: Sequence[dict]) -> None:
        """``write`` each of ``review.comment_records(thread, results)``; JSON Lines of the
        full scored record (``SCORED_FIELDS``) are formatted directly, without the dicts."""
        if self.kind != "jsonl" or tuple(self.fields) != SCORED_FIELDS:
            for record in comment_records(thread, results):
                self.write(record)
            return
        if len(results) != len(thread.comments):
            raise ValueError(f"{len(results)} results for {len(thread.comments)} comments")
        self.fh.writelines(_scored_lines(thread, results, self.fields, self._floats))
        self.count += len(results)

    def close(self) -> None:
        """Nothing to finish for CSV and JSON Lines (kept for symmetry with other writers)."""


#: A scored comment record: ``thread_id``, the comment's fields, then the scoring contract.
SCORED_FIELDS = ("thread_id", *COMMENT_FIELDS, "scores", "flagged", "reasons", "language")
_FLOATS = frozenset({float})
_FLOAT_TEXTS = 1 << 16  # the most reprs a _FloatText keeps


class _NotARecord(Exception):
    """A value of a type a scored record does not hold: the json encoder decides."""


class _FloatText(dict):
    """``repr`` of floats (what json writes for them), cached: rounded scores take a few
    thousand distinct values, and ``repr`` was a fifth of formatting a line.

    Only finite, non-integral floats are kept: 0.0 and -0.0 are one key but two texts, and
    an int equal to an integral float must not be written as that float."""

    __slots__ = ()

    def __missing__(self, value):
        if type(value) is not float or value - value != 0.0:
            raise _NotARecord  # not a float, or nan/inf (json writes NaN / Infinity)
        text = repr(value)
        if not value.is_integer():
            if len(self) >= _FLOAT_TEXTS:
                self.clear()
            self[value] = text
        return text


def _string_or_null(value) -> str | None:
    """JSON of a str or None; None for any other type."""
    if value is None:
        return "null"
    if type(value) is str:
        return encode_basestring(value)
    return None


def _odd():
    raise _NotARecord


def _scores_template(keys: tuple) -> str:
    """The %-template of the JSON of a ``scores`` dict with keys ``keys``."""
    if not all(type(k) is str for k in keys):
        raise _NotARecord
    return "{" + ", ".join(encode_basestring(k).replace("%", "%%") + ": %s" for k in keys) + "}"


_REASON_KEYS = ("attribute", "score", "threshold", "spans", "notes")


class _ReasonsText:
    """The JSON of a ``reasons`` list as the json encoder writes it, the floats through a
    ``_FloatText`` (the spans' weights are rounded to 4 places: few distinct values)."""

    def __init__(self, float_text):
        self.float_text = float_text
        self.names: dict[str, str] = {}

    def text(self, reasons: list, encode) -> str:
        """``encode`` (the json encoder) decides a list not of the contract's shape."""
        float_text, parts = self.float_text, []
        for reason in reasons:
            if type(reason) is not dict or tuple(reason) != _REASON_KEYS:
                return "".join(encode(reasons, 0))
            name, score, threshold, spans, notes = reason.values()
            if (type(name) is not str or type(score) is not float
                    or type(threshold) is not float or type(spans) is not list
                    or type(notes) is not list or not all(type(n) is str for n in notes)):
                return "".join(encode(reasons, 0))
            written = []
            for span in spans:
                if type(span) is not list or len(span) != 3:
                    return "".join(encode(reasons, 0))
                start, end, weight = span
                if type(start) is not int or type(end) is not int or type(weight) is not float:
                    return "".join(encode(reasons, 0))
                written.append(f"[{start}, {end}, {float_text(weight)}]")
            name_json = self.names.get(name)
            if name_json is None:
                name_json = self.names[name] = encode_basestring(name)
            parts.append(f'{{"attribute": {name_json}, "score": {float_text(score)}, '
                         f'"threshold": {float_text(threshold)}, "spans": [{", ".join(written)}], '
                         f'"notes": [{", ".join(map(encode_basestring, notes))}]}}')
        return f"[{', '.join(parts)}]"


def _scored_lines(thread, results, fields, floats: _FloatText) -> Iterator[str]:
    """The JSON line of each scored record as ``json.dumps`` writes it. Records of the
    types the contract holds (str/None, int, bool, float scores) are formatted directly;
    one with a value of any other type goes through the json encoder."""
    thread_id = _string_or_null(thread.id)
    templates: dict[tuple, str] = {}
    float_text = floats.__getitem__
    enc = encode_basestring
    # the same text for ASCII without DEL (which only the ASCII encoder escapes), and faster
    ascii_enc, delete = encode_basestring_ascii, "\x7f"
    # JSON_ENCODER's C encoder made once, not once per call as JSONEncoder.encode does
    encode = (c_make_encoder({}, JSON_ENCODER.default, enc, None, ": ", ", ", False, False, True)
              if c_make_encoder is not None else lambda value, _: [JSON_ENCODER.encode(value)])
    reasons_json = _ReasonsText(float_text).text
    for comment, result in zip(thread.comments, results, strict=True):
        try:
            if thread_id is None or len(result) != 4:
                raise _NotARecord
            scores = result.get("scores")
            flagged = result.get("flagged")
            reasons = result.get("reasons")
            language = result.get("language")
            if (type(scores) is not dict or type(flagged) is not bool
                    or type(reasons) is not list or type(language) is not str):
                raise _NotARecord
            keys = tuple(scores)
            template = templates.get(keys)
            if template is None:
                template = templates[keys] = _scores_template(keys)
            values = scores.values()
            if not _FLOATS.issuperset(map(type, values)):
                raise _NotARecord
            cid, parent, author, stamp = (comment.id, comment.parent_id, comment.author,
                                          comment.timestamp)
            depth, position, likes, removed, text = (comment.depth, comment.position,
                                                     comment.likes, comment.removed,
                                                     comment.text)
            if (type(depth) is not int or type(position) is not int or type(removed) is not bool
                    or type(text) is not str):
                raise _NotARecord
            # an f-string: one allocation, where a %-template is parsed again every line
            yield (
                f'{{"thread_id": {thread_id}, '
                f'"id": {enc(cid) if type(cid) is str else "null" if cid is None else _odd()}, '
                '"parent_id": '
                f'{enc(parent) if type(parent) is str else "null" if parent is None else _odd()}'
                f', "depth": {depth}, "position": {position}, "author": '
                f'{enc(author) if type(author) is str else "null" if author is None else _odd()}'
                ', "timestamp": '
                f'{enc(stamp) if type(stamp) is str else "null" if stamp is None else _odd()}'
                f', "likes": {"null" if likes is None else likes if type(likes) is int else _odd()}'
                f', "removed": {"true" if removed else "false"}, "text": '
                f'{ascii_enc(text) if text.isascii() and delete not in text else enc(text)}, '
                f'"scores": {template % tuple(map(float_text, values))}, '
                f'"flagged": {"true" if flagged else "false"}, '
                f'"reasons": {reasons_json(reasons, encode) if reasons else "[]"}, '
                f'"language": {enc(language)}}}\n'
            )
        except _NotARecord:
            record = {"thread_id": thread.id, **comment.to_dict(), **result}
            yield JSON_ENCODER.encode({name: record.get(name) for name in fields}) + "\n"
