"""Adapters for public labelled corpora: each maps its labels onto the model's attributes.

``load_corpus(name, path)`` reads a corpus in the format its publishers distribute (``path``
is the file, or the folder that holds it) and returns labelled rows. A corpus that says
nothing about an attribute leaves it *unknown* (absent from ``row.labels``), never negative:
a label is only set to 0 where the corpus's definition implies it.

``CORPORA`` lists every adapter with its attributes and a license note for the model card::

    >>> sorted(CORPORA)[:3]
    ['civil-spans', 'context-toxicity', 'davidson']
    >>> rows = load_corpus("olid", "olid-training-v1.0.tsv")         # doctest: +SKIP

Rows count the header as row 1 in error messages, like a spreadsheet does.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from .errors import LabelsError
from .files import file_sha256
from .labels import LabelledRow, LabelledSource

TOXIC_SUBTYPES = ("severe_toxicity", "insult", "profanity", "threat", "identity_attack")


@dataclass
class CorpusRow(LabelledRow):
    """A corpus row: a ``LabelledRow`` plus the corpus's own id and, where the corpus has
    them, the toxic character ranges ``spans`` ([[start, end), ...]) for judging
    explanations."""

    id: str | None = None
    spans: list[list[int]] | None = None


def _row(text, labels, *, article=None, parent=None, group=None, source="", id=None, spans=None,
         weight=1.0):
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
_FILES_READ: ContextVar[list[Path] | None] = ContextVar("_FILES_READ", default=None)


def _note_read(path: Path) -> None:
    files = _FILES_READ.get()
    if files is not None and path not in files:
        files.append(path)


def _csv_rows(
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
    _note_read(path)
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


def _binary(path: Path, number: int, column: str, value: str, unknown=("",)) -> int | None:
    value = value.strip()
    if value in ("0", "1"):
        return int(value)
    if value in unknown:
        return None
    raise LabelsError(str(path), f"label {value!r} is not 0 or 1", row=number, column=column)


def _choice(path: Path, number: int, column: str, value: str, allowed: Sequence[str]) -> str:
    value = value.strip()
    if value not in allowed:
        raise LabelsError(
            str(path),
            f"label {value!r} is not one of {', '.join(allowed)}",
            row=number,
            column=column,
        )
    return value


def _require_rows(path: Path, rows: list) -> list:
    if not rows:
        raise LabelsError(str(path), "no labelled rows")
    return rows


def _ranges(offsets: Sequence[int]) -> list[list[int]]:
    """Sorted character offsets -> [[start, end), ...] runs."""
    out: list[list[int]] = []
    for offset in sorted(set(offsets)):
        if out and offset == out[-1][1]:
            out[-1][1] = offset + 1
        else:
            out.append([offset, offset + 1])
    return out


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
    for number, record in _csv_rows(path, ["comment_text", "toxic"]):
        labels = {}
        for column, attribute in _JIGSAW.items():
            if column in record:
                value = _binary(path, number, column, record[column], unknown=("", "-1"))
                if value is not None:
                    labels[attribute] = value
        if not labels:
            continue
        rows.append(
            _row(record["comment_text"], labels, source="jigsaw", id=record.get("id") or None)
        )
    return _require_rows(path, rows)


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
    for number, record in _csv_rows(path, ["spans", "text"]):
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
            _row(
                record["text"],
                {"toxicity": int(bool(offsets))},
                source="civil-spans",
                spans=_ranges(offsets),
                weight=1.0 if offsets else CIVIL_NEGATIVE_WEIGHT,
            )
        )
    return _require_rows(path, rows)


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
    for number, record in _csv_rows(comments_path, ["comment_id", "comment_text"]):
        comments[record["comment_id"].strip()] = (number, record["comment_text"])
    raters: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    annotation_of: dict[str, str] = {}
    required = ["annotation", "comment_id", "not toxic"]
    for number, record in _csv_rows(annotations_path, required):
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
        for number, record in _csv_rows(spans_path, ["annotation", "type", "start", "end"]):
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
            rows.append(_row(text, labels, source="civil-spans", id=comment_id, spans=[],
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
        spans = _ranges([c for c, k in char_votes.items() if 2 * k > n])
        rows.append(_row(text, labels, source="civil-spans", id=comment_id, spans=spans))
    return _require_rows(comments_path, rows)


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
    records = _csv_rows(path, ["tweet", "subtask_a"], delimiter="\t", quoting=csv.QUOTE_NONE)
    for number, record in records:
        level_a = _choice(path, number, "subtask_a", record["subtask_a"], ("OFF", "NOT"))
        level_b = _choice(
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
        rows.append(_row(record["tweet"], labels, source="olid", id=record.get("id") or None))
    return _require_rows(path, rows)


# --------------------------------------------------------------------------- davidson


def load_davidson(path: Path) -> list[CorpusRow]:
    """Davidson et al. (2017) labeled_data.csv: ``class`` 0 hate, 1 offensive, 2 neither.

    hate -> toxicity 1, identity_attack 1; offensive -> toxicity 1, identity_attack 0;
    neither -> every toxic attribute 0. HTML entities in tweets (``&amp;``) are decoded.
    """
    rows = []
    for number, record in _csv_rows(path, ["class", "tweet"]):
        label = _choice(path, number, "class", record["class"], ("0", "1", "2"))
        if label == "0":
            labels = {"toxicity": 1, "identity_attack": 1}
        elif label == "1":
            labels = {"toxicity": 1, "identity_attack": 0}
        else:
            labels = {"toxicity": 0, **{a: 0 for a in TOXIC_SUBTYPES}}
        row_id = record.get("") or record.get("id") or None
        rows.append(_row(html.unescape(record["tweet"]), labels, source="davidson", id=row_id))
    return _require_rows(path, rows)


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
    for number, record in _csv_rows(path, ["Insult", "Comment"]):
        insult = _binary(path, number, "Insult", record["Insult"], unknown=())
        labels = {"insult": 1, "toxicity": 1} if insult else {"insult": 0}
        text = unescape_impermium(record["Comment"])
        rows.append(_row(text, labels, source="kaggle-insults", id=record.get("id") or None))
    return _require_rows(path, rows)


# --------------------------------------------------------------------------- semeval-cqa

_CQA_LABELS = ("Good", "Potential", "Bad", "Dialogue", "Not English")


def _cqa_labels(label: str) -> dict[str, int] | None:
    if label == "Bad":
        return {"off_topic": 1}
    if label in ("Good", "Potential"):
        return {"off_topic": 0}
    # Dialogue (chit-chat with the asker: on the thread, not an answer): off_topic unknown.
    # Not English: skipped.
    return None


def _load_cqa_csv(path: Path) -> list[CorpusRow]:
    required = ["question_id", "question_subject", "question_body", "comment_body", "label"]
    rows = []
    for number, record in _csv_rows(path, required):
        label = _choice(path, number, "label", record["label"], _CQA_LABELS)
        labels = _cqa_labels(label)
        if labels is None:
            continue
        article = "\n".join(
            part for part in (record["question_subject"], record["question_body"]) if part
        )
        rows.append(
            _row(
                record["comment_body"].strip(),
                labels,
                article=article,
                group=record["question_id"],
                source="semeval-cqa",
                id=record.get("comment_id") or None,
            )
        )
    return _require_rows(path, rows)


def _load_cqa_xml(xml_path: Path, gold_path: Path) -> list[CorpusRow]:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    gold: dict[str, str] = {}
    _note_read(xml_path)
    _note_read(gold_path)
    try:
        lines = gold_path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(str(gold_path), f"cannot read: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 2:
            raise LabelsError(str(gold_path), "expected 'comment id<TAB>label'", row=number)
        gold[parts[0].strip()] = _choice(gold_path, number, "label", parts[1], _CQA_LABELS)
    try:
        root = ElementTree.parse(str(xml_path)).getroot()
    except (ElementTree.ParseError, DefusedXmlException, OSError) as exc:
        raise LabelsError(str(xml_path), f"not a SemEval CQA XML file: {exc}") from None
    rows = []
    for question in root.iter("Question"):
        qid = question.get("QID")
        article = "\n".join(
            (question.findtext(tag) or "").strip() for tag in ("QSubject", "QBody")
        ).strip()
        for comment in question.iter("Comment"):
            cid = comment.get("CID")
            label = comment.get("CGOLD")
            if label in (None, "?"):
                if cid not in gold:
                    raise LabelsError(str(gold_path), f"no gold label for comment {cid!r}")
                label = gold[cid]
            labels = _cqa_labels(label)
            if labels is None:
                continue
            rows.append(
                _row(
                    (comment.findtext("CBody") or "").strip(),
                    labels,
                    article=article,
                    group=qid,
                    source="semeval-cqa",
                    id=cid,
                )
            )
    return _require_rows(xml_path, rows)


def load_semeval_cqa(path: Path) -> list[CorpusRow]:
    """SemEval-2015 Task 3 (Qatar Living): Bad -> off_topic 1, Good/Potential -> 0.

    Dialogue (chit-chat between users) is off_topic unknown, Not English is skipped. The
    question (subject + body) is the article and groups the thread. Reads the derived
    comments CSV, or a raw ``*-input.xml`` / ``*.xml`` with its ``*-gold.txt`` beside it.
    """
    if path.is_dir():
        csvs = sorted(path.glob("*comments*.csv"))
        if csvs:
            return _load_cqa_csv(csvs[0])
        raw = path / "raw" if (path / "raw").is_dir() else path
        rows = []
        for xml_path in sorted(raw.glob("*.xml")):
            gold = _cqa_gold_for(xml_path)
            if gold is not None:
                rows.extend(_load_cqa_xml(xml_path, gold))
        return _require_rows(path, rows)
    if path.suffix.lower() == ".xml":
        gold = _cqa_gold_for(path)
        if gold is None:
            raise LabelsError(str(path), "no gold file (e.g. CQA-QL-devel-gold.txt) beside it")
        return _load_cqa_xml(path, gold)
    return _load_cqa_csv(path)


def _cqa_gold_for(xml_path: Path) -> Path | None:
    stem = xml_path.stem.replace("-input", "")
    for candidate in (xml_path.with_name(f"{stem}-gold.txt"),):
        if candidate.exists():
            return candidate
    # test_task3_English.xml goes with CQA-QL-test-gold.txt
    if "test" in xml_path.stem.lower():
        candidate = xml_path.with_name("CQA-QL-test-gold.txt")
        if candidate.exists():
            return candidate
    return None


_CQA2016_LABELS = ("Good", "PotentiallyUseful", "Bad")


def load_semeval2016_cqa(path: Path) -> list[CorpusRow]:
    """SemEval-2016 Task 3 subtask A (Qatar Living): Bad -> off_topic 1, Good and
    PotentiallyUseful -> 0.

    ``question_subject, question_body, comment, label`` (+ ``split``, ``thread_index``,
    ``comment_position``) per comment, as in ../shared/data's subtaskA_*.csv. The question
    (subject + body) is the article; ``split`` + ``thread_index`` group the thread (without
    them, consecutive rows under the same question do). A folder reads every
    ``subtaskA_*.csv`` in it.
    """
    if path.is_dir():
        files = sorted(path.glob("subtaskA_*.csv"))
        if not files:
            raise LabelsError(str(path), "no subtaskA_*.csv files here")
        return [row for file in files for row in load_semeval2016_cqa(file)]
    required = ["question_subject", "question_body", "comment", "label"]
    rows = []
    previous, thread = None, 0
    for number, record in _csv_rows(path, required):
        label = _choice(path, number, "label", record["label"], _CQA2016_LABELS)
        article = "\n".join(
            part for part in (record["question_subject"].strip(),
                              record["question_body"].strip()) if part
        )
        if record.get("thread_index", "").strip():
            key = f"{record.get('split', '').strip() or path.stem}:{record['thread_index'].strip()}"
        else:
            if article != previous:
                thread += 1
            key = f"{path.stem}:{thread}"
        previous = article
        position = record.get("comment_position", "").strip()
        rows.append(
            _row(
                record["comment"].strip(),
                {"off_topic": int(label == "Bad")},
                article=article,
                group=key,
                source="semeval2016-cqa",
                id=f"{key}:{position}" if position else None,
            )
        )
    return _require_rows(path, rows)


# --------------------------------------------------------------------------- extra corpora


def load_fox_news(path: Path) -> list[CorpusRow]:
    """Fox News comments (Gao & Huang 2017) JSON Lines: ``label`` 1 = hateful.

    Hateful (demeaning a person or group for their identity) -> identity_attack 1 and
    toxicity 1; not hateful -> identity_attack 0 (it may still be toxic otherwise). The
    article is the title and meta description; the title groups the thread.
    """
    rows = []
    _note_read(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(str(path), f"cannot read: {exc}") from None
    for number, line in enumerate(lines, 1):
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
            _row(
                str(record["text"]), labels, article=article, group=title or None, source="fox-news"
            )
        )
    return _require_rows(path, rows)


def load_youtube_spam(path: Path) -> list[CorpusRow]:
    """YouTube Spam Collection: ``CLASS`` 1 spam -> off_topic 1, 0 ham -> 0 (no article).

    A folder reads every Youtube*.csv in it; the video (file name) groups the comments.
    """
    files = sorted(path.glob("Youtube*.csv")) if path.is_dir() else [path]
    if not files:
        raise LabelsError(str(path), "no Youtube*.csv files here")
    rows = []
    for file in files:
        for number, record in _csv_rows(file, ["CONTENT", "CLASS"]):
            spam = _binary(file, number, "CLASS", record["CLASS"], unknown=())
            rows.append(
                _row(
                    record["CONTENT"],
                    {"off_topic": spam},
                    group=file.stem,
                    source="youtube-spam",
                    id=record.get("COMMENT_ID") or None,
                    weight=1.0 if spam else YOUTUBE_HAM_WEIGHT,
                )
            )
    return _require_rows(path, rows)


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
    for number, record in _csv_rows(path, [text_col, label_col]):
        label = _binary(path, number, label_col, record[label_col], unknown=())
        rows.append(
            _row(
                record[text_col],
                {"toxicity": label},
                parent=record.get(parent_col),
                source="context-toxicity",
                id=record.get("id") or None,
            )
        )
    return _require_rows(path, rows)


def load_sfu_ctc(path: Path) -> list[CorpusRow]:
    """SFU Constructiveness and Toxicity Corpus: ``is_toxic_popular_answer_1``.

    1 (not toxic) -> toxicity 0; 3 (toxic) and 4 (very toxic) -> 1; 2 (mildly toxic)
    stays unknown. The article headline is the context and groups the thread.
    """
    rows = []
    column = "is_toxic_popular_answer_1"
    for number, record in _csv_rows(path, ["comment", column, "title"]):
        answer = _choice(path, number, column, record[column], ("1", "2", "3", "4"))
        if answer == "2":
            continue
        rows.append(
            _row(
                record["comment"],
                {"toxicity": int(answer in ("3", "4"))},
                article=record["title"],
                group=record["title"],
                source="sfu-ctc",
                id=record.get("_unit_id") or None,
            )
        )
    return _require_rows(path, rows)


def load_ruddit(path: Path) -> list[CorpusRow]:
    """Ruddit ruddit_with_text.csv: offensiveness score >= 0.5 -> toxicity 1, else 0.

    Rows whose body is ``[deleted]`` or ``[removed]`` are dropped; the post title is
    the article and the post id groups the thread.
    """
    rows = []
    column = "offensiveness_score"
    for number, record in _csv_rows(path, ["comment_body", column]):
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
            _row(
                body,
                {"toxicity": int(score >= 0.5)},
                article=record.get("post_title"),
                group=record.get("post_id") or None,
                source="ruddit",
                id=record.get("comment_id") or None,
            )
        )
    return _require_rows(path, rows)


# --------------------------------------------------------------------------- hate-speech corpora
#
# A hate-speech corpus labels one thing: whether a post attacks people for who they are.
# Its negatives ("not hate") include insults, profanity and threats that are not hate, so
# they say identity_attack = 0 and nothing about toxicity; its positives are toxic.


def _text_key(text: str) -> str:
    """Near-duplicate key: lower case, letters and digits only (retweets, reposts)."""
    return hashlib.sha1(re.sub(r"[\W_]+", " ", text.lower()).strip().encode()).hexdigest()[:16]


def load_jigsaw_extra(path: Path) -> list[CorpusRow]:
    """More Jigsaw train rows (train_extra.csv): the Kaggle columns plus ``train_row_index``
    and ``source``. ``toxic`` is known on every row, the other five only where filled (980
    rows); empty cells are unknown, as ``load_jigsaw`` reads them."""
    rows = load_jigsaw(path)
    for row in rows:
        row.source = "jigsaw-extra"
    return rows


def load_tweeteval_hate(path: Path) -> list[CorpusRow]:
    """TweetEval ``hate`` (HatEval 2019, English): ``split, row_in_split, text, label``.

    hate (1) -> identity_attack 1 (hate is toxic, so toxicity 1 by implication); not hate
    (0) -> identity_attack 0 only: HatEval's negatives include profane and insulting tweets
    that are not hate against immigrants or women. The official test split is left out:
    it is kept for independent evaluation.
    """
    rows = []
    for number, record in _csv_rows(path, ["split", "text", "label"]):
        split = _choice(path, number, "split", record["split"], ("train", "val", "test"))
        label = _binary(path, number, "label", record["label"], unknown=())
        if split == "test":
            continue
        rows.append(
            _row(record["text"], {"identity_attack": label}, source="tweeteval-hate",
                 group=_text_key(record["text"]), id=f"{split}:{record.get('row_in_split', '')}")
        )
    return _require_rows(path, rows)


_DETOKENIZE = (
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", re.IGNORECASE), r"\1"),
    (re.compile(r" ([.,!?;:%)\]}])"), r"\1"),
    (re.compile(r"([(\[{$]) "), r"\1"),
    (re.compile(r"`` ?| ?''"), '"'),
)


def detokenize(text: str) -> str:
    """Undo Penn-style tokenisation ("do n't", "word ,") so the text reads as typed."""
    for pattern, replacement in _DETOKENIZE:
        text = pattern.sub(replacement, text)
    return text


def load_stormfront(path: Path) -> list[CorpusRow]:
    """Stormfront sentences (de Gibert et al. 2018): ``label`` hate / noHate / relation /
    idk/skip.

    hate -> identity_attack 1; noHate -> identity_attack 0 (not "civil": a sentence can be
    offensive without being hate). ``relation`` (hateful only with its neighbours) and
    ``idk/skip`` say nothing about the sentence alone and are left out. The text is
    detokenised; sentences of one post share a group, so a post stays on one side of a
    split.
    """
    rows = []
    labels_of = {"hate": 1, "noHate": 0}
    for number, record in _csv_rows(path, ["file_id", "post_id", "label", "text"]):
        label = _choice(path, number, "label", record["label"],
                        ("hate", "noHate", "relation", "idk/skip"))
        if label not in labels_of or not record["text"].strip():
            continue
        rows.append(
            _row(detokenize(record["text"]), {"identity_attack": labels_of[label]},
                 source="stormfront", group=record["post_id"].strip(), id=record["file_id"])
        )
    return _require_rows(path, rows)


def load_gab_hate(path: Path) -> list[CorpusRow]:
    """Gab Hate Corpus GHC_all.tsv: ``text, hd, cv, vo`` (majority labels).

    hd (assault on human dignity) -> identity_attack; cv (call for violence) -> threat;
    vo (vulgarity / offensive language) -> profanity; each 0 or 1 as labelled. A post
    with any of them is toxic. A post with none is not thereby civil (a plain insult is
    none of the three), so its toxicity and insult stay unknown.
    """
    rows = []
    columns = {"hd": "identity_attack", "cv": "threat", "vo": "profanity"}
    for number, record in _csv_rows(path, ["text", *columns], delimiter="\t"):
        labels = {
            attribute: _binary(path, number, column, record[column], unknown=())
            for column, attribute in columns.items()
        }
        if any(labels.values()):
            labels["toxicity"] = 1
        rows.append(_row(record["text"], labels, source="gab-hate",
                         group=_text_key(record["text"])))
    return _require_rows(path, rows)


def load_hatexplain(path: Path) -> list[CorpusRow]:
    """HateXplain as preprocessed by MAGPIE: ``label`` 0 normal, 1 offensive, 2 hate speech.

    normal (neither offensive nor hate) -> toxicity 0 and every kind of toxicity 0 except
    profanity, which stays unknown: friendly banter with a swear word is "normal" there.
    offensive -> toxicity 1, identity_attack 0; hate -> toxicity 1, identity_attack 1. The
    text is lower-cased without punctuation, as published. Near-duplicate posts share a group.
    """
    rows = []
    for number, record in _csv_rows(path, ["text", "label"]):
        label = _choice(path, number, "label", record["label"], ("0", "1", "2"))
        if label == "0":
            labels = {"toxicity": 0, **{a: 0 for a in TOXIC_SUBTYPES if a != "profanity"}}
        else:
            labels = {"toxicity": 1, "identity_attack": int(label == "2")}
        rows.append(_row(record["text"], labels, source="hatexplain",
                         group=_text_key(record["text"])))
    return _require_rows(path, rows)


_CONVABUSE_SEVERITY = ("1", "0", "-1", "-2", "-3")
_CONVABUSE_IDENTITY = ("ableist", "homophobic", "racist", "sexist", "transphobic")


def _annotator_vote(path: Path, number: int, column: str, value: str) -> bool | None:
    """An annotator's tick: ``1``/``0``; repeat annotations (``"1, 0, 1"``) by majority."""
    value = value.strip()
    if not value:
        return None
    parts = [p.strip() for p in value.split(",")]
    if any(p not in ("0", "1") for p in parts):
        raise LabelsError(str(path), f"value {value!r} is not 0 or 1", row=number, column=column)
    return 2 * parts.count("1") > len(parts)


