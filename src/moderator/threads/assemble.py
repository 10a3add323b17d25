"""From a platform's comment records to the model's comments, with nothing lost.

Platform exports mark some records as not (or no longer) visible comments: spam, trash,
unapproved, deleted, dead, pingbacks. Every format applies the same rule, here:

- a record to show becomes a ``Comment``;
- a hidden record (spam, deleted, …; ``optional=True``) is counted in ``Thread.skipped`` by
  reason, unless ``include_removed`` keeps it (with ``removed=True`` and its text);
- a record that is no comment at all (pingback, trackback; ``optional=False``) is always
  counted, never shown;
- but a skipped record that still has shown replies stays in the tree as a placeholder:
  ``removed=True``, no author, empty text. Its replies keep their real parent and depth, so
  the tree stays truthful (a reply to a spam comment is not presented as a reply to the
  article), and the placeholder is not also counted as skipped: every input record is either
  in the comments or in ``skipped``, exactly once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from .model import Comment


@dataclass(slots=True)
class Record:
    """One comment-like record as a platform export has it."""

    id: str
    parent_id: str | None = None
    author: str | None = None
    timestamp: str | None = None
    likes: int | None = None
    text: str = ""
    removed: bool = False  # removed on the platform but still shown (Reddit "[deleted]")
    skip: str | None = None  # why it is not shown, e.g. "spam", "pingback"
    optional: bool = True  # whether --include-removed brings a skipped record back


def build_comments(
    ordered: Sequence[tuple[Record, int, str | None]], include_removed: bool
) -> tuple[list[Comment], Counter]:
    """Comments (positions numbered) and skip counts from records in document order.

    ``ordered`` is what ``tree.order_by_parent`` or ``tree.walk_nested`` produce: each record
    with its depth and its parent's id, replies after their parents.
    """
    shown = [
        rec.skip is None or (rec.optional and include_removed) for rec, _, _ in ordered
    ]
    # A skipped record is kept as a placeholder when any reply below it is shown. Walking
    # the pre-order list backwards sees every reply before its parent.
    needed = list(shown)
    index_of = {rec.id: i for i, (rec, _, _) in enumerate(ordered)}
    for i in range(len(ordered) - 1, -1, -1):
        if needed[i]:
            parent = ordered[i][2]
            if parent is not None:
                j = index_of.get(parent)
                if j is not None and j < i:
                    needed[j] = True
    comments: list[Comment] = []
    skipped: Counter = Counter()
    for i, (rec, depth, parent) in enumerate(ordered):
        if shown[i]:
            comments.append(
                Comment(
                    id=rec.id,
                    parent_id=parent,
                    depth=depth,
                    position=len(comments),
                    author=rec.author,
                    timestamp=rec.timestamp,
                    likes=rec.likes,
                    removed=rec.removed or rec.skip is not None,
                    text=rec.text,
                )
            )
        elif needed[i]:
            comments.append(
                Comment(
                    id=rec.id,
                    parent_id=parent,
                    depth=depth,
                    position=len(comments),
                    timestamp=rec.timestamp,
                    removed=True,
                )
            )
        else:
            skipped[rec.skip] += 1
    return comments, skipped


def iso_from_unix(value) -> str | None:
    """``1700000000`` → ``2023-11-14T22:13:20Z`` (None for anything that is not a time)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        moment = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if moment.microsecond:
        moment = moment.replace(microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
