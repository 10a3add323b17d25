"""Synthetic comment threads in several formats, and big comment CSVs, for the speed bench.

    python bench/gen_threads.py OUTDIR --comments 1000000 --per-file 2000 \
        --formats text,json,csv,wxr,disqus,reddit,hn
    python bench/gen_threads.py big.csv --csv-only --rows 100000 --length long

Threads: N comments in total, split into files of M comments (the last may hold fewer), the
files cycling through the formats (``OUTDIR/<format>/threads-00001.<ext>``). Multi-thread
formats (json, csv, wxr, disqus, hn) hold several threads of 5-150 comments per file; text
pages and Reddit files hold one thread each. Replies nest (about 45% of comments answer an
earlier one, up to 10 levels deep), and every comment is visible, so ``moderator parse`` of a
file reads exactly M comments. About 40% of comments are tweet-length (one short sentence),
the rest are 3-11 sentences (~400 characters), some in two paragraphs; a few percent are rude
or spam. All text comes from an invented vocabulary, never from real data. Deterministic:
the same seed gives the same bytes.

``--csv-only`` writes one ``id,text`` table for the scoring throughput test: ``--length
long`` (Jigsaw-like, ~400 characters) or ``tweet`` (~80). ``real_texts`` reads real long
comments (Jigsaw) or tweets (OLID) from ../shared/data for the same test, at bench time only:
those rows are never written into the repository.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import os
import random
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("text", "json", "csv", "wxr", "disqus", "reddit", "hn")
EXTENSIONS = {"text": "txt", "json": "json", "csv": "csv", "wxr": "xml", "disqus": "xml",
              "reddit": "json", "hn": "json"}
SINGLE_THREAD = frozenset({"text", "reddit"})  # one thread per file in these formats
BASE_TIME = 1_700_000_000
SENTENCE_POOL = 20_000

# --- an invented vocabulary ----------------------------------------------------------------

SUBJECTS = ("the council", "the mayor", "my neighbour", "this article", "the new bus route",
            "the bike lane", "our school", "the bakery", "the referee", "the coach",
            "the landlord", "the app", "the update", "the author", "the library", "the park",
            "the ferry", "the market", "the museum", "this recipe", "the garden club",
            "the tram", "the budget", "the committee", "my sister", "the vet", "the plumber",
            "the festival")
VERBS = (
    "approved cancelled explained ignored fixed delayed promised doubled reviewed "
    "rebuilt announced opened closed questioned defended missed praised funded postponed "
    "measured painted moved argued expanded tested"
).split()
OBJECTS = ("the parking plan", "the opening hours", "the ticket prices", "the night service",
           "the old bridge", "the playground", "the budget report", "the survey",
           "the weekend schedule", "the new menu", "the river path", "the crossing",
           "the roof repairs", "the school run", "the summer fair", "the recycling rules",
           "the waiting list", "the speed limit", "the sourdough", "the tomato beds",
           "the league table")
ADVERBS = ("honestly really frankly apparently finally quietly clearly again already "
           "probably surely sadly luckily").split()
OPENERS = ("I think", "To be fair", "Honestly", "In my experience", "As far as I know",
           "For what it's worth", "Funny enough", "Last week", "If you ask me", "Meanwhile",
           "On the other hand", "Years ago")
ADJECTIVES = ("great useful late expensive noisy brilliant fair confusing tidy crowded "
              "cheap slow generous careful strange lovely pointless overdue").split()
TAILS = ("and nobody asked us", "which is fine by me", "as usual", "before the winter",
         "after the vote", "without any notice", "for the third time", "at last",
         "despite the rain", "according to the flyer", "if the weather holds")
REACTIONS = ("Totally agree", "Same here", "Not sure about that", "Thanks for sharing",
             "Well said", "Great point", "This is news to me", "Love this", "Could not agree less",
             "Fair enough", "Nice write-up", "Wait, really")
# a few percent of comments are rude or spam, so the queue has flagged rows and explanations
INSULTS = ("idiot", "moron", "stupid", "pathetic", "clown", "loser", "dumb", "useless")
RUDE = ("you are an {i}", "what a {i}", "only a {i} would write this", "shut up, you {i}",
        "the author is a complete {i}", "{i} take as always")
SPAM = ("Buy cheap watches at www.deals-{n}.example today", "Earn money from home, visit "
        "http://cash{n}.example now", "Check out my channel for free followers {n}",
        "Best loans in town, call 555-01{n:02d}")
EMOJI = ("", "", "", " :)", " !!", " :(", " lol", " \U0001f44d", " \U0001f602")


def _sentence(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.35:
        text = (f"{rng.choice(OPENERS)} {rng.choice(SUBJECTS)} {rng.choice(VERBS)} "
                f"{rng.choice(OBJECTS)} {rng.choice(TAILS)}")
    elif shape < 0.6:
        text = (f"{rng.choice(SUBJECTS)} {rng.choice(ADVERBS)} {rng.choice(VERBS)} "
                f"{rng.choice(OBJECTS)}")
    elif shape < 0.8:
        text = (f"{rng.choice(OBJECTS)} is {rng.choice(ADVERBS)} {rng.choice(ADJECTIVES)} "
                f"{rng.choice(TAILS)}")
    else:
        text = (f"why has {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
                f"{rng.choice(TAILS)}")
        return text[0].upper() + text[1:] + "?"
    return text[0].upper() + text[1:] + rng.choice(".....!")


def _short(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.04:
        return rng.choice(RUDE).format(i=rng.choice(INSULTS)).capitalize() + rng.choice(EMOJI)
    if roll < 0.06:
        return rng.choice(SPAM).format(n=rng.randint(1, 99))
    if roll < 0.5:
        sentence = _sentence(rng)
        return f"{rng.choice(REACTIONS)}, {sentence[0].lower()}{sentence[1:]}{rng.choice(EMOJI)}"
    return _sentence(rng) + rng.choice(EMOJI)


class TextMaker:
    """Comment texts from a pool of invented sentences (fast enough for millions)."""

    def __init__(self, seed: int):
        rng = random.Random(seed)
        self.sentences = [_sentence(rng) for _ in range(SENTENCE_POOL)]
        self.shorts = [_short(rng) for _ in range(SENTENCE_POOL)]

    def tweet(self, rng: random.Random) -> str:
        """One short sentence: ~50-120 characters."""
        return rng.choice(self.shorts)

    def long(self, rng: random.Random) -> str:
        """3-11 sentences (~400 characters), sometimes in two paragraphs, sometimes rude."""
        parts = rng.choices(self.sentences, k=rng.randint(3, 11))
        if rng.random() < 0.05:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(self.shorts))
        if len(parts) > 3 and rng.random() < 0.3:
            cut = rng.randint(1, len(parts) - 1)
            return " ".join(parts[:cut]) + "\n\n" + " ".join(parts[cut:])
        return " ".join(parts)

    def comment(self, rng: random.Random) -> str:
        return self.tweet(rng) if rng.random() < 0.4 else self.long(rng)

    def title(self, rng: random.Random) -> str:
        return f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"

    def article(self, rng: random.Random) -> str:
        return " ".join(rng.choices(self.sentences, k=rng.randint(3, 6)))


# --- thread trees ----------------------------------------------------------------------------


@dataclass
class Node:
    """One comment: ``parent`` is an index into the thread's nodes (document order)."""

    id: int
    parent: int | None
    depth: int
    author: str
    time: int
    likes: int
    text: str


