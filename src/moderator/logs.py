"""How moderator's diagnostics look on stderr: ``WARNING: FILE: what happened``.

The command sets it up in its own process (``to_stderr``); the export's worker processes
(joblib's and Dask's) start with no logging set up, where Python would print a warning
without its level, so their work units call ``to_stderr_unless_set_up`` first.
"""

from __future__ import annotations

import logging
import sys

LOGGER = "moderator"
FORMAT = "%(levelname)s: %(message)s"


def to_stderr(level: int = logging.WARNING) -> None:
    """Log lines of ``level`` and above to stderr as ``LEVEL: message``, and nowhere else."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    logger = logging.getLogger(LOGGER)
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def to_stderr_unless_set_up() -> None:
    """``to_stderr()`` in a process where nobody set logging up (a worker process); a
    program that configured its own logging keeps it."""
    if not logging.getLogger(LOGGER).handlers and not logging.getLogger().handlers:
        to_stderr()
