"""Loaders of the hate-speech corpora: jigsaw-extra, tweeteval-hate, stormfront, gab-hate,
hatexplain, convabuse."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..errors import LabelsError
from .common import (
    TOXIC_SUBTYPES,
    CorpusRow,
    binary_label,
    choice_of,
    corpus_row,
    csv_rows,
    require_rows,
)
from .toxicity import load_jigsaw

# --------------------------------------------------------------------------- hate-speech corpora
#
# A hate-speech corpus labels one thing: whether a post attacks people for who they are.
# Its negatives ("not hate") include insults, profanity and threats that are not hate, so
# they say identity_attack = 0 and nothing about toxicity; its positives are toxic.


def text_key(text: str) -> str:
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
    for number, record in csv_rows(path, ["split", "text", "label"]):
        split = choice_of(path, number, "split", record["split"], ("train", "val", "test"))
        label = binary_label(path, number, "label", record["label"], unknown=())
        if split == "test":
            continue
        rows.append(
            corpus_row(record["text"], {"identity_attack": label}, source="tweeteval-hate",
                 group=text_key(record["text"]), id=f"{split}:{record.get('row_in_split', '')}")
        )
    return require_rows(path, rows)


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
    for number, record in csv_rows(path, ["file_id", "post_id", "label", "text"]):
        label = choice_of(path, number, "label", record["label"],
                        ("hate", "noHate", "relation", "idk/skip"))
        if label not in labels_of or not record["text"].strip():
            continue
        rows.append(
            corpus_row(detokenize(record["text"]), {"identity_attack": labels_of[label]},
                 source="stormfront", group=record["post_id"].strip(), id=record["file_id"])
        )
    return require_rows(path, rows)


def load_gab_hate(path: Path) -> list[CorpusRow]:
    """Gab Hate Corpus GHC_all.tsv: ``text, hd, cv, vo`` (majority labels).

    hd (assault on human dignity) -> identity_attack; cv (call for violence) -> threat;
    vo (vulgarity / offensive language) -> profanity; each 0 or 1 as labelled. A post
    with any of them is toxic. A post with none is not thereby civil (a plain insult is
    none of the three), so its toxicity and insult stay unknown.
    """
    rows = []
    columns = {"hd": "identity_attack", "cv": "threat", "vo": "profanity"}
    for number, record in csv_rows(path, ["text", *columns], delimiter="\t"):
        labels = {
            attribute: binary_label(path, number, column, record[column], unknown=())
            for column, attribute in columns.items()
        }
        if any(labels.values()):
            labels["toxicity"] = 1
        rows.append(corpus_row(record["text"], labels, source="gab-hate",
                         group=text_key(record["text"])))
    return require_rows(path, rows)


def load_hatexplain(path: Path) -> list[CorpusRow]:
    """HateXplain as preprocessed by MAGPIE: ``label`` 0 normal, 1 offensive, 2 hate speech.

    normal (neither offensive nor hate) -> toxicity 0 and every kind of toxicity 0 except
    profanity, which stays unknown: friendly banter with a swear word is "normal" there.
    offensive -> toxicity 1, identity_attack 0; hate -> toxicity 1, identity_attack 1. The
    text is lower-cased without punctuation, as published. Near-duplicate posts share a group.
    """
    rows = []
    for number, record in csv_rows(path, ["text", "label"]):
        label = choice_of(path, number, "label", record["label"], ("0", "1", "2"))
        if label == "0":
            labels = {"toxicity": 0, **{a: 0 for a in TOXIC_SUBTYPES if a != "profanity"}}
        else:
            labels = {"toxicity": 1, "identity_attack": int(label == "2")}
        rows.append(corpus_row(record["text"], labels, source="hatexplain",
                         group=text_key(record["text"])))
    return require_rows(path, rows)


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
    for number, record in csv_rows(path, ["example_id", "conv_id", "agent", "user"]):
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
            corpus_row(record["user"], labels, parent=record["agent"], source="convabuse",
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
    return require_rows(path, [row for file in files for row in _load_convabuse_file(file)])