@dataclass
class SynthThread:
    id: str
    title: str
    article: str
    nodes: list[Node] = field(default_factory=list)  # depth-first document order


def make_thread(rng: random.Random, maker: TextMaker, thread_id: str, size: int,
                first_id: int) -> SynthThread:
    """A thread of ``size`` comments, replies nested under earlier comments."""
    parents: list[int | None] = []
    depths: list[int] = []
    for i in range(size):
        parent = None
        if i and rng.random() < 0.45:
            # answer a recent comment more often than an old one
            parent = max(0, i - 1 - int(rng.expovariate(0.3)))
            if depths[parent] >= 10:
                parent = None
        parents.append(parent)
        depths.append(0 if parent is None else depths[parent] + 1)
    children: list[list[int]] = [[] for _ in range(size)]
    roots = []
    for i, parent in enumerate(parents):
        (roots if parent is None else children[parent]).append(i)
    order: list[int] = []
    stack = list(reversed(roots))
    while stack:
        i = stack.pop()
        order.append(i)
        stack.extend(reversed(children[i]))
    position = {old: new for new, old in enumerate(order)}
    start = BASE_TIME + rng.randrange(0, 300 * 86400)
    nodes = []
    for new, old in enumerate(order):
        parent = parents[old]
        nodes.append(Node(
            id=first_id + new,
            parent=None if parent is None else position[parent],
            depth=depths[old],
            author=f"reader{rng.randint(1, 20000)}",
            time=start + 60 * old + rng.randrange(60),
            likes=rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 8, 13, 40)),
            text=maker.comment(rng),
        ))
    return SynthThread(thread_id, maker.title(rng), maker.article(rng), nodes)


