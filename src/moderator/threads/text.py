"""Plain text as a web page shows it: title, article, numbered comments, bulleted replies.

The layout (what copying a WordPress-style page as text gives)::

    Title of the post                      <- first line
                                           
    Article paragraph …                    <- everything up to the comments
    See also:                              <- (a trailing link list stays in the article)
      • Another story
                                           
      1. First top-level comment           <- top level: "N." (numbered 1, 2, … in order)
        Its second paragraph               <- indented deeper than its marker
        Liked by 4 people                  <- likes of the comment it is indented under
        • A reply                          <- replies: "•" bullets, 2 more spaces per level
          Liked by 1 person
      2. Second top-level comment
                                           
    Leave a Reply                          <- site footer: neither article nor comment

Rules, in the order they decide:

- The comments start at the first line ``1.`` (at most 4 spaces in) from which the rest of
  the page (up to the footer) is a comment section: top-level numbers at that same indent
  counting up by one, everything else indented deeper. A numbered list inside the article is
  therefore not mistaken for comments unless it ends the page.
- A bullet's parent is the nearest comment above it whose marker is indented less.
- A line that is no marker belongs to the nearest open comment (the one above, or one of its
  ancestors) whose marker is indented less than the line: so a paragraph indented under a
  reply is that reply's, and a shallower one goes back to the parent.
- Lines without a blank between them are joined by a newline, paragraphs by a blank line.
- Comment ids follow the tree path: ``c2`` is the second top-level comment, ``c2.1`` its first
  reply, ``c2.1.3`` that reply's third reply. The thread id is the file name without its
  extension (``stdin`` for standard input). Text pages carry no author or timestamp.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .model import Comment, Thread

log = logging.getLogger("moderator")

NUMBERED = re.compile(r"^( *)(\d{1,6})\.(?:[ \t\u00a0]+|$)(.*)$")
BULLET = re.compile(r"^( *)\u2022(?:[ \t\u00a0]+|$)(.*)$")
LIKED_BY = re.compile(r"^Liked by (\d[\d,]*) (?:people|person)\.?$", re.IGNORECASE)

# Lines that start the site's comment form / footer (matched at column 0).
FOOTER = re.compile(
    r"^(?:Leave a Reply(?: to .+ Cancel reply)?|Leave a Comment|Cancel reply"
    r"|Fill in your details below"
    r"|You are commenting using"
    r"|Connecting to %s"
    r"|This site uses Akismet"
    r"|(?:Twitter|Facebook|Google|WordPress\.com) (?:picture|photo|Logo)\b)",
)

MAX_TOP_INDENT = 4


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _clean_lines(text: str) -> list[str]:
    """Lines without line ends or trailing blanks; tabs become 4 spaces (indent matters)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line.expandtabs(4).rstrip() for line in lines]


def _footer_start(lines: list[str], start: int) -> int:
    for index in range(start, len(lines)):
        line = lines[index]
        if line and not line[0].isspace() and FOOTER.match(line):
            return index
    return len(lines)


def _section_is_valid(lines: list[str], start: int, end: int) -> tuple[bool, int]:
    """Whether lines[start:end] form a comment section; also where a trailing tail starts.

    The tail is unindented text after the last comment (unknown page chrome such as
    "Share this:"); it is allowed only when no comment marker follows it.
    """
    base = _indent(lines[start])
    expected = 1
    tail = None
    for index in range(start, end):
        line = lines[index]
        if not line:
            continue
        indent = _indent(line)
        numbered = NUMBERED.match(line)
        if numbered and indent == base:
            if tail is not None or int(numbered.group(2)) != expected:
                return False, end
            expected += 1
        elif indent > base:
            if tail is not None:
                return False, end
        elif tail is None:
            tail = index
    return True, end if tail is None else tail


def split_page(lines: list[str]) -> tuple[int, int, int, int]:
    """(title line, comments start, comments end, footer start) as line indexes."""
    title = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    footer = _footer_start(lines, title)
    if title < len(lines) and NUMBERED.match(lines[title]) and title < footer:
        body_from = title  # no title line: the page starts with its comments
    else:
        body_from = title + 1
    for index in range(body_from, footer):
        match = NUMBERED.match(lines[index])
        if not match or match.group(2) != "1" or len(match.group(1)) > MAX_TOP_INDENT:
            continue
        valid, tail = _section_is_valid(lines, index, footer)
        if valid:
            return title, index, tail, footer
    return title, footer, footer, footer


def _paragraphs(lines: list[str]) -> str:
    """Join stripped lines: newline inside a paragraph, blank line between paragraphs."""
    out: list[str] = []
    pending_break = False
    for line in lines:
        stripped = line.strip()
        if not stripped:
            pending_break = bool(out)
            continue
        if out:
            out.append("\n\n" if pending_break else "\n")
        out.append(stripped)
        pending_break = False
    return "".join(out)


@dataclass
class _Open:
    comment: Comment
    marker_indent: int
    lines: list[str] = field(default_factory=list)
    children: int = 0
    blank_before_next: bool = False


