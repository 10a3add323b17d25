"""The digest of the C kernels' sources (``csrc/``), shared by ``setup.py`` and the loader.

Kept free of imports beyond the standard library: ``setup.py`` loads this file on its own,
before moderator's dependencies are installed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent / "csrc"
SOURCE_SUFFIXES = (".c", ".h")
#: the Python side of the contract, from which the build generates csrc/contract.h
CONTRACT = SOURCE_DIR.parent / "kernel_contract.py"


def source_files(folder: Path = SOURCE_DIR) -> list[Path]:
    """The kernel sources, in a fixed order, and the contract they are built with."""
    files = sorted(p for p in folder.iterdir() if p.suffix in SOURCE_SUFFIXES)
    contract = folder.parent / CONTRACT.name
    return files + [contract] if contract.is_file() else files


def source_digest(folder: Path = SOURCE_DIR) -> str:
    """SHA-256 (hex, first 16 digits) over the sources' names and bytes: what a build was
    made from, so that a stale build is told apart from a current one."""
    digest = hashlib.sha256()
    for path in source_files(folder):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
