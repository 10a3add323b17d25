"""`moderator report`: one self-contained, escaped HTML page with marks, reasons and filters."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

import moderator
from doubles import BUS_THREAD, KeywordModel, write_thread
from moderator.cli import main
from moderator.report import first_paragraph, marked_text, render_report
from moderator.review import comment_records, score_thread
from moderator.threads import read_threads

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text per tag."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(page: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


def render(path, model=None, **policy):
    model = model or KeywordModel()
    threads = [(t, comment_records(t, score_thread(model, t))) for t in read_threads(path)]
    return render_report(threads, model.attributes, source=str(path))


@pytest.fixture
def hostile(tmp_path):
    comments = BUS_THREAD + [("5", XSS, f"idiot {XSS} & more", [("6", "ann", XSS)])]
    return write_thread(tmp_path / "x.json", comments, title=f"Bus {XSS}",
                        article=f"First {XSS} paragraph.\n\nSecond paragraph, not shown.")


def test_everything_from_the_input_is_escaped(hostile):
    page = render(hostile)
    tags = tags_of(page)
    assert [t for t, _ in tags].count("script") == 1  # only the page's own filter script
    assert "img" not in [t for t, _ in tags]
    assert not any("onerror" in attrs for _, attrs in tags)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&amp; more" in page


def test_self_contained_no_external_resources(hostile):
    page = render(hostile)
    for tag, attrs in tags_of(page):
        assert "src" not in attrs and "href" not in attrs, (tag, attrs)
        assert tag not in ("link", "iframe", "object", "embed")
    assert "@import" not in page and "url(" not in page and "@font-face" not in page


def test_title_first_paragraph_and_summary(hostile):
    page = render(hostile)
    assert "<h2>Bus &lt;script&gt;" in page
    assert '<p class="article">First &lt;script&gt;' in page
    assert "Second paragraph" not in page
    assert "6 comments, 3 flagged: toxicity 2, insult 2, off_topic 1" in page
    assert first_paragraph("\n\n  One\nline.\n\nTwo") == "One line."


def test_comments_indented_flagged_marked_with_reasons(hostile):
    page = render(hostile)
    articles = [a for t, a in tags_of(page) if t == "article"]
    assert [a["data-depth"] for a in articles] == ["0", "1", "2", "0", "0", "1"]
    assert [a["style"] for a in articles[:3]] == [
        "margin-left: 0px", "margin-left: 28px", "margin-left: 56px"
    ]
    assert [a["class"] for a in articles] == [
        "comment", "comment flagged", "comment", "comment flagged", "comment flagged",
        "comment",
    ]
    assert articles[1]["data-attributes"] == "toxicity insult"
    marks = [a for t, a in tags_of(page) if t == "mark"]
    assert marks[0] == {"data-attribute": "toxicity", "data-attributes": "toxicity insult",
                        "title": "toxicity weight 0.900; insult weight 0.850"}
    assert '<b>FLAG insult</b> 0.85 &ge; 0.50 <q>idiot</q>' in page


def test_filters_one_checkbox_per_flagged_attribute(hostile):
    page = render(hostile)
    boxes = [a["data-filter"] for t, a in tags_of(page) if t == "input"]
    assert boxes == ["toxicity", "insult", "off_topic", "unflagged"]
    assert "not flagged (3)" in page


def test_marked_text_splits_overlaps_and_escapes():
    text = "a <b> c"
    html = marked_text(text, [
        {"attribute": "toxicity", "spans": [[0, 5, 0.5], [2, 5, -0.2]]},
        {"attribute": "insult", "spans": [[2, 7, 0.9]]},
    ])
    assert html == (
        '<mark data-attribute="toxicity" data-attributes="toxicity" '
        'title="toxicity weight 0.500">a</mark> '
        '<mark data-attribute="insult" data-attributes="insult toxicity" '
        'title="insult weight 0.900; toxicity weight 0.500">&lt;b&gt;</mark> '
        '<mark data-attribute="insult" data-attributes="insult" '
        'title="insult weight 0.900">c</mark>'
    )
    assert marked_text("x < y", []) == "x &lt; y"
    # every span the model's selector chose is marked, trimmed of sentence punctuation
    both = marked_text("Well. You idiot! Sure", [
        {"attribute": "insult", "spans": [[4, 16, 4.0], [0, 4, 0.5]]}])
    assert both == ('<mark data-attribute="insult" data-attributes="insult" '
                    'title="insult weight 0.500">Well</mark>. '
                    '<mark data-attribute="insult" data-attributes="insult" '
                    'title="insult weight 4.000">You idiot</mark>! Sure')


def test_cli_writes_the_page_atomically_with_a_real_model(trained_model_path, hostile,
                                                          tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(hostile), "-o", str(out), "--model",
                                       str(trained_model_path), "--threshold", "insult=0.5"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert re.search(r"Wrote .*report.html: 1 thread, 6 comments, \d+ flagged", result.stderr)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<article class="comment flagged"' in page and "<mark " in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "x.json"]


def test_cli_errors(monkeypatch, tmp_path):
    monkeypatch.setattr(moderator, "load_model", lambda path=None, config=None: KeywordModel())
    result = CliRunner().invoke(main, ["report", str(tmp_path / "no.json"), "-o",
                                       str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'no.json'}: no such file\n"
    assert not (tmp_path / "r.html").exists()
    result = CliRunner().invoke(main, ["report", str(tmp_path / "no.json")])
    assert result.exit_code == 2 and "Missing option '-o' / '--output'" in result.stderr
    result = CliRunner().invoke(main, ["report", "--help"])
    assert "moderator report examples/thread.txt -o report.html" in result.output


def test_several_threads_get_a_section_each(tmp_path):
    import json

    first = json.loads(write_thread(tmp_path / "a.json", BUS_THREAD, title="Buses").read_text())
    second = json.loads(write_thread(tmp_path / "b.json", [("1", "zed", "casino casino")],
                                     title="Parks", article="").read_text())
    both = tmp_path / "both.json"
    both.write_text(json.dumps([first, second]))
    page = render(both)
    sections = [a["id"] for t, a in tags_of(page) if t == "section"]
    assert sections == ["thread-a", "thread-b"]
    # not the first thread's title over both of them
    assert f"<title>2 threads from {both}</title>" in page
    assert "<title>Buses</title>" not in page and "<h2>Buses</h2>" in page
    assert "<h2>Parks</h2><article" in page  # no article paragraph when there is none
    assert "5 comments, 3 flagged: toxicity 1, insult 1, off_topic 2" in page


def test_a_removed_comment_is_marked_removed_not_an_anonymous_card(tmp_path):
    """The placeholder a deleted comment leaves for its replies reads "[removed]", without
    an "(anonymous)" author or 0.00 scores; kept with its text (--include-removed), it is
    scored and marked [removed]."""
    import json

    document = {"id": "t", "title": "Buses", "comments": [
        {"id": "1", "removed": True, "replies": [{"id": "2", "text": "Replying to nobody"}]},
        {"id": "3", "author": "zed", "removed": True, "text": "You idiot"},
        {"id": "4", "text": "An anonymous idiot", "likes": 1},
    ]}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    page = render(path)
    gone = re.search(r'<article class="comment removed" id="comment-1".*?</article>', page)
    assert gone.group(0).count("[removed]") == 1
    assert '<div class="text">[removed]</div>' in gone.group(0)
    assert "(anonymous)" not in gone.group(0) and "0.00" not in gone.group(0)
    kept = re.search(r'<article class="comment flagged removed" id="comment-3".*?</article>',
                     page).group(0)
    assert '<span class="author">zed</span><span class="removed-mark">[removed]</span>' in kept
    assert "toxicity 0.90" in kept and "<mark" in kept
    anonymous = re.search(r'id="comment-4".*?</article>', page).group(0)
    assert '<span class="author">(anonymous)</span>' in anonymous
    assert '<span class="likes">1 like</span>' in anonymous
