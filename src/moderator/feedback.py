"""Learning from moderators: a review queue with its ``decision`` column filled -> labels.

``moderator export`` writes the queue with an empty ``decision`` column. A moderator fills
some rows; ``load_feedback(path)`` turns those into training rows:

- ``reject``: the flags were right. Label 1 for each attribute in the row's ``reasons``
  (and ``toxicity`` 1 when any of them is a kind of toxicity).
- ``approve``: the flags were wrong. Label 0 for each flagged attribute; an approved comment
  that was not flagged (``export --all``) is 0 for every attribute it was scored on.
- an attribute name (``insult``, ``off_topic``, …; several separated by commas): label 1 for
  each (and ``toxicity`` 1 for a kind of toxicity), whatever was flagged.

Rows without a decision are left out; the comment's article and parent stay as context.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from pathlib import Path

from .attributes import ATTRIBUTES, TOXICITY_FAMILY
from .errors import LabelsError
from .labels import CSV_ROW_LIMIT, LabelledRow, LabelledSource

log = logging.getLogger("moderator")

REJECT = "reject"
APPROVE = "approve"
REQUIRED_COLUMNS = ("text", "decision")


def _records(path: str, raw: bytes):
    """Yield ``(row_number, record)`` from a CSV (header = row 1) or JSON Lines queue."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LabelsError(path, f"not UTF-8 text (byte {exc.start})", row=line) from None
    if not text.strip():
        raise LabelsError(path, "empty file: expected a review queue from `moderator export`")
    if Path(path).suffix.lower() == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LabelsError(path, f"not JSON: {exc.msg}", row=number) from None
            if not isinstance(record, dict):
                raise LabelsError(path, "expected a JSON object per line", row=number)
            _check_columns(path, record, number)
            yield number, record
        return
    csv.field_size_limit(CSV_ROW_LIMIT)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    number = 1  # spreadsheet rows: the header is row 1 (texts may span several lines)
    try:
        _check_columns(path, dict.fromkeys(reader.fieldnames or ()), 1)
        for number, record in enumerate(reader, start=2):
            yield number, record
    except csv.Error as exc:
        raise LabelsError(path, f"bad CSV: {exc}", row=number + 1) from None


def _check_columns(path: str, record: dict, row: int) -> None:
    for column in REQUIRED_COLUMNS:
        if column not in record:
            raise LabelsError(
                path, f"no {column!r} column: not a review queue written by `moderator export`",
                row=row, column=column,
            )


def _reasons(value, path: str, row: int) -> list[str]:
    """Attribute names of a row's reasons (JSON string in CSV, a list in JSON Lines)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise LabelsError(path, "reasons is not JSON", row=row, column="reasons") from None
    if not isinstance(value, list) or not all(
        isinstance(r, dict) and isinstance(r.get("attribute"), str) for r in value
    ):
        raise LabelsError(path, "reasons is not a list of {attribute, …}", row=row,
                          column="reasons")
    return [r["attribute"] for r in value]


def _scored_attributes(record: dict) -> list[str]:
    scores = record.get("scores")
    if isinstance(scores, str) and scores:
        try:
            scores = json.loads(scores)
        except json.JSONDecodeError:
            scores = None
    if isinstance(scores, dict):
        return [a for a in scores if a in ATTRIBUTES]
    return [column[len("score_"):] for column in record
            if column.startswith("score_") and column[len("score_"):] in ATTRIBUTES]


def decision_labels(decision: str, flagged: list[str], scored: list[str], path: str,
                    row: int) -> dict[str, int]:
    """The labels one decision gives (see the module docstring)."""
    value = decision.strip().lower()
    model_flags = [a for a in flagged if a in ATTRIBUTES]
    if value == REJECT:
        labels = dict.fromkeys(model_flags, 1)
        if any(a in TOXICITY_FAMILY for a in model_flags):
            labels["toxicity"] = 1
        return labels
    if value == APPROVE:
        return dict.fromkeys(model_flags or scored, 0)
    names = [n for n in re.split(r"[,;\s]+", value) if n]
    unknown = [n for n in names if n not in ATTRIBUTES]
    if unknown:
        raise LabelsError(
            path,
            f"decision {decision.strip()!r} is not {REJECT}, {APPROVE} or an attribute "
            f"({', '.join(ATTRIBUTES)})",
            row=row, column="decision",
        )
    labels = dict.fromkeys(names, 1)
    if any(n in TOXICITY_FAMILY for n in names):
        labels["toxicity"] = 1
    return labels


def load_feedback(path: str | Path) -> LabelledSource:
    """The decided rows of a review queue (.csv or .jsonl) as training rows.

    Raises ``LabelsError`` naming the file, row and column for a bad decision, a queue
    without a ``decision`` column, or a queue where no row is decided yet.
    """
    path = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise LabelsError(path, f"cannot read review queue: {exc.strerror or exc}") from None
    name = Path(path).name
    rows: list[LabelledRow] = []
    unusable = 0
    for number, record in _records(path, raw):
        decision = record.get("decision") or ""
        if not str(decision).strip():
            continue
        flagged = _reasons(record.get("reasons"), path, number)
        labels = decision_labels(str(decision), flagged, _scored_attributes(record), path,
                                 number)
        if not labels or not str(record.get("text") or "").strip():
            # e.g. `reject` on a row flagged only for a banned word: no attribute to learn.
            unusable += 1
            log.warning(
                "%s, row %d: %r gives no label (empty text, or flagged for %s only); write "
                "an attribute name instead (e.g. insult)", path, number, str(decision).strip(),
                ", ".join(flagged) or "nothing",
            )
            continue
        thread = record.get("thread_id") or ""
        source = record.get("source") or ""
        rows.append(LabelledRow(
            text=str(record.get("text") or ""),
            labels=labels,
            article=str(record.get("article") or ""),
            parent=str(record.get("parent_text") or ""),
            group=f"{name}#{source}#{thread}" if thread else None,
            source=name,
        ))
    if not rows:
        raise LabelsError(
            path,
            "no row has a decision yet: fill the 'decision' column with reject, approve or "
            "an attribute name" + (f" ({unusable} decided rows gave no label)" if unusable
                                   else ""),
            column="decision",
        )
    log.info("%s: %d feedback rows", path, len(rows))
    return LabelledSource(
        name=name,
        path=path,
        rows=rows,
        sha256=hashlib.sha256(raw).hexdigest(),
        license="moderation decisions of this site",
        kind="feedback",
        columns={"decision": "decision"},
    )

