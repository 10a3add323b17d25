"""data/labels.csv: schema, label consistency, category coverage, provenance, determinism."""

from __future__ import annotations

import csv
import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO, shared_path

LABELS = REPO / "data" / "labels.csv"
BUILDER = REPO / "data" / "build_labels.py"
COLUMNS = ["text", "toxic", "off_topic", "article", "parent", "insult", "profanity", "threat",
           "identity_attack", "severe_toxicity"]
ATTACKS = ["insult", "threat", "identity_attack", "severe_toxicity"]
# identity terms the model must not learn as toxic on their own
IDENTITY_TERMS = ["muslim", "jewish", "jews", "christian", "hindu", "sikh", "catholic", "gay",
                  "lesbian", "trans", "bisexual", "black", "asian", "mexican", "immigrant",
                  "refugee", "chinese", "indian", "nigerian", "polish", "syrian", "arab",
                  "somali", "pakistani", "disabled", "autistic", "deaf", "blind", "wheelchair"]
QUOTED_INSULT = re.compile(
    r"['\"‘“][^'\"]*\b(idiot|moron|stupid|clown|loser|pathetic|scum|imbecile|cretin|fool|dumb|"
    r"muppet|halfwit|dimwit|troll|worthless|useless|ignorant|brainless|clueless|cow|pig|"
    r"vermin|parasite|terrorist|criminal|disgusting|lazy|savage|burden)\w*"
    r"[^'\"]*['\"’”]", re.IGNORECASE)
OBFUSCATED = re.compile(r"[a-z][*$@!0-9][a-z*$@!0-9]*[a-z]|\b(?:[a-z] ){3,}[a-z]\b|([a-z])\1{3,}"
                        r"|\b[a-z](?:[.\-_][a-z]){3,}\b", re.IGNORECASE)

REPORTED_INSULT = re.compile(r"\bcall(ed|ing)? (\w+ ){0,2}(an? )?\w+ (idiot|moron|clown|loser|"
                             r"cow|pig|fool|liar|troll|creep|rat|snake|disgrace|joke|coward|muppet|"
                             r"twit|git|weirdo|nitwit|buffoon|imbecile|halfwit|dimwit|parasite|"
                             r"hag|numpty|dope|prat|freak|jerk|scumbag|slob|cretin)\b",
                             re.IGNORECASE)


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    with LABELS.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def test_size_and_label_values(rows):
    assert len(rows) >= 3000
    for i, row in enumerate(rows, start=2):
        assert row["text"].strip(), f"line {i}: empty text"
        assert row["toxic"] in ("0", "1"), f"line {i}: toxic={row['toxic']!r}"
        for col in ["off_topic", "insult", "profanity", "threat", "identity_attack",
                    "severe_toxicity"]:
            assert row[col] in ("0", "1", ""), f"line {i}: {col}={row[col]!r}"


def test_no_duplicate_texts(rows):
    counts = Counter(re.sub(r"\s+", " ", r["text"]).strip().casefold() for r in rows)
    dupes = [t for t, n in counts.items() if n > 1]
    assert not dupes, dupes[:5]


def test_class_balance(rows):
    n = len(rows)
    toxic = sum(r["toxic"] == "1" for r in rows) / n
    off = sum(r["off_topic"] == "1" for r in rows) / n
    # The set is behaviour checks now, not the model's main data: 1,800 second-person civil
    # rows (support replies, short reactions) lowered the toxic share from 0.26 to 0.23.
    assert 0.20 <= toxic <= 0.35, toxic
    assert 0.15 <= off <= 0.30, off


def test_attributes_agree_with_toxic(rows):
    for i, row in enumerate(rows, start=2):
        if any(row[a] == "1" for a in ATTACKS):
            assert row["toxic"] == "1", f"line {i}: an attack attribute on a non-toxic row"
        if row["toxic"] == "1":
            assert any(row[a] == "1" for a in ["insult", "threat", "identity_attack"]), (
                f"line {i}: toxic without a reason")


def test_off_topic_rows_carry_their_article(rows):
    labelled = [r for r in rows if r["off_topic"] != ""]
    with_article = [r for r in labelled if r["article"].strip()]
    assert len(with_article) / len(labelled) >= 0.9
    off = [r for r in rows if r["off_topic"] == "1"]
    assert sum(bool(r["article"]) for r in off) / len(off) >= 0.85
    # matching on-topic comments under the same articles
    off_articles = {r["article"] for r in off if r["article"]}
    on_articles = {r["article"] for r in rows if r["off_topic"] == "0"}
    assert len(off_articles) >= 30 and off_articles <= on_articles
    assert sum(bool(r["parent"]) for r in rows) / len(rows) >= 0.15


