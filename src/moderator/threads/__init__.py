"""Reading comment threads from the formats sites really export.

``read_threads(path)`` detects the format (or takes ``format=``) and yields ``Thread`` objects.
Each format lives in its own module exposing:

- ``sniff(source) -> float``: confidence 0..1 that the source is in this format;
- ``parse(source, options) -> Iterator[Thread]``: the threads, comments in document order.

Parsers raise ``ThreadFormatError`` for input they cannot read, log recoverable problems on
the ``moderator`` logger, and count every comment they do not emit in ``Thread.skipped``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import ThreadFormatError
from .model import COMMENT_FIELDS, Comment, Thread
from .source import Source

__all__ = [
    "COMMENT_FIELDS",
    "Comment",
    "FORMATS",
    "ParseOptions",
    "Source",
    "Thread",
    "ThreadFormatError",
    "detect_format",
    "read_threads",
]

# name -> module (imported lazily so `moderator --help` stays fast)
FORMATS: dict[str, str] = {
    "text": "moderator.threads.text",
    "wxr": "moderator.threads.wxr",
    "disqus": "moderator.threads.disqus",
    "reddit": "moderator.threads.reddit",
    "hn": "moderator.threads.hn",
    "json": "moderator.threads.generic_json",
    "csv": "moderator.threads.csv_table",
}


@dataclass
class ParseOptions:
    """What a user can tell the parsers. Column names apply to the ``csv`` format."""

    include_removed: bool = False
    text_column: str = "text"
    id_column: str | None = None
    parent_column: str | None = None
    author_column: str | None = None
    article_column: str | None = None
    title_column: str | None = None
    thread_column: str | None = None


def format_module(name: str):
    if name not in FORMATS:
        raise ThreadFormatError(name, f"unknown format {name!r}; choose from {', '.join(FORMATS)}")
    return importlib.import_module(FORMATS[name])


def detect_format(source: Source) -> str:
    """The most likely format of ``source``; ThreadFormatError when it is none of them."""
    if source.size == 0 or not source.head_text().strip():
        raise ThreadFormatError(source.name, "empty file")
    best, best_score = None, 0.0
    for name in FORMATS:
        try:
            module = format_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != FORMATS[name]:
                raise
            continue  # a format whose module is not built yet cannot claim the file
        score = module.sniff(source)
        if score > best_score:
            best, best_score = name, score
    if best is None:
        raise ThreadFormatError(
            source.name, f"not a comment thread in any known format ({', '.join(FORMATS)})"
        )
    return best


def read_threads(
    path: str | os.PathLike,
    format: str | None = None,
    options: ParseOptions | None = None,
) -> Iterator[Thread]:
    """Yield the threads in ``path`` (``-`` = stdin), detecting the format unless given."""
    options = options or ParseOptions()
    with Source(path) as source:
        if format is None:
            format = detect_format(source)
        elif source.size == 0:
            raise ThreadFormatError(source.name, "empty file")
        module = format_module(format)
        yield from module.parse(source, options)
