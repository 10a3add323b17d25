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

from .comments import (
    load_context_toxicity,
    load_fox_news,
    load_ruddit,
    load_sfu_ctc,
    load_youtube_spam,
)
from .common import (
    CIVIL_NEGATIVE_WEIGHT,
    FILES_READ,
    TOXIC_SUBTYPES,
    YOUTUBE_HAM_WEIGHT,
    Corpus,
    CorpusRow,
    binary_label,
    char_ranges,
    choice_of,
    corpus_row,
    csv_rows,
    note_read,
    require_rows,
)
from .forums import load_semeval2016_cqa, load_semeval_cqa
from .hate import (
    detokenize,
    load_convabuse,
    load_gab_hate,
    load_hatexplain,
    load_jigsaw_extra,
    load_stormfront,
    load_tweeteval_hate,
    text_key,
)
from .registry import CORPORA, corpus, load_corpus, parse_data_option, split_rows
from .shared import (
    DEV_FRACTION,
    DEV_SEED,
    SHARED_CORPORA,
    SHARED_LEFT_OUT,
    WHERE_CORPORA_COME_FROM,
    SharedCorpus,
    SharedSplit,
    default_model_card,
    dev_split,
    shared_splits,
)
from .toxicity import (
    load_civil_spans,
    load_davidson,
    load_jigsaw,
    load_kaggle_insults,
    load_olid,
    unescape_impermium,
)

__all__ = [
    "CIVIL_NEGATIVE_WEIGHT",
    "CORPORA",
    "Corpus",
    "CorpusRow",
    "DEV_FRACTION",
    "DEV_SEED",
    "FILES_READ",
    "SHARED_CORPORA",
    "SHARED_LEFT_OUT",
    "SharedCorpus",
    "SharedSplit",
    "TOXIC_SUBTYPES",
    "WHERE_CORPORA_COME_FROM",
    "YOUTUBE_HAM_WEIGHT",
    "binary_label",
    "char_ranges",
    "choice_of",
    "corpus",
    "corpus_row",
    "csv_rows",
    "default_model_card",
    "detokenize",
    "dev_split",
    "load_civil_spans",
    "load_context_toxicity",
    "load_convabuse",
    "load_corpus",
    "load_davidson",
    "load_fox_news",
    "load_gab_hate",
    "load_hatexplain",
    "load_jigsaw",
    "load_jigsaw_extra",
    "load_kaggle_insults",
    "load_olid",
    "load_ruddit",
    "load_semeval2016_cqa",
    "load_semeval_cqa",
    "load_sfu_ctc",
    "load_stormfront",
    "load_tweeteval_hate",
    "load_youtube_spam",
    "note_read",
    "parse_data_option",
    "require_rows",
    "shared_splits",
    "split_rows",
    "text_key",
    "unescape_impermium",
]
