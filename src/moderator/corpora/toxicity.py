"""Loaders of the toxicity corpora: jigsaw, civil-spans, olid, davidson, kaggle-insults."""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from ..errors import LabelsError
from .common import (
    CIVIL_NEGATIVE_WEIGHT,
    TOXIC_SUBTYPES,
    CorpusRow,
    binary_label,
    char_ranges,
    choice_of,
    corpus_row,
    csv_rows,
    require_rows,
)

# --------------------------------------------------------------------------- jigsaw

_JIGSAW = {
    "toxic": "toxicity",
    "severe_toxic": "severe_toxicity",
    "obscene": "profanity",
    "threat": "threat",
    "insult": "insult",
    "identity_hate": "identity_attack",
}


def load_jigsaw(path: Path) -> list[CorpusRow]:
    """Kaggle Toxic Comment train.csv (also the merged test.csv + test_labels.csv layout).

    ``-1`` (Kaggle's "not scored" in test_labels.csv) and empty cells are unknown.
    """
    rows = []
    for number, record in csv_rows(path, ["comment_text", "toxic"]):
        labels = {}
        for column, attribute in _JIGSAW.items():
            if column in record:
                value = binary_label(path, number, column, record[column], unknown=("", "-1"))
                if value is not None:
                    labels[attribute] = value
        if not labels:
            continue
        rows.append(
            corpus_row(record["comment_text"], labels, source="jigsaw", id=record.get("id") or None)
        )
    return require_rows(path, rows)


# --------------------------------------------------------------------------- civil-spans

_SPAN_TYPES = {
    "Insult": "insult",
    "Threat": "threat",
    "Identity based Attack": "identity_attack",
    "Profane/Obscene": "profanity",
    "Other Toxicity": None,
}


def _span_type(path: Path, number: int, value: str) -> str | None:
    value = value.strip()
    if not value:
        return None  # 13 rows of the real spans.csv have no type: the span still counts
    if value in _SPAN_TYPES:
        return _SPAN_TYPES[value]
    # the real file has a few truncated types ("Insu", "Identity based ")
    matches = [t for t in _SPAN_TYPES if t.startswith(value)]
    if len(matches) == 1:
        return _SPAN_TYPES[matches[0]]
    raise LabelsError(
        str(path),
        f"span type {value!r} is not one of {', '.join(_SPAN_TYPES)}",
        row=number,
        column="type",
    )


def _load_tsd(path: Path) -> list[CorpusRow]:
    """SemEval-2021 Task 5 tsd_*.csv: ``spans`` (character offsets) and ``text``.

    Non-empty spans -> toxicity 1, empty -> 0. Every post had been rated toxic by at
    least half of the original Civil Comments raters, so the 0s are hard negatives.
    """
    rows = []
    for number, record in csv_rows(path, ["spans", "text"]):
        try:
            offsets = json.loads(record["spans"])
        except json.JSONDecodeError:
            offsets = None
        if not isinstance(offsets, list) or not all(
            isinstance(o, int) and not isinstance(o, bool) and o >= 0 for o in offsets
        ):
            raise LabelsError(
                str(path),
                f"spans {record['spans'][:40]!r} is not a list of character offsets",
                row=number,
                column="spans",
            )
        rows.append(
            corpus_row(
                record["text"],
                {"toxicity": int(bool(offsets))},
                source="civil-spans",
                spans=char_ranges(offsets),
                weight=1.0 if offsets else CIVIL_NEGATIVE_WEIGHT,
            )
        )
    return require_rows(path, rows)


def _true_false(path: Path, number: int, column: str, value: str) -> bool:
    value = value.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise LabelsError(str(path), f"value {value!r} is not True or False", row=number, column=column)


