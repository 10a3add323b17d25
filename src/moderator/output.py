"""Writing threads and comments out: rows for machines (JSON Lines, CSV, JSON) and a table
for people. Shared by ``parse``, ``score`` and ``export``.

Rows are plain dicts: ``thread_id`` followed by the comment fields (``ROW_FIELDS``), plus
whatever a command adds per comment (``score`` adds ``scores``, ``flagged``, ``reasons``)::

    rows = comment_rows(thread, extra=results)     # results[i] is merged into row i
    write_jsonl(rows, sys.stdout)

``render_table(thread, annotations=results)`` shows the same extras to people: a column per
score, ``FLAG`` on flagged comments and a ``why:`` line with the words behind each reason.
"""

from __future__ import annotations

import csv
import json
import shutil
import textwrap
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from .explanations import reason_text
from .threads.model import COMMENT_FIELDS, Thread

ROW_FIELDS: tuple[str, ...] = ("thread_id", *COMMENT_FIELDS)
# one encoder reused: json.dumps(..., ensure_ascii=False) builds a new one on every call
JSON_ENCODER = json.JSONEncoder(ensure_ascii=False)


def comment_rows(
    thread: Thread, extra: Sequence[dict[str, Any]] | None = None
) -> Iterator[dict[str, Any]]:
    """One dict per comment, in thread order: ``thread_id`` + comment fields (+ ``extra[i]``)."""
    if extra is not None and len(extra) != len(thread.comments):
        raise ValueError(f"{len(extra)} extra entries for {len(thread.comments)} comments")
    for index, comment in enumerate(thread.comments):
        # not dataclasses.asdict: it deep-copies and was a third of `parse` time
        row: dict[str, Any] = {
            "thread_id": thread.id,
            "id": comment.id,
            "parent_id": comment.parent_id,
            "depth": comment.depth,
            "position": comment.position,
            "author": comment.author,
            "timestamp": comment.timestamp,
            "likes": comment.likes,
            "removed": comment.removed,
            "text": comment.text,
        }
        if extra is not None:
            row.update(extra[index])
        yield row