def _load_convabuse_file(path: Path) -> list[CorpusRow]:
    rows = []
    for number, record in _csv_rows(path, ["example_id", "conv_id", "agent", "user"]):
        annotators = sorted({
            key.split("_", 1)[0] for key in record if key.startswith("Annotator")
            and key.endswith("is_abuse.1")
        })
        votes = []  # (severity, set of types ticked) per annotator who labelled the row
        for annotator in annotators:
            ticked = [
                level for level in _CONVABUSE_SEVERITY
                if _annotator_vote(path, number, f"{annotator}_is_abuse.{level}",
                                   record.get(f"{annotator}_is_abuse.{level}", ""))
            ]
            if not ticked:
                continue
            types = {
                name for name in (*_CONVABUSE_IDENTITY, "intellectual", "sex_harassment")
                if _annotator_vote(path, number, f"{annotator}_{name}",
                                   record.get(f"{annotator}_{name}", ""))
            }
            votes.append((ticked[0], types))
        if not votes:
            continue
        n = len(votes)
        abusive = sum(1 for level, _ in votes if level in ("-1", "-2", "-3"))
        civil = sum(1 for level, _ in votes if level == "1")
        if 2 * civil > n:
            labels = {"toxicity": 0, **{a: 0 for a in TOXIC_SUBTYPES if a != "profanity"}}
        elif 2 * abusive > n:
            labels = {"toxicity": 1}
            severe = sum(1 for level, _ in votes if level == "-3")
            labels["severe_toxicity"] = int(2 * severe > n)
            for attribute, names in (("identity_attack", _CONVABUSE_IDENTITY),
                                     ("insult", ("intellectual",))):
                ticks = sum(1 for _, types in votes if types & set(names))
                if 2 * ticks > n:
                    labels[attribute] = 1
                elif ticks == 0:
                    labels[attribute] = 0
        else:
            continue  # ambiguous or split: unknown
        rows.append(
            _row(record["user"], labels, parent=record["agent"], source="convabuse",
                 group=f"{path.stem}:{record['conv_id']}", id=record["example_id"])
        )
    return rows


