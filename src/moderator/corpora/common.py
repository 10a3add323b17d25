"""The row and adapter types every corpus loader shares, and the CSV reading helpers."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from ..errors import LabelsError
from ..labels import LabelledRow

TOXIC_SUBTYPES = ("severe_toxicity", "insult", "profanity", "threat", "identity_attack")


@dataclass
class CorpusRow(LabelledRow):
    """A corpus row: a ``LabelledRow`` plus the corpus's own id and, where the corpus has
    them, the toxic character ranges ``spans`` ([[start, end), ...]) for judging
    explanations."""

    id: str | None = None
    spans: list[list[int]] | None = None


def corpus_row(text, labels, *, article=None, parent=None, group=None, source="", id=None,
               spans=None, weight=1.0):
    return CorpusRow(
        text=text,
        labels=dict(labels),
        article=article or "",
        parent=parent or "",
        group=f"{source}#{group}" if group is not None else None,
        source=source,
        weight=weight,
        id=id,
        spans=spans,
    )


#: Weak labels count less in training (``LabelledRow.weight``):
#: - civil-spans negatives: every post had been rated toxic by half of the original Civil
#:   Comments raters, so "not toxic" there is a borderline call, not a civil comment;
#: - youtube-spam ham: "not spam" under a video nobody has the text of; off_topic = 0 is a
#:   guess without an article to judge it against.
#: With both (and the pooled-source balancing in ``moderator.model.training``) bench/quality.py's
#: dev ROC AUC rose on 10 of 11 rows (youtube-spam 0.995 -> 0.992).
CIVIL_NEGATIVE_WEIGHT = 0.5
YOUTUBE_HAM_WEIGHT = 0.2


@dataclass(frozen=True)
class Corpus:
    """An adapter: how to read one public corpus, and what it may be used for."""

    name: str
    title: str
    license: str
    attributes: tuple[str, ...]
    files: tuple[str, ...]  # file names looked for when given a folder
    loader: Callable[[Path], list[CorpusRow]]
    language: str = "en"
    #: what the licence allows, for model cards: "open", "non-commercial" or "research only"
    use: str = "open"


# --------------------------------------------------------------------------- helpers

# the files a loader read, so load_corpus can hash them for the model card
FILES_READ: ContextVar[list[Path] | None] = ContextVar("FILES_READ", default=None)


def note_read(path: Path) -> None:
    files = FILES_READ.get()
    if files is not None and path not in files:
        files.append(path)


def text_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 corpus file (BOM dropped), read once and noted for the card;
    ``LabelsError`` when it cannot be read."""
    note_read(path)
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(str(path), f"cannot read: {exc}") from None


def csv_rows(
    path: Path,
    required: Sequence[str],
    delimiter: str = ",",
    quoting: int = csv.QUOTE_MINIMAL,
) -> Iterator[tuple[int, dict]]:
    """(row number, dict) for each data row; the header is row 1. Checks required columns."""
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise LabelsError(str(path), f"cannot read: {exc.strerror or exc}") from None
    note_read(path)
    with handle:
        reader = csv.reader(handle, delimiter=delimiter, quoting=quoting)
        try:
            header = next(reader, None)
            if header is None:
                raise LabelsError(str(path), "the file is empty")
            header = [h.strip() for h in header]
            missing = [c for c in required if c not in header]
            if missing:
                raise LabelsError(
                    str(path),
                    f"missing column {', '.join(repr(c) for c in missing)} "
                    f"(found: {', '.join(header)})",
                    row=1,
                )
            number = 1
            for record in reader:
                number += 1
                if not record:
                    continue
                if len(record) != len(header):
                    raise LabelsError(
                        str(path),
                        f"{len(record)} fields where the header has {len(header)}",
                        row=number,
                    )
                yield number, dict(zip(header, record, strict=True))
        except UnicodeDecodeError as exc:
            raise LabelsError(str(path), f"not UTF-8 text ({exc.reason})") from None
        except csv.Error as exc:
            raise LabelsError(str(path), f"malformed CSV: {exc}") from None


def binary_label(path: Path, number: int, column: str, value: str, unknown=("",)) -> int | None:
    value = value.strip()
    if value in ("0", "1"):
        return int(value)
    if value in unknown:
        return None
    raise LabelsError(str(path), f"label {value!r} is not 0 or 1", row=number, column=column)


def choice_of(path: Path, number: int, column: str, value: str, allowed: Sequence[str]) -> str:
    value = value.strip()
    if value not in allowed:
        raise LabelsError(
            str(path),
            f"label {value!r} is not one of {', '.join(allowed)}",
            row=number,
            column=column,
        )
    return value


def require_rows(path: Path, rows: list) -> list:
    if not rows:
        raise LabelsError(str(path), "no labelled rows")
    return rows


def char_ranges(offsets: Sequence[int]) -> list[list[int]]:
    """Sorted character offsets -> [[start, end), ...] runs."""
    out: list[list[int]] = []
    for offset in sorted(set(offsets)):
        if out and offset == out[-1][1]:
            out[-1][1] = offset + 1
        else:
            out.append([offset, offset + 1])
    return out