def _load_civil_folder(folder: Path) -> list[CorpusRow]:
    """comments.csv + annotations.csv (+ spans.csv): three or more raters per post.

    A post is non-toxic (every attribute 0) when a majority of its raters ticked
    ``not toxic``, toxic when a minority did, unknown on a tie. For toxic posts, an
    attribute is 1 when a majority of raters marked a span of its type, 0 when none
    did, unknown otherwise. Spans are the characters a majority of raters marked.
    """
    comments_path = folder / "comments.csv"
    annotations_path = folder / "annotations.csv"
    spans_path = folder / "spans.csv"
    comments: dict[str, tuple[int, str]] = {}
    for number, record in csv_rows(comments_path, ["comment_id", "comment_text"]):
        comments[record["comment_id"].strip()] = (number, record["comment_text"])
    raters: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    annotation_of: dict[str, str] = {}
    required = ["annotation", "comment_id", "not toxic"]
    for number, record in csv_rows(annotations_path, required):
        comment_id = record["comment_id"].strip()
        if comment_id not in comments:
            raise LabelsError(
                str(annotations_path),
                f"comment {comment_id!r} is not in comments.csv",
                row=number,
                column="comment_id",
            )
        not_toxic = _true_false(annotations_path, number, "not toxic", record["not toxic"])
        annotation = record["annotation"].strip()
        raters[comment_id].append((annotation, not_toxic))
        annotation_of[annotation] = comment_id
    marked: dict[str, list[tuple[str | None, int, int]]] = defaultdict(list)
    if spans_path.exists():
        for number, record in csv_rows(spans_path, ["annotation", "type", "start", "end"]):
            annotation = record["annotation"].strip()
            if annotation not in annotation_of:
                raise LabelsError(
                    str(spans_path),
                    f"annotation {annotation!r} is not in annotations.csv",
                    row=number,
                    column="annotation",
                )
            try:
                start, end = int(record["start"]), int(record["end"])
            except ValueError:
                raise LabelsError(
                    str(spans_path), "start/end are not integers", row=number, column="start"
                ) from None
            attribute = _span_type(spans_path, number, record["type"])
            marked[annotation].append((attribute, start, end))

    rows = []
    for comment_id, (_number, text) in comments.items():
        votes = raters.get(comment_id, [])
        if not votes:
            continue  # nobody rated it: nothing is known
        n = len(votes)
        n_not_toxic = sum(1 for _, nt in votes if nt)
        if 2 * n_not_toxic == n:
            continue  # tie: toxicity unknown, and so is everything else
        if 2 * n_not_toxic > n:
            labels = {"toxicity": 0, **{a: 0 for a in TOXIC_SUBTYPES}}
            rows.append(corpus_row(text, labels, source="civil-spans", id=comment_id, spans=[],
                             weight=CIVIL_NEGATIVE_WEIGHT))
            continue
        labels = {"toxicity": 1}
        type_votes: Counter = Counter()
        char_votes: Counter = Counter()
        for annotation, _ in votes:
            seen_types = set()
            seen_chars = set()
            for attribute, start, end in marked.get(annotation, []):
                seen_types.add(attribute)
                seen_chars.update(range(max(start, 0), min(end, len(text))))
            type_votes.update(seen_types)
            char_votes.update(seen_chars)
        for attribute in ("insult", "threat", "identity_attack", "profanity"):
            if 2 * type_votes[attribute] > n:
                labels[attribute] = 1
            elif type_votes[attribute] == 0:
                labels[attribute] = 0
        spans = char_ranges([c for c, k in char_votes.items() if 2 * k > n])
        rows.append(corpus_row(text, labels, source="civil-spans", id=comment_id, spans=spans))
    return require_rows(comments_path, rows)


def load_civil_spans(path: Path) -> list[CorpusRow]:
    """ToxicSpans (Civil Comments): a tsd_*.csv file, or the folder with comments.csv."""
    if path.is_dir():
        if (path / "comments.csv").exists() and (path / "annotations.csv").exists():
            return _load_civil_folder(path)
        tsd = sorted(path.glob("tsd_*.csv"))
        if tsd:
            return [row for file in tsd for row in _load_tsd(file)]
        raise LabelsError(str(path), "no comments.csv + annotations.csv or tsd_*.csv here")
    if path.name == "comments.csv":
        return _load_civil_folder(path.parent)
    return _load_tsd(path)


# --------------------------------------------------------------------------- olid


