"""Labelled data: the row and source types every training source produces, and the labels CSV.

The row type every training source produces (``labels.csv``, the public-corpus adapters in
``moderator.corpora``, the review-queue loader in ``moderator.feedback``)::

    LabelledRow(text, labels={"toxicity": 1, "insult": 0}, article="", parent="",
                group=None, source="labels.csv")

``labels`` holds only the attributes the source knows: an attribute missing from the dict is
*unknown* for that row, and the row is left out of that attribute's training (never treated
as negative). Label values are the ints 0 and 1. Attribute names are those of ``ATTRIBUTES``.

A whole source (one file or corpus) is a ``LabelledSource(name, path, rows, sha256,
license)``; ``moderator.corpora.load_corpus(name, path)`` and
``moderator.feedback.load_feedback(path)`` return one (a plain list of rows is accepted too).
``moderator.model.training.train(sources, target_precision=0.9, seed=0)`` trains a model
on them. Light (no numpy): ``corpora`` and ``feedback`` build on it for ``--help``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LabelsError
from .files import file_sha256

log = logging.getLogger("moderator")


#: Project labels CSV: column name -> attribute. ``toxic`` is the documented name;
#: ``toxicity`` is accepted as an alias.
LABEL_COLUMNS = {
    "toxic": "toxicity",
    "toxicity": "toxicity",
    "severe_toxicity": "severe_toxicity",
    "insult": "insult",
    "profanity": "profanity",
    "threat": "threat",
    "identity_attack": "identity_attack",
    "off_topic": "off_topic",
}

PROJECT_LICENSE = "written by the moderator project"
CSV_ROW_LIMIT = 1 << 24  # csv module's default field limit (128 KiB) is too small for articles


@dataclass
class LabelledRow:
    """One labelled comment. ``labels`` maps attribute -> 0/1; absent attribute = unknown.

    ``article``/``parent`` are context texts ("" when unknown). ``group`` is a thread key:
    rows sharing it are comments of one thread (None = no thread known). ``weight``
    multiplies the row's sample weight in every attribute it labels.
    """

    text: str
    labels: dict[str, int]
    article: str = ""
    parent: str = ""
    group: str | None = None
    source: str = ""
    weight: float = 1.0  # how much the row counts in training (corpora lower weak labels)


@dataclass
class LabelledSource:
    """A training/evaluation source: its rows plus what the model card records about it."""

    name: str
    path: str
    rows: list[LabelledRow]
    sha256: str = ""
    license: str = ""
    kind: str = "labels"  # "labels" | "corpus" | "feedback"
    columns: dict[str, str] = field(default_factory=dict)  # attribute -> source column name


def _parse_label(value: str, path: str, row: int, column: str) -> int | None:
    value = value.strip()
    if value == "":
        return None
    if value in ("0", "1"):
        return int(value)
    if value in ("0.0", "1.0"):  # spreadsheets and pandas write ints as floats beside blanks
        return int(float(value))
    raise LabelsError(path, f"label {value!r} is not 0, 1 or empty", row=row, column=column)


def load_labels_csv(path: str | Path) -> LabelledSource:
    """Read a labels CSV in the project schema ``text, toxic, off_topic, article, parent``.

    Extra attribute columns (``insult``, ``profanity``, ``threat``, ``identity_attack``,
    ``severe_toxicity``) are read when present; an optional ``thread`` column gives thread
    keys (otherwise rows sharing an ``article`` form one thread). Rows are numbered like a
    spreadsheet: the header is row 1. Raises ``LabelsError`` naming file, row and column.
    """
    path = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise LabelsError(path, f"cannot read labels file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LabelsError(path, f"not UTF-8 text (byte {exc.start})", row=line) from None
    if not text.strip():
        raise LabelsError(path, "empty file: expected a header row with a 'text' column", row=1)
    csv.field_size_limit(CSV_ROW_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise LabelsError(path, f"bad CSV header: {exc}", row=1) from None
    lowered = [h.lower() for h in header]
    if "text" not in lowered:
        raise LabelsError(
            path, f"no 'text' column (found: {', '.join(header) or 'nothing'})", row=1,
            column="text",
        )
    text_at = lowered.index("text")
    label_at = {
        LABEL_COLUMNS[name]: (i, header[i])
        for i, name in enumerate(lowered)
        if name in LABEL_COLUMNS
    }
    if not label_at:
        raise LabelsError(
            path,
            "no label column: expected 'toxic' and/or 'off_topic' "
            f"(or {', '.join(sorted(set(LABEL_COLUMNS) - {'toxic', 'toxicity', 'off_topic'}))})",
            row=1,
        )
    article_at = lowered.index("article") if "article" in lowered else None
    parent_at = lowered.index("parent") if "parent" in lowered else None
    thread_at = lowered.index("thread") if "thread" in lowered else None
    name = Path(path).name
    rows: list[LabelledRow] = []
    skipped_empty = 0
    row_number = 1
    try:
        for row_number, record in enumerate(reader, start=2):
            if not record or all(not cell.strip() for cell in record):
                continue
            if len(record) > len(header):
                raise LabelsError(
                    path, f"{len(record)} fields but the header has {len(header)}",
                    row=row_number,
                )
            record = record + [""] * (len(header) - len(record))
            comment = record[text_at]
            labels = {}
            for attribute, (i, column) in label_at.items():
                value = _parse_label(record[i], path, row_number, column)
                if value is not None:
                    labels[attribute] = value
            if not comment.strip():
                skipped_empty += 1
                continue
            article = record[article_at] if article_at is not None else ""
            group = None
            if thread_at is not None and record[thread_at].strip():
                group = f"{name}#{record[thread_at].strip()}"
            elif article.strip():
                group = f"{name}#article:{hashlib.sha1(article.encode()).hexdigest()[:16]}"
            rows.append(
                LabelledRow(
                    text=comment,
                    labels=labels,
                    article=article,
                    parent=record[parent_at] if parent_at is not None else "",
                    group=group,
                    source=name,
                )
            )
    except csv.Error as exc:
        raise LabelsError(path, f"bad CSV: {exc}", row=row_number) from None
    if skipped_empty:
        log.warning("%s: skipped %d rows with empty text", path, skipped_empty)
    if not rows:
        raise LabelsError(path, "no labelled rows after the header", row=2)
    return LabelledSource(
        name=name,
        path=path,
        rows=rows,
        sha256=hashlib.sha256(raw).hexdigest(),
        license=PROJECT_LICENSE,
        kind="labels",
        columns={attribute: column for attribute, (_, column) in label_at.items()},
    )


def as_source(loaded, name: str, path: str, kind: str) -> LabelledSource:
    """Accept a ``LabelledSource`` or a plain iterable of ``LabelledRow`` from a loader."""
    if isinstance(loaded, LabelledSource):
        loaded.kind = loaded.kind if loaded.kind != "labels" else kind
        return loaded
    rows = list(loaded)
    sha = file_sha256(path) if Path(path).is_file() else ""
    return LabelledSource(name=name, path=str(path), rows=rows, sha256=sha, kind=kind)