def load_convabuse(path: Path) -> list[CorpusRow]:
    """ConvAbuse (Cercas Curry et al. 2021): users' messages to conversational agents, each
    labelled by several annotators (``AnnotatorN_is_abuse.{1,0,-1,-2,-3}``, types, targets).

    A majority of annotators ticking 1 (not abusive) -> toxicity and its kinds 0 (profanity
    unknown: the corpus does not label swearing, and "not abusive" allows it); a majority
    ticking -1/-2/-3 -> toxicity 1, with severe_toxicity 1 where a majority said -3 (very
    strong), identity_attack 1 where a majority ticked an identity type (ableist,
    homophobic, racist, sexist, transphobic) and 0 where nobody did, insult likewise from
    ``intellectual`` (attacks on intelligence). Sexual harassment teaches toxicity only.
    Other rows (ambiguous, split votes) are left out. The agent's turn is the parent; a
    folder reads the train, valid and test files.
    """
    files = sorted(path.glob("ConvAbuse*.csv")) if path.is_dir() else [path]
    if not files:
        raise LabelsError(str(path), "no ConvAbuse*.csv files here")
    return _require_rows(path, [row for file in files for row in _load_convabuse_file(file)])


# --------------------------------------------------------------------------- registry

_TOX = ("toxicity",)
CORPORA: dict[str, Corpus] = {
    c.name: c
    for c in (
        Corpus(
            "jigsaw",
            "Jigsaw Toxic Comment Classification (Wikipedia talk pages)",
            "CC0 data; comment text CC BY-SA 3.0 (Wikipedia)",
            ("toxicity", "severe_toxicity", "profanity", "threat", "insult", "identity_attack"),
            ("train.csv", "train_head2886.csv"),
            load_jigsaw,
        ),
        Corpus(
            "civil-spans",
            "ToxicSpans / SemEval-2021 Task 5 (Civil Comments news comments)",
            "CC0 1.0",
            ("toxicity", "insult", "threat", "identity_attack", "profanity"),
            (),  # a folder: comments.csv + annotations.csv, else every tsd_*.csv
            load_civil_spans,
        ),
        Corpus(
            "olid",
            "OLID / OffensEval 2019 (tweets)",
            "no explicit license; research use",
            ("toxicity", "insult", "profanity", "threat", "identity_attack", "severe_toxicity"),
            ("olid-training-v1.0.tsv", "olid-training-v1.tsv"),
            load_olid,
            use="research only",
        ),
        Corpus(
            "davidson",
            "Davidson et al. 2017 hate speech and offensive language (tweets)",
            "MIT",
            ("toxicity", "identity_attack", "insult", "profanity", "threat", "severe_toxicity"),
            ("labeled_data.csv",),
            load_davidson,
        ),
        Corpus(
            "kaggle-insults",
            "Impermium Detecting Insults in Social Commentary (Kaggle 2012)",
            "Kaggle competition data, no explicit license; research/non-commercial use",
            ("insult", "toxicity"),
            ("train.csv",),
            load_kaggle_insults,
            use="non-commercial",
        ),
        Corpus(
            "semeval-cqa",
            "SemEval-2015 Task 3 answer selection (Qatar Living forum)",
            "free for general research use",
            ("off_topic",),
            ("semeval2015_task3_en_comments.csv",),
            load_semeval_cqa,
            use="research only",
        ),
        Corpus(
            "semeval2016-cqa",
            "SemEval-2016 Task 3 subtask A comment relevance (Qatar Living forum)",
            "free for general research use",
            ("off_topic",),
            (),  # a folder reads every subtaskA_*.csv
            load_semeval2016_cqa,
            use="research only",
        ),
        Corpus(
            "fox-news",
            "Fox News user comments, hateful or not (Gao & Huang 2017)",
            "MIT (per the README)",
            ("identity_attack", "toxicity"),
            ("fox-news-comments.jsonl", "fox-news-comments.json"),
            load_fox_news,
        ),
        Corpus(
            "youtube-spam",
            "YouTube Spam Collection (UCI)",
            "CC BY 4.0",
            ("off_topic",),
            (),  # a folder reads every Youtube*.csv
            load_youtube_spam,
        ),
        Corpus(
            "context-toxicity",
            "CAT-LARGE / CAT-SMALL toxicity with parent context (Wikipedia talk pages)",
            "Apache-2.0",
            _TOX,
            (),  # a folder reads gc.csv and gn.csv
            load_context_toxicity,
        ),
        Corpus(
            "sfu-ctc",
            "SFU Constructiveness and Toxicity Corpus (Globe and Mail comments)",
            "CC BY-NC-SA 4.0 (non-commercial)",
            _TOX,
            ("SFU_constructiveness_toxicity.csv",),
            load_sfu_ctc,
            use="non-commercial",
        ),
        Corpus(
            "jigsaw-extra",
            "Jigsaw Toxic Comment Classification, more train rows (Wikipedia talk pages)",
            "CC0 data; comment text CC BY-SA 3.0 (Wikipedia)",
            ("toxicity", "severe_toxicity", "profanity", "threat", "insult", "identity_attack"),
            ("train_extra.csv",),
            load_jigsaw_extra,
        ),
        Corpus(
            "tweeteval-hate",
            "TweetEval hate = HatEval 2019 English (tweets about immigrants and women)",
            "TweetEval \"without restrictions\"; HatEval research use under Twitter terms",
            ("identity_attack",),
            ("tweeteval_hate.csv",),
            load_tweeteval_hate,
            use="research only",
        ),
        Corpus(
            "stormfront",
            "Hate speech from a white-supremacy forum (de Gibert et al. 2018)",
            "CC BY-SA 3.0 ES",
            ("identity_attack",),
            ("stormfront_hate.csv",),
            load_stormfront,
        ),
        Corpus(
            "gab-hate",
            "Gab Hate Corpus (Kennedy et al. 2022)",
            "not stated in the source repo (original said to be CC BY 4.0): research use",
            ("identity_attack", "threat", "profanity", "toxicity"),
            ("GHC_all.tsv",),
            load_gab_hate,
            use="research only",
        ),
        Corpus(
            "hatexplain",
            "HateXplain (Twitter and Gab; MAGPIE preprocessing)",
            "CC BY 4.0",
            ("toxicity", "identity_attack", "severe_toxicity", "insult", "profanity", "threat"),
            ("hatexplain_preprocessed.csv",),
            load_hatexplain,
        ),
        Corpus(
            "convabuse",
            "ConvAbuse: abuse in messages to conversational agents",
            "CC BY 4.0",
            ("toxicity", "severe_toxicity", "identity_attack", "insult", "profanity", "threat"),
            (),  # a folder reads every ConvAbuse*.csv
            load_convabuse,
        ),
        Corpus(
            "ruddit",
            "Ruddit offensiveness norms (Reddit comments)",
            "ids/scores MIT; comment text is Reddit user content: research use only",
            _TOX,
            ("ruddit_with_text.csv",),
            load_ruddit,
            use="research only",
        ),
    )
}



