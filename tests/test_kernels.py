"""The compiled kernels' loader: a missing or stale build is one clear error, and a kernel
refuses arrays of the wrong type before it runs."""

import ctypes
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from moderator import kernels
from moderator._kernel_sources import SOURCE_DIR, source_digest
from moderator.cli import main


@pytest.fixture
def fresh_library():
    """``kernels.library()`` loaded again by the test, and again after it for the others."""
    kernels.library.cache_clear()
    yield
    kernels.library.cache_clear()


def test_the_built_library_is_the_one_of_these_sources():
    if not SOURCE_DIR.is_dir():
        pytest.skip("an installed package without its C sources")
    digest = kernels.library().moderator_kernels_digest().decode()
    assert digest == source_digest()


def test_a_stale_build_is_refused_with_what_to_do(fresh_library, tmp_path, monkeypatch,
                                                  trained_model_path):
    sources = tmp_path / "csrc"
    shutil.copytree(SOURCE_DIR, sources)
    (sources / "library.c").write_text((sources / "library.c").read_text() + "\n/* edited */\n")
    monkeypatch.setattr(kernels, "SOURCE_DIR", sources)
    monkeypatch.setattr(kernels, "source_digest", lambda: source_digest(sources))
    with pytest.raises(kernels.KernelsError, match=r"older than their sources.*pip install -e"):
        kernels.library()
    site = tmp_path / "site"
    site.mkdir()
    (site / "thread.txt").write_text("Article\n\nann\nThanks.\n", encoding="utf-8")
    out = tmp_path / "queue.csv"
    result = CliRunner().invoke(main, ["export", str(site), "-o", str(out), "--model",
                                       str(trained_model_path)])
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: moderator's compiled kernels (_kernels")
    assert last.endswith(f"are older than their sources in {sources}; run `pip install -e .` "
                         "in the repository (or `make`): it needs a C compiler")
    assert not out.exists()


def test_a_missing_build_is_one_error_line_from_the_cli(fresh_library, monkeypatch, tmp_path,
                                                         trained_model_path):
    monkeypatch.setattr(kernels, "library_path", lambda: None)
    thread = tmp_path / "thread.txt"
    thread.write_text("Article\n\nann\nThanks for the write-up.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["score", str(thread), "--model", str(trained_model_path),
                                       "--output", "jsonl"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: moderator's compiled kernels are not built; run `pip install -e .` in the "
        "repository (or `make`): it needs a C compiler")


def test_a_kernel_refuses_arrays_of_another_dtype_or_layout():
    kernel = kernels.Kernel("rowwise_dot_f32", None, *(kernels.array(t) for t in (
        np.int64, np.int32, np.float32, np.int64, np.int32, np.float32, np.int64, np.int64)),
        kernels.I64, kernels.array(np.float32), kernels.array(np.float64))
    good = [np.zeros(2, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32),
            np.zeros(2, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32),
            np.zeros(1, np.int64), np.zeros(0, np.int64), 0, np.zeros(4, np.float32),
            np.ones(1)]
    kernel(*good)  # nothing to do: out is left as it was
    assert good[-1].tolist() == [1.0]
    wrong_dtype = list(good)
    wrong_dtype[2] = np.zeros(0, np.float64)
    with pytest.raises(TypeError, match=r"rowwise_dot_f32, argument 3: expects a C-contiguous "
                                        r"1-d float32 array, got a 1-d float64 array"):
        kernel(*wrong_dtype)
    strided = list(good)
    strided[-1] = np.ones(4)[::2]
    with pytest.raises(TypeError, match="argument 11: .* float64 array, not C-contiguous"):
        kernel(*strided)
    with pytest.raises(TypeError, match="argument 1: .* got list"):
        kernel([0, 0], *good[1:])
    with pytest.raises(TypeError, match="takes 11 arguments, got 10"):
        kernel(*good[:-1])


def test_ctypes_converts_every_argument_without_python_code():
    """Arrays reach ctypes as addresses: a signal handler's exception (Ctrl-C, SIGTERM) can
    then not be raised inside ctypes' argument conversion, which would report it as an
    ``ArgumentError`` instead of stopping the run as itself."""
    from moderator.ngrams import _NORMALIZE, _codes, _normalize, char_tables

    codes, offsets = _codes(["Hello there"])
    _normalize(codes, offsets, *char_tables())
    assert _NORMALIZE._function is not None
    for argtype in _NORMALIZE._function.argtypes:
        assert issubclass(argtype, ctypes._SimpleCData), argtype
