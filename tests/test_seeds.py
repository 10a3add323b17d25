"""The five real pages in ../shared/seeds parse to the structure a reader sees."""

from __future__ import annotations

import pytest

from conftest import shared_path
from moderator.threads import read_threads

FOOTER_WORDS = ("Liked by", "Leave a Reply", "Fill in your details", "Akismet")

# stem prefix -> (depths, likes, parent index of each comment or None)
EXPECTED = {
    "000": ([0, 1, 1, 2, 3, 4, 4, 0, 0], None, [None, 0, 0, 2, 3, 4, 4, None, None]),
    "001": ([], [], []),
    "002": ([], [], []),
    "003": ([0, 0, 1, 0], [4, 3, 3, 3], [None, None, 1, None]),
    "004": ([0, 0, 1, 0, 0], [3, 5, 3, 3, 4], [None, None, 1, None, None]),
}


def _seed(prefix: str):
    folder = shared_path("seeds")
    matches = sorted(folder.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"no seed {prefix}_*.txt in {folder}")
    return matches[0]


@pytest.mark.shared
@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_structure(prefix):
    path = _seed(prefix)
    threads = list(read_threads(path))  # format detected, as a user would run it
    assert len(threads) == 1
    thread = threads[0]
    assert thread.source == {"path": str(path), "format": "text"}
    depths, likes, parents = EXPECTED[prefix]
    comments = thread.comments
    assert [c.depth for c in comments] == depths
    if likes is not None:
        assert [c.likes for c in comments] == likes
    ids = [c.id for c in comments]
    assert [None if c.parent_id is None else ids.index(c.parent_id) for c in comments] == parents
    assert [c.position for c in comments] == list(range(len(comments)))
    assert len(set(ids)) == len(ids)
    first_line = path.read_text(encoding="utf-8").splitlines()[0].strip()
    assert thread.title == first_line
    assert thread.article
    for comment in comments:
        assert comment.text.strip()
        assert comment.author is None and comment.timestamp is None
        for word in FOOTER_WORDS:
            assert word not in comment.text
        # the article never contains a comment (some comments quote the article)
        assert comment.text not in thread.article
    for word in FOOTER_WORDS:
        assert word not in thread.article


@pytest.mark.shared
def test_seed_000_multi_paragraph_reply_kept_whole():
    thread = next(read_threads(_seed("000")))
    holders = [c for c in thread.comments if "As for replacing Vladimir Putin?" in c.text]
    assert len(holders) == 1
    reply = holders[0]
    assert reply.depth == 1 and reply.position == 2
    # the paragraph before it (same indentation) is the same reply's too
    assert reply.text.index("As for NATO") < reply.text.index("As for replacing")
    # a later top-level comment with several paragraphs keeps them, joined by a blank line
    assert "\n\n" in thread.comments[7].text


@pytest.mark.shared
@pytest.mark.parametrize("prefix", ["001", "002"])
def test_seed_see_also_list_stays_in_article(prefix):
    thread = next(read_threads(_seed(prefix)))
    assert thread.comments == []
    if prefix == "001":
        assert "See also:" in thread.article
        assert thread.article.rstrip().endswith("Venezuela")
