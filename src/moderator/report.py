"""A self-contained HTML report of scored threads, for a person to read.

One file, no external resources (inline CSS and JS, system fonts): the article's title and
first paragraph, the thread with replies indented, flagged comments highlighted with the
words that drove each score in ``<mark data-attribute=… title=…>`` and the reasons beside
them, a summary at the top and filters by attribute. Everything from the input is escaped.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from html import escape
from importlib import resources
from pathlib import Path
from string import Template

from . import __version__
from .explanations import marked_spans, reason_words
from .language import ENGLISH
from .output import counted

# Distinct, readable on white; attributes beyond the list reuse it.
PALETTE = ("#d32f2f", "#7b1fa2", "#ef6c00", "#c2185b", "#5d4037", "#00838f", "#2e7d32",
           "#455a64")
MARK_PALETTE = ("#ffcdd2", "#e1bee7", "#ffe0b2", "#f8bbd0", "#d7ccc8", "#b2ebf2", "#c8e6c9",
                "#cfd8dc")


def _template() -> Template:
    text = resources.files("moderator").joinpath("report.html").read_text(encoding="utf-8")
    return Template(text)


def first_paragraph(article: str) -> str:
    """The article's first non-empty paragraph (blank-line separated)."""
    for paragraph in re.split(r"\n\s*\n", article or ""):
        if paragraph.strip():
            return " ".join(paragraph.split())
    return ""