def parse_lines(lines: list[str], thread_id: str, source: dict) -> Thread:
    """The thread in a page already split into lines."""
    title_at, start, end, footer = split_page(lines)
    title = lines[title_at].strip() if title_at < len(lines) and title_at < start else ""
    article_from = title_at + 1 if title else start
    article = _paragraphs(lines[article_from:start])
    thread = Thread(id=thread_id, title=title, article=article, source=source)

    stack: list[_Open] = []  # the open path: a top-level comment and its latest replies
    finished: list[_Open] = []
    top_count = 0
    blank = False
    last: _Open | None = None  # the comment that took the previous line

    def attach_to(indent: int) -> _Open:
        # The deepest open comment whose marker is indented less than this line.
        while len(stack) > 1 and stack[-1].marker_indent >= indent:
            stack.pop()
        return stack[-1]

    for index in range(start, end):
        line = lines[index]
        if not line:
            blank = True
            continue
        indent = _indent(line)
        numbered = NUMBERED.match(line)
        bullet = BULLET.match(line)
        if numbered and indent == _indent(lines[start]):
            top_count += 1
            stack.clear()
            node = _Open(Comment(id=f"c{top_count}", parent_id=None, depth=0, position=0), indent)
            first = numbered.group(3)
        elif bullet:
            parent = attach_to(indent)
            parent.children += 1
            node = _Open(
                Comment(
                    id=f"{parent.comment.id}.{parent.children}",
                    parent_id=parent.comment.id,
                    depth=parent.comment.depth + 1,
                    position=0,
                ),
                indent,
            )
            first = bullet.group(2)
        else:
            owner = attach_to(indent)
            liked = LIKED_BY.match(line.strip())
            if liked:
                owner.comment.likes = int(liked.group(1).replace(",", ""))
            else:
                # text interrupted by replies resumes as a new paragraph
                if owner.lines and (blank or owner is not last):
                    owner.lines.append("")
                owner.lines.append(line)
                last = owner
            blank = False
            continue
        if first.strip():
            node.lines.append(first)
        stack.append(node)
        finished.append(node)
        last = node
        blank = False

    for position, node in enumerate(finished):
        node.comment.position = position
        node.comment.text = _paragraphs(node.lines)
        thread.comments.append(node.comment)

    ignored = [line for line in lines[end:footer] if line.strip()]
    if ignored:
        log.warning(
            "%s: %d unindented line(s) after the comments are not part of any comment "
            "(first: %r); ignored",
            source.get("path", thread_id),
            len(ignored),
            ignored[0][:60],
        )
    return thread


def thread_id_for(name: str) -> str:
    if name == "<stdin>":
        return "stdin"
    return os.path.splitext(os.path.basename(name))[0] or name


def sniff(source) -> float:
    """Low confidence for any prose (text is the fallback), more with comment markers."""
    head = source.head_text().lstrip("\ufeff")
    stripped = head.lstrip()
    if not stripped or stripped[0] in "{[<":
        return 0.0
    lines = _clean_lines(head)
    first = lines[0] if lines else ""
    if first.count(",") >= 1 and len(lines) > 1 and lines[1].count(",") == first.count(","):
        score = 0.05  # looks like a CSV table; let the csv format claim it
    else:
        score = 0.1
    if any(NUMBERED.match(line) and len(NUMBERED.match(line).group(1)) <= 4 for line in lines):
        score += 0.2
    if any(BULLET.match(line) for line in lines):
        score += 0.1
    if any(LIKED_BY.match(line.strip()) for line in lines):
        score += 0.2
    if any(line and FOOTER.match(line) for line in lines):
        score += 0.2
    return min(score, 0.7)


def parse(source, options=None) -> Iterator[Thread]:
    """One thread per page."""
    lines = _clean_lines(source.read_text().lstrip("\ufeff"))
    yield parse_lines(lines, thread_id_for(source.name), {"path": source.name, "format": "text"})


def render(thread: Thread) -> str:
    """A thread laid out the way this parser reads it (numbered comments, bullet replies).

    Comment text must not itself start lines with a marker (``1.``, ``•``, ``Liked by``), as
    on a real page, or it would read back as structure.
    """
    out: list[str] = [thread.title, ""]
    if thread.article:
        out += [thread.article, ""]
    out.append("")
    number = 0
    for comment in thread.comments:
        if comment.depth == 0:
            number += 1
            marker_indent = 2
            marker = f"{number}. "
        else:
            marker_indent = 2 + 2 * comment.depth
            marker = "\u2022 "
        body_indent = " " * (marker_indent + 2)
        text_lines = comment.text.split("\n") if comment.text else [""]
        out.append(" " * marker_indent + marker + text_lines[0])
        for line in text_lines[1:]:
            out.append(body_indent + line if line else "")
        if comment.likes is not None:
            people = "person" if comment.likes == 1 else "people"
            out += ["", f"{body_indent}Liked by {comment.likes} {people}"]
        out.append("")
    return "\n".join(out) + "\n"