def file_threads(rng: random.Random, maker: TextMaker, fmt: str, count: int,
                 file_no: int) -> list[SynthThread]:
    """The threads of one file, ``count`` comments in all."""
    sizes = []
    if fmt in SINGLE_THREAD:
        sizes = [count]
    else:
        left = count
        while left:
            size = min(left, rng.randint(5, 150))
            sizes.append(size)
            left -= size
    threads, next_id = [], file_no * 1_000_000 + 1
    for n, size in enumerate(sizes):
        threads.append(make_thread(rng, maker, f"f{file_no}-t{n + 1}", size, next_id))
        next_id += size
    return threads


# --- writers (what each platform's export looks like) ----------------------------------------


def _iso(t: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _html_paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in text.split("\n\n"))


def write_text(threads: Sequence[SynthThread]) -> str:
    """A text page, rendered by moderator's own ``threads.text.render``."""
    from moderator.threads.model import Comment, Thread
    from moderator.threads.text import render

    (t,) = threads
    comments = [Comment(id=str(n.id), parent_id=None, depth=n.depth, position=i,
                        likes=n.likes or None, text=n.text) for i, n in enumerate(t.nodes)]
    return render(Thread(id=t.id, title=t.title, article=t.article, comments=comments))


def _nested(t: SynthThread, make, key: str) -> list[dict]:
    """Nodes as nested dicts: ``make(node) -> dict``, replies under ``key``."""
    objects = [make(n) for n in t.nodes]
    roots = []
    for node, obj in zip(t.nodes, objects, strict=True):
        if node.parent is None:
            roots.append(obj)
        else:
            objects[node.parent].setdefault(key, []).append(obj)
    return roots


def write_json(threads: Sequence[SynthThread]) -> str:
    docs = [{"id": t.id, "title": t.title, "article": t.article, "comments": _nested(
        t, lambda n: {"id": str(n.id), "author": n.author, "timestamp": _iso(n.time),
                      "likes": n.likes, "text": n.text}, "replies")} for t in threads]
    return json.dumps(docs, ensure_ascii=False)


def write_csv(threads: Sequence[SynthThread]) -> str:
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["thread_id", "title", "article", "id", "parent_id", "author", "timestamp",
                     "likes", "text"])
    for t in threads:
        for n in t.nodes:
            parent = "" if n.parent is None else t.nodes[n.parent].id
            writer.writerow([t.id, t.title, t.article, n.id, parent, n.author, _iso(n.time),
                             n.likes, n.text])
    return buffer.getvalue()


def write_wxr(threads: Sequence[SynthThread]) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0"\n'
             '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
             '\txmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
             "\t<title>Synthetic Site</title>\n\t<wp:wxr_version>1.2</wp:wxr_version>\n"]
    for number, t in enumerate(threads, 1):
        parts.append(f"\t<item>\n\t\t<title><![CDATA[{t.title}]]></title>\n"
                     f"\t\t<content:encoded><![CDATA[{t.article}]]></content:encoded>\n"
                     f"\t\t<wp:post_id>{number}</wp:post_id>\n"
                     "\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n")
        for n in t.nodes:
            parent = 0 if n.parent is None else t.nodes[n.parent].id
            date = _iso(n.time).replace("T", " ").rstrip("Z")
            parts.append(
                f"\t\t<wp:comment>\n\t\t\t<wp:comment_id>{n.id}</wp:comment_id>\n"
                f"\t\t\t<wp:comment_author><![CDATA[{n.author}]]></wp:comment_author>\n"
                f"\t\t\t<wp:comment_date_gmt><![CDATA[{date}]]></wp:comment_date_gmt>\n"
                f"\t\t\t<wp:comment_content><![CDATA[{html.escape(n.text, quote=False)}]]>"
                "</wp:comment_content>\n"
                "\t\t\t<wp:comment_approved><![CDATA[1]]></wp:comment_approved>\n"
                "\t\t\t<wp:comment_type><![CDATA[comment]]></wp:comment_type>\n"
                f"\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n\t\t</wp:comment>\n")
        parts.append("\t</item>\n")
    parts.append("</channel>\n</rss>\n")
    return "".join(parts)


