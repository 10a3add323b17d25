"""A deterministic stand-in for moderator.model.Model, for unit tests of the review workflow.

It scores by keywords so a test knows exactly which comment flags and why; the command
tests use a real model trained by ``moderator.model.training`` (``trained_model_path``).
"""

from __future__ import annotations

import re

import numpy as np

WORDS = {
    "toxicity": {"idiot": 0.9, "stupid": 0.7, "damn": 0.6},
    "insult": {"idiot": 0.85, "moron": 0.8},
    "off_topic": {"buy": 0.95, "followers": 0.6, "casino": 0.9},
}


class KeywordModel:
    """``predict`` = the largest weight of a listed word in the text, else 0.05."""

    attributes = ["toxicity", "insult", "off_topic"]

    def __init__(self, thresholds: dict | None = None):
        self.thresholds = thresholds or {"toxicity": 0.5, "insult": 0.5, "off_topic": 0.5}
        self.predict_calls = 0

    def _matches(self, text: str, attribute: str):
        for match in re.finditer(r"\w+", text or ""):
            weight = WORDS[attribute].get(match.group(0).lower())
            if weight is not None:
                yield match.start(), match.end(), weight

    def predict(self, texts, articles=None, parents=None, groups=None):
        self.predict_calls += 1
        out = np.full((len(texts), len(self.attributes)), 0.05)
        for i, text in enumerate(texts):
            for j, attribute in enumerate(self.attributes):
                weights = [w for _, _, w in self._matches(text, attribute)]
                if weights:
                    out[i, j] = max(weights)
        return out

    def explain(self, text, attribute, article=None, parent=None):
        return [[s, e, w] for s, e, w in self._matches(text, attribute)]


def write_thread(path, comments, title="Bus budget", article=None, thread_id=None):
    """Write a generic-JSON thread file. ``comments``: (id, author, text, [replies…]) tuples."""
    import json
    from pathlib import Path

    def node(item):
        cid, author, text, *rest = item
        return {"id": cid, "author": author, "text": text,
                "replies": [node(r) for r in (rest[0] if rest else [])]}

    document = {
        "id": thread_id or Path(path).stem,
        "title": title,
        "article": article if article is not None else (
            "The council met on Tuesday to discuss the bus budget for next year.\n\n"
            "Fares will rise by ten cents and two routes will run more often."),
        "comments": [node(c) for c in comments],
    }
    Path(path).write_text(json.dumps(document), encoding="utf-8")
    return Path(path)


BUS_THREAD = [
    ("1", "ann", "Good point about buses, the new routes help commuters.", [
        ("2", "bob", "You idiot, buses are a waste of money.", [
            ("3", "ann", "No need for that, the numbers are in the report."),
        ]),
    ]),
    ("4", "spammer", "Buy followers cheap at example dot com"),
]


def write_site(root, json_threads: int, csv_threads: int = 10):
    """A small site: ``json_threads`` copies of BUS_THREAD under ``root/2024`` and
    ``csv_threads`` three-comment CSV threads (a civil comment, an insulting reply, spam)."""
    (root / "2024").mkdir(parents=True)
    for i in range(json_threads):
        write_thread(root / "2024" / f"t{i:02}.json", BUS_THREAD, thread_id=f"t{i}")
    for i in range(csv_threads):
        (root / f"c{i}.csv").write_text(
            "id,parent_id,author,text\n"
            f"r{i}a,,ann,The bus plan looks sensible to me\n"
            f"r{i}b,r{i}a,bob,You are a pathetic idiot and a liar\n"
            f"r{i}c,,spammer,Buy cheap followers now at my site\n",
            encoding="utf-8",
        )
    return root


def default_ctrl_c() -> None:
    """``preexec_fn`` for a child that a test stops with SIGINT: the default disposition, as
    under a terminal. A CI job started in the background (``cmd &`` without job control)
    ignores SIGINT, children inherit that, and Python then installs no handler for it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def write_twice_listed_items(folder, files: int = 2):
    """``files`` HN files that list one item twice: each a WARNING naming the file, and
    one comment to score."""
    import json
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        items = [{"id": 1, "type": "story", "title": "Bus budget", "kids": [2]},
                 {"id": 2, "type": "comment", "parent": 1, "text": "You idiot."},
                 {"id": 1, "type": "story", "title": "Bus budget again"}]
        (folder / f"twice{i}.json").write_text(json.dumps(items), encoding="utf-8")
    return sorted(folder.glob("twice*.json"))
