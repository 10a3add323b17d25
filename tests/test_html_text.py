"""HTML and WordPress-style text to the model's plain text (paragraphs joined by a blank line)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderator.threads.html_text import html_to_text, plain_text


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("Plain comment", "Plain comment"),
        ("Tom &amp; Jerry &#x27;quoted&#x27; &nbsp;x", "Tom & Jerry 'quoted' x"),
        # Hacker News style: first paragraph bare, later ones opened by <p>
        (
            'First<p>Second <a href="https://x.org/a">x.org/a</a> and <i>it</i>.<p>Third',
            "First\n\nSecond x.org/a and it.\n\nThird",
        ),
        ("<p>One</p><p>Two<br>line two</p>", "One\n\nTwo\nline two"),
        ("<script>alert('x')</script>Kept<style>p { color: red }</style>", "Kept"),
        ("Code:<pre><code>  def f():\n      return 1\n</code></pre>After",
         "Code:\n\n  def f():\n      return 1\n\nAfter"),
        ("<ul><li>a</li><li>b</li></ul>tail", "a\nb\n\ntail"),
        ("a < b and c > d", "a < b and c > d"),
        ("x<br><br>y", "x\n\ny"),
        ("<div>  lots   of\n\n  space </div>", "lots of space"),
        ("", ""),
        (None, ""),
    ],
)
def test_html_to_text(markup, expected):
    assert html_to_text(markup) == expected


def test_keep_newlines_follows_wordpress_autop():
    text = "line1\r\nline2\n\n\npara2   spaced\n\n<b>para3</b> &amp; more"
    assert html_to_text(text, keep_newlines=True) == "line1\nline2\n\npara2 spaced\n\npara3 & more"
    # Without keep_newlines newlines are just whitespace, as a browser shows HTML.
    assert html_to_text("line1\nline2\n\npara2") == "line1 line2 para2"


def test_plain_text_paragraphs():
    assert plain_text("  a  b \n\n\n c\nd  ") == "a b\n\nc\nd"
    assert plain_text("a\n\nb", keep_newlines=False) == "a b"


words = st.text(alphabet="abcxyzé&<>'\";", min_size=1, max_size=8)
paragraphs = st.lists(st.lists(words, min_size=1, max_size=5).map(" ".join), min_size=1,
                      max_size=4)


@settings(max_examples=60, deadline=None)
@given(paragraphs)
def test_escaped_paragraphs_come_back(paras):
    import html

    markup = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    assert html_to_text(markup) == "\n\n".join(p.strip() for p in paras)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_input_gives_text(markup):
    assert isinstance(html_to_text(markup), str)


def _through_html_parser(markup: str, keep_newlines: bool = False) -> str:
    """The reference: every tag through ``html.parser`` (what the fast path must equal)."""
    from moderator.threads import html_text

    parser = html_text._TextParser(keep_newlines)
    parser.feed(html_text._MARKERS.sub(" ", markup))
    parser.close()
    return html_text._assemble("".join(parser.out))


markup_pieces = st.sampled_from([
    "<p>", "</p>", "<br>", "<br/>", "<BR />", "<P class='x'>", '<a href="https://x.org/?a=1&amp;b">',
    "</a>", "<b>", "</b>", "<div>", "</div>", "<ul>", "<li>", "</li>", "</ul>", "<pre>",
    "</pre>", "<td>", "</td >", "<img alt='pic'>", "<script>x</script>", "<!-- c -->", "< ",
    " a<b ", "&amp;", "&#39;", "&nbsp;", "\n", "\n\n", "  ", "word", "Ünï", ">", "x", ".",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(markup_pieces, max_size=25).map("".join), st.booleans())
def test_plain_tag_fast_path_equals_html_parser(markup, keep_newlines):
    assert html_to_text(markup, keep_newlines) == _through_html_parser(markup, keep_newlines)
