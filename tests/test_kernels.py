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
    kernel = kernels.Kernel("rowwise_dot_f32")
    good = {"x_ptr": np.zeros(2, np.int64), "x_cols": np.zeros(0, np.int32),
            "x_data": np.zeros(0, np.float32), "u_ptr": np.zeros(2, np.int64),
            "u_cols": np.zeros(0, np.int32), "u_data": np.zeros(0, np.float32),
            "index": np.zeros(1, np.int64), "order": np.zeros(0, np.int64), "n_order": 0,
            "dense": np.zeros(4, np.float32), "out": np.ones(1)}
    kernel(**good)  # nothing to do: out is left as it was
    assert good["out"].tolist() == [1.0]
    with pytest.raises(TypeError, match=r"rowwise_dot_f32, argument 3: expects a C-contiguous "
                                        r"1-d float32 array, got a 1-d float64 array"):
        kernel(**{**good, "x_data": np.zeros(0, np.float64)})
    with pytest.raises(TypeError, match="argument 11: .* float64 array, not C-contiguous"):
        kernel(**{**good, "out": np.ones(4)[::2]})
    with pytest.raises(TypeError, match="argument 1: .* got list"):
        kernel(**{**good, "x_ptr": [0, 0]})
    with pytest.raises(TypeError, match="rowwise_dot_f32: argument 'out' missing"):
        kernel(**{k: v for k, v in good.items() if k != "out"})
    with pytest.raises(TypeError, match="rowwise_dot_f32: unknown argument[(]s[)] outt"):
        kernel(**good, outt=1)


def test_every_exported_c_function_is_in_the_contract():
    """The C definitions are checked against the generated prototypes by the compiler;
    this checks that no exported function is left out of ``KERNELS``, and that the
    header beside the sources is the one the contract generates."""
    import re

    from moderator.kernel_contract import KERNELS, header

    if not SOURCE_DIR.is_dir():
        pytest.skip("an installed package without its C sources")
    exported = set()
    for path in SOURCE_DIR.glob("*.c"):
        text = path.read_text()
        exported |= set(re.findall(r"EXPORT [\w ]+?\**\s*(\w+)\(", text))
        exported |= set(re.findall(r"^ROWWISE_DOT\((\w+),", text, re.M))
    assert exported - {"NAME"} == set(KERNELS)  # (NAME: inside the ROWWISE_DOT macro)
    assert (SOURCE_DIR / "contract.h").read_text() == header()


def test_a_kernel_given_too_small_an_output_raises_instead_of_writing_past_it():
    from moderator.model.ngrams import (
        _ENUMERATE,
        char_tables,
        normalize_codes,
        text_codes,
        url_token_hash,
    )

    codes, offsets = text_codes(["Hello there. You are kind.", "Another one"])
    nc, ncls, _, noff = normalize_codes(codes, offsets, *char_tables())
    sentinel = 123456789
    cols = np.full(20, sentinel, np.int64)  # the texts have 100 or so n-grams
    ranges = {"char_lo": 2, "char_hi": 4, "word_lo": 1, "word_hi": 2, "char_bits": 10,
              "word_bits": 10, "url_hash": int(url_token_hash())}
    arguments = {"nc": nc, "ncls": ncls, "noff": noff, "ndoc": 2, **ranges, "windows": True,
                 "unit_capacity": 20, "unit_ptr": np.zeros(20, np.int64), "capacity": 16,
                 "cols": cols, "starts": np.zeros(20, np.int64),
                 "ends": np.zeros(20, np.int64), "unit_doc": np.zeros(20, np.int64),
                 "sizes": np.zeros(2, np.int64)}
    with pytest.raises(kernels.KernelCapacityError,
                       match=r"^kernel enumerate_ngrams: an output array is too small"):
        _ENUMERATE(**arguments)
    assert (cols[16:] == sentinel).all()
    roomy = {**arguments, "capacity": 1000, "cols": np.zeros(1000, np.int64),
             "starts": np.zeros(1000, np.int64), "ends": np.zeros(1000, np.int64)}
    with pytest.raises(kernels.KernelCapacityError):
        _ENUMERATE(**{**roomy, "unit_capacity": 2})  # 3 windows and the end
    assert _ENUMERATE(**roomy) == 0


