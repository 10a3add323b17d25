"""``moderator train`` (and ``python train.py``): fit a model from labelled comments."""

from __future__ import annotations

import click

from .options import CorpusOption

DEFAULT_LABELS = "data/labels.csv"
DEFAULT_MODEL = "models/moderator.joblib"


@click.command("train")
@click.option(
    "--labels",
    "labels_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Labels CSV in the project schema (text, toxic, off_topic, article, parent; "
    "0/1, empty = unknown); repeatable. Default: data/labels.csv when no other data is given.",
)
@click.option(
    "--data",
    "data_specs",
    multiple=True,
    metavar="NAME=PATH",
    cls=CorpusOption,
    help="A public corpus in its publisher's format (the file, or the folder holding it), "
    "mapped onto the model's attributes; repeatable.",
)
@click.option(
    "--shared-data",
    "shared_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="The folder of public corpora (../shared/data): the train split of every English "
    "corpus in it (the dev splits bench/quality.py judges stay unseen). `make model` uses it.",
)
@click.option(
    "--feedback",
    "feedback_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A review queue (CSV/JSONL from `moderator export`) with moderators' decisions; "
    "repeatable.",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(dir_okay=False),
    default=DEFAULT_MODEL,
    show_default=True,
    help="Where to write the model; its card goes beside it (<name>.card.json).",
)
@click.option(
    "--target-precision",
    type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
    default=0.9,
    show_default=True,
    help="Each attribute's threshold is the one reaching this cross-validated precision.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (folds, pairs).")
@click.option(
    "--folds",
    type=click.IntRange(2, 20),
    default=None,
    help="Cross-validation folds for thresholds and metrics.  [default: 5; 3 above 20,000 "
    "rows]",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
def train(labels_paths, data_specs, shared_dir, feedback_paths, model_path, target_precision,
          seed, folds, quiet):
    """Train the scoring model and write it with its model card.

    Every source's labels are mapped onto the attributes (toxicity, insult, profanity,
    threat, identity_attack, severe_toxicity, off_topic); a source that lacks an attribute
    leaves it unknown. Progress goes to stderr; the summary line to stdout.

    \b
    Examples:
      moderator train
      python train.py --labels data/labels.csv --labels mine.csv --model models/site.joblib
      moderator train --data jigsaw=train.csv --data semeval-cqa=cqa/ --target-precision 0.9
      moderator train --labels data/labels.csv --feedback queue.csv
      moderator train --shared-data ../shared/data --labels data/labels.csv \
        --target-precision 0.8                     # the default model (make model)
    """
    from pathlib import Path

    from moderator.labels import as_source, load_labels_csv
    from moderator.model.persistence import save_model
    from moderator.model.training import train as train_model

    def progress(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    if not labels_paths and not data_specs and not feedback_paths and not shared_dir:
        if not Path(DEFAULT_LABELS).is_file():
            raise click.UsageError(
                f"no {DEFAULT_LABELS} here; give --labels PATH or --data NAME=PATH"
            )
        labels_paths = (DEFAULT_LABELS,)
    corpora, parsed = None, []
    if data_specs or shared_dir:
        corpora = _corpora_module()
        parsed = [corpora.parse_data_option(spec) for spec in data_specs]  # names checked first
    sources = []
    for path in labels_paths:
        progress(f"reading {path}")
        sources.append(load_labels_csv(path))
    splits = []
    if shared_dir:
        progress(f"reading the train splits of the corpora in {shared_dir}")
        splits = corpora.shared_splits(shared_dir)
        for split in splits:
            progress(f"  {split.corpus}: {len(split.train.rows)} train rows "
                     f"({len(split.dev)} dev rows left out)")
            sources.append(split.train)
    for name, path in parsed:
        progress(f"reading {name} corpus from {path}")
        sources.append(as_source(corpora.load_corpus(name, path), name, str(path), "corpus"))
    if feedback_paths:
        try:
            from moderator.feedback import load_feedback
        except ModuleNotFoundError as exc:  # pragma: no cover - until feedback.py exists
            raise click.ClickException("--feedback needs moderator.feedback, not installed") \
                from exc
        for path in feedback_paths:
            progress(f"reading review queue {path}")
            sources.append(as_source(load_feedback(path), Path(path).name, path, "feedback"))
    model = train_model(
        sources, target_precision=target_precision, seed=seed, folds=folds, progress=progress
    )
    if splits:
        progress("judging the model on the dev splits")
        model.card["default_model"] = corpora.default_model_card(model, splits)
    card = save_model(model, model_path)
    click.echo(
        f"wrote {model_path} and {card}: {', '.join(model.attributes)} "
        f"({model.card['training_seconds']:.1f}s)"
    )


def _corpora_module():
    try:
        from moderator import corpora
    except ModuleNotFoundError as exc:  # pragma: no cover - until corpora.py exists
        if exc.name != "moderator.corpora":
            raise
        raise click.ClickException("--data needs moderator.corpora, which is not installed") \
            from None
    return corpora


COMMANDS = [train]
