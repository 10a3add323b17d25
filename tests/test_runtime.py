"""The scoring runtime's compiled helpers against their numpy definitions."""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from moderator.model.context import rowwise_dot
from moderator.model.reference import rowwise_dot_reference


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(0, 5),
       st.sampled_from([np.float32, np.float64]))
def test_rowwise_dot_sums_as_the_sorted_search_does(seed, n, n_targets, dtype):
    rng = np.random.default_rng(seed)
    X = sp.random(n, 40, density=0.3, format="csr", dtype=np.float32, random_state=rng)
    U = sp.random(n_targets, 40, density=0.5, format="csr", dtype=dtype, random_state=rng)
    index = rng.integers(-1, max(n_targets, 1), size=n) if n_targets else np.full(n, -1)
    got = rowwise_dot(X, U, index)
    expected = rowwise_dot_reference(X, U, index)
    assert got.tobytes() == expected.tobytes()
    dense = np.array([X[i].toarray() @ U[j].toarray().T if j >= 0 else [[0.0]]
                      for i, j in enumerate(index)]).ravel()
    np.testing.assert_allclose(got, dense, rtol=1e-5, atol=1e-6)


def test_scoring_threads_follow_the_env_and_worker_caps(monkeypatch):
    from moderator.model import fitted

    for name in (fitted.THREADS_ENV, *fitted.WORKER_THREAD_CAPS):
        monkeypatch.delenv(name, raising=False)
    cores = fitted.scoring_threads()
    assert 1 <= cores <= 8
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # what a Dask nanny gives its worker
    assert fitted.scoring_threads() == 1
    monkeypatch.setenv(fitted.THREADS_ENV, "3")  # the user's choice wins
    assert fitted.scoring_threads() == 3
    monkeypatch.setenv(fitted.THREADS_ENV, "")  # set but empty: as if unset
    monkeypatch.setenv("OMP_NUM_THREADS", "")
    monkeypatch.setenv("NUMBA_NUM_THREADS", "64")  # a cap above the cores caps nothing
    assert fitted.scoring_threads() == cores
    monkeypatch.setenv("NUMBA_NUM_THREADS", "many")  # another tool's odd cap: ignored
    assert fitted.scoring_threads() == cores


def test_a_thread_count_that_is_not_a_positive_number_is_refused(monkeypatch, tmp_path,
                                                                 trained_model_path):
    """``MODERATOR_THREADS=zero`` (or 0, -2, 1.5) is the user's mistake: one clear error
    from the command, exit 1, instead of silently using every core."""
    from click.testing import CliRunner

    from moderator.cli import main
    from moderator.errors import ConfigError
    from moderator.model import fitted

    for value in ("zero", "0", "-2", "1.5"):
        monkeypatch.setenv(fitted.THREADS_ENV, value)
        with pytest.raises(ConfigError, match=f"MODERATOR_THREADS must be .* not '{value}'"):
            fitted.scoring_threads()
    thread = tmp_path / "thread.json"
    thread.write_text('{"article": "Bus routes", "comments": [{"text": "Good change."}]}',
                      encoding="utf-8")
    monkeypatch.setenv(fitted.THREADS_ENV, "two")
    result = CliRunner().invoke(main, ["score", str(thread), "--output", "jsonl",
                                       "--model", str(trained_model_path)])
    assert result.exit_code == 1, result.output
    assert "Error: $MODERATOR_THREADS must be a whole number" in result.output
    assert "Traceback" not in result.output
    # export stops once, before any file (not one failure per file)
    queue = tmp_path / "queue.csv"
    result = CliRunner().invoke(main, ["export", str(thread), "--output", str(queue),
                                       "--model", str(trained_model_path)])
    assert result.exit_code == 1, result.output
    assert result.output.count("Error:") == 1 and "Failed" not in result.output
    assert "not 'two'" in result.output
    assert not queue.exists()


