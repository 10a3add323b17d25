"""Comment ids for inputs that give none, or give the same one twice."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from .model import Comment

log = logging.getLogger("moderator")


def assign_ids(comments: Sequence[Comment], source_name: str) -> None:
    """Fill empty ids with ``c<position+1>`` and make repeated ids unique (``x~2``).

    Generated ids never collide with ids the input does give (``c3_2`` if it has a ``c3``).
    A repeated id is logged: the later comment keeps its text under the new id.
    """
    given = {c.id for c in comments if c.id}
    seen: set[str] = set()
    repeated = 0
    for comment in comments:
        if comment.id and comment.id not in seen:
            seen.add(comment.id)
            continue
        if comment.id:
            repeated += 1
            stem, n = f"{comment.id}~", 2
            candidate = f"{stem}{n}"
        else:
            stem, n = f"c{comment.position + 1}_", 1
            candidate = f"c{comment.position + 1}"
        while candidate in seen or candidate in given:
            n += 1
            candidate = f"{stem}{n}"
        comment.id = candidate
        seen.add(candidate)
    if repeated:
        log.warning(
            "%s: %d comment id(s) repeated; later ones renamed with a ~N suffix",
            source_name,
            repeated,
        )
