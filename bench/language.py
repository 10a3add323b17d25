"""How well ``moderator.language`` tells English from other languages, and at what cost.

Real comments from ../shared/data (never committed): English ones must stay English (judged
by the model), German ones (One Million Posts) should not; plus the comments we wrote in 14
languages (tests/fixtures/languages.tsv). Prints per set the share taken as not English and
the time per comment (CPU), the cheap check's share and CLD2's alone.

    python bench/language.py
"""

from __future__ import annotations

import csv
import os
import random
import sys
import time
from pathlib import Path

from moderator import read_threads
from moderator.language import ENGLISH, language_of, languages, plainly_english

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("MODERATOR_SHARED_DATA", REPO.parent / "shared" / "data"))
SEEDS = DATA.parent / "seeds"
SAMPLE = 3000
csv.field_size_limit(2**31 - 1)


def _sample(texts):
    texts = [t for t in texts if t and t.strip()]
    return random.Random(0).sample(texts, min(SAMPLE, len(texts)))


def _rows(path, **kwargs):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, **kwargs))


def _seed_comments():
    return [comment.text for page in sorted(SEEDS.glob("*.txt"))
            for thread in read_threads(str(page)) for comment in thread.comments]


def sets() -> dict[str, tuple[str, list[str]]]:
    """name -> (expected: "en" or "other", texts)."""
    found: dict[str, tuple[str, list[str]]] = {}
    olid = DATA / "olid" / "olid-training-v1.0.tsv"
    if olid.exists():
        found["OLID tweets"] = ("en", _sample(r["tweet"] for r in _rows(
            olid, delimiter="\t", quoting=csv.QUOTE_NONE)))
    jigsaw = DATA / "jigsaw" / "train_head2886.csv"
    if jigsaw.exists():
        found["Jigsaw comments"] = ("en", _sample(r["comment_text"] for r in _rows(jigsaw)))
    kaggle = DATA / "kaggle_insults" / "train.csv"
    if kaggle.exists():
        found["Kaggle insults (some rows are not English)"] = ("en", _sample(
            r["Comment"].strip('"').encode().decode("unicode_escape", "ignore")
            for r in _rows(kaggle)))
    if SEEDS.exists():
        found["seed pages"] = ("en", _seed_comments())
    posts = DATA / "one_million_posts" / "posts_labeled_train.csv"
    if posts.exists():
        found["One Million Posts (German)"] = ("other", _sample(
            f"{r['Headline'] or ''} {r['Body'] or ''}".strip() for r in _rows(posts)))
    written = [line.split("\t") for line in
               (REPO / "tests" / "fixtures" / "languages.tsv").read_text("utf-8").splitlines()
               if line and not line.startswith("#")]
    found["ours, English"] = ("en", [t for lang, t in written if lang == "en"])
    found["ours, 13 other languages"] = ("other", [t for lang, t in written if lang != "en"])
    return found


def main() -> list[dict]:
    """One row per set (``make bench`` section ``language``); English comments placed
    elsewhere are listed on stderr."""
    rows = []
    for name, (expected, texts) in sets().items():
        started = time.process_time()
        found = languages(texts)
        per = (time.process_time() - started) / len(texts) * 1e6
        started = time.process_time()
        for text in texts:
            language_of(text)
        cld2 = (time.process_time() - started) / len(texts) * 1e6
        other = sum(f != ENGLISH for f in found) / len(texts)
        if expected == "en":
            for text, language in zip(texts, found, strict=True):
                if language != ENGLISH:
                    print(f"[language] {name}: {language}: {text[:70]!r}", file=sys.stderr)
        rows.append({
            "set": name, "rows": len(texts), "expected": expected, "not English": other,
            "cheap check": sum(map(plainly_english, texts)) / len(texts),
            "us/comment": per, "CLD2 alone us": cld2,
            # English stays judged; other languages are mostly found (Kaggle has foreign rows)
            "pass": (other == 0 if expected == "en" and "Kaggle" not in name
                     else other >= 0.9 if expected == "other" else None),
        })
    return rows


if __name__ == "__main__":
    from run import format_table

    print(format_table(main()))