def corpus(name: str) -> Corpus:
    """The registered adapter called ``name``; LabelsError listing the known names if none."""
    try:
        return CORPORA[name]
    except KeyError:
        raise LabelsError(name, f"unknown corpus (known: {', '.join(sorted(CORPORA))})") from None


def load_corpus(name: str, path) -> LabelledSource:
    """Read corpus ``name`` from ``path`` (its file, or the folder that holds it).

    Returns a ``LabelledSource`` whose ``rows`` are ``CorpusRow``s, with the license note
    and the SHA-256 of the file read (of the sorted per-file digests when several were).
    """
    adapter = corpus(name)
    given = Path(path)
    if not given.exists():
        raise LabelsError(str(given), f"no such file or folder (for --data {name}=PATH)")
    target = given
    if given.is_dir() and adapter.files:
        for file_name in adapter.files:
            if (given / file_name).exists():
                target = given / file_name
                break
    files: list[Path] = []
    token = _FILES_READ.set(files)
    try:
        rows = adapter.loader(target)
    finally:
        _FILES_READ.reset(token)
    if len(files) == 1:
        sha = file_sha256(files[0])
    else:
        digest = hashlib.sha256()
        for file in sorted(files, key=lambda f: f.name):
            digest.update(f"{file.name}:{file_sha256(file)}\n".encode())
        sha = digest.hexdigest()
    return LabelledSource(
        name=name,
        path=str(given),
        rows=rows,
        sha256=sha,
        license=adapter.license,
        kind="corpus",
    )