def test_export_workers_share_the_cores_instead_of_each_taking_all():
    """joblib's workers (export --jobs N) score with cores // N threads each."""
    from joblib import Parallel, delayed

    from moderator.model.fitted import scoring_threads

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    per_worker = Parallel(n_jobs=2)(delayed(scoring_threads)() for _ in range(2))
    assert per_worker == [max(1, min(8, usable) // 2)] * 2


# The gates of the one-pass cue statistics: "@", URL and money hints (either case), 9+ digits
# (ASCII or not), the two characters whose lower case is ASCII (İ, Kelvin), astral symbols.
CUE_PIECES = st.sampled_from(
    ["a", "Bcdfg", "y", "E", " ", "\n", "!", "@", "x@y.co", "joe@mail.ORG", "http://", "HTTPS://",
     "www.", "WwW.", ".com", ".CoM", ".ly", "shop", "$", "€", "£", "usd", "Dollar", "EURO",
     "bucks", "12", "345", "6789", "(0)", "-", ".", "+1 555 123 4567", "٣٤٥٦٧٨٩٠١", "İ", "\u212a",
     "ı", "ſ", "é", "ß", "🙂", "\ud800", "_", "\u00a0"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CUE_PIECES, max_size=25).map("".join), min_size=1, max_size=6))
def test_one_pass_cue_statistics_equal_text_cues(texts):
    """The compiled pass (statistics, entropy counts and hint gates in one loop; money, phone
    and e-mail scans only past their gates) gives the cues of text_cues, gates included."""
    from moderator.model.cues import (
        _MONEY_HINTS,
        _URL_HINTS,
        EMAIL_RE,
        PHONE_RE,
        TEXT_FEATURES,
        _any_in,
        cue_statistics,
        text_cues,
        text_cues_batch,
    )
    from moderator.model.ngrams import text_codes

    expected = np.array([text_cues(t) for t in texts])
    got = text_cues_batch(texts)
    patterns = [TEXT_FEATURES.index(n) for n in ("urls", "email", "phone", "money")]
    np.testing.assert_array_equal(got[:, patterns], expected[:, patterns])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    stats = cue_statistics(*text_codes(texts))
    for text, row in zip(texts, stats, strict=True):
        digits = sum(map(text.count, "0123456789"))
        assert row[9] == digits
        # 1 / 0: the hints are / are not there; 2: only with İ or the Kelvin sign
        url, money = _any_in(_URL_HINTS, text.lower()), _any_in(_MONEY_HINTS, text.lower())
        wild = "\u0130" in text or "\u212a" in text
        assert row[10] == (1 if url else 0) or (wild and row[10] == 2)
        if digits:
            assert row[11] == (1 if money else 0) or (wild and row[11] == 2)
        else:
            assert row[11] == 0
        assert bool(row[12]) >= bool(digits >= 9 and PHONE_RE.search(text))
        assert bool(row[13]) >= bool(EMAIL_RE.search(text))
        assert not row[13] or "@" in text
        assert not row[12] or digits >= 9
        assert not row[11] or digits > 0


def test_compiled_url_letters_and_digits_are_those_of_the_regular_expressions():
    """Every BMP character: [a-z0-9-], the letters of URL_RE under re.I and \\d match as the
    compiled matchers take them (ASCII plus İ ı ſ and the Kelvin sign)."""
    import re

    from moderator.model.cues import _in_host_class, _same_letter, digit_table

    host = re.compile("[a-z0-9-]", re.I)
    digit = re.compile(r"\d")
    letters = "httpswwwcomnetorginfobizruioxyztopshoply:/."
    table = digit_table()
    for code in range(65536):
        ch = chr(code)
        assert _in_host_class(code) == bool(host.fullmatch(ch)), hex(code)
        assert table[code] == bool(digit.fullmatch(ch)), hex(code)
        if code >= 128 or ch in letters or ch.lower() in letters:
            for want in set(letters):
                same = bool(re.fullmatch(re.escape(want), ch, re.I))
                assert _same_letter(code, ord(want)) == same, (hex(code), want)


URL_PIECES = st.sampled_from(
    ["http://", "HTTPS://", "httpſ://", "http:/", "https", "://", "www.", "WWW.", "ww.", "www",
     ".com", ".CoM", ".co", ".comx", ".ly", ".shop", ".İo", ".ıo", ".ſhop", ".info", ".in", "a",
     "x-y", "-", "_", "İ", "\u212a", "é", "ß", "1", "٣", "/", ".", "..", " ", "\n", "\t",
     "\u00a0", "!", "?", "(", ")", "+", "@", "🙂"]
)
PHONE_PIECES = st.sampled_from(
    ["1", "12", "123", "4567", "٣", "٣٤٥", "+", " ", "  ", "\n", "(", ")", ".", "-", "..", "a",
     "_", "é", "/", ":", "+1 555 123 4567", "(555) 123-4567", "🙂", "\u2003"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(URL_PIECES | PHONE_PIECES, max_size=25).map("".join))
def test_compiled_url_and_phone_matchers_equal_the_regular_expressions(text):
    from moderator.model.cues import (
        _TLDS,
        PHONE_RE,
        URL_RE,
        _phone_matches,
        _phone_search,
        _url_matches,
        cue_statistics,
        digit_table,
    )
    from moderator.model.ngrams import char_tables, text_codes

    codes, offsets = text_codes([text])
    starts = np.zeros(len(text) + 1, np.int64)
    ends = np.zeros(len(text) + 1, np.int64)
    if all(ord(c) < 65536 for c in text):
        classes = char_tables()[0]
        n = _url_matches(codes, 0, len(text), classes, _TLDS, len(text) + 1, starts, ends)
        assert list(zip(starts[:n].tolist(), ends[:n].tolist(), strict=True)) == [
            m.span() for m in URL_RE.finditer(text)]
        assert _phone_search(codes, 0, len(text), classes, digit_table()) == bool(
            PHONE_RE.search(text))
        n = _phone_matches(codes, 0, len(text), classes, digit_table(), starts, ends)
        assert list(zip(starts[:n].tolist(), ends[:n].tolist(), strict=True)) == [
            m.span() for m in PHONE_RE.finditer(text)]
    row = cue_statistics(codes, offsets)[0]
    if row[10]:
        assert row[14] in (-1, min(len(URL_RE.findall(text)), 3))
    if row[12]:
        assert row[15] in (-1, bool(PHONE_RE.search(text)))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(URL_PIECES | PHONE_PIECES, max_size=20).map("".join), min_size=1,
                max_size=5))