def test_every_category_is_well_represented(rows):
    def count(pred) -> int:
        return sum(1 for r in rows if pred(r))

    spam = re.compile(r"https?://|www\.|\.com|\+\d|\d{3}[ -]\d{3,4}|@\w+\.|telegram|subscribe",
                      re.IGNORECASE)
    found = {
        "insult": count(lambda r: r["insult"] == "1" and r["identity_attack"] == "0"),
        "threat": count(lambda r: r["threat"] == "1"),
        "identity_attack": count(lambda r: r["identity_attack"] == "1"),
        "severe": count(lambda r: r["severe_toxicity"] == "1"),
        "profanity_not_toxic": count(lambda r: r["profanity"] == "1" and r["toxic"] == "0"),
        "counter_speech": count(lambda r: r["toxic"] == "0" and QUOTED_INSULT.search(r["text"])),
        "obfuscated_toxic": count(lambda r: r["toxic"] == "1" and OBFUSCATED.search(r["text"])),
        "spam": count(lambda r: r["off_topic"] == "1" and r["toxic"] == "0"
                      and spam.search(r["text"])),
        "off_topic_with_article": count(lambda r: r["off_topic"] == "1" and r["article"]),
        "on_topic_with_article": count(lambda r: r["off_topic"] == "0" and r["article"]),
        "civil": count(lambda r: r["toxic"] == "0" and r["off_topic"] == "0"
                       and r["profanity"] == "0"),
        "reported_insult": count(lambda r: r["toxic"] == "0" and REPORTED_INSULT.search(r["text"])),
        "criticism": count(lambda r: r["toxic"] == "0" and re.search(
            r"\b(resign|incompetent|disgrace|scandal|shambles|disaster|ashamed|dishonest|"
            r"corrupt|out of touch|fiasco|credibility|failing)\b", r["text"], re.I)),
        "question": count(lambda r: r["toxic"] == "0" and r["text"].rstrip().endswith("?")),
        "correction": count(lambda r: r["toxic"] == "0"
                            and re.search(r"\bcorrection\b|https?://", r["text"], re.I)),
    }
    minimum = {"insult": 600, "threat": 150, "identity_attack": 200, "severe": 100,
               "profanity_not_toxic": 150, "counter_speech": 250, "reported_insult": 60,
               "obfuscated_toxic": 200,
               "spam": 250, "off_topic_with_article": 800, "on_topic_with_article": 2000,
               "civil": 1500, "criticism": 150, "question": 200, "correction": 150}
    short = {k: (found[k], v) for k, v in minimum.items() if found[k] < v}
    assert not short, short


def test_identity_words_are_mostly_in_non_toxic_rows(rows):
    total = Counter()
    for term in IDENTITY_TERMS:
        civil = sum(term in words(r["text"]) for r in rows if r["toxic"] == "0")
        toxic = sum(term in words(r["text"]) for r in rows if r["toxic"] == "1")
        assert civil >= 10, term
        assert civil >= 1.5 * toxic, (term, civil, toxic)
        total.update(civil=civil, toxic=toxic)
    assert total["civil"] / (total["civil"] + total["toxic"]) >= 0.7, total


def test_texts_look_like_comments(rows):
    lengths = [len(r["text"].split()) for r in rows]
    assert max(lengths) <= 160
    assert sum(n >= 5 for n in lengths) / len(lengths) >= 0.85
    assert sum(n >= 40 for n in lengths) >= 200  # long, multi-sentence comments too


def load_builder():
    spec = importlib.util.spec_from_file_location("build_labels", BUILDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_is_deterministic_and_matches_committed_file(tmp_path: Path):
    out = tmp_path / "labels.csv"
    load_builder().build(out)
    assert out.read_bytes() == LABELS.read_bytes(), (
        "data/labels.csv is stale: run `python data/build_labels.py`")
    assert [p.name for p in tmp_path.iterdir()] == ["labels.csv"]  # no temp file left behind


@pytest.mark.shared
def test_no_text_comes_from_the_shared_corpora(rows):
    """Provenance: no 10-word run of our texts appears in ../shared/data or the seeds."""
    data = shared_path("data")
    seeds = shared_path("seeds")
    n = 10

    def shingles(text: str) -> set[str]:
        toks = re.findall(r"[a-z0-9']+", text.lower())
        return {" ".join(toks[i:i + n]) for i in range(len(toks) - n + 1)}

    ours: set[str] = set()
    for r in rows:
        ours |= shingles(r["text"])
    hits: set[str] = set()
    for path in [*data.rglob("*"), *seeds.rglob("*")]:
        if not path.is_file() or path.stat().st_size > 50_000_000:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore").lower()
        toks = re.findall(r"[a-z0-9']+", text)
        hits |= {s for i in range(len(toks) - n + 1)
                 if (s := " ".join(toks[i:i + n])) in ours}
    assert not hits, sorted(hits)[:10]