def parse_data_option(value: str) -> tuple[str, Path]:
    """Split a ``NAME=PATH`` option value, checking the corpus name."""
    name, sep, path = value.partition("=")
    if not sep or not name or not path:
        raise LabelsError(value, "expected NAME=PATH, e.g. jigsaw=train.csv")
    corpus(name.strip())
    return name.strip(), Path(path)


def split_rows(
    rows: Sequence[LabelledRow],
    attribute: str,
    dev_fraction: float = 0.2,
    seed: int = 2024,
) -> tuple[list[LabelledRow], list[LabelledRow]]:
    """A fixed train/dev split, stratified on ``attribute`` (known labels; unknown counts
    as its own stratum). Rows sharing a ``group`` (thread) stay on one side, so the dev
    split never sees an article the training split saw."""
    rng = random.Random(seed)
    units: dict[object, list[int]] = {}
    for i, row in enumerate(rows):
        key = ("group", row.group) if row.group is not None else ("row", i)
        units.setdefault(key, []).append(i)

    def stratum(indices: list[int]):
        values = [rows[i].labels.get(attribute) for i in indices]
        known = [v for v in values if v is not None]
        if not known:
            return None
        return round(sum(known) / len(known) * 4)  # groups: binned positive rate

    strata: dict[object, list[list[int]]] = defaultdict(list)
    for indices in units.values():
        strata[stratum(indices)].append(indices)
    train: list[int] = []
    dev: list[int] = []
    for key in sorted(strata, key=lambda k: (k is None, k if k is not None else 0)):
        members = strata[key]
        rng.shuffle(members)
        n_dev = round(len(members) * dev_fraction)
        for j, indices in enumerate(members):
            (dev if j < n_dev else train).extend(indices)
    return [rows[i] for i in sorted(train)], [rows[i] for i in sorted(dev)]