def marked_text(text: str, reasons: Sequence[dict]) -> str:
    """``text`` escaped, with the positive spans of ``reasons`` wrapped in ``<mark>``.

    Overlapping spans are cut into segments; a segment carries every attribute that covers
    it (``data-attributes``), the strongest one as ``data-attribute``, weights in ``title``.
    """
    # the words every output shows for a reason (moderator.explanations), and only those
    spans = [(start, end, reason["attribute"], weight)
             for reason in reasons for start, end, weight in marked_spans(text, reason)]
    if not spans:
        return escape(text)
    bounds = sorted({0, len(text), *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    out = []
    for left, right in zip(bounds, bounds[1:], strict=False):
        raw = text[left:right]
        covering = [(a, w) for s, e, a, w in spans if s <= left and right <= e]
        if not covering or not raw.strip():
            out.append(escape(raw))
            continue
        # Whitespace at a segment's edges stays outside the mark.
        core = raw.strip()
        lead, tail = raw[: len(raw) - len(raw.lstrip())], raw[len(raw.rstrip()):]
        segment = escape(core)
        best: dict[str, float] = {}
        for attribute, weight in covering:
            best[attribute] = max(weight, best.get(attribute, 0.0))
        ranked = sorted(best.items(), key=lambda item: -item[1])
        title = "; ".join(f"{a} weight {w:.3f}" for a, w in ranked)
        out.append(
            f'<mark data-attribute="{escape(ranked[0][0])}" '
            f'data-attributes="{escape(" ".join(a for a, _ in ranked))}" '
            f'title="{escape(title)}">{segment}</mark>'
        )
        out[-1] = escape(lead) + out[-1] + escape(tail)
    return "".join(out)


def _comment_html(record: dict, attributes: Sequence[str]) -> str:
    reasons = record.get("reasons") or []
    flagged_attrs = [r["attribute"] for r in reasons]
    classes = ["comment"]
    if record.get("flagged"):
        classes.append("flagged")
    if record.get("removed"):
        classes.append("removed")
    depth = int(record.get("depth") or 0)
    thresholds = {r["attribute"]: r for r in reasons}
    scores = record.get("scores") or {}
    score_cells = "".join(
        f'<span class="{"over" if a in thresholds else ""}" title="{escape(a)}">'
        f"{escape(a)} {scores[a]:.2f}</span>"
        for a in attributes if scores.get(a) is not None  # None: not judged (language)
    )
    language = record.get("language") or ENGLISH
    if language != ENGLISH:
        score_cells = (f'<span class="language" title="the model is English">not judged: '
                       f"{escape(language)}</span>")
    removed = bool(record.get("removed"))
    text = record.get("text") or ""
    if removed and not text.strip():
        score_cells = ""  # nothing was there to score: no 0.00s that look like a verdict
    author = record.get("author") or ("" if removed else "(anonymous)")
    head = [f'<span class="author">{escape(author)}</span>'] if author else []
    if removed and text.strip():  # kept with --include-removed: its text is shown below
        head.append('<span class="removed-mark">[removed]</span>')
    if record.get("timestamp"):
        head.append(f'<time>{escape(str(record["timestamp"]))}</time>')
    if record.get("likes") is not None:
        head.append(f'<span class="likes">{escape(counted(record["likes"], "like"))}</span>')
    head.append(f'<span class="id">#{escape(str(record.get("id", "")))}</span>')
    head.append(f'<span class="scores">{score_cells}</span>')
    reason_items = "".join(
        f'<li data-attribute="{escape(r["attribute"])}"><b>FLAG {escape(r["attribute"])}</b> '
        f"{r['score']:.2f} &ge; {r['threshold']:.2f}"
        + "".join(f' <q>{escape(w)}</q>' for w in reason_words(text, r))
        + "".join(f'; <span class="note">{escape(str(n))}</span>' for n in r.get("notes") or ())
        + "</li>"
        for r in reasons
    )
    reasons_html = f'<ul class="reasons">{reason_items}</ul>' if reasons else ""
    body = "[removed]" if removed and not text.strip() else marked_text(text, reasons)
    return (
        f'<article class="{" ".join(classes)}" id="comment-{escape(str(record.get("id", "")))}"'
        f' data-attributes="{escape(" ".join(flagged_attrs))}" data-depth="{depth}"'
        f' style="margin-left: {min(depth, 12) * 28}px">'
        f'<div class="head">{"".join(head)}</div>'
        f'<div class="text">{body}</div>'
        f"{reasons_html}</article>"
    )


def render_report(
    threads: Sequence[tuple[object, Sequence[dict]]],
    attributes: Sequence[str],
    source: str = "",
) -> str:
    """The HTML page for ``[(thread, records), …]`` (records from ``review.comment_records``)."""
    comments = flagged = foreign = 0
    by_attribute: Counter = Counter()
    sections = []
    for thread, records in threads:
        items = []
        for record in records:
            comments += 1
            foreign += (record.get("language") or ENGLISH) != ENGLISH
            if record.get("flagged"):
                flagged += 1
                by_attribute.update(r["attribute"] for r in record.get("reasons") or [])
            items.append(_comment_html(record, attributes))
        paragraph = first_paragraph(getattr(thread, "article", ""))
        sections.append(
            f'<section class="thread" id="thread-{escape(str(thread.id))}">'
            f"<h2>{escape(thread.title or str(thread.id))}</h2>"
            + (f'<p class="article">{escape(paragraph)}</p>' if paragraph else "")
            + ("".join(items) or "<p>No comments.</p>")
            + "</section>"
        )

    order = {a: i for i, a in enumerate(attributes)}
    flag_names = sorted(by_attribute, key=lambda a: (order.get(a, len(order)), a))
    colours = {a: i % len(PALETTE) for i, a in enumerate(flag_names)}
    filters = [
        f'  <label><input type="checkbox" checked data-filter="{escape(a)}">'
        f'<span class="swatch" style="background:{PALETTE[colours[a]]}"></span>'
        f"{escape(a)} ({by_attribute[a]})</label>"
        for a in flag_names
    ]
    filters.append(
        '  <label><input type="checkbox" checked data-filter="unflagged">'
        f"not flagged ({comments - flagged})</label>"
    )
    attribute_css = "\n".join(
        f'  mark[data-attribute="{escape(a)}"] {{ background: {MARK_PALETTE[colours[a]]}; '
        f"box-shadow: inset 0 -2px 0 {PALETTE[colours[a]]}; }}\n"
        f'  .reasons li[data-attribute="{escape(a)}"] {{ background: {PALETTE[colours[a]]}; }}'
        for a in flag_names
    )
    if len(threads) == 1:
        first = threads[0][0]
        page_title = first.title or str(first.id)
    else:  # several (or none): not the first thread's title over all of them
        page_title = counted(len(threads), "thread") + (f" from {source}" if source else "")
    per = ", ".join(f"{a} {by_attribute[a]}" for a in flag_names)
    totals = f"{comments} comments, {flagged} flagged" + (f": {per}" if per else "")
    if foreign:
        totals += f"; {foreign} not in English (not judged)"
    return _template().substitute(
        version=escape(__version__),
        page_title=escape(page_title),
        source=escape(source),
        threads_count=counted(len(threads), "thread"),
        totals=escape(totals),
        filters="\n".join(filters),
        attribute_css=attribute_css,
        threads="\n".join(sections),
    )


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to a temp file beside ``path`` and rename it over ``path``."""
    path = Path(path)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
