"""Options shared by the commands that read thread files (parse, score, export, report)."""

from __future__ import annotations

import click

from ..threads import FORMATS, ParseOptions

FORMAT_CHOICE = click.Choice(sorted(FORMATS))


def thread_input_options(func):
    """``--format``, ``--include-removed`` and the CSV column options."""
    decorators = [
        click.option(
            "--format", "format_", type=FORMAT_CHOICE, default=None,
            help="Input format (default: detected from the content).",
        ),
        click.option(
            "--include-removed", is_flag=True,
            help="Keep spam, deleted and unapproved comments instead of skipping them.",
        ),
        click.option("--text-column", default="text", show_default=True,
                     help="CSV: column with the comment text."),
        click.option("--id-column", default=None, help="CSV: column with the comment id."),
        click.option("--parent-column", default=None, help="CSV: column with the parent's id."),
        click.option("--author-column", default=None, help="CSV: column with the author."),
        click.option("--article-column", default=None, help="CSV: column with the article text."),
        click.option("--title-column", default=None, help="CSV: column with the thread title."),
        click.option("--thread-column", default=None, help="CSV: column with the thread id."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def parse_options_from(kwargs: dict) -> ParseOptions:
    """Pop the shared options out of a command's kwargs into a ParseOptions."""
    return ParseOptions(
        include_removed=kwargs.pop("include_removed"),
        text_column=kwargs.pop("text_column"),
        id_column=kwargs.pop("id_column"),
        parent_column=kwargs.pop("parent_column"),
        author_column=kwargs.pop("author_column"),
        article_column=kwargs.pop("article_column"),
        title_column=kwargs.pop("title_column"),
        thread_column=kwargs.pop("thread_column"),
    )


class CorpusOption(click.Option):
    """An option whose help ends with every ``--data`` corpus name, read from
    ``moderator.corpora.CORPORA`` only when the help is shown (the command stays quick to
    start, and the list cannot drift from the loaders)."""

    def get_help_record(self, ctx):
        from moderator.corpora import CORPORA

        base = self.help
        self.help = f"{base} NAME is one of: {', '.join(sorted(CORPORA))}."
        try:
            return super().get_help_record(ctx)
        finally:
            self.help = base
