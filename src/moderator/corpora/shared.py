"""The corpora of ../shared/data, each split once into train and dev (``shared_splits``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import LabelsError
from ..labels import LabelledRow, LabelledSource
from .common import CorpusRow
from .hate import text_key
from .registry import CORPORA, load_corpus, split_rows

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
    dev_keys = {text_key(r.text) for s in splits for r in s.dev}
    not_taught = {e.corpus: set(e.not_taught) for e in entries}
    for split in splits:
        kept = [r for r in split.train.rows if text_key(r.text) not in dev_keys]
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
    from ..metrics import flag_report

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