def test_the_other_kernels_check_their_capacities_too():
    from moderator.model.cues import _CUE_STATISTICS, cue_statistics
    from moderator.model.ngrams import (
        _NORMALIZE,
        _SCORE,
        _TOKEN_BOUNDS,
        char_tables,
        normalize_codes,
        text_codes,
        url_token_hash,
    )

    codes, offsets = text_codes(["Hello there. You are kind.", "Another one"])
    classes, lower, leet, letter = char_tables()
    tiny = {"out_c": np.zeros(3, np.uint32), "out_cls": np.zeros(3, np.uint8),
            "out_pos": np.zeros(3, np.int64), "out_off": np.zeros(3, np.int64)}
    with pytest.raises(kernels.KernelCapacityError, match="kernel normalize"):
        _NORMALIZE(codes=codes, offsets=offsets, ndoc=2, classes=classes, lower=lower,
                   leet=leet, letter=letter, positions=True, capacity=3, **tiny)
    nc, ncls, _, noff = normalize_codes(codes, offsets, *char_tables())
    with pytest.raises(kernels.KernelCapacityError, match="kernel token_bounds"):
        _TOKEN_BOUNDS(nc=nc, ncls=ncls, noff=noff, ndoc=2, ptr=np.zeros(3, np.int64),
                      capacity=2, starts=np.zeros(2, np.int64), ends=np.zeros(2, np.int64))
    table = np.zeros((2048, 8), np.float32)
    with pytest.raises(kernels.KernelCapacityError, match="kernel score"):
        _SCORE(nc=nc, ncls=ncls, noff=noff, ndoc=2, char_lo=2, char_hi=4, word_lo=1,
               word_hi=2, char_bits=10, word_bits=10, url_hash=int(url_token_hash()), table=table,
               k=7, words=True, out=np.zeros((2, 7)), out_win=np.zeros((2, 7)),
               n_windows=np.zeros(2, np.int64), word_ptr=np.zeros(3, np.int64),
               word_capacity=3, word_cols=np.zeros(3, np.int32),
               word_vals=np.zeros(3, np.float32))
    assert cue_statistics(codes, offsets).shape == (2, 17)
    with pytest.raises(kernels.KernelCapacityError, match="kernel cue_statistics"):
        _CUE_STATISTICS(**{
            "codes": codes, "offsets": offsets, "ndoc": 2, "classes": classes,
            "flags": np.zeros(128, np.int64), "url_hint_codes": np.zeros((1, 1), np.uint32),
            "url_rows": 1, "url_width": 1, "money_hint_codes": np.zeros((1, 1), np.uint32),
            "money_rows": 1, "money_width": 1, "digit": np.zeros(65536, np.bool_),
            "tld_codes": np.zeros((1, 1), np.uint32), "tld_rows": 1, "tld_width": 1,
            "out_width": 16, "out": np.zeros((2, 16))})


def test_ctypes_converts_every_argument_without_python_code():
    """Arrays reach ctypes as addresses: a signal handler's exception (Ctrl-C, SIGTERM) can
    then not be raised inside ctypes' argument conversion, which would report it as an
    ``ArgumentError`` instead of stopping the run as itself."""
    from moderator.model.ngrams import _NORMALIZE, char_tables, normalize_codes, text_codes

    codes, offsets = text_codes(["Hello there"])
    normalize_codes(codes, offsets, *char_tables())
    assert _NORMALIZE._function is not None
    for argtype in _NORMALIZE._function.argtypes:
        assert issubclass(argtype, ctypes._SimpleCData), argtype


def test_a_library_chosen_by_the_environment_must_exist(fresh_library, monkeypatch, tmp_path,
                                                        trained_model_path):
    missing = tmp_path / "nowhere.so"
    monkeypatch.setenv(kernels.LIBRARY_ENV, str(missing))
    thread = tmp_path / "thread.txt"
    thread.write_text("Article\n\nann\nThanks for the write-up.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["score", str(thread), "--model", str(trained_model_path),
                                       "--output", "jsonl"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"Error: $MODERATOR_KERNELS_LIBRARY is '{missing}', which is not a file")


def test_the_ranges_without_word_characters_beyond_the_bmp_have_none():
    """What lets the cue pass leave emoji texts' words to itself: no character of these
    ranges is ``\\w`` for this Python (a newer Unicode could add one: this test says so)."""
    import re

    from moderator.kernel_contract import NO_WORD_BEYOND_BMP

    for first, last in NO_WORD_BEYOND_BMP:
        chars = "".join(map(chr, range(first, last + 1)))
        found = re.search(r"\w", chars)
        assert found is None, f"U+{ord(found.group()):04X} is a word character"
    assert re.match(r"\w", "\U0001d41b") and re.match(r"\w", "\U00020000")  # 𝐛, 𠀀: not in them