def write_disqus(threads: Sequence[SynthThread]) -> str:
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
             'xmlns:dsq="http://disqus.com/disqus-internals">\n']
    for number, t in enumerate(threads, 1):
        parts.append(f'<thread dsq:id="{number}"><title>{html.escape(t.title)}</title>'
                     f"<message><![CDATA[{_html_paragraphs(t.article)}]]></message></thread>\n")
    for number, t in enumerate(threads, 1):
        for n in t.nodes:
            parent = "" if n.parent is None else f'<parent dsq:id="{t.nodes[n.parent].id}" />'
            parts.append(
                f'<post dsq:id="{n.id}"><message><![CDATA[{_html_paragraphs(n.text)}]]>'
                f"</message><createdAt>{_iso(n.time)}</createdAt>"
                "<isDeleted>false</isDeleted><isSpam>false</isSpam>"
                f"<author><name>{n.author}</name></author>"
                f'<thread dsq:id="{number}" />{parent}</post>\n')
    parts.append("</disqus>\n")
    return "".join(parts)


def write_reddit(threads: Sequence[SynthThread]) -> str:
    (t,) = threads

    def thing(n: Node) -> dict:
        body = n.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return {"kind": "t1", "data": {"id": f"c{n.id}", "name": f"t1_c{n.id}",
                                       "author": n.author, "body": body,
                                       "created_utc": n.time, "score": n.likes, "replies": ""}}

    objects = [thing(n) for n in t.nodes]
    roots = []
    for node, obj in zip(t.nodes, objects, strict=True):
        if node.parent is None:
            roots.append(obj)
            continue
        parent = objects[node.parent]["data"]
        if parent["replies"] == "":
            parent["replies"] = {"kind": "Listing", "data": {"children": []}}
        parent["replies"]["data"]["children"].append(obj)
    post = {"kind": "t3", "data": {"id": t.id, "title": t.title, "selftext": t.article}}
    return json.dumps([{"kind": "Listing", "data": {"children": [post]}},
                       {"kind": "Listing", "data": {"children": roots}}], ensure_ascii=False)


def write_hn(threads: Sequence[SynthThread]) -> str:
    """Hacker News, the Algolia shape: an array of stories with nested ``children``."""

    def hn_html(text: str) -> str:
        first, *rest = [html.escape(p) for p in text.split("\n\n")]
        return first + "".join(f"<p>{p}" for p in rest)

    stories = []
    for number, t in enumerate(threads, 1):
        children = _nested(t, lambda n, story=number: {
            "id": n.id, "created_at": _iso(n.time).replace("Z", ".000Z"),
            "created_at_i": n.time, "type": "comment", "author": n.author,
            "text": hn_html(n.text), "story_id": story}, "children")
        first = t.nodes[0].time if t.nodes else BASE_TIME
        stories.append({"id": number, "created_at": _iso(first - 600).replace("Z", ".000Z"),
                        "created_at_i": first - 600, "type": "story", "author": "editor",
                        "title": t.title, "text": html.escape(t.article), "points": 10,
                        "children": children})
    return json.dumps(stories, ensure_ascii=False)


WRITERS = {"text": write_text, "json": write_json, "csv": write_csv, "wxr": write_wxr,
           "disqus": write_disqus, "reddit": write_reddit, "hn": write_hn}


# --- files -----------------------------------------------------------------------------------


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def plan(comments: int, per_file: int, formats: Sequence[str]) -> list[tuple[str, int]]:
    """(format, comment count) of each file: formats in turn, the last file maybe smaller."""
    files, left = [], comments
    while left > 0:
        files.append((formats[len(files) % len(formats)], min(per_file, left)))
        left -= per_file
    return files


