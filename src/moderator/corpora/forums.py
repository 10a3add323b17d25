"""Loaders of the forum question-answer corpora (SemEval 2015/2016 task 3): off-topic answers."""

from __future__ import annotations

from pathlib import Path

from ..errors import LabelsError
from .common import (
    CorpusRow,
    choice_of,
    corpus_row,
    csv_rows,
    note_read,
    require_rows,
    text_lines,
)

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
    for number, record in csv_rows(path, required):
        label = choice_of(path, number, "label", record["label"], _CQA_LABELS)
        labels = _cqa_labels(label)
        if labels is None:
            continue
        article = "\n".join(
            part for part in (record["question_subject"], record["question_body"]) if part
        )
        rows.append(
            corpus_row(
                record["comment_body"].strip(),
                labels,
                article=article,
                group=record["question_id"],
                source="semeval-cqa",
                id=record.get("comment_id") or None,
            )
        )
    return require_rows(path, rows)


def _load_cqa_xml(xml_path: Path, gold_path: Path) -> list[CorpusRow]:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    gold: dict[str, str] = {}
    note_read(xml_path)
    for number, line in enumerate(text_lines(gold_path), 1):
        if not line.strip():
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 2:
            raise LabelsError(str(gold_path), "expected 'comment id<TAB>label'", row=number)
        gold[parts[0].strip()] = choice_of(gold_path, number, "label", parts[1], _CQA_LABELS)
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
                corpus_row(
                    (comment.findtext("CBody") or "").strip(),
                    labels,
                    article=article,
                    group=qid,
                    source="semeval-cqa",
                    id=cid,
                )
            )
    return require_rows(xml_path, rows)


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
        return require_rows(path, rows)
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
    for number, record in csv_rows(path, required):
        label = choice_of(path, number, "label", record["label"], _CQA2016_LABELS)
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
            corpus_row(
                record["comment"].strip(),
                {"off_topic": int(label == "Bad")},
                article=article,
                group=key,
                source="semeval2016-cqa",
                id=f"{key}:{position}" if position else None,
            )
        )
    return require_rows(path, rows)
