"""Builds moderator's compiled kernels (``src/moderator/csrc/*.c``) into one shared library,
``moderator._kernels``, which ``moderator.kernels`` loads with ctypes. ``csrc/contract.h`` is
generated here from ``moderator/kernel_contract.py``. Everything else about
the package is in pyproject.toml."""

import importlib.util
from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    "_kernel_sources", HERE / "src" / "moderator" / "_kernel_sources.py")
_sources = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sources)
_spec = importlib.util.spec_from_file_location(
    "kernel_contract", HERE / "src" / "moderator" / "kernel_contract.py")
_contract = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_contract)
# the contract's constants and prototypes, written before the sources are compiled (and
# digested: the header is one of them)
_header = _sources.SOURCE_DIR / "contract.h"
if not _header.is_file() or _header.read_text() != _contract.header():
    _header.write_text(_contract.header())

setup(
    ext_modules=[
        Extension(
            "moderator._kernels",
            sources=[str(p.relative_to(HERE)) for p in _sources.source_files()
                     if p.suffix == ".c"],
            depends=[str(p.relative_to(HERE)) for p in _sources.source_files()],
            libraries=["m"],
            define_macros=[("MODERATOR_KERNELS_DIGEST", f'"{_sources.source_digest()}"')],
            # -ffp-contract=off: no fused multiply-adds, so every sum is rounded as the
            # reference implementations round it (the tests compare them bit for bit)
            extra_compile_args=["-O3", "-std=c11", "-ffp-contract=off", "-fno-math-errno",
                                "-Wall"],
        )
    ],
)
