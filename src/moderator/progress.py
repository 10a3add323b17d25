"""A one-line progress bar on stderr for batch jobs: files, comments, rate, ETA.

Shown only when the stream is a terminal (and not asked to be quiet), so logs and pipes
never fill with carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """``update(files_done, comments)`` redraws at most ``hz`` times a second."""

    def __init__(self, total_files: int, stream: TextIO | None = None, quiet: bool = False,
                 width: int = 24, hz: float = 8.0, clock=time.monotonic):
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = not quiet and bool(isatty and isatty())
        self.total = total_files
        self.width = width
        self.interval = 1.0 / hz
        self.clock = clock
        self.started = clock()
        self._last_draw = float("-inf")
        self._drawn = False

    def line(self, files: int, comments: int) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        fraction = files / self.total if self.total else 1.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        rate = comments / elapsed
        if files and files < self.total:
            eta = _duration(elapsed * (self.total - files) / files)
        elif files >= self.total:
            eta = "0:00"
        else:
            eta = "?"
        return (f"[{bar}] {files}/{self.total} files, {comments:,} comments, "
                f"{rate:,.0f} comments/s, ETA {eta}")

    def update(self, files: int, comments: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if not force and now - self._last_draw < self.interval:
            return
        self._last_draw = now
        self.stream.write("\r" + self.line(files, comments) + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """End the bar's line so the summary starts on a fresh one."""
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
