"""The thread data model every parser produces and every later stage consumes.

The field names and meanings here are a fixed contract (parse output, score output,
export rows): change them only together with every consumer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

COMMENT_FIELDS = (
    "id",
    "parent_id",
    "depth",
    "position",
    "author",
    "timestamp",
    "likes",
    "removed",
    "text",
)


@dataclass
class Comment:
    """One comment, flattened: its place in the tree is ``parent_id`` + ``depth``."""

    id: str
    parent_id: str | None
    depth: int
    position: int
    author: str | None = None
    timestamp: str | None = None  # ISO 8601 or None
    likes: int | None = None
    removed: bool = False  # deleted/removed on the platform, kept because replies hang under it
    text: str = ""

    def to_dict(self) -> dict:
        # spelled out: dataclasses.asdict deep-copies field by field, 10x slower, and every
        # scored comment passes through here
        return {
            "id": self.id,
            "parent_id": self.parent_id,
            "depth": self.depth,
            "position": self.position,
            "author": self.author,
            "timestamp": self.timestamp,
            "likes": self.likes,
            "removed": self.removed,
            "text": self.text,
        }


@dataclass
class Thread:
    """A page/post and its comments in document order.

    ``skipped`` counts comments present in the input but not emitted, by reason
    (``"spam"``, ``"deleted"``, ``"pingback"``, ``"more stub (not in file)"`` …), so that
    every input comment is either in ``comments`` or counted here.
    """

    id: str
    title: str = ""
    article: str = ""
    source: dict = field(default_factory=dict)  # {"path": str, "format": str}
    comments: list[Comment] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)

    def to_dict(self) -> dict:
        """The ``parse --output json`` shape: ``{id, title, article, source, comments}``."""
        return {
            "id": self.id,
            "title": self.title,
            "article": self.article,
            "source": dict(self.source),
            "comments": [c.to_dict() for c in self.comments],
        }

    def by_id(self) -> dict[str, Comment]:
        return {c.id: c for c in self.comments}
