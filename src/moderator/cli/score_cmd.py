"""``moderator score FILE``: every comment of a thread with its scores, flags and reasons."""

from __future__ import annotations

import atexit
import gc
import sys
from collections import Counter

import click

from .options import parse_options_from, thread_input_options

FLAGGED_EXIT = 3
RECORD_FIELDS = ("thread_id", "id", "parent_id", "depth", "position", "author", "timestamp",
                 "likes", "removed", "text", "scores", "flagged", "reasons",
                 "language")  # SCORED_FIELDS


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
                     help="Trained model (default: $MODERATOR_MODEL, the config's `model`, "
                          "./models/moderator.joblib, else the model shipped with moderator)."),
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
    # the lookup (moderator.model.find_model): --model, $MODERATOR_MODEL, the config's
    # model, ./models, the shipped one; workers given model_path and the policy do the same
    model = moderator.load_model(model_path, policy.model_path)
    from moderator.kernels import library
    from moderator.model.fitted import scoring_threads

    scoring_threads()  # a bad $MODERATOR_THREADS stops the command here, not file by file
    library()  # so does a missing or stale build of the compiled kernels
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
    from moderator.output import JsonListWriter, scored_document
    from moderator.records import RecordWriter
    from moderator.review import flag_counts, flag_summary, score_thread
    from moderator.threads import read_threads

    if gc.isenabled():
        # A run makes a few objects per comment and no reference cycles; the cyclic
        # collector's repeated passes over all of them were a fifth of the run
        # (100,000 tweets: 6.3 s -> 5.0 s). Collected again when the command ends.
        gc.disable()
        ctx.call_on_close(_enable_the_collector)
    _skip_the_collection_at_exit()
    options = parse_options_from(kwargs)
    policy, model, _ = load_policy_and_model(model_path, config_path, thresholds)
    output = output or ("table" if sys.stdout.isatty() else "jsonl")
    out = sys.stdout
    comments = flagged = foreign = 0
    by_attribute: Counter = Counter()
    if output in ("jsonl", "csv"):
        writer = RecordWriter(out, output, RECORD_FIELDS, model.attributes)
    elif output == "json":
        writer = JsonListWriter(out)  # the `parse --output json` shape, comments scored
    for thread in read_threads(file, format=format_, options=options):
        results = score_thread(model, thread, policy)
        counts = flag_counts(results)
        comments, flagged = comments + counts[0], flagged + counts[1]
        by_attribute.update(counts[2])
        foreign += counts[3]
        if output == "table":
            _echo_table(thread, results)
        elif output == "json":
            writer.write(scored_document(thread, results))
        else:
            writer.write_thread(thread, results)
    summary = flag_summary(comments, flagged, by_attribute, model.attributes, foreign)
    if output == "table":
        click.echo(summary)
    else:
        writer.close()
        click.echo(summary, err=True)
    if fail_on_flag and flagged:
        ctx.exit(FLAGGED_EXIT)


_AT_EXIT: list = []


def _enable_the_collector() -> None:
    """``gc.enable()`` without the pass it would start at once over every object made while
    it was off (0.05-0.14 s): they go to the oldest generation first (freeze + unfreeze),
    where the collector looks again only after much more has been made."""
    gc.freeze()
    gc.unfreeze()
    gc.enable()


def _skip_the_collection_at_exit() -> None:
    """At interpreter exit, freeze what is left instead of one last collection over every
    object (0.2-0.3 s of each run when the kernels were numba's). Memory is returned to
    the system with the process anyway."""
    if not _AT_EXIT:
        _AT_EXIT.append(atexit.register(gc.freeze))


def _echo_table(thread, results) -> None:
    """The shared thread table, flagged comments (their row and every why: line) in red."""
    from moderator.output import table_lines

    for index, line in table_lines(thread, annotations=results):
        if index is not None and results[index]["flagged"]:
            line = click.style(line, fg="red", bold=True)
        click.echo(line)
    click.echo()


COMMANDS = [score]
