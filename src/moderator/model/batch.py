"""The batch a model scores: comments with their context, columnar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass
class CommentBatch:
    """Comments with their context, columnar. ``None`` columns mean "not known".

    ``groups`` are thread keys (comments sharing a key are one thread). ``members[i]`` False
    means row i is compared with its group's thread but is not part of it (used for the
    off-topic pairs made in training).
    """

    texts: Sequence[str]
    articles: Sequence[str] | None = None
    parents: Sequence[str] | None = None
    groups: Sequence | None = None
    members: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.texts)

    @cached_property
    def thread_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """(thread number per row, -1 for none; whether the row is a member of its thread),
        made once: every thread view of ``moderator.model.context`` reads them."""
        n = len(self)
        if self.groups is None:
            codes = np.full(n, -1, dtype=np.intp)
        else:
            seen: dict = {}
            codes = np.fromiter((-1 if group is None else seen.setdefault(group, len(seen))
                                 for group in self.groups), dtype=np.intp, count=n)
        members = np.ones(n, dtype=bool) if self.members is None else np.asarray(self.members,
                                                                                bool)
        return codes, members & (codes >= 0)

    @classmethod
    def of(cls, X) -> CommentBatch:
        """A batch from a ``CommentBatch`` or a plain sequence of texts."""
        if isinstance(X, CommentBatch):
            return X
        if isinstance(X, str):
            raise TypeError("expected a sequence of texts, got one string")
        return cls(texts=list(X))



def unique_index(values: Sequence[str] | None, n: int):
    """(unique non-empty values, index per row into them or -1)."""
    index = np.full(n, -1, dtype=np.intp)
    if values is None:
        return [], index
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        if value and not value.isspace():
            index[i] = seen.setdefault(value, len(seen))
    return list(seen), index