def load_olid(path: Path) -> list[CorpusRow]:
    """OLID / OffensEval 2019 tsv (``id, tweet, subtask_a, subtask_b, subtask_c``).

    NOT (neither offensive nor profane) -> every toxic attribute 0. OFF -> toxicity 1;
    TIN (targeted insult or threat) -> insult 1; UNT (untargeted profanity/swearing) ->
    profanity 1 and, having no target, insult, threat and identity_attack 0. What a
    level does not say (profanity of a TIN tweet, threat vs insult) stays unknown.
    """
    rows = []
    records = csv_rows(path, ["tweet", "subtask_a"], delimiter="\t", quoting=csv.QUOTE_NONE)
    for number, record in records:
        level_a = choice_of(path, number, "subtask_a", record["subtask_a"], ("OFF", "NOT"))
        level_b = choice_of(
            path, number, "subtask_b", record.get("subtask_b", "NULL"), ("TIN", "UNT", "NULL")
        )
        if level_a == "NOT":
            if level_b != "NULL":
                raise LabelsError(
                    str(path), f"{level_b} for a NOT tweet", row=number, column="subtask_b"
                )
            labels = {"toxicity": 0, **{a: 0 for a in TOXIC_SUBTYPES}}
        else:
            labels = {"toxicity": 1}
            if level_b == "TIN":
                labels["insult"] = 1
            elif level_b == "UNT":
                labels.update(profanity=1, insult=0, threat=0, identity_attack=0)
        rows.append(corpus_row(record["tweet"], labels, source="olid", id=record.get("id") or None))
    return require_rows(path, rows)


# --------------------------------------------------------------------------- davidson


def load_davidson(path: Path) -> list[CorpusRow]:
    """Davidson et al. (2017) labeled_data.csv: ``class`` 0 hate, 1 offensive, 2 neither.

    hate -> toxicity 1, identity_attack 1; offensive -> toxicity 1, identity_attack 0;
    neither -> every toxic attribute 0. HTML entities in tweets (``&amp;``) are decoded.
    """
    rows = []
    for number, record in csv_rows(path, ["class", "tweet"]):
        label = choice_of(path, number, "class", record["class"], ("0", "1", "2"))
        if label == "0":
            labels = {"toxicity": 1, "identity_attack": 1}
        elif label == "1":
            labels = {"toxicity": 1, "identity_attack": 0}
        else:
            labels = {"toxicity": 0, **{a: 0 for a in TOXIC_SUBTYPES}}
        row_id = record.get("") or record.get("id") or None
        rows.append(corpus_row(html.unescape(record["tweet"]), labels, source="davidson",
                               id=row_id))
    return require_rows(path, rows)


# --------------------------------------------------------------------------- kaggle-insults

_ESCAPE = re.compile(r"(?:\\x[0-9a-fA-F]{2})+|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\[nrt\\'\"]")
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", '"': '"'}


def _decode_bytes(match_text: str) -> str:
    data = bytes(int(h, 16) for h in re.findall(r"\\x([0-9a-fA-F]{2})", match_text))
    # UTF-8 where the bytes are UTF-8 (\xc2\xa0), Latin-1 where they are not (a bare \xa0)
    decoded = data.decode("utf-8", errors="surrogateescape")
    return "".join(chr(ord(c) - 0xDC00) if 0xDC80 <= ord(c) <= 0xDCFF else c for c in decoded)


def _unescape_once(text: str) -> str:
    def replace(match: re.Match) -> str:
        token = match.group(0)
        if token.startswith("\\x"):
            return _decode_bytes(token)
        if token[1] in "uU":
            try:
                return chr(int(token[2:], 16))
            except (ValueError, OverflowError):
                return token
        return _SIMPLE[token[1]]

    return _ESCAPE.sub(replace, text)


def unescape_impermium(text: str) -> str:
    """Undo the Impermium file's literal escapes (``\\n``, ``\\xc2\\xa0``, ``\\u2019``).

    Strips the extra pair of quotes and decodes up to three levels of escaping (305 rows
    of the original are double-escaped, a few triple). Byte escapes are decoded as UTF-8.
    """
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    for _ in range(3):
        unescaped = _unescape_once(text)
        if unescaped == text:
            break
        text = unescaped
    return text.replace("\xa0", " ")


def load_kaggle_insults(path: Path) -> list[CorpusRow]:
    """Impermium "Detecting Insults in Social Commentary" train.csv (``Insult, Date, Comment``).

    Insult 1 -> insult 1 and toxicity 1 (an insult to a participant is toxic). Insult 0
    -> insult 0 only: the label is narrow (insults to public figures or groups, profanity
    and threats are labelled 0), so a 0 says nothing about toxicity.
    """
    rows = []
    for number, record in csv_rows(path, ["Insult", "Comment"]):
        insult = binary_label(path, number, "Insult", record["Insult"], unknown=())
        labels = {"insult": 1, "toxicity": 1} if insult else {"insult": 0}
        text = unescape_impermium(record["Comment"])
        rows.append(corpus_row(text, labels, source="kaggle-insults", id=record.get("id") or None))
    return require_rows(path, rows)
