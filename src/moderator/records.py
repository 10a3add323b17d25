"""Writing scored comment records as JSON Lines or CSV (score and export share these).

A record is a flat dict of the parse fields plus ``scores`` {attribute: probability},
``flagged`` and ``reasons``. In CSV the scores become one ``score_<attribute>`` column each
and the other nested values (``reasons``) are JSON strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) uses
from typing import TextIO

from .output import _JSON
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
        from .output import CsvRowWriter

        if kind not in ("jsonl", "csv"):
            raise ValueError(f"unknown record format {kind!r}")
        self.fh = fh
        self.kind = kind
        self.fields = list(fields)
        self.attributes = list(attributes)
        self.count = 0
        if kind == "csv":
            self._csv = CsvRowWriter(fh, csv_columns(self.fields, self.attributes))
            self._csv.close()  # the header, even when no row follows

    def write(self, record: dict) -> None:
        from .output import write_jsonl

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
            from .review import comment_records

            for record in comment_records(thread, results):
                self.write(record)
            return
        if len(results) != len(thread.comments):
            raise ValueError(f"{len(results)} results for {len(thread.comments)} comments")
        thread_id = _string_or_null(thread.id)
        write = self.fh.write
        formats: dict[tuple, str] = {}
        for comment, result in zip(thread.comments, results, strict=True):
            line = _scored_line(thread_id, comment, result, formats)
            if line is None:  # a value of another type: the json encoder decides
                record = {"thread_id": thread.id, **comment.to_dict(), **result}
                line = _JSON.encode({name: record.get(name) for name in self.fields})
            write(line + "\n")
            self.count += 1

    def close(self) -> None:
        """Nothing to finish for CSV and JSON Lines (kept for symmetry with other writers)."""


_FLOAT = {float}
#: A scored comment record: ``thread_id``, the comment's fields, then the scoring contract.
SCORED_FIELDS = ("thread_id", *COMMENT_FIELDS, "scores", "flagged", "reasons")


def _string_or_null(value) -> str | None:
    """JSON of a str or None; None for any other type."""
    if value is None:
        return "null"
    if type(value) is str:
        return encode_basestring(value)
    return None


def _scored_line(thread_id, comment, result, formats) -> str | None:
    """The JSON of a scored record as ``json.dumps`` writes it, or None when a value is not
    of the types a record holds (str/None, int, bool, float scores)."""
    if thread_id is None or len(result) != 3:
        return None
    scores = result.get("scores")
    flagged = result.get("flagged")
    reasons = result.get("reasons")
    if type(scores) is not dict or type(flagged) is not bool or type(reasons) is not list:
        return None
    values = tuple(scores.values())
    total = sum(values) if set(map(type, values)) <= _FLOAT else None
    if total is None or total - total != 0.0:
        return None  # not all floats, or a nan/inf (json writes NaN / Infinity)
    keys = tuple(scores)
    fmt = formats.get(keys)
    if fmt is None:
        if not all(type(k) is str for k in keys):
            return None
        fmt = formats[keys] = "{" + ", ".join(encode_basestring(k) + ": %r" for k in keys) + "}"
    scores_json = fmt % values
    depth, position, likes = comment.depth, comment.position, comment.likes
    if (type(depth) is not int or type(position) is not int or type(comment.removed) is not bool
            or not (likes is None or type(likes) is int) or type(comment.text) is not str):
        return None
    parts = [_string_or_null(comment.id), _string_or_null(comment.parent_id),
             _string_or_null(comment.author), _string_or_null(comment.timestamp)]
    if None in parts:
        return None
    return (
        f'{{"thread_id": {thread_id}, "id": {parts[0]}, "parent_id": {parts[1]}, '
        f'"depth": {depth}, "position": {position}, "author": {parts[2]}, '
        f'"timestamp": {parts[3]}, "likes": {"null" if likes is None else likes}, '
        f'"removed": {"true" if comment.removed else "false"}, '
        f'"text": {encode_basestring(comment.text)}, "scores": {scores_json}, '
        f'"flagged": {"true" if flagged else "false"}, '
        f'"reasons": {_JSON.encode(reasons) if reasons else "[]"}}}'
    )


EDGE_PUNCTUATION = " \t\r\n.,;:!?\u2026"


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past whitespace and sentence punctuation at its edges."""
    while start < end and text[start] in EDGE_PUNCTUATION:
        start += 1
    while end > start and text[end - 1] in EDGE_PUNCTUATION:
        end -= 1
    return start, end


def reason_words(text: str, reason: dict, limit: int = 3, fraction: float = 0.25) -> list[str]:
    """The distinct words of the strongest positive spans of a reason, strongest first
    (spans weaker than ``fraction`` of the strongest are left out)."""
    words: list[str] = []
    spans = sorted(reason.get("spans") or [], key=lambda s: -s[2])
    strongest = spans[0][2] if spans else 0.0
    for start, end, weight in spans:
        word = text[slice(*trim_span(text, int(start), int(end)))]
        if weight < fraction * strongest:
            break
        if weight > 0 and word and word.lower() not in (w.lower() for w in words):
            words.append(word)
        if len(words) == limit:
            break
    return words