def scored_document(thread: Thread, results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One thread of ``score --output json`` (and of the server's ``/v1/threads:score``):
    the ``parse --output json`` shape with each comment's ``scores``, ``flagged`` and
    ``reasons`` merged in."""
    document = thread.to_dict()
    for comment, result in zip(document["comments"], results, strict=True):
        comment.update(result)
    return document


def write_jsonl(rows: Iterable[dict[str, Any]], stream: IO[str]) -> int:
    """One JSON object per line (UTF-8, not ASCII-escaped); returns the number of rows."""
    count = 0
    for row in rows:
        stream.write(JSON_ENCODER.encode(row) + "\n")
        count += 1
    return count


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False)
    return value


class CsvRowWriter:
    """CSV rows with a header written once; nested values (scores, reasons) as JSON text.

    ``fieldnames`` fixes the columns; rows may lack some (empty cell) but not add others.
    """

    def __init__(self, stream: IO[str], fieldnames: Sequence[str] = ROW_FIELDS):
        self.fieldnames = list(fieldnames)
        self._writer = csv.DictWriter(stream, fieldnames=self.fieldnames, lineterminator="\n")
        self._header_written = False
        self.count = 0

    def write(self, rows: Iterable[dict[str, Any]]) -> int:
        if not self._header_written:
            self._writer.writeheader()
            self._header_written = True
        written = 0
        for row in rows:
            self._writer.writerow({k: _csv_value(v) for k, v in row.items()})
            written += 1
        self.count += written
        return written

    def close(self) -> None:
        """Write the header even when there were no rows."""
        if not self._header_written:
            self.write(())


def write_csv(
    rows: Iterable[dict[str, Any]], stream: IO[str], fieldnames: Sequence[str] = ROW_FIELDS
) -> int:
    """All rows as one CSV table (header included); returns the number of rows."""
    writer = CsvRowWriter(stream, fieldnames)
    writer.write(rows)
    writer.close()
    return writer.count


class JsonListWriter:
    """A JSON list written item by item, so a large result is never held whole."""

    def __init__(self, stream: IO[str], indent: int | None = 2):
        self.stream = stream
        self.indent = indent
        self.count = 0

    def write(self, item: Any) -> None:
        self.stream.write("[\n" if self.count == 0 else ",\n")
        self.stream.write(json.dumps(item, ensure_ascii=False, indent=self.indent))
        self.count += 1

    def close(self) -> None:
        self.stream.write("[]\n" if self.count == 0 else "\n]\n")


def counted(count: int, noun: str) -> str:
    """``1 thread``, ``2 threads``: a count with its noun (regular plurals only)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _clip(text: str, width: int) -> str:
    if width <= 1:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(
    thread: Thread,
    annotations: Sequence[dict[str, Any]] | None = None,
    width: int | None = None,
) -> Iterator[str]:
    """Lines showing a thread to a person: a heading, then one line per comment.

    Each comment line: position, likes, optional score columns and ``FLAG`` (from
    ``annotations[i]["scores"]``/``["flagged"]``), then the author and the first line of the
    text, indented two spaces per depth. ``annotations[i]["reasons"]`` add a ``why:`` line,
    wrapped over as many lines as the width needs.
    """
    for _, line in table_lines(thread, annotations, width):
        yield line


def table_lines(
    thread: Thread,
    annotations: Sequence[dict[str, Any]] | None = None,
    width: int | None = None,
) -> Iterator[tuple[int | None, str]]:
    """``render_table``'s lines, each with the index of the comment it belongs to (``None``
    for the heading and the column header), so a caller styles a comment's lines (its row
    and every wrapped ``why:`` line) without counting them."""
    if width is None:
        width = max(60, shutil.get_terminal_size((100, 24)).columns)
    count = len(thread.comments)
    heading = thread.title or "(untitled)"
    yield None, _clip(
        f"{heading}  [{thread.id}, {counted(count, 'comment')}]", width
    )
    attributes: list[str] = []
    flags = False
    for note in annotations or ():
        for name in note.get("scores") or {}:
            if name not in attributes:
                attributes.append(name)
        flags = flags or "flagged" in note
    hidden = _columns_to_hide(attributes, annotations or (), flags, width)
    attributes = [name for name in attributes if name not in hidden]
    if hidden:
        for piece in textwrap.wrap(f"({counted(len(hidden), 'score column')} hidden at this "
                                   f"width: {', '.join(hidden)}; a wider terminal or --output "
                                   f"jsonl shows them)", max(width, 20)):
            yield None, piece
    header = f"{'#':>4} {'likes':>5}"
    for name in attributes:
        header += f" {name[:7]:>7}"
    if flags:
        header += " flag"
    yield None, _clip(header + "  comment", width)
    for index, comment in enumerate(thread.comments):
        note = annotations[index] if annotations is not None else {}
        likes = "" if comment.likes is None else str(comment.likes)
        line = f"{comment.position + 1:>4} {likes:>5}"
        scores = note.get("scores") or {}
        for name in attributes:
            value = scores.get(name)
            line += f" {value:>7.2f}" if isinstance(value, int | float) else f" {'':>7}"
        if flags:
            # a comment the English model did not judge shows its language there
            language = note.get("language") or "en"
            line += (" FLAG" if note.get("flagged") else "     " if language == "en"
                     else f" {language[:4]:>4}")
        body = _first_line(comment.text)
        if comment.removed:
            body = ("[removed] " + body).rstrip()
        who = f"{comment.author}: " if comment.author else ""
        prefix = "  " * comment.depth + ("↳ " if comment.depth else "")
        yield index, _clip(f"{line}  {prefix}{who}{body}", width)
        for reason in note.get("reasons") or ():
            # the words behind a flag are what a moderator reads: wrapped, never clipped
            pad = " " * (min(len(line) + 2, width // 3) + len(prefix))
            wrapped = textwrap.wrap(
                f"why: {reason_text(comment.text, reason)}", max(width - len(pad), 20),
                subsequent_indent="     ",
            )
            for piece in wrapped:
                yield index, pad + piece


#: The narrowest comment column the score table keeps: below it score columns are hidden.
MIN_COMMENT_WIDTH = 24


def _columns_to_hide(attributes: list[str], annotations: Sequence[dict[str, Any]],
                     flags: bool, width: int) -> list[str]:
    """The score columns a table ``width`` wide cannot show beside a readable comment: the
    attributes that flag a comment of the thread stay, then those with the highest scores."""
    fixed = 10 + (5 if flags else 0) + 2 + MIN_COMMENT_WIDTH  # "#", likes, flag, comment
    room = max(0, (width - fixed) // 8)  # a score column is 8 characters
    if room >= len(attributes):
        return []
    flagged = {reason.get("attribute") for note in annotations
               for reason in note.get("reasons") or ()}
    highest = {name: max((s for note in annotations
                          if isinstance(s := (note.get("scores") or {}).get(name), int | float)),
                         default=0.0) for name in attributes}
    ranked = sorted(attributes, key=lambda name: (name not in flagged, -highest[name]))
    kept = set(ranked[:room])
    return [name for name in attributes if name not in kept]


class Summary:
    """Counts over the threads a command went through, for the closing summary line."""

    def __init__(self) -> None:
        self.threads = 0
        self.comments = 0
        self.skipped: Counter = Counter()
        self.flagged: int | None = None

    def add(self, thread: Thread, flagged: int | None = None) -> None:
        self.threads += 1
        self.comments += len(thread.comments)
        self.skipped.update(thread.skipped)
        if flagged is not None:
            self.flagged = (self.flagged or 0) + flagged

    def line(self) -> str:
        """e.g. ``2 threads, 15 comments, skipped: 3 spam, 1 more stub (not in file)``."""
        text = (
            f"{counted(self.threads, 'thread')}, {counted(self.comments, 'comment')}"
        )
        if self.flagged is not None:
            text += f", {self.flagged} flagged"
        skipped = [(reason, n) for reason, n in self.skipped.most_common() if n]
        if skipped:
            text += ", skipped: " + ", ".join(f"{n} {reason}" for reason, n in skipped)
        else:
            text += ", none skipped"
        return text
