"""Write a synthetic WordPress WXR export of about N megabytes (for streaming/memory checks).

    python bench/make_big_wxr.py 500 /tmp/big.xml
    /usr/bin/time -v python -c "from moderator.threads import read_threads; \
        print(sum(len(t.comments) for t in read_threads('/tmp/big.xml', format='wxr')))"

Posts carry 5–60 comments each (a quarter of them replies, a few spam or pingbacks), with
multi-paragraph text, so the file looks like a real blog export. Output is deterministic.
Do not commit the generated file.
"""

from __future__ import annotations

import argparse
import random
import sys

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
\t<title>Synthetic Blog</title>
\t<link>https://synthetic.example</link>
\t<wp:wxr_version>1.2</wp:wxr_version>
"""
FOOTER = "</channel>\n</rss>\n"

WORDS = (
    "the a garden soil leek bean tomato rain frost compost spade weeds seed sow harvest "
    "water sun shade bed row netting slug snail onion garlic potato mulch fleece late early "
    "really think maybe never always great terrible lovely honestly season plot neighbour"
).split()


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 18))
    return " ".join(words).capitalize() + rng.choice([".", "!", "?", "."])


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(1, 4)))


def comment_xml(rng: random.Random, cid: int, parent: int, text: str) -> str:
    status = rng.choices(["1", "spam", "0", "trash"], weights=[90, 5, 3, 2])[0]
    kind = "pingback" if rng.random() < 0.02 else "comment"
    return (
        "\t\t<wp:comment>\n"
        f"\t\t\t<wp:comment_id>{cid}</wp:comment_id>\n"
        f"\t\t\t<wp:comment_author><![CDATA[reader{rng.randint(1, 5000)}]]></wp:comment_author>\n"
        "\t\t\t<wp:comment_author_email><![CDATA[reader@mail.example]]></wp:comment_author_email>\n"
        "\t\t\t<wp:comment_author_IP><![CDATA[203.0.113.9]]></wp:comment_author_IP>\n"
        "\t\t\t<wp:comment_date><![CDATA[2023-06-12 20:14:03]]></wp:comment_date>\n"
        "\t\t\t<wp:comment_date_gmt><![CDATA[2023-06-12 19:14:03]]></wp:comment_date_gmt>\n"
        f"\t\t\t<wp:comment_content><![CDATA[{text}]]></wp:comment_content>\n"
        f"\t\t\t<wp:comment_approved><![CDATA[{status}]]></wp:comment_approved>\n"
        f"\t\t\t<wp:comment_type><![CDATA[{kind}]]></wp:comment_type>\n"
        f"\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n"
        "\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n"
        "\t\t</wp:comment>\n"
    )


def item_xml(rng: random.Random, post_id: int, next_cid: int) -> tuple[str, int, int]:
    parts = [
        "\t<item>\n",
        f"\t\t<title><![CDATA[Post number {post_id}]]></title>\n",
        f"\t\t<link>https://synthetic.example/?p={post_id}</link>\n",
        f"\t\t<content:encoded><![CDATA[{paragraph(rng)}\n\n{paragraph(rng)}]]></content:encoded>\n",
        f"\t\t<wp:post_id>{post_id}</wp:post_id>\n",
        "\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n",
    ]
    ids: list[int] = []
    for _ in range(rng.randint(5, 60)):
        parent = rng.choice(ids) if ids and rng.random() < 0.25 else 0
        text = "\n\n".join(paragraph(rng) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.1:
            text = f"<p>{text}</p> &amp; <a href='https://x.example'>a link</a>"
        parts.append(comment_xml(rng, next_cid, parent, text))
        ids.append(next_cid)
        next_cid += 1
    parts.append("\t</item>\n")
    return "".join(parts), next_cid, len(ids)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("megabytes", type=float)
    ap.add_argument("output")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    target = int(args.megabytes * 1024 * 1024)
    written = comments = posts = 0
    next_cid = 1
    with open(args.output, "w", encoding="utf-8") as out:
        out.write(HEADER)
        written += len(HEADER)
        while written < target:
            posts += 1
            text, next_cid, n = item_xml(rng, posts, next_cid)
            out.write(text)
            written += len(text.encode("utf-8"))
            comments += n
        out.write(FOOTER)
    print(f"{args.output}: {written / 1e6:.0f} MB, {posts} posts, {comments} comments",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
