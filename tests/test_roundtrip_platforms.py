"""Property: a random comment tree rendered as each platform's export parses back to the same
tree (ids, parents, depths, text, order, removed flags), and nothing is lost without a count."""

from __future__ import annotations

import html
import json
import random
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderator.errors import ThreadFormatError
from moderator.threads import ParseOptions, read_threads

FIXTURES = Path(__file__).parent / "fixtures"

WORD = st.text(alphabet="abcxyz\u00e9\u4e2d&<>'\"#*;0", min_size=1, max_size=7)
PARAGRAPH = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
TEXT = st.lists(PARAGRAPH, min_size=1, max_size=3).map("\n\n".join)


@st.composite
def trees(draw):
    """Nodes (id, parent index or None, text, hidden); parents come before their replies."""
    n = draw(st.integers(min_value=1, max_value=14))
    nodes = []
    for i in range(n):
        parent = None
        if i:
            parent = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=i - 1)))
        nodes.append({"id": str(1000 + i), "parent": parent, "text": draw(TEXT),
                      "hidden": draw(st.booleans()), "cdata": draw(st.booleans())})
    return nodes


def expected(nodes, nested_order=True):
    """(id, parent id, depth, text, hidden) in document order: pre-order, siblings in order."""
    children: dict = {}
    for i, node in enumerate(nodes):
        children.setdefault(node["parent"], []).append(i)
    out = []
    stack = [(i, 0) for i in reversed(children.get(None, []))]
    while stack:
        i, depth = stack.pop()
        node = nodes[i]
        parent = nodes[node["parent"]]["id"] if node["parent"] is not None else None
        out.append((node["id"], parent, depth, node["text"], node["hidden"]))
        stack.extend((c, depth + 1) for c in reversed(children.get(i, [])))
    return out


def parsed(path, fmt, include_removed=True):
    [thread] = read_threads(path, format=fmt, options=ParseOptions(include_removed=include_removed))
    return thread


def as_rows(thread):
    return [(c.id, c.parent_id, c.depth, c.text, c.removed) for c in thread.comments]


def check_counts(path, fmt, nodes):
    """Without --include-removed, every node is a comment or counted as skipped."""
    thread = parsed(path, fmt, include_removed=False)
    assert len(thread.comments) + sum(thread.skipped.values()) == len(nodes)
    shown = {c.id: c for c in thread.comments}
    for node in nodes:
        if not node["hidden"]:
            assert shown[node["id"]].text == node["text"]
    for comment in thread.comments:
        assert comment.removed == (comment.text == "" and comment.author is None)


SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def html_paragraphs(text):
    return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))


# -- WordPress ----------------------------------------------------------------------------

def render_wxr(nodes):
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
             'xmlns:wp="http://wordpress.org/export/1.2/" '
             'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n<item>'
             "<title>T</title><content:encoded><![CDATA[Article]]></content:encoded>"
             "<wp:post_id>7</wp:post_id>\n"]
    for node in nodes:
        stored = html.escape(node["text"], quote=False)  # what WordPress keeps for typed text
        content = f"<![CDATA[{stored}]]>" if node["cdata"] else escape(stored)
        parent = 0 if node["parent"] is None else nodes[node["parent"]]["id"]
        parts.append(
            f"<wp:comment><wp:comment_id>{node['id']}</wp:comment_id>"
            f"<wp:comment_author>a{node['id']}</wp:comment_author>"
            f"<wp:comment_content>{content}</wp:comment_content>"
            f"<wp:comment_approved>{'spam' if node['hidden'] else '1'}</wp:comment_approved>"
            f"<wp:comment_type>comment</wp:comment_type>"
            f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n")
    parts.append("</item>\n</channel>\n</rss>\n")
    return "".join(parts)


@SETTINGS
@given(trees())
def test_wxr_round_trip(tmp_path, nodes):
    path = tmp_path / "wxr.xml"
    path.write_text(render_wxr(nodes), encoding="utf-8")
    assert as_rows(parsed(path, "wxr")) == expected(nodes)
    check_counts(path, "wxr", nodes)


# -- Disqus -------------------------------------------------------------------------------

def render_disqus(nodes):
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
             'xmlns:dsq="http://disqus.com/disqus-internals">\n'
             '<thread dsq:id="7"><title>T</title><message></message></thread>\n']
    for node in nodes:
        parent = ("" if node["parent"] is None
                  else f'<parent dsq:id="{nodes[node["parent"]]["id"]}" />')
        parts.append(
            f'<post dsq:id="{node["id"]}"><message><![CDATA[{html_paragraphs(node["text"])}]]>'
            f"</message><createdAt>2024-01-01T00:00:00Z</createdAt>"
            f"<isDeleted>false</isDeleted><isSpam>{str(node['hidden']).lower()}</isSpam>"
            f"<author><name>a{node['id']}</name></author>"
            f'<thread dsq:id="7" />{parent}</post>\n')
    parts.append("</disqus>\n")
    return "".join(parts)