def test_pattern_spans_map_the_matches_to_normalised_characters(texts):
    """What explanations spread the URL and phone cues over: each match's first and last
    character in the normalised text (matches whose ends normalisation dropped are left
    out), as found from finditer and the offsets of normalize()."""
    from moderator.model.cues import PHONE_RE, URL_RE, pattern_spans
    from moderator.model.ngrams import char_tables, normalize_codes, text_codes

    codes, offsets = text_codes(texts)
    _, _, pos, noff = normalize_codes(codes, offsets, *char_tables())
    requests = [(d, kind) for d in range(len(texts)) for kind in (0, 1)]
    count, ptr, start, end = pattern_spans(codes, offsets, pos, noff,
                                           [d for d, _ in requests], [k for _, k in requests])
    for r, (d, kind) in enumerate(requests):
        if any(ord(c) >= 65536 for c in texts[d]):
            assert count[r] == -1
            continue
        matches = [m.span() for m in (URL_RE, PHONE_RE)[kind].finditer(texts[d])]
        assert count[r] == len(matches)
        kept = (pos[noff[d] : noff[d + 1]] - offsets[d]).tolist()
        expected = []
        for s, e in matches:
            if s in kept and e - 1 in kept and kept.index(e - 1) >= kept.index(s):
                expected.append((noff[d] + kept.index(s), noff[d] + kept.index(e - 1) + 1))
        assert list(zip(start[ptr[r] : ptr[r + 1]].tolist(), end[ptr[r] : ptr[r + 1]].tolist(),
                        strict=True)) == expected


def test_a_lone_surrogate_does_not_end_a_run_of_consonants():
    """text_cues counts consonant runs in the UTF-8 bytes, where encode("utf-8", "ignore")
    drops a lone surrogate: "sd\\ud800http" is one run of six (Hypothesis found the compiled
    pass ending it at the surrogate)."""
    from moderator.model.cues import TEXT_FEATURES, text_cues, text_cues_batch

    column = TEXT_FEATURES.index("consonant_runs")
    for text in ("usd\ud800http://", "sd\ud800\udc00fgh kk", "bcd\u00e9fgh"):
        assert text_cues_batch([text])[0, column] == text_cues(text)[column], text


def test_entropy_of_long_texts_beyond_ascii_equals_text_cues():
    """The compiled entropy sorts a text's non-ASCII characters to count them: long texts
    (past the sort's small-run cutoff), sorted, reversed, all equal, few and many distinct."""
    from moderator.model.cues import TEXT_FEATURES, text_cues, text_cues_batch

    rng = np.random.default_rng(5)
    column = TEXT_FEATURES.index("entropy")
    few = "".join(map(chr, rng.integers(0x400, 0x408, 3000)))
    many = "".join(map(chr, rng.integers(0x80, 0xD7FF, 3000)))
    texts = [few, many, "".join(sorted(many)), "".join(sorted(many, reverse=True)),
             "é" * 500, "ab" + "éü" * 40 + "ß🙂" * 9 + "\ud800" * 3, few + "abc" * 50 + many]
    got = text_cues_batch(texts)[:, column]
    for text, value in zip(texts, got, strict=True):
        assert value == pytest.approx(text_cues(text)[column], rel=1e-12, abs=1e-12)
