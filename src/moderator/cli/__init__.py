"""The ``moderator`` command: a click group whose commands live one per module here.

Commands stay thin: they parse options, call the library and print. Library errors
(``ModeratorError``) become one ``Error: …`` line on stderr and exit status 1.
"""

from __future__ import annotations

import logging
import sys

import click

from ..errors import ModeratorError


class ModeratorGroup(click.Group):
    """Turns library errors into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ModeratorError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except SystemError as exc:
            # Ctrl-C inside a compiled (numba) kernel surfaces as a SystemError whose
            # context is the KeyboardInterrupt: it is still the user stopping the run.
            if not _caused_by_interrupt(exc):
                raise
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # `moderator parse big.xml | head`: stop quietly, like other Unix tools.
            sys.stderr.close()
            ctx.exit(0)


def _caused_by_interrupt(exc: BaseException) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


@click.group(cls=ModeratorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="moderator")
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debug).")
def main(verbose: int) -> None:
    """Self-hosted, explainable moderation of comment threads.

    Parse thread exports, score every comment for toxicity and off-topic content,
    and export the comments a human should review.

    \b
    Examples:
      moderator parse examples/thread.txt
      moderator train
      moderator score examples/thread.txt
      moderator export exports/ -o queue.csv
    """
    level = logging.WARNING - 10 * verbose
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger = logging.getLogger("moderator")
    logger.handlers[:] = [handler]
    logger.setLevel(max(level, logging.DEBUG))
    logger.propagate = False


COMMAND_MODULES = ("parse_cmd", "train_cmd", "score_cmd", "evaluate_cmd", "export_cmd",
                   "report_cmd")


def _register() -> None:
    # Every command is built now: a missing module is an install error, not something to skip.
    for module_name in COMMAND_MODULES:
        module = __import__(f"{__name__}.{module_name}", fromlist=["COMMANDS"])
        for command in module.COMMANDS:
            main.add_command(command)


_register()