@SETTINGS
@given(trees())
def test_disqus_round_trip(tmp_path, nodes):
    path = tmp_path / "disqus.xml"
    path.write_text(render_disqus(nodes), encoding="utf-8")
    assert as_rows(parsed(path, "disqus")) == expected(nodes)
    check_counts(path, "disqus", nodes)


# -- Reddit -------------------------------------------------------------------------------

def reddit_body(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_reddit(nodes):
    objects = []
    for node in nodes:
        objects.append({"kind": "t1", "data": {
            "id": node["id"], "name": f"t1_{node['id']}", "author": f"a{node['id']}",
            "body": reddit_body(node["text"]), "created_utc": 1700000000, "score": 1,
            "replies": ""}})
    roots = []
    for node, obj in zip(nodes, objects, strict=True):
        if node["parent"] is None:
            roots.append(obj)
        else:
            parent = objects[node["parent"]]["data"]
            if parent["replies"] == "":
                parent["replies"] = {"kind": "Listing", "data": {"children": []}}
            parent["replies"]["data"]["children"].append(obj)
    post = {"kind": "t3", "data": {"id": "p7", "title": "T", "selftext": "Article"}}
    return json.dumps([{"kind": "Listing", "data": {"children": [post]}},
                       {"kind": "Listing", "data": {"children": roots}}])


@SETTINGS
@given(trees())
def test_reddit_round_trip(tmp_path, nodes):
    for node in nodes:  # Reddit has no hidden state, only [deleted] placeholders
        node["hidden"] = False
    path = tmp_path / "reddit.json"
    path.write_text(render_reddit(nodes), encoding="utf-8")
    assert as_rows(parsed(path, "reddit")) == expected(nodes)


# -- Hacker News --------------------------------------------------------------------------

def hn_html(text):
    first, *rest = text.split("\n\n")
    escaped = [html.escape(p).replace("/", "&#x2F;") for p in [first, *rest]]
    return escaped[0] + "".join(f"<p>{p}" for p in escaped[1:])


def render_firebase(nodes, seed):
    story = {"id": 7, "type": "story", "title": "T", "url": "https://x.example", "kids": []}
    items = [story]
    for node in nodes:
        parent = 7 if node["parent"] is None else int(nodes[node["parent"]]["id"])
        items.append({"id": int(node["id"]), "type": "comment", "by": f"a{node['id']}",
                      "time": 1700000000, "text": hn_html(node["text"]), "parent": parent,
                      "kids": [], "dead": node["hidden"]})
    by_id = {item["id"]: item for item in items}
    for item in items[1:]:
        by_id[item["parent"]]["kids"].append(item["id"])
    random.Random(seed).shuffle(items)  # file order is irrelevant: kids give the order
    return json.dumps(items)


@SETTINGS
@given(trees(), st.integers(min_value=0, max_value=1000))
def test_hn_firebase_round_trip(tmp_path, nodes, seed):
    path = tmp_path / "hn.json"
    path.write_text(render_firebase(nodes, seed), encoding="utf-8")
    assert as_rows(parsed(path, "hn")) == expected(nodes)
    check_counts(path, "hn", nodes)


def render_algolia(nodes):
    objects = [{"id": int(n["id"]), "type": "comment", "author": f"a{n['id']}",
                "created_at": "2024-01-01T00:00:00.000Z", "text": hn_html(n["text"]),
                "children": []} for n in nodes]
    story = {"id": 7, "type": "story", "title": "T", "text": None, "children": []}
    for node, obj in zip(nodes, objects, strict=True):
        parent = story if node["parent"] is None else objects[node["parent"]]
        parent["children"].append(obj)
    return json.dumps(story)


@SETTINGS
@given(trees())
def test_hn_algolia_round_trip(tmp_path, nodes):
    for node in nodes:
        node["hidden"] = False
    path = tmp_path / "algolia.json"
    path.write_text(render_algolia(nodes), encoding="utf-8")
    assert as_rows(parsed(path, "hn")) == expected(nodes)


# -- damaged files: parse, or fail with the parser's own error ----------------------------

SAMPLES = {
    "wxr": FIXTURES / "wxr" / "garden-blog-1.2.xml",
    "disqus": FIXTURES / "disqus" / "cycling-club.xml",
    "reddit": FIXTURES / "reddit" / "homebrew-thread.json",
    "hn": FIXTURES / "hn" / "firebase-items.json",
}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_damaged_exports_never_crash(tmp_path, fmt, data):
    raw = SAMPLES[fmt].read_bytes()
    cut = data.draw(st.integers(min_value=1, max_value=len(raw)))
    start = data.draw(st.integers(min_value=0, max_value=cut - 1))
    junk = data.draw(st.binary(max_size=8))
    damaged = raw[:start] + junk + raw[cut:] if data.draw(st.booleans()) else raw[:cut]
    path = tmp_path / "damaged"
    path.write_bytes(damaged)
    try:
        for thread in read_threads(path, format=fmt):
            assert all(c.position == i for i, c in enumerate(thread.comments))
    except ThreadFormatError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))
