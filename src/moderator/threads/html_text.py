"""HTML (and WordPress-style text) to the plain text the thread model carries.

``html_to_text`` runs on every comment of every export, so text without markup takes a
string-only fast path; only text containing ``<`` goes through ``html.parser``.

Output convention (the thread model's): paragraphs joined by one blank line, line breaks
inside a paragraph kept as ``\\n``, runs of spaces collapsed, entities decoded.

- block elements (``p``, ``div``, ``blockquote``, lists, headings, ``pre`` …) → paragraphs;
- ``<br>`` and ``<li>`` → a line break;
- ``<script>``/``<style>`` dropped; links and inline markup keep their text;
- ``<pre>`` keeps its lines and indentation.

``keep_newlines=True`` is for text that WordPress stores with significant newlines (blank
line = paragraph, newline = line break, as its ``wpautop`` renders it); otherwise newlines in
HTML are plain whitespace, as a browser shows them.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

__all__ = ["html_to_text", "plain_text"]

_BLOCK = frozenset(
    "p div blockquote ul ol dl dt dd h1 h2 h3 h4 h5 h6 pre table thead tbody tfoot tr "
    "section article header footer nav aside main figure figcaption address form fieldset "
    "hr details summary center".split()
)
_LINE = frozenset({"br", "li", "td", "th"})
_DROP = frozenset({"script", "style", "template", "noscript", "head", "title"})

_PARA = "\x1e"  # paragraph break marker
_BR = "\x1f"  # line break marker
_PRE = "\x02"  # marks a line of preformatted text (indentation kept)
_MARKERS = re.compile("[\x1e\x1f\x02]")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u200b\r]+")
_WS = re.compile(r"\s+")
_NEWLINES = re.compile(r"\r\n?")


def plain_text(text: str, keep_newlines: bool = True) -> str:
    """Normalise text without markup: blank lines separate paragraphs, spaces collapsed."""
    if not keep_newlines:
        return _WS.sub(" ", text).strip()
    paragraphs: list[str] = []
    lines: list[str] = []
    for raw in _NEWLINES.sub("\n", text).split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if line:
            lines.append(line)
        elif lines:
            paragraphs.append("\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def html_to_text(markup: str | None, keep_newlines: bool = False) -> str:
    """Plain text of an HTML fragment (see the module docstring for the rules)."""
    if not markup:
        return ""
    if "<" not in markup:
        if "&" in markup:
            markup = html.unescape(markup)
        return plain_text(markup, keep_newlines)
    parser = _TextParser(keep_newlines)
    parser.feed(_MARKERS.sub(" ", markup))
    parser.close()
    return _assemble("".join(parser.out))


class _TextParser(HTMLParser):
    def __init__(self, keep_newlines: bool):
        super().__init__(convert_charrefs=True)
        self.keep_newlines = keep_newlines
        self.out: list[str] = []
        self.drop = 0
        self.pre = 0

    def handle_starttag(self, tag, attrs):
        if tag in _DROP:
            self.drop += 1
        elif tag in _BLOCK:
            self.out.append(_PARA)
            if tag == "pre":
                self.pre += 1
                self.out.append(_PRE)
        elif tag in _LINE:
            self.out.append(_BR)
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.handle_data(alt)

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK:
            self.out.append(_PARA)
        elif tag in _LINE:
            self.out.append(_BR)
        elif tag == "img":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _DROP:
            self.drop = max(0, self.drop - 1)
        elif tag in _BLOCK:
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            self.out.append(_PARA)
        elif tag in ("td", "th"):
            self.out.append(" ")

    def handle_data(self, data):
        if self.drop:
            return
        if self.pre:
            data = _NEWLINES.sub("\n", data).replace("\n", _BR + _PRE)
        elif self.keep_newlines:
            data = _NEWLINES.sub("\n", data).replace("\n", _BR)
        else:
            data = _WS.sub(" ", data)
        self.out.append(data)


def _assemble(text: str) -> str:
    paragraphs: list[str] = []
    for block in text.split(_PARA):
        lines: list[str] = []
        for raw in block.split(_BR):
            if raw.startswith(_PRE):
                line = raw.replace(_PRE, "").rstrip()
            else:
                line = _SPACES.sub(" ", raw.replace(_PRE, "")).strip()
            if line:
                lines.append(line)
            elif lines and not raw.startswith(_PRE):
                # an empty line (``<br><br>``, a blank line) ends the paragraph
                paragraphs.append("\n".join(lines))
                lines = []
            elif lines:
                lines.append("")
        while lines and not lines[-1]:
            lines.pop()
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)
