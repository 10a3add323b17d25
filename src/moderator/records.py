"""Writing scored comment records as JSON Lines or CSV (score and export share these).

A record is a flat dict of the parse fields plus ``scores`` {attribute: probability},
``flagged`` and ``reasons``. In CSV the scores become one ``score_<attribute>`` column each
and the other nested values (``reasons``) are JSON strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

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

    def close(self) -> None:
        """Nothing to finish for CSV and JSON Lines (kept for symmetry with other writers)."""


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
