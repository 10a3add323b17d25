"""Loaders of further comment corpora: fox-news, youtube-spam, context-toxicity, sfu-ctc, ruddit."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import LabelsError
from .common import (
    YOUTUBE_HAM_WEIGHT,
    CorpusRow,
    binary_label,
    choice_of,
    corpus_row,
    csv_rows,
    require_rows,
    text_lines,
)

# --------------------------------------------------------------------------- extra corpora


def load_fox_news(path: Path) -> list[CorpusRow]:
    """Fox News comments (Gao & Huang 2017) JSON Lines: ``label`` 1 = hateful.

    Hateful (demeaning a person or group for their identity) -> identity_attack 1 and
    toxicity 1; not hateful -> identity_attack 0 (it may still be toxic otherwise). The
    article is the title and meta description; the title groups the thread.
    """
    rows = []
    for number, line in enumerate(text_lines(path), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelsError(str(path), f"not JSON: {exc.msg}", row=number) from None
        if not isinstance(record, dict) or "text" not in record or "label" not in record:
            raise LabelsError(str(path), "each line needs 'text' and 'label'", row=number)
        label = record["label"]
        if label not in (0, 1) or isinstance(label, bool):
            raise LabelsError(
                str(path), f"label {label!r} is not 0 or 1", row=number, column="label"
            )
        labels = {"identity_attack": 1, "toxicity": 1} if label else {"identity_attack": 0}
        title = record.get("title") or ""
        article = "\n".join(p for p in (title, record.get("meta") or "") if p)
        rows.append(
            corpus_row(
                str(record["text"]), labels, article=article, group=title or None, source="fox-news"
            )
        )
    return require_rows(path, rows)


def load_youtube_spam(path: Path) -> list[CorpusRow]:
    """YouTube Spam Collection: ``CLASS`` 1 spam -> off_topic 1, 0 ham -> 0 (no article).

    A folder reads every Youtube*.csv in it; the video (file name) groups the comments.
    """
    files = sorted(path.glob("Youtube*.csv")) if path.is_dir() else [path]
    if not files:
        raise LabelsError(str(path), "no Youtube*.csv files here")
    rows = []
    for file in files:
        for number, record in csv_rows(file, ["CONTENT", "CLASS"]):
            spam = binary_label(file, number, "CLASS", record["CLASS"], unknown=())
            rows.append(
                corpus_row(
                    record["CONTENT"],
                    {"off_topic": spam},
                    group=file.stem,
                    source="youtube-spam",
                    id=record.get("COMMENT_ID") or None,
                    weight=1.0 if spam else YOUTUBE_HAM_WEIGHT,
                )
            )
    return require_rows(path, rows)


def load_context_toxicity(path: Path) -> list[CorpusRow]:
    """CAT-LARGE gc.csv/gn.csv (``text, parent, label``) or CAT-SMALL cat_small.csv.

    ``label`` 1 -> toxicity 1, 0 -> 0, with the parent comment as context. In cat_small
    the in-context label (``label_ic``) is used. A folder reads gc.csv and gn.csv.
    """
    if path.is_dir():
        files = [path / n for n in ("gc.csv", "gn.csv") if (path / n).exists()]
        if not files:
            raise LabelsError(str(path), "no gc.csv or gn.csv here")
        return [row for file in files for row in load_context_toxicity(file)]
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
    small = "label_ic" in header
    text_col, parent_col, label_col = (
        ("text", "parent_text", "label_ic") if small else ("text", "parent", "label")
    )
    rows = []
    for number, record in csv_rows(path, [text_col, label_col]):
        label = binary_label(path, number, label_col, record[label_col], unknown=())
        rows.append(
            corpus_row(
                record[text_col],
                {"toxicity": label},
                parent=record.get(parent_col),
                source="context-toxicity",
                id=record.get("id") or None,
            )
        )
    return require_rows(path, rows)


def load_sfu_ctc(path: Path) -> list[CorpusRow]:
    """SFU Constructiveness and Toxicity Corpus: ``is_toxic_popular_answer_1``.

    1 (not toxic) -> toxicity 0; 3 (toxic) and 4 (very toxic) -> 1; 2 (mildly toxic)
    stays unknown. The article headline is the context and groups the thread.
    """
    rows = []
    column = "is_toxic_popular_answer_1"
    for number, record in csv_rows(path, ["comment", column, "title"]):
        answer = choice_of(path, number, column, record[column], ("1", "2", "3", "4"))
        if answer == "2":
            continue
        rows.append(
            corpus_row(
                record["comment"],
                {"toxicity": int(answer in ("3", "4"))},
                article=record["title"],
                group=record["title"],
                source="sfu-ctc",
                id=record.get("_unit_id") or None,
            )
        )
    return require_rows(path, rows)


def load_ruddit(path: Path) -> list[CorpusRow]:
    """Ruddit ruddit_with_text.csv: offensiveness score >= 0.5 -> toxicity 1, else 0.

    Rows whose body is ``[deleted]`` or ``[removed]`` are dropped; the post title is
    the article and the post id groups the thread.
    """
    rows = []
    column = "offensiveness_score"
    for number, record in csv_rows(path, ["comment_body", column]):
        body = record["comment_body"]
        if body.strip() in ("[deleted]", "[removed]", ""):
            continue
        try:
            score = float(record[column])
        except ValueError:
            raise LabelsError(
                str(path), f"score {record[column]!r} is not a number", row=number, column=column
            ) from None
        if not -1.0 <= score <= 1.0:
            raise LabelsError(
                str(path), f"score {score} is outside -1..1", row=number, column=column
            )
        rows.append(
            corpus_row(
                body,
                {"toxicity": int(score >= 0.5)},
                article=record.get("post_title"),
                group=record.get("post_id") or None,
                source="ruddit",
                id=record.get("comment_id") or None,
            )
        )
    return require_rows(path, rows)
