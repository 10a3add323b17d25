"""The ``moderator`` command: a click group whose commands live one per module here.

Commands stay thin: they parse options, call the library and print. Library errors
(``ModeratorError``) become one ``Error: …`` line on stderr and exit status 1.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

import click

from ..errors import ModeratorError
from ..logs import to_stderr


class Terminated(BaseException):
    """SIGTERM (``kill``, a service manager, a CI timeout) stopping the run.

    Raised from the signal handler so the run unwinds like Ctrl-C: every ``with`` block
    cleans up (an export leaves no half-written queue beside OUT). A BaseException, so
    no ``except Exception`` on the way swallows it.
    """


def _raise_terminated(signum, frame):
    raise Terminated()


#: Exit status of a run stopped by a signal: 128 + the signal's number, as shells report.
STOPPED = {KeyboardInterrupt: ("Interrupted.", 130), Terminated: ("Terminated.", 143)}


class ModeratorGroup(click.Group):
    """Turns library errors into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ModeratorError as exc:
            raise click.ClickException(str(exc)) from None
        except (KeyboardInterrupt, Terminated) as exc:
            _stopped(ctx, type(exc))
        except BrokenPipeError:
            # `moderator parse big.xml | head`: stop quietly, like other Unix tools.
            sys.stderr.close()
            ctx.exit(0)


def _stopped(ctx: click.Context, kind: type) -> None:
    message, status = STOPPED[kind]
    click.echo(message, err=True)
    ctx.exit(status)


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
      moderator serve --port 8080
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)
    to_stderr(max(logging.WARNING - 10 * verbose, logging.DEBUG))


COMMAND_MODULES = ("parse_cmd", "train_cmd", "score_cmd", "evaluate_cmd", "export_cmd",
                   "report_cmd", "serve_cmd")


def _register() -> None:
    # Every command is built now: a missing module is an install error, not something to skip.
    for module_name in COMMAND_MODULES:
        module = __import__(f"{__name__}.{module_name}", fromlist=["COMMANDS"])
        for command in module.COMMANDS:
            main.add_command(command)


_register()
