"""A CSV table of comments, one row per comment.

Columns (``ParseOptions``/``--…-column``; when an option is not given, a column with the
conventional name is used if the header has one):

=========== ====================== ==============================================
option      conventional name      meaning
=========== ====================== ==============================================
text        ``text`` (required)    the comment text
id          ``id``                 the comment id (else ``c<N>``, N = position+1)
parent      ``parent_id``/``parent`` the id of the comment it replies to
author      ``author``
article     ``article``            the article text (repeated on every row)
title       ``title``              the thread title
thread      ``thread_id``/``thread`` which thread the row belongs to
–           ``timestamp``          ISO 8601 string, kept as written
–           ``likes``              whole number
–           ``removed``            1/0, true/false, yes/no
=========== ====================== ==============================================

Rows with the same thread id — or, without a thread column, the same article text — form one
thread; without either the whole file is one thread. Threads come out in order of their first
row. With a thread or article column the file is read twice, streaming: a first pass only checks
whether each thread's rows are contiguous; if they are, each thread is emitted as soon as its
last row is read, otherwise rows are grouped in memory. ``moderator parse --output csv``
writes a table this format reads back.
The delimiter is a comma, or a tab/semicolon when the header line has no comma but one of those.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count, repeat

from ..errors import ThreadFormatError
from .ids import assign_ids
from .model import Comment, Thread
from .tree import order_by_parent

CONVENTIONAL = {
    "id": ("id",),
    "parent": ("parent_id", "parent"),
    "author": ("author",),
    "article": ("article",),
    "title": ("title",),
    "thread": ("thread_id", "thread"),
    "timestamp": ("timestamp",),
    "likes": ("likes",),
    "removed": ("removed",),
}
TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"", "0", "false", "no", "n", "f"}
FIELD_SIZE_LIMIT = 2**31 - 1  # articles in a cell easily pass the csv module's 128 KB default


@dataclass
class _Columns:
    text: int
    id: int | None = None
    parent: int | None = None
    author: int | None = None
    article: int | None = None
    title: int | None = None
    thread: int | None = None
    timestamp: int | None = None
    likes: int | None = None
    removed: int | None = None


class _Row(tuple):
    """``(line, values)``: a data row and the line it starts on (a plain tuple to build, as
    every row of a file makes one)."""

    __slots__ = ()

    @property
    def line(self) -> int:
        return self[0]

    @property
    def values(self) -> list[str]:
        return self[1]


def _delimiter(header_line: str) -> str:
    if "," in header_line:
        return ","
    for candidate in ("\t", ";"):
        if candidate in header_line:
            return candidate
    return ","


def _resolve_columns(header: list[str], options, name: str) -> _Columns:
    index = {column.strip(): i for i, column in reversed(list(enumerate(header)))}
    available = ", ".join(repr(c) for c in header)

    def find(option: str, given: str | None) -> int | None:
        if given:
            if given not in index:
                raise ThreadFormatError(
                    name, f"no column {given!r} (--{option}-column); the columns are {available}"
                )
            return index[given]
        for conventional in CONVENTIONAL.get(option, ()):
            if conventional in index:
                return index[conventional]
        return None

    text_name = getattr(options, "text_column", None) or "text"
    if text_name not in index:
        raise ThreadFormatError(
            name,
            f"no text column {text_name!r}; the columns are {available} "
            "(name the comment text column with --text-column)",
        )
    columns = _Columns(
        text=index[text_name],
        id=find("id", getattr(options, "id_column", None)),
        parent=find("parent", getattr(options, "parent_column", None)),
        author=find("author", getattr(options, "author_column", None)),
        article=find("article", getattr(options, "article_column", None)),
        title=find("title", getattr(options, "title_column", None)),
        thread=find("thread", getattr(options, "thread_column", None)),
        timestamp=find("timestamp", None),
        likes=find("likes", None),
        removed=find("removed", None),
    )
    if columns.parent is not None and columns.id is None:
        raise ThreadFormatError(
            name,
            f"a parent column ({header[columns.parent]!r}) needs an id column to refer to; "
            f"the columns are {available} (name it with --id-column)",
        )
    return columns


def _rows(source, name: str) -> Iterator[tuple[list[str], _Row | None]]:
    """(header, row) pairs; the first pair carries row None (header only)."""
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    with source.open_text() as stream:
        first = stream.readline()
    if not first.strip():
        raise ThreadFormatError(name, "no header row (the first line is empty)", 1)
    with source.open_text() as stream:
        # strict: a stray quote would otherwise swallow the following rows into one cell
        reader = csv.reader(stream, delimiter=_delimiter(first), strict=True)
        try:
            header = next(reader)
            yield header, None
            start = reader.line_num + 1
            width = len(header)
            new_row = tuple.__new__
            for values in reader:
                # blank lines are no comments; the first cell usually settles it
                first = values[0] if values else ""
                if (first and not first.isspace()) or not _blank(values):
                    if len(values) != width:
                        raise ThreadFormatError(
                            name,
                            f"row has {len(values)} fields but the header has "
                            f"{width} (an unquoted delimiter in the text?)",
                            start,
                        )
                    yield header, new_row(_Row, (start, values))
                start = reader.line_num + 1
        except csv.Error as exc:
            raise ThreadFormatError(name, f"bad CSV: {exc}", reader.line_num) from None


def _blank(values: list[str]) -> bool:
    joined = "".join(values)
    return not joined or joined.isspace()


def _group_key(row: _Row, columns: _Columns) -> str:
    if columns.thread is not None:
        return row.values[columns.thread]
    if columns.article is not None:
        # hashed: the first pass keeps one key per thread, and articles are long
        return hashlib.sha1(row.values[columns.article].encode("utf-8")).hexdigest()
    return ""


def _int(value: str, column: str, row: _Row, name: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        try:
            number = float(value)
        except ValueError:
            number = None
        if number is not None and number.is_integer():
            return int(number)
        raise ThreadFormatError(
            name, f"column {column!r}: {value!r} is not a whole number", row.line
        ) from None


def _bool(value: str, column: str, row: _Row, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ThreadFormatError(
        name, f"column {column!r}: {value!r} is not true/false (1/0, yes/no)", row.line
    )


def _thread(
    rows: list[_Row], columns: _Columns, header: list[str], thread_id: str, name: str
) -> Thread:
    def get(row: _Row, column: int | None) -> str:
        return row.values[column] if column is not None else ""

    def first_value(column: int | None) -> str:
        return next((row.values[column] for row in rows if row.values[column]), "") if (
            column is not None
        ) else ""

    thread = Thread(
        id=thread_id,
        title=first_value(columns.title),
        article=first_value(columns.article),
        source={"path": name, "format": "csv"},
    )
    if columns.parent is not None:
        first_with_id: dict[str, int] = {}
        for i, row in enumerate(rows):
            first_with_id.setdefault(get(row, columns.id), i)

        def parent_key(i: int):
            raw = get(rows[i], columns.parent).strip()
            if not raw:
                return None
            # unknown parents keep their raw id, which order_by_parent reports as an orphan
            return first_with_id.get(raw, f"missing:{raw}")

        ordered = order_by_parent(list(range(len(rows))), lambda i: i, parent_key, name)
    else:
        ordered = None  # rows in file order, every comment at the top level

    comments = thread.comments
    id_, author, timestamp = columns.id, columns.author, columns.timestamp
    likes, removed, text = columns.likes, columns.removed, columns.text

    def comment(row: _Row, depth: int, position: int) -> Comment:
        values = row[1]
        return Comment(
            values[id_].strip() if id_ is not None else "",
            None,
            depth,
            position,
            (values[author] or None) if author is not None else None,
            (values[timestamp].strip() or None) if timestamp is not None else None,
            _int(values[likes], header[likes], row, name) if likes is not None else None,
            _bool(values[removed], header[removed], row, name) if removed is not None else False,
            values[text],
        )

    if ordered is None:
        comments.extend(map(comment, rows, repeat(0), count()))
        assign_ids(comments, name)
        return thread
    path_ids: list[int] = []  # the pre-order path: index of the latest row at each depth
    parents: list[int | None] = []
    for position, (i, depth, _parent) in enumerate(ordered):
        if depth:
            del path_ids[depth:]
            parents.append(path_ids[-1])
        else:
            path_ids.clear()
            parents.append(None)
        path_ids.append(position)
        comments.append(comment(rows[i], depth, position))
    assign_ids(comments, name)
    for child, parent in zip(comments, parents, strict=True):
        if parent is not None:
            child.parent_id = comments[parent].id
    return thread


def _stem(name: str) -> str:
    if name == "<stdin>":
        return "stdin"
    return os.path.splitext(os.path.basename(name))[0] or name


def sniff(source) -> float:
    head = source.head_text().lstrip("\ufeff")
    first_line = head.split("\n", 1)[0].strip("\r")
    score = 0.0
    extension = os.path.splitext(source.name)[1].lower()
    if extension in (".csv", ".tsv"):
        score += 0.5
    if first_line and first_line[0] not in "{[<":
        try:
            header = next(csv.reader([first_line], delimiter=_delimiter(first_line)))
        except csv.Error:
            header = []
        names = {h.strip().lower() for h in header}
        if len(header) >= 2 and "text" in names:
            score += 0.4
    return min(score, 0.9)


def parse(source, options=None) -> Iterator[Thread]:
    name = source.name
    stem = _stem(name)

    # pass 1: header, columns, and whether every thread's rows are contiguous
    rows = _rows(source, name)
    header, _ = next(rows, ([], None))
    if not header:
        raise ThreadFormatError(name, "empty file")
    columns = _resolve_columns(header, options, name)
    seen: set[str] = set()
    previous = None
    contiguous = True
    # without a thread or article column the file is one thread: nothing to check
    for _, row in rows if columns.thread is not None or columns.article is not None else ():
        key = _group_key(row, columns)
        if key != previous:
            if key in seen:
                contiguous = False
                break
            seen.add(key)
            previous = key
    rows.close()
    numbered = columns.thread is None and columns.article is not None

    def thread_id(key: str, n: int, row: _Row) -> str:
        if columns.thread is not None:
            return key or f"{stem}-{n}"
        return f"{stem}-{n}" if numbered else stem

    # pass 2: build the threads
    rows = _rows(source, name)
    next(rows)
    if columns.thread is None and columns.article is None:  # one thread: no keys to compare
        whole = [row for _, row in rows]
        if whole:
            yield _thread(whole, columns, header, thread_id("", 1, whole[0]), name)
    elif contiguous:
        current: list[_Row] = []
        current_key = None
        n = 0
        for _, row in rows:
            key = _group_key(row, columns)
            if current and key != current_key:
                n += 1
                yield _thread(current, columns, header, thread_id(current_key, n, current[0]), name)
                current = []
            current_key = key
            current.append(row)
        if current:
            n += 1
            yield _thread(current, columns, header, thread_id(current_key, n, current[0]), name)
    else:
        groups: dict[str, list[_Row]] = {}
        for _, row in rows:
            groups.setdefault(_group_key(row, columns), []).append(row)
        for n, (key, group) in enumerate(groups.items(), start=1):
            yield _thread(group, columns, header, thread_id(key, n, group[0]), name)