# --------------------------------------------------------------------------- ../shared/data

#: Every 80/20 train/dev split of the shared corpora uses these (bench/quality.py judges the
#: dev splits; the default model trains on the train splits only).
DEV_FRACTION = 0.2
DEV_SEED = 20240601
WHERE_CORPORA_COME_FROM = (
    "the public corpora are collected in a folder `data/` beside the checkout (../shared/data), "
    "one folder per corpus with a SOURCES.md naming its origin and licence; the model card "
    "(models/moderator.card.json) lists them"
)


@dataclass(frozen=True)
class SharedCorpus:
    """A corpus folder of the shared data, its adapter, and the label its dev split is
    stratified on."""

    corpus: str
    folder: str
    split_on: str
    #: attributes the default model does not learn from this corpus (its dev rows still
    #: judge them), with the measurement that says why
    not_taught: tuple[str, ...] = ()
    why_not: str = ""


#: The English corpora the default model is trained on, in training order.
SHARED_CORPORA = (
    SharedCorpus("jigsaw", "jigsaw", "toxicity"),
    SharedCorpus("jigsaw-extra", "jigsaw_train_extra", "toxicity"),
    SharedCorpus("olid", "olid", "toxicity"),
    SharedCorpus("kaggle-insults", "kaggle_insults", "insult"),
    SharedCorpus("civil-spans", "civil_comments_toxic_spans", "toxicity"),
    SharedCorpus("semeval-cqa", "semeval2015_task3_cqa", "off_topic"),
    SharedCorpus("semeval2016-cqa", "semeval2016_task3_cqa", "off_topic"),
    SharedCorpus("youtube-spam", "youtube_spam", "off_topic"),
    SharedCorpus("fox-news", "fox_news_comments", "identity_attack"),
    SharedCorpus("context-toxicity", "context_toxicity", "toxicity"),
    SharedCorpus("sfu-ctc", "sfu_ctc", "toxicity"),
    SharedCorpus("ruddit", "ruddit", "toxicity"),
    SharedCorpus("tweeteval-hate", "tweeteval_hate", "identity_attack"),
    SharedCorpus("stormfront", "stormfront_hate", "identity_attack"),
    SharedCorpus("gab-hate", "gab_hate_corpus", "identity_attack"),
    SharedCorpus(
        "hatexplain", "hatexplain_magpie", "toxicity", ("toxicity",),
        "its 11,253 offensive/hate posts as toxicity positives moved toxicity ROC AUC on the "
        "Reddit, tweet and news dev splits down (ruddit 0.966 -> 0.937, olid 0.811 -> 0.800, "
        "context-toxicity 0.817 -> 0.800); it still teaches identity_attack",
    ),
    SharedCorpus("convabuse", "convabuse", "toxicity"),
)
#: Shared corpora the default model leaves out, and why.
SHARED_LEFT_OUT = {
    "one_million_posts": "German comments: the model is English, and German n-grams would "
    "only add noise to it (and the corpus is CC BY-NC-SA 4.0)",
}


