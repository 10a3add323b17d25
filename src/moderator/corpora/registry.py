"""``CORPORA``: every adapter with its attributes, files and license note; ``load_corpus``."""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from ..errors import LabelsError
from ..files import file_sha256
from ..labels import LabelledRow, LabelledSource
from .comments import (
    load_context_toxicity,
    load_fox_news,
    load_ruddit,
    load_sfu_ctc,
    load_youtube_spam,
)
from .common import FILES_READ, Corpus
from .forums import load_semeval2016_cqa, load_semeval_cqa
from .hate import (
    load_convabuse,
    load_gab_hate,
    load_hatexplain,
    load_jigsaw_extra,
    load_stormfront,
    load_tweeteval_hate,
)
from .toxicity import load_civil_spans, load_davidson, load_jigsaw, load_kaggle_insults, load_olid

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
    token = FILES_READ.set(files)
    try:
        rows = adapter.loader(target)
    finally:
        FILES_READ.reset(token)
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
