"""bench/gen_threads.py writes files moderator reads back: right format, count, text, nesting."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

from conftest import REPO, shared_path
from moderator.threads import detect_format, read_threads
from moderator.threads.source import Source


def _load_gen():
    spec = importlib.util.spec_from_file_location("gen_threads", REPO / "bench" / "gen_threads.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_gen()
PER_FILE = 60
TOTAL = PER_FILE * len(gen.FORMATS) + 25  # one file of each format, then a short csv... file


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("threads")
    return out, gen.generate(out, TOTAL, PER_FILE, gen.FORMATS, seed=7)


def test_every_format_parses_to_the_requested_comments(corpus):
    out, paths = corpus
    planned = gen.plan(TOTAL, PER_FILE, gen.FORMATS)
    maker = gen.TextMaker(7)
    assert len(paths) == len(planned) == len(gen.FORMATS) + 1
    assert {p.parent.name for p in paths} == set(gen.FORMATS)
    for number, (path, (fmt, count)) in enumerate(zip(paths, planned, strict=True), 1):
        assert path.parent.name == fmt
        assert detect_format(Source(str(path))) == fmt  # export sniffs each file
        threads = list(read_threads(str(path)))
        comments = [c for t in threads for c in t.comments]
        assert len(comments) == count
        assert not any(sum(t.skipped.values()) for t in threads)
        assert max(c.depth for c in comments) >= 1  # replies nest
        # the same threads and texts in the same (document) order as generated
        expected = gen.file_threads(random.Random(f"7:{number}"), maker, fmt, count,
                                    number)
        assert len(threads) == len(expected)
        assert [t.title for t in threads] == [t.title for t in expected]
        assert [c.text for c in comments] == [n.text for t in expected for n in t.nodes]
        assert [c.depth for c in comments] == [n.depth for t in expected for n in t.nodes]
    assert planned[-1] == ("text", 25)
    csv_threads = gen.file_threads(random.Random("7:1"), maker, "csv", 400, 1)
    assert len(csv_threads) > 2  # multi-thread formats hold several threads of 5-150


def test_lengths_mix_tweets_and_long_comments(corpus):
    _, paths = corpus
    lengths = [len(c.text) for p in paths for t in read_threads(str(p)) for c in t.comments]
    assert sum(n < 140 for n in lengths) > len(lengths) / 4
    assert sum(n > 300 for n in lengths) > len(lengths) / 4


def test_deterministic_with_a_seed(tmp_path):
    a = gen.generate(tmp_path / "a", 130, 50, ("json", "wxr", "text"), seed=3)
    b = gen.generate(tmp_path / "b", 130, 50, ("json", "wxr", "text"), seed=3)
    c = gen.generate(tmp_path / "c", 130, 50, ("json", "wxr", "text"), seed=4)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown format yaml"):
        gen.generate(tmp_path, 10, 5, ("json", "yaml"))


@pytest.mark.parametrize("length, low, high", [("long", 300, 520), ("tweet", 40, 120)])
def test_scoring_csv(tmp_path, length, low, high):
    path = tmp_path / f"{length}.csv"
    assert gen.main([str(path), "--csv-only", "--rows", "500", "--length", length]) == 0
    (thread,) = read_threads(str(path), format="csv")
    assert len(thread.comments) == 500
    assert thread.comments[0].id == "r1"
    assert low < sum(len(c.text) for c in thread.comments) / 500 < high


def test_real_texts_repeat_to_the_rows_asked(tmp_path):
    data = shared_path("data")
    source = gen.read_real(data, "long")
    assert source and all(source)
    texts = gen.real_texts(data, len(source) + 3, "long")
    assert texts[: len(source)] == source
    assert texts[len(source) :] == source[:3]  # repeated from the start once exhausted
    assert gen.real_texts(tmp_path, 10, "tweet") is None  # absent data: the caller falls back


def test_cli_writes_thread_files(tmp_path):
    assert gen.main([str(tmp_path / "t"), "--comments", "90", "--per-file", "40",
                     "--formats", "csv,hn"]) == 0
    files = sorted(Path(tmp_path / "t").rglob("*.*"))
    assert [f.parent.name for f in files] == ["csv", "csv", "hn"]
    assert sum(len(t.comments) for f in files for t in read_threads(str(f))) == 90
