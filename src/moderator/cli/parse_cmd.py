"""``moderator parse``: read a thread file and show or dump its comments."""

from __future__ import annotations

import sys

import click

from .options import parse_options_from, thread_input_options

OUTPUTS = ("table", "json", "jsonl", "csv")


@click.command("parse")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@thread_input_options
@click.option(
    "-o", "--output", type=click.Choice(OUTPUTS), default=None,
    help="table for people (default on a terminal), else jsonl; json = list of threads; "
    "csv = one row per comment.",
)
def parse_command(file: str, output: str | None, format_: str | None, **kwargs) -> None:
    """Parse FILE (- for standard input) into its threads and comments.

    The format (text page, wxr, disqus, reddit, hn, json, csv) is detected from the
    content unless --format is given. Every comment is printed, or counted as skipped
    with its reason in the summary line (stdout for the table, stderr otherwise).

    \b
    Examples:
      moderator parse examples/thread.txt
      moderator parse export.xml --output jsonl > comments.jsonl
      moderator parse comments.csv --text-column body --thread-column post_id -o json
      curl -s https://example.org/thread.json | moderator parse - --format reddit
    """
    from ..output import (
        CsvRowWriter,
        JsonListWriter,
        Summary,
        comment_rows,
        render_table,
        write_jsonl,
    )
    from ..threads import read_threads

    options = parse_options_from(kwargs)
    if output is None:
        output = "table" if sys.stdout.isatty() else "jsonl"
    out = sys.stdout
    summary = Summary()
    threads = read_threads(file, format=format_, options=options)
    if output == "json":
        writer = JsonListWriter(out)
        for thread in threads:
            writer.write(thread.to_dict())
            summary.add(thread)
        writer.close()
    elif output == "jsonl":
        for thread in threads:
            write_jsonl(comment_rows(thread), out)
            summary.add(thread)
    elif output == "csv":
        csv_writer = CsvRowWriter(out)
        for thread in threads:
            csv_writer.write(comment_rows(thread))
            summary.add(thread)
        csv_writer.close()
    else:
        for thread in threads:
            if summary.threads:
                click.echo()
            for line in render_table(thread):
                click.echo(line)
            summary.add(thread)
        click.echo(summary.line())
        return
    click.echo(summary.line(), err=True)


COMMANDS = [parse_command]
