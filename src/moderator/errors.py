"""Exception types the library raises; the CLI turns each into one line and exit status 1."""

from __future__ import annotations


class ModeratorError(Exception):
    """Base class: a problem with the user's input, model or configuration (not a bug)."""


class ThreadFormatError(ModeratorError):
    """A thread file that cannot be read in the requested (or any) format.

    ``str()`` gives ``path:line:column: reason`` with the position parts only when known.
    """

    def __init__(self, path: str, reason: str, line: int | None = None, column: int | None = None):
        self.path = str(path)
        self.reason = reason
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.reason}"


class LabelsError(ModeratorError):
    """A labels file (or corpus) that cannot be used for training or evaluation."""

    def __init__(self, path: str, reason: str, row: int | None = None, column: str | None = None):
        self.path = str(path)
        self.reason = reason
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"


class ModelError(ModeratorError):
    """A model file that is missing, corrupt, tampered with or from an incompatible version."""


class ConfigError(ModeratorError):
    """A policy/config file (moderator.toml) or option value that cannot be used."""


class RequestError(ModeratorError):
    """An HTTP request the server refuses, in Google's JSON error shape.

    ``code`` is the HTTP status, ``status`` Google's canonical name for it
    (``INVALID_ARGUMENT``, ``PERMISSION_DENIED`` …); ``payload()`` is the response body.
    """

    def __init__(self, message: str, code: int = 400, status: str = "INVALID_ARGUMENT"):
        self.message = message
        self.code = code
        self.status = status
        super().__init__(message)

    def payload(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}
