"""``moderator evaluate``: how well a trained model scores labelled data it is given."""

from __future__ import annotations

import click

from .options import CorpusOption


def _parse_against(ctx, param, values):
    """``ATTR=LABEL`` pairs -> {attr: label}."""
    pairs = {}
    for value in values:
        attribute, sep, label = value.partition("=")
        if not sep or not attribute.strip() or not label.strip():
            raise click.BadParameter(f"{value!r} is not ATTRIBUTE=LABEL (e.g. toxicity=insult)")
        pairs[attribute.strip()] = label.strip()
    return pairs


@click.command("evaluate")
@click.option(
    "--labels",
    "labels_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Labels CSV in the project schema (text, toxic, off_topic, article, parent); repeatable.",
)
@click.option(
    "--data",
    "data_specs",
    multiple=True,
    metavar="NAME=PATH",
    cls=CorpusOption,
    help="A public corpus in its publisher's format (the file, or the folder holding it); "
    "repeatable.",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Trained model (default: $MODERATOR_MODEL, ./models/moderator.joblib, else the "
    "model shipped with moderator).",
)
@click.option(
    "--output",
    "-o",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for machines.",
)
@click.option(
    "--against",
    "against",
    multiple=True,
    metavar="ATTR=LABEL",
    callback=_parse_against,
    help="Judge the model's ATTR scores against the rows' LABEL labels "
    "(e.g. toxicity=insult for kaggle-insults); repeatable.",
)
@click.option(
    "--bins",
    type=click.IntRange(1, 100),
    default=10,
    show_default=True,
    help="Calibration bins of predicted probability.",
)
def evaluate(labels_paths, data_specs, model_path, output, against, bins):
    """Measure a model on labelled comments: per attribute ROC AUC, average precision,
    precision/recall/F1 and confusion counts at the model's threshold, and a
    calibration table. Rows whose label is unknown are left out of that attribute.

    \b
    Examples:
      moderator evaluate --labels data/labels.csv
      moderator evaluate --data olid=olid-training-v1.0.tsv --model models/big.joblib
      moderator evaluate --data kaggle-insults=train.csv --against toxicity=insult -o json
    """
    import json

    import moderator
    from moderator.corpora import load_corpus, parse_data_option
    from moderator.labels import load_labels_csv
    from moderator.metrics import evaluate_sources, json_ready, render_evaluation

    if not labels_paths and not data_specs:
        raise click.UsageError("give --labels PATH and/or --data NAME=PATH")
    parsed = [parse_data_option(spec) for spec in data_specs]  # check names before loading
    model = moderator.load_model(model_path)
    for attribute in against:
        if attribute not in model.attributes:
            raise click.BadParameter(
                f"unknown attribute {attribute!r}; the model has {', '.join(model.attributes)}",
                param_hint="'--against'",
            )
    sources = [load_labels_csv(path) for path in labels_paths]
    sources += [load_corpus(name, path) for name, path in parsed]
    evaluation = evaluate_sources(model, sources, label_map=against, bins=bins)
    if output == "json":
        click.echo(json.dumps(json_ready(evaluation), indent=2))
    else:
        click.echo(render_evaluation(evaluation))


COMMANDS = [evaluate]
