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


def reason_words(text: str, reason: dict, limit: int = 3) -> list[str]:
    """The distinct words of the strongest positive spans of a reason, strongest first."""
    words: list[str] = []
    spans = sorted(reason.get("spans") or [], key=lambda s: -s[2])
    for start, end, weight in spans:
        word = text[start:end].strip()
        if weight > 0 and word and word.lower() not in (w.lower() for w in words):
            words.append(word)
        if len(words) == limit:
            break
    return words
