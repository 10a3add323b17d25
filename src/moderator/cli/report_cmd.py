"""``moderator report FILE -o report.html``: one self-contained page for a person."""

from __future__ import annotations

import click

from .options import parse_options_from, thread_input_options
from .score_cmd import load_policy_and_model, policy_options


@click.command("report")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", "out", required=True,
              type=click.Path(dir_okay=False, writable=True),
              help="The HTML file to write.")
@thread_input_options
@policy_options
@click.pass_context
def report(ctx, file, out, model_path, config_path, thresholds, format_, **kwargs):
    """Write an HTML report of FILE: the thread, flagged comments and why.

    The page is self-contained (no external resources): the article's title and first
    paragraph, the thread with replies indented, flagged comments highlighted with the
    words that drove each score marked, a summary and filters by attribute.

    \b
    Examples:
      moderator report examples/thread.txt -o report.html
      moderator report export.xml --config moderator.toml -o today.html
    """
    from moderator.output import counted
    from moderator.report import render_report, write_text_atomic
    from moderator.review import comment_records, score_thread
    from moderator.threads import read_threads

    options = parse_options_from(kwargs)
    policy, model, _ = load_policy_and_model(model_path, config_path, thresholds)
    threads = []
    flagged = comments = 0
    for thread in read_threads(file, format=format_, options=options):
        records = comment_records(thread, score_thread(model, thread, policy))
        comments += len(records)
        flagged += sum(r["flagged"] for r in records)
        threads.append((thread, records))
    write_text_atomic(out, render_report(threads, model.attributes, source=file))
    click.echo(f"Wrote {out}: {counted(len(threads), 'thread')}, "
               f"{counted(comments, 'comment')}, {flagged} flagged", err=True)


COMMANDS = [report]