def generate(outdir: str | os.PathLike, comments: int, per_file: int = 2000,
             formats: Sequence[str] = FORMATS, seed: int = 0) -> list[Path]:
    """Write the thread files under ``outdir``; returns their paths in order."""
    unknown = [f for f in formats if f not in WRITERS]
    if unknown:
        raise ValueError(f"unknown format {', '.join(unknown)} (known: {', '.join(FORMATS)})")
    if comments < 0 or per_file < 1:
        raise ValueError("--comments must be >= 0 and --per-file >= 1")
    maker = TextMaker(seed)
    paths = []
    for number, (fmt, count) in enumerate(plan(comments, per_file, formats), 1):
        rng = random.Random(f"{seed}:{number}")  # each file on its own: stable under resizing
        threads = file_threads(rng, maker, fmt, count, number)
        path = Path(outdir) / fmt / f"threads-{number:05d}.{EXTENSIONS[fmt]}"
        _write_atomic(path, WRITERS[fmt](threads))
        paths.append(path)
    return paths


def synthetic_texts(rows: int, length: str = "long", seed: int = 0) -> Iterator[str]:
    """``rows`` invented comments: ``long`` (~400 characters) or ``tweet`` (~80)."""
    if length not in ("long", "tweet"):
        raise ValueError(f"length is long or tweet, not {length!r}")
    maker = TextMaker(seed)
    rng = random.Random(f"{seed}:csv:{length}")
    make = maker.long if length == "long" else maker.tweet
    for _ in range(rows):
        yield make(rng)


REAL = {  # bench-time only: (file under ../shared/data, text column, delimiter)
    "long": ("jigsaw/train_head2886.csv", "comment_text", ","),
    "tweet": ("olid/olid-training-v1.0.tsv", "tweet", "\t"),
}


def read_real(data_dir: str | os.PathLike, length: str = "long") -> list[str] | None:
    """The non-empty texts of the real corpus for ``length``; None when it is absent."""
    name, column, delimiter = REAL[length]
    path = Path(data_dir) / name
    if not path.exists():
        return None
    csv.field_size_limit(2**31 - 1)
    with open(path, encoding="utf-8", newline="") as handle:
        texts = [r[column] for r in csv.DictReader(handle, delimiter=delimiter) if r[column]]
    return texts or None


def real_texts(data_dir: str | os.PathLike, rows: int, length: str = "long") -> list[str] | None:
    """Real comments (Jigsaw long ones, OLID tweets) repeated to ``rows``; None if absent."""
    texts = read_real(data_dir, length)
    if texts is None:
        return None
    return [texts[i % len(texts)] for i in range(rows)]


def write_comments_csv(path: str | os.PathLike, texts: Iterator[str] | Sequence[str]) -> int:
    """An ``id,text`` CSV (what ``moderator score --format csv`` reads); returns the rows."""
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "text"])
    count = 0
    for count, text in enumerate(texts, 1):
        writer.writerow([f"r{count}", text])
    _write_atomic(Path(path), buffer.getvalue())
    return count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="folder for the thread files (a .csv file with --csv-only)")
    ap.add_argument("--comments", type=int, default=1_000_000)
    ap.add_argument("--per-file", type=int, default=2000)
    ap.add_argument("--formats", default=",".join(FORMATS),
                    help=f"comma-separated, some of {','.join(FORMATS)}")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--csv-only", action="store_true", help="one id,text CSV of --rows comments")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--length", choices=("long", "tweet"), default="long")
    ap.add_argument("--real", metavar="DATA_DIR", default=None,
                    help="with --csv-only: real Jigsaw/OLID texts from DATA_DIR, repeated")
    args = ap.parse_args(argv)
    if args.csv_only:
        texts = (real_texts(args.real, args.rows, args.length) if args.real
                 else synthetic_texts(args.rows, args.length, args.seed))
        if texts is None:
            ap.error(f"no {REAL[args.length][0]} under {args.real}")
        n = write_comments_csv(args.out, texts)
        print(f"{args.out}: {n} rows ({args.length})", file=sys.stderr)
        return 0
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    try:
        paths = generate(args.out, args.comments, args.per_file, formats, args.seed)
    except ValueError as exc:
        ap.error(str(exc))
    print(f"{args.out}: {args.comments} comments in {len(paths)} files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
