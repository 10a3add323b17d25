"""The compiled kernels (``csrc/*.c``, built by ``pip install`` into ``_kernels*.so``),
loaded with ctypes on first use.

Plain C called through ctypes: no JIT to import or warm up (numba cost 0.4 s of every run
before any work), and ctypes releases the GIL for the length of each call, so the scoring
threads run the kernels in parallel. A wrapper in ``ngrams``/``runtime`` allocates the
output arrays, calls the kernel through a ``Kernel`` and slices the result.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
from functools import lru_cache
from pathlib import Path

import numpy as np

from ._kernel_sources import SOURCE_DIR, source_digest
from .errors import ModeratorError

I64 = ctypes.c_int64
U64 = ctypes.c_uint64
F64 = ctypes.c_double
BOOL = ctypes.c_bool

_HERE = Path(__file__).resolve().parent
REBUILD = "run `pip install -e .` in the repository (or `make`): it needs a C compiler"


class KernelsError(ModeratorError):
    """The compiled kernels are missing or older than their sources."""


class ArrayArgument:
    """A kernel argument that is a C-contiguous numpy array of ``dtype`` and ``ndim``
    (made by ``array``); ``Kernel`` checks it and passes its data pointer."""

    __slots__ = ("dtype", "ndim")

    def __init__(self, dtype, ndim: int):
        self.dtype = np.dtype(dtype)
        self.ndim = ndim

    def pointer(self, value, kernel: str, position: int) -> int:
        """The address of ``value``'s data; ``TypeError`` for anything else than the array
        this argument is (a wrong dtype would be read as garbage)."""
        if (type(value) is not np.ndarray or value.dtype != self.dtype
                or value.ndim != self.ndim or not value.flags.c_contiguous):
            got = (f"a {value.ndim}-d {value.dtype} array"
                   f"{'' if value.flags.c_contiguous else ', not C-contiguous'}"
                   if isinstance(value, np.ndarray) else type(value).__name__)
            raise TypeError(f"kernel {kernel}, argument {position}: expects a C-contiguous "
                            f"{self.ndim}-d {self.dtype} array, got {got}")
        return value.ctypes.data


def array(dtype, ndim: int = 1) -> ArrayArgument:
    """The argument type of a C-contiguous numpy array of ``dtype`` and ``ndim``."""
    return ArrayArgument(dtype, ndim)


def library_path() -> Path | None:
    """The built library beside this module, or None."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = _HERE / f"_kernels{suffix}"
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=1)
def library() -> ctypes.CDLL:
    """The loaded library; ``KernelsError`` when it is missing or stale (its sources, when
    they are beside it, have changed since it was built)."""
    path = library_path()
    if path is None:
        raise KernelsError(f"moderator's compiled kernels are not built; {REBUILD}")
    lib = ctypes.CDLL(str(path))
    lib.moderator_kernels_digest.restype = ctypes.c_char_p
    built = lib.moderator_kernels_digest().decode()
    if SOURCE_DIR.is_dir() and built != source_digest():
        raise KernelsError(f"moderator's compiled kernels ({path.name}) are older than their "
                           f"sources in {SOURCE_DIR}; {REBUILD}")
    return lib


class Kernel:
    """One C function of the library, bound (argument and result types) on its first call.

    Arrays are checked here, in Python, and passed to ctypes as plain addresses: ctypes then
    converts every argument without running Python code, so a Ctrl-C or SIGTERM that lands
    during a call is raised as itself (a ctypes converter such as ``np.ctypeslib.ndpointer``
    would turn it into an ``ArgumentError``), and each array costs ~1.4 µs a call, not ~2.6."""

    __slots__ = ("name", "restype", "argtypes", "_arrays", "_function")

    def __init__(self, name: str, restype, *argtypes):
        self.name = name
        self.restype = restype
        self.argtypes = argtypes
        self._arrays = [(i, t) for i, t in enumerate(argtypes) if isinstance(t, ArrayArgument)]
        self._function = None

    def __call__(self, *args):
        function = self._function
        if function is None:
            function = getattr(library(), self.name)
            function.restype = self.restype
            function.argtypes = [ctypes.c_void_p if isinstance(t, ArrayArgument) else t
                                 for t in self.argtypes]
            self._function = function
        if len(args) != len(self.argtypes):
            raise TypeError(f"kernel {self.name} takes {len(self.argtypes)} arguments, "
                            f"got {len(args)}")
        args = list(args)
        for i, argument in self._arrays:
            args[i] = argument.pointer(args[i], self.name, i + 1)
        return function(*args)
