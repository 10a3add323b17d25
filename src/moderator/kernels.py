"""The compiled kernels (``csrc/*.c``, built by ``pip install`` into ``_kernels*.so``),
loaded with ctypes on first use.

Plain C called through ctypes: no JIT to import or warm up (numba cost 0.4 s of every run
before any work), and ctypes releases the GIL for the length of each call, so the scoring
threads run the kernels in parallel. A wrapper in ``model.ngrams``, ``model.cues`` or
``model.context`` allocates the output arrays, calls the kernel through a ``Kernel`` (by
argument name, as ``kernel_contract.KERNELS`` declares them) and slices the result. Kernels
are told their outputs' capacities and return an error code rather than write past one:
``Kernel`` raises it as ``KernelCapacityError`` (or ``MemoryError``).
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ._kernel_sources import SOURCE_DIR, source_digest
from .errors import ModeratorError
from .kernel_contract import ERROR_CAPACITY, ERROR_NO_MEMORY, KERNEL_ERRORS, KERNELS, parse_type

_SCALARS = {"i64": ctypes.c_int64, "u64": ctypes.c_uint64, "f64": ctypes.c_double,
            "bool": ctypes.c_bool, "void": None, "const char *": ctypes.c_char_p}
_DTYPES = {"u8": np.uint8, "u32": np.uint32, "u64": np.uint64, "i32": np.int32,
           "i64": np.int64, "f32": np.float32, "f64": np.float64, "bool": np.bool_}

_HERE = Path(__file__).resolve().parent
#: a library built otherwise to load instead of the installed one (``make sanitize``'s)
LIBRARY_ENV = "MODERATOR_KERNELS_LIBRARY"
REBUILD = "run `pip install -e .` in the repository (or `make`): it needs a C compiler"


class KernelsError(ModeratorError):
    """The compiled kernels are missing or older than their sources."""


class KernelCapacityError(ModeratorError, ValueError):
    """A kernel was given an output array too small for what it has to write (a wrapper's
    capacity is wrong): it stopped instead of writing past it."""


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


def argument_type(spec: str):
    """The ctypes type (scalars) or ``ArrayArgument`` of a ``kernel_contract`` type."""
    _, base, ndim = parse_type(spec)
    return ArrayArgument(_DTYPES[base], ndim) if ndim else _SCALARS[base]


def library_path() -> Path | None:
    """``$MODERATOR_KERNELS_LIBRARY`` when set (it must then exist), else the built library
    beside this module, or None."""
    chosen = os.environ.get(LIBRARY_ENV)
    if chosen:
        if not Path(chosen).is_file():
            raise KernelsError(f"${LIBRARY_ENV} is {chosen!r}, which is not a file")
        return Path(chosen)
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
    """One C function of the library, as ``kernel_contract.KERNELS`` declares it, bound
    (argument and result types) on its first call and called with every argument by name.

    Arrays are checked here, in Python, and passed to ctypes as plain addresses: ctypes then
    converts every argument without running Python code, so a Ctrl-C or SIGTERM that lands
    during a call is raised as itself (a ctypes converter such as ``np.ctypeslib.ndpointer``
    would turn it into an ``ArgumentError``), and each array costs ~1.4 µs a call, not ~2.6."""

    __slots__ = ("name", "restype", "names", "argtypes", "_arrays", "_function")

    def __init__(self, name: str):
        restype, arguments = KERNELS[name]
        self.name = name
        self.restype = _SCALARS[restype]
        self.names = tuple(argument for argument, _ in arguments)
        self.argtypes = tuple(argument_type(spec) for _, spec in arguments)
        self._arrays = [(i, t) for i, t in enumerate(self.argtypes)
                        if isinstance(t, ArrayArgument)]
        self._function = None

    def __call__(self, **arguments):
        """The kernel's result; ``TypeError`` for missing, unknown or mistyped arguments,
        ``KernelCapacityError`` or ``MemoryError`` for its error codes."""
        function = self._function
        if function is None:
            function = getattr(library(), self.name)
            function.restype = self.restype
            function.argtypes = [ctypes.c_void_p if isinstance(t, ArrayArgument) else t
                                 for t in self.argtypes]
            self._function = function
        try:
            args = [arguments[name] for name in self.names]
        except KeyError as missing:
            raise TypeError(f"kernel {self.name}: argument {missing} missing") from None
        if len(arguments) != len(args):
            unknown = sorted(set(arguments) - set(self.names))
            raise TypeError(f"kernel {self.name}: unknown argument(s) {', '.join(unknown)}")
        for i, argument in self._arrays:
            args[i] = argument.pointer(args[i], self.name, i + 1)
        result = function(*args)
        if self.restype is ctypes.c_int64 and result < 0:
            if result == ERROR_NO_MEMORY:
                raise MemoryError(f"kernel {self.name}: {KERNEL_ERRORS[result]}")
            if result == ERROR_CAPACITY:
                raise KernelCapacityError(f"kernel {self.name}: {KERNEL_ERRORS[result]}")
            raise RuntimeError(f"kernel {self.name} returned {result}")
        return result
