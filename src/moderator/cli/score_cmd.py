"""``moderator score FILE``: every comment of a thread with its scores, flags and reasons."""

from __future__ import annotations

import sys

import click

from .options import parse_options_from, thread_input_options

FLAGGED_EXIT = 3
RECORD_FIELDS = ("thread_id", "id", "parent_id", "depth", "position", "author", "timestamp",
                 "likes", "removed", "text", "scores", "flagged", "reasons")


def _parse_threshold(ctx, param, values):
    """``ATTR=VALUE`` pairs -> {attr: float}; names are checked once the model is loaded."""
    thresholds = {}
    for value in values:
        name, sep, number = value.partition("=")
        name = name.strip()
        if not sep or not name:
            raise click.BadParameter(f"{value!r} is not ATTRIBUTE=VALUE (e.g. toxicity=0.7)")
        try:
            threshold = float(number)
        except ValueError:
            raise click.BadParameter(f"{value!r}: {number!r} is not a number") from None
        if not 0.0 <= threshold <= 1.0:
            raise click.BadParameter(f"{value!r}: the threshold must be from 0 to 1")
        thresholds[name] = threshold
    return thresholds


def policy_options(func):
    """``--model``, ``--config`` and ``--threshold`` (shared by score, export and report)."""
    decorators = [
        click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
                     help="Trained model (default: the config's `model`, else "
                          "models/moderator.joblib)."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                     help="Policy file (moderator.toml): thresholds, attributes, banned and "
                          "allowed words."),
        click.option("--threshold", "thresholds", multiple=True, metavar="ATTR=VALUE",
                     callback=_parse_threshold,
                     help="Flag ATTR at or above VALUE (0..1); repeatable; overrides the "
                          "config and the model."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def load_policy_and_model(model_path, config_path, thresholds, load=True):
    """The policy (config + --threshold) and the model it applies to, both validated.

    Returns ``(policy, model, model_path)``; with ``load=False`` the model is still loaded
    once to check attribute names (callers that ship the path to workers use both).
    """
    import moderator
    from moderator.policy_config import load_policy
    from moderator.review import Policy

    policy = load_policy(config_path) if config_path else Policy()
    model_path = model_path or policy.model_path
    model = moderator.load_model(model_path)
    policy.validate(model.attributes)
    for name in thresholds:
        if name not in model.attributes:
            raise click.BadParameter(
                f"unknown attribute {name!r}; the model has {', '.join(model.attributes)}",
                param_hint="'--threshold'",
            )
    policy.thresholds.update(thresholds)
    return policy, model, model_path


@click.command("score")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@thread_input_options
@policy_options
@click.option("--output", "-o", "output", type=click.Choice(["table", "jsonl", "json", "csv"]),
              default=None, help="Output format (default: table on a terminal, else jsonl).")
@click.option("--fail-on-flag", is_flag=True,
              help=f"Exit with status {FLAGGED_EXIT} when any comment is flagged (for pipelines).")
@click.pass_context
def score(ctx, file, model_path, config_path, thresholds, output, fail_on_flag, format_,
          **kwargs):
    """Score every comment of FILE for toxicity and off-topic content, and say why.

    FILE is a thread in any format `moderator parse` reads (`-` for stdin). Comments
    at or above a threshold are flagged with the words that drove the score.

    \b
    Examples:
      moderator score examples/thread.txt
      moderator score export.xml --threshold toxicity=0.7 --output csv > scores.csv
      moderator score comments.csv --format csv --id-column comment_id --output jsonl
      moderator score thread.json --config moderator.toml --fail-on-flag
    """
    from moderator.records import RecordWriter, TableWriter
    from moderator.review import comment_records, score_thread
    from moderator.threads import read_threads

    options = parse_options_from(kwargs)
    policy, model, _ = load_policy_and_model(model_path, config_path, thresholds)
    output = output or ("table" if sys.stdout.isatty() else "jsonl")
    out = click.get_text_stream("stdout")

    if output == "table":
        writer = TableWriter(click.echo, model.attributes)
    else:
        writer = RecordWriter(out, output, RECORD_FIELDS, model.attributes)
    flagged = 0
    for thread in read_threads(file, format=format_, options=options):
        records = comment_records(thread, score_thread(model, thread, policy))
        if output == "table":
            writer.thread(thread)
        for record in records:
            flagged += record["flagged"]
            writer.write(record)
        if output == "table":
            click.echo()
    if output == "table":
        click.echo(writer.summary())
    else:
        writer.close()
    if fail_on_flag and flagged:
        ctx.exit(FLAGGED_EXIT)


COMMANDS = [score]
