"""Writing scored comment records as JSON Lines, JSON or CSV (score and export share these).

A record is a flat dict of the parse fields plus ``scores`` {attribute: probability},
``flagged`` and ``reasons``. In CSV the scores become one ``score_<attribute>`` column each
and the other nested values (``reasons``) are JSON strings.
"""

from __future__ import annotations

import csv
import json
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


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class RecordWriter:
    """Write records to ``fh`` as ``jsonl``, ``json`` (one array) or ``csv``."""

    def __init__(self, fh: TextIO, kind: str, fields: Sequence[str], attributes: Sequence[str]):
        if kind not in ("jsonl", "json", "csv"):
            raise ValueError(f"unknown record format {kind!r}")
        self.fh = fh
        self.kind = kind
        self.fields = list(fields)
        self.attributes = list(attributes)
        self.count = 0
        if kind == "csv":
            self._csv = csv.writer(fh, lineterminator="\n")
            self._csv.writerow(csv_columns(self.fields, self.attributes))
        elif kind == "json":
            fh.write("[")

    def write(self, record: dict) -> None:
        if self.kind == "csv":
            row = []
            for name in self.fields:
                if name == "scores":
                    scores = record.get("scores") or {}
                    row.extend(_cell(scores.get(a)) for a in self.attributes)
                else:
                    row.append(_cell(record.get(name)))
            self._csv.writerow(row)
        else:
            ordered = {name: record.get(name) for name in self.fields}
            text = json.dumps(ordered, ensure_ascii=False)
            if self.kind == "jsonl":
                self.fh.write(text + "\n")
            else:
                self.fh.write(("\n" if self.count == 0 else ",\n") + text)
        self.count += 1

    def close(self) -> None:
        """Finish the document (closes the JSON array); does not close ``fh``."""
        if self.kind == "json":
            self.fh.write("\n]\n" if self.count else "]\n")


SHORT_NAMES = {
    "toxicity": "TOX",
    "severe_toxicity": "SEV",
    "insult": "INS",
    "profanity": "PRF",
    "threat": "THR",
    "identity_attack": "IDA",
    "off_topic": "OFF",
}


def short_name(attribute: str) -> str:
    return SHORT_NAMES.get(attribute, attribute[:3].upper())


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


def describe_reason(text: str, reason: dict) -> str:
    """``insult 0.88 ≥ 0.50: "idiot", "moron"`` (the words only when the model gave spans)."""
    line = f"{reason['attribute']} {reason['score']:.2f} \u2265 {reason['threshold']:.2f}"
    words = reason_words(text, reason)
    if words:
        line += ": " + ", ".join(f'"{w}"' for w in words)
    return line


def _one_line(text: str, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


class TableWriter:
    """The thread for a person: scores, author and text indented by depth, FLAG lines."""

    def __init__(self, echo, attributes: Sequence[str], text_width: int = 100):
        import click

        self._style = click.style
        self.echo = echo
        self.attributes = list(attributes)
        self.text_width = text_width
        self.comments = 0
        self.flagged = 0
        self.by_attribute: dict[str, int] = {}

    def thread(self, thread) -> None:
        title = thread.title or "(untitled)"
        self.echo(self._style(f"{title}", bold=True) + f"  [thread {thread.id}, "
                  f"{len(thread.comments)} comments]")
        header = " ".join(f"{short_name(a):>4}" for a in self.attributes)
        legend = ", ".join(f"{short_name(a)}={a}" for a in self.attributes)
        self.echo(f"{header}  comment   ({legend})")

    def write(self, record: dict) -> None:
        self.comments += 1
        scores = record.get("scores") or {}
        cells = " ".join(f"{scores.get(a, 0.0):4.2f}" for a in self.attributes)
        indent = "  " * int(record.get("depth") or 0)
        author = record.get("author") or "(anonymous)"
        text = _one_line(record.get("text", ""), self.text_width)
        line = f"{cells}  {indent}{author}: {text}"
        pad = " " * (len(cells) + 2) + indent + "  "
        if record.get("flagged"):
            self.flagged += 1
            self.echo(self._style(line, fg="red"))
            for reason in record.get("reasons") or []:
                attribute = reason["attribute"]
                self.by_attribute[attribute] = self.by_attribute.get(attribute, 0) + 1
                flag = self._style("FLAG", fg="red", bold=True, reverse=True)
                self.echo(pad + flag + " " + self._style(
                    describe_reason(record.get("text", ""), reason), fg="red"))
        else:
            self.echo(line)

    def summary(self) -> str:
        parts = ", ".join(f"{a} {n}" for a, n in sorted(self.by_attribute.items()))
        text = f"{self.comments} comments, {self.flagged} flagged"
        return text + (f" ({parts})" if parts else "")