@dataclass
class SharedSplit:
    """One shared corpus split once: its train part (a source) and its dev rows."""

    corpus: str
    folder: str
    train: LabelledSource
    dev: list[CorpusRow]
    dropped_duplicates: int = 0  # train rows whose text is a dev row of some corpus


def _without(row: CorpusRow, attributes: set[str]) -> CorpusRow:
    """A copy of ``row`` with ``attributes`` unknown."""
    labels = {a: v for a, v in row.labels.items() if a not in attributes}
    return CorpusRow(text=row.text, labels=labels, article=row.article, parent=row.parent,
                     group=row.group, source=row.source, weight=row.weight, id=row.id,
                     spans=row.spans)


def dev_split(rows: Sequence[LabelledRow], split_on: str):
    """The fixed 80/20 (train, dev) split every use of the shared corpora shares."""
    return split_rows(rows, split_on, DEV_FRACTION, seed=DEV_SEED)


def _shared_entry(name: str) -> SharedCorpus:
    for entry in SHARED_CORPORA:
        if entry.corpus == name:
            return entry
    known = ", ".join(e.corpus for e in SHARED_CORPORA)
    raise LabelsError(name, f"not a shared corpus (known: {known})")


def shared_splits(data_dir, names: Sequence[str] | None = None,
                  require_all: bool = True) -> list[SharedSplit]:
    """Load the shared corpora under ``data_dir`` and split each with ``dev_split``.

    ``names`` picks corpora (default: every one of ``SHARED_CORPORA``). A corpus folder that
    is absent is an error naming it and where the corpora come from (``require_all``), or
    skipped. Training rows whose text (lower case, letters and digits) equals a dev row of
    *any* corpus are dropped from training, so no dev row is seen by a model under another
    corpus's name (HateXplain and the Gab Hate Corpus share Gab posts). An entry's
    ``not_taught`` attributes are unknown in its training rows (its dev rows keep them).
    """
    data_dir = Path(data_dir)
    entries = [_shared_entry(n) for n in names] if names else list(SHARED_CORPORA)
    if not data_dir.is_dir():
        raise LabelsError(
            str(data_dir),
            f"no such folder: training the default model needs the public corpora "
            f"({', '.join(e.folder for e in entries)}); {WHERE_CORPORA_COME_FROM}",
        )
    missing = [e.folder for e in entries if not (data_dir / e.folder).exists()]
    if missing and require_all:
        raise LabelsError(
            str(data_dir),
            f"missing corpus folder(s) {', '.join(missing)}; {WHERE_CORPORA_COME_FROM}",
        )
    splits = []
    for entry in entries:
        if entry.folder in missing:
            continue
        source = load_corpus(entry.corpus, data_dir / entry.folder)
        train_rows, dev_rows = dev_split(source.rows, entry.split_on)
        splits.append(SharedSplit(
            entry.corpus, entry.folder,
            LabelledSource(name=entry.corpus, path=source.path, rows=train_rows,
                           sha256=source.sha256, license=source.license, kind="corpus"),
            dev_rows,
        ))
    dev_keys = {_text_key(r.text) for s in splits for r in s.dev}
    not_taught = {e.corpus: set(e.not_taught) for e in entries}
    for split in splits:
        kept = [r for r in split.train.rows if _text_key(r.text) not in dev_keys]
        if not_taught[split.corpus]:
            kept = [_without(r, not_taught[split.corpus]) for r in kept]
            kept = [r for r in kept if r.labels]
        split.dropped_duplicates = len(split.train.rows) - len(kept)
        split.train.rows = kept
    return splits


