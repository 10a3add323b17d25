"""Opening an input (a path or ``-`` for stdin) and decoding it the way real exports need.

Real files arrive as UTF-8, UTF-8 with a BOM, UTF-16 (with BOM) or Latin-1/cp1252; some are
binary junk. ``Source`` hides that: parsers ask for bytes, a decoded text stream, or the head.
"""

from __future__ import annotations

import codecs
import io
import os
import shutil
import sys
import tempfile
from typing import BinaryIO, TextIO

from ..errors import ThreadFormatError

HEAD_BYTES = 64 * 1024


def _encoding_from_bom(head: bytes) -> tuple[str | None, int]:
    """(python codec name, BOM length) when the bytes start with a BOM."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF32_LE) or head.startswith(codecs.BOM_UTF32_BE):
        return "utf-32", 0
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", 0
    return None, 0


def _guess_bomless_utf16(head: bytes) -> str | None:
    """UTF-16 without a BOM shows as every other byte NUL in mostly-ASCII text."""
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


class Source:
    """One input file. ``name`` is what messages show; ``path`` is None for stdin."""

    def __init__(self, path: str | os.PathLike):
        self.name = "<stdin>" if str(path) == "-" else str(path)
        self._tmp: str | None = None
        if str(path) == "-":
            # stdin is read once into a temporary file so that detection can look at the
            # head and parsers can still stream the whole input.
            fd, self._tmp = tempfile.mkstemp(prefix="moderator-stdin-")
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(sys.stdin.buffer, out, 1024 * 1024)
            self.path = self._tmp
        else:
            self.path = str(path)
            if os.path.isdir(self.path):
                raise ThreadFormatError(self.name, "is a directory, not a thread file")
            if not os.path.exists(self.path):
                raise ThreadFormatError(self.name, "no such file")
        self.size = os.path.getsize(self.path)
        with open(self.path, "rb") as f:
            self.head_bytes = f.read(HEAD_BYTES)
        self.encoding, self._bom_len = self._detect_encoding()

    # -- encoding -------------------------------------------------------------------------
    def _detect_encoding(self) -> tuple[str, int]:
        head = self.head_bytes
        enc, bom = _encoding_from_bom(head)
        if enc:
            return enc, bom
        enc = _guess_bomless_utf16(head)
        if enc:
            return enc, 0
        if b"\x00" in head:
            raise ThreadFormatError(self.name, "binary file (NUL bytes), not a thread export")
        try:
            # A multi-byte character may be cut at the end of the head: ignore that tail.
            head.decode("utf-8")
            return "utf-8", 0
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4 and len(head) == HEAD_BYTES:
                return "utf-8", 0
        if _looks_binary(head):
            raise ThreadFormatError(self.name, "binary file, not a thread export")
        return "cp1252", 0

    # -- access ---------------------------------------------------------------------------
    def head_text(self) -> str:
        """The decoded start of the file (for format detection)."""
        data = self.head_bytes[self._bom_len :]
        return data.decode(self.encoding, errors="replace")

    def open_binary(self) -> BinaryIO:
        """Raw bytes, BOM included (XML parsers read the encoding themselves)."""
        return open(self.path, "rb")

    def open_text(self) -> TextIO:
        """A decoded text stream without BOM. Undecodable bytes in a file that started as
        UTF-8 are replaced (U+FFFD) rather than aborting a whole export."""
        f = open(self.path, "rb")
        f.seek(self._bom_len)
        encoding = "cp1252" if self.encoding == "cp1252" else self.encoding
        errors = "replace"
        return io.TextIOWrapper(f, encoding=encoding, errors=errors, newline="")

    def read_text(self) -> str:
        with self.open_text() as f:
            return f.read()

    def close(self) -> None:
        if self._tmp and os.path.exists(self._tmp):
            os.unlink(self._tmp)
            self._tmp = None

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _looks_binary(head: bytes) -> bool:
    """Control bytes other than whitespace in a good share of the head mean binary data."""
    if not head:
        return False
    control = sum(1 for b in head[:4096] if b < 32 and b not in (9, 10, 12, 13, 27))
    return control > 0.02 * min(len(head), 4096)