def default_model_card(model, splits: Sequence[SharedSplit]) -> dict:
    """What the default model's card adds to the training card: each shared corpus's title,
    licence as stated and use (open / non-commercial / research only), train and dev rows,
    the corpora left out and why, and ``moderator.metrics.flag_report`` on the dev splits
    (rows no part of training saw: not the fits, not the thresholds)."""
    from .metrics import flag_report

    by_name = {s.corpus: s for s in splits}
    corpora = []
    for entry in model.card.get("sources", []):
        split = by_name.get(entry["name"])
        adapter = CORPORA.get(entry["name"])
        if split is None or adapter is None:
            continue
        corpora.append({
            "name": entry["name"],
            "title": adapter.title,
            "folder": split.folder,
            "license": adapter.license,
            "use": adapter.use,
            "train_rows": len(split.train.rows),
            "dev_rows": len(split.dev),
            "train_rows_dropped_as_dev_duplicates": split.dropped_duplicates,
            "attributes": sorted(entry.get("labels", {})),
            **({"not_taught": {a: shared.why_not for a in shared.not_taught}}
               if (shared := _shared_entry(entry["name"])).not_taught else {}),
        })
    return {
        "language": "en",
        "corpora": corpora,
        "non_commercial_or_research_only": [c["name"] for c in corpora if c["use"] != "open"],
        "left_out": dict(SHARED_LEFT_OUT),
        "dev_split": {"fraction": DEV_FRACTION, "seed": DEV_SEED,
                      "function": "moderator.corpora.dev_split"},
        "dev": flag_report(model, [(s.corpus, s.dev) for s in splits]),
    }
