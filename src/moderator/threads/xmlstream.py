"""Streaming the records (``<item>``, ``<post>`` …) of an XML export safely, recovering from
the malformed XML real exports contain.

Safety. A document type declaration is the only place entities can be declared, and XML
allows it only before the root element. When the prolog has one, the file is parsed with
defusedxml, which refuses any entity declaration (entity bombs, "billion laughs") and any
external entity or DTD (XXE) — reported as a ``ThreadFormatError`` naming the file, the
entity and the reason. Without one, no entity can exist, and the C-accelerated parser of the
standard library (several times faster) is used. Recovered fragments are parsed with
defusedxml with DTDs forbidden.

Streaming. Records are yielded as they close and then cleared and detached from their parent,
so memory stays at one record (plus parser buffers) however large the file.

Recovery. At the first well-formedness error the stream logs a warning with line and column
and switches to reading the remaining records one by one from the raw text: each record's
text is repaired (bare ``&`` escaped, HTML entities such as ``&nbsp;`` decoded, stray ``<``
escaped, undeclared namespace prefixes declared) and parsed on its own. A record that still
cannot be read is handed to the format as ``Unreadable`` (line, reason, and whatever the
format's ``salvage`` function counted in it) so that its comments are reported, not lost.
If nothing at all can be read, ``ThreadFormatError`` carries the parser's line and column.
"""

from __future__ import annotations

import html.entities
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from defusedxml.ElementTree import DefusedXMLParser
from defusedxml.ElementTree import fromstring as defused_fromstring

from ..errors import ThreadFormatError

log = logging.getLogger("moderator")

CHUNK = 256 * 1024
MAX_PROLOG = 4 * 1024 * 1024

# Namespace URIs to declare when a record uses a prefix its file never declared.
KNOWN_NAMESPACES = {
    "wp": "http://wordpress.org/export/1.2/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "atom": "http://www.w3.org/2005/Atom",
    "sy": "http://purl.org/rss/1.0/modules/syndication/",
    "slash": "http://purl.org/rss/1.0/modules/slash/",
    "dsq": "http://disqus.com/disqus-internals",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


def local(tag: str) -> str:
    """``{uri}name`` → ``name``."""
    return tag.rpartition("}")[2]


def namespace(tag: str) -> str:
    return tag[1 : tag.find("}")] if tag.startswith("{") else ""


@dataclass
class Unreadable:
    """A record that could not be read even after repair."""

    line: int
    reason: str
    info: Any  # what the format's salvage function made of the raw text


def security_error(name: str, exc: DefusedXmlException, line: int | None = None):
    """A one-line ``ThreadFormatError`` for what defusedxml refused."""
    if isinstance(exc, EntitiesForbidden):
        if exc.sysid or exc.pubid:
            reason = (
                f"refused: external entity {exc.name!r} ({exc.sysid or exc.pubid}); "
                "XML external entities (XXE) are not allowed in a thread export"
            )
        else:
            reason = (
                f"refused: XML entity declaration {exc.name!r}; entity expansion "
                "(an entity bomb, 'billion laughs') is not allowed in a thread export"
            )
    elif isinstance(exc, ExternalReferenceForbidden):
        reason = (
            f"refused: external reference ({exc.sysid or exc.pubid}); "
            "XML external entities (XXE) are not allowed in a thread export"
        )
    elif isinstance(exc, DTDForbidden):
        reason = "refused: a document type declaration (DTD) inside the export"
    else:
        reason = f"refused: {exc}"
    return ThreadFormatError(name, reason, line)


class _GuardedParser(DefusedXMLParser):
    """defusedxml with every entity declaration refused, and a DOCTYPE refused when it
    names an external DTD (expat would not fetch it, but no export has a reason to)."""

    def __init__(self):
        super().__init__(forbid_dtd=True, forbid_entities=True, forbid_external=True)

    def defused_start_doctype_decl(self, name, sysid, pubid, has_internal_subset):
        if sysid or pubid:
            raise ExternalReferenceForbidden(None, None, sysid, pubid)


class RecordStream:
    """Iterate the ``records`` elements found at ``depth`` (root = 0) of ``source``.

    ``expect_root``: local names the root element may have (else ThreadFormatError).
    ``salvage(text)``: called on the raw text of a record that cannot be read.
    After iteration ``root`` holds the root's local name.
    """

    def __init__(
        self,
        source,
        records: frozenset[str],
        depth: int,
        expect_root: frozenset[str],
        kind: str,
        salvage: Callable[[str], Any] = lambda text: None,
    ):
        self.source = source
        self.records = records
        self.depth = depth
        self.expect_root = expect_root
        self.kind = kind
        self.salvage = salvage
        self.root: str | None = None
        self.done = 0

    # -- fast, streaming pass -------------------------------------------------------------
    def __iter__(self) -> Iterator[ET.Element | Unreadable]:
        name = self.source.name
        with self.source.open_text() as stream:
            head, has_dtd = _read_prolog(stream)
            parser: Any = _GuardedParser() if has_dtd else ET.XMLParser()
            pull = ET.XMLPullParser(events=("start", "end"), _parser=parser)
            stack: list[ET.Element] = []
            data = head
            error: ET.ParseError | None = None
            while error is None:
                try:
                    if data:
                        pull.feed(data)
                    else:
                        pull.close()
                except DefusedXmlException as exc:
                    expat = getattr(parser, "parser", None)
                    raise security_error(
                        name, exc, getattr(expat, "CurrentLineNumber", None)
                    ) from None
                except ET.ParseError as exc:
                    error = exc
                try:
                    for event, elem in pull.read_events():
                        if event == "start":
                            if not stack and self.root is None:
                                self._check_root(elem)
                            stack.append(elem)
                            continue
                        stack.pop()
                        if len(stack) == self.depth and stack:
                            if local(elem.tag) in self.records:
                                self.done += 1
                                yield elem
                            elem.clear()
                            stack[-1].remove(elem)
                except ET.ParseError as exc:
                    error = exc
                if not data:
                    break
                data = stream.read(CHUNK)
        if error is not None:
            yield from self._recover(error)

    def _check_root(self, elem: ET.Element) -> None:
        self.root = local(elem.tag)
        if self.root not in self.expect_root:
            expected = " or ".join(f"<{r}>" for r in sorted(self.expect_root))
            raise ThreadFormatError(
                self.source.name,
                f"not a {self.kind} export: the root element is <{self.root}>, "
                f"expected {expected}",
            )

    # -- recovery -------------------------------------------------------------------------
    def _recover(self, error: ET.ParseError) -> Iterator[ET.Element | Unreadable]:
        name = self.source.name
        line, column = error.position
        message = _expat_message(error)
        what = "/".join(f"<{r}>" for r in sorted(self.records))

        def warn() -> None:
            log.warning(
                "%s:%d:%d: malformed XML (%s); reading the remaining %s elements one by one",
                name, line, column + 1, message, what,
            )

        if self.done:
            warn()
        # else said only once a record is recovered: a file with none (not XML at all, say
        # plain text given --format wxr) stops with the error line alone
        namespaces = dict(KNOWN_NAMESPACES)
        default_ns = None
        for prefix, uri in _XMLNS.findall(self.source.head_text()):
            if prefix:
                namespaces[prefix] = uri
            elif default_ns is None:
                default_ns = uri
        recovered = 0
        pending: list[Unreadable] = []
        for index, (seg_line, text) in enumerate(_segments(self.source, self.records)):
            if index < self.done:
                continue
            try:
                elem = _parse_fragment(text, namespaces, default_ns)
            except DefusedXmlException as exc:
                bad = Unreadable(seg_line, str(security_error(name, exc)).split(": ", 1)[1],
                                 self.salvage(text))
            except ET.ParseError as exc:
                bad = Unreadable(seg_line + exc.position[0] - 1, _expat_message(exc),
                                 self.salvage(text))
            else:
                if self.done + recovered == 0:
                    warn()
                    yield from pending
                    pending = []
                recovered += 1
                yield elem
                continue
            if self.done + recovered == 0:
                pending.append(bad)
            else:
                yield bad
        if self.done + recovered == 0:
            raise ThreadFormatError(name, f"malformed XML: {message}", line, column + 1)
        if recovered:
            log.warning("%s: recovered %d %s element(s) after the error", name, recovered, what)


_XMLNS = re.compile(r"""\sxmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*["']([^"']*)["']""")
_POSITION_SUFFIX = re.compile(r": line \d+, column \d+$")


def _expat_message(error: ET.ParseError) -> str:
    return _POSITION_SUFFIX.sub("", str(error))


_PROLOG_SKIP = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)


def _read_prolog(stream) -> tuple[str, bool]:
    """Read until the root element starts; (text read, whether a DOCTYPE may come first).

    Anything undecidable (junk before the root, a prolog over MAX_PROLOG) counts as a
    DOCTYPE, so it goes to the defused parser.
    """
    text = stream.read(CHUNK)
    pos = 0
    while True:
        m = _PROLOG_SKIP.match(text, pos)
        if m:
            pos = m.end()
            continue
        head = text[pos : pos + 2]
        if len(head) == 2 and head[0] == "<" and (head[1].isalpha() or head[1] in "_:"):
            return text, False
        if text.startswith("<!DOCTYPE", pos):
            return text, True
        if len(text) - pos < 9 or head in ("<?", "<!"):
            more = stream.read(CHUNK)
            if more and len(text) < MAX_PROLOG:
                text += more
                continue
        return text, True


_RECORD_TOKEN_CACHE: dict[frozenset[str], re.Pattern] = {}


def _token_pattern(records: frozenset[str]) -> re.Pattern:
    pattern = _RECORD_TOKEN_CACHE.get(records)
    if pattern is None:
        names = "|".join(re.escape(r) for r in sorted(records))
        pattern = re.compile(
            rf"<!\[CDATA\[|<!--|<(/?)(?:[A-Za-z_][\w.-]*:)?({names})(?=[\s/>])"
        )
        _RECORD_TOKEN_CACHE[records] = pattern
    return pattern


class _Buffer:
    """A growing window on a text stream, tracking line numbers of discarded text."""

    def __init__(self, stream):
        self.stream = stream
        self.text = ""
        self.eof = False
        self.base_line = 1

    def more(self) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.text += chunk
        return True

    def search(self, pattern: re.Pattern, pos: int) -> re.Match | None:
        while True:
            m = pattern.search(self.text, pos)
            if m is not None:
                return m
            pos = max(pos, len(self.text) - 64)  # a token may be cut at the end
            if not self.more():
                return None

    def find(self, needle: str, pos: int) -> int:
        while True:
            i = self.text.find(needle, pos)
            if i >= 0:
                return i
            pos = max(pos, len(self.text) - len(needle))
            if not self.more():
                return -1

    def line_of(self, pos: int) -> int:
        return self.base_line + self.text.count("\n", 0, pos)

    def discard(self, pos: int) -> None:
        self.base_line += self.text.count("\n", 0, pos)
        self.text = self.text[pos:]


_CDATA_END = "]]>"
_COMMENT_END = "-->"


def _segments(source, records: frozenset[str]) -> Iterator[tuple[int, str]]:
    """(line, raw text) of each top-level record element, found without parsing."""
    token = _token_pattern(records)
    with source.open_text() as stream:
        buf = _Buffer(stream)
        pos = 0
        while True:
            m = buf.search(token, pos)
            if m is None:
                return
            skipped = _skip_protected(buf, m)
            if skipped is not None:
                pos = skipped
                if pos > CHUNK:
                    buf.discard(pos)
                    pos = 0
                continue
            if m.group(1):  # a stray end tag outside any record
                pos = m.end()
                continue
            start, record = m.start(), m.group(2)
            gt = buf.find(">", m.end())
            if gt < 0:
                yield buf.line_of(start), buf.text[start:]
                return
            end = gt + 1
            if buf.text[gt - 1] != "/":
                end = _record_end(buf, token, record, end)
            yield buf.line_of(start), buf.text[start:end]
            buf.discard(end)
            pos = 0


def _skip_protected(buf: _Buffer, m: re.Match) -> int | None:
    """Position after a CDATA section or comment starting at ``m``, None for other tokens."""
    opener = m.group(0)
    if opener == "<![CDATA[" or opener == "<!--":
        closer = _CDATA_END if opener == "<![CDATA[" else _COMMENT_END
        i = buf.find(closer, m.end())
        return len(buf.text) if i < 0 else i + len(closer)
    return None


def _record_end(buf: _Buffer, token: re.Pattern, record: str, pos: int) -> int:
    """End of the record opened before ``pos``: after its end tag, or where the next record
    of the same name starts (an unclosed record), or at the end of the file."""
    while True:
        m = buf.search(token, pos)
        if m is None:
            return len(buf.text)
        skipped = _skip_protected(buf, m)
        if skipped is not None:
            pos = skipped
            continue
        if m.group(2) == record:
            if m.group(1):
                gt = buf.find(">", m.end())
                return len(buf.text) if gt < 0 else gt + 1
            return m.start()
        pos = m.end()


_PROTECTED = re.compile(r"<!\[CDATA\[.*?\]\]>|<!--.*?-->", re.S)
_AMP = re.compile(r"&(#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z_][\w.-]*;)?")
_STRAY_LT = re.compile(r"<(?![A-Za-z_/!?])")
_PREFIX = re.compile(r"</?([A-Za-z_][\w.-]*):[A-Za-z_]|\s([A-Za-z_][\w.-]*):[\w.-]+\s*=")
_XML_ENTITIES = frozenset({"amp;", "lt;", "gt;", "quot;", "apos;"})


def _fix_amp(m: re.Match) -> str:
    ref = m.group(1)
    if ref is None:
        return "&amp;"
    if ref[0] == "#":
        try:
            code = int(ref[2:-1], 16) if ref[1] in "xX" else int(ref[1:-1])
        except ValueError:
            return "&amp;" + ref
        ok = code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0x10FFFF
        return m.group(0) if ok and code not in (0xFFFE, 0xFFFF) else "&amp;" + ref
    if ref in _XML_ENTITIES:
        return m.group(0)
    char = html.entities.html5.get(ref)
    if char is None:
        return "&amp;" + ref
    return char.replace("&", "&amp;").replace("<", "&lt;")


def _repair(text: str) -> tuple[str, set[str]]:
    """Escape what breaks XML outside CDATA/comments; return the text and prefixes used."""
    out: list[str] = []
    prefixes: set[str] = set()
    last = 0

    def fix(part: str) -> str:
        for a, b in _PREFIX.findall(part):
            prefixes.add(a or b)
        return _STRAY_LT.sub("&lt;", _AMP.sub(_fix_amp, part))

    for m in _PROTECTED.finditer(text):
        out.append(fix(text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(fix(text[last:]))
    prefixes.discard("xml")
    prefixes.discard("xmlns")
    return "".join(out), prefixes


def _parse_fragment(text: str, namespaces: dict[str, str], default_ns: str | None) -> ET.Element:
    repaired, prefixes = _repair(text)
    declarations = [f'xmlns="{default_ns}"'] if default_ns else []
    for prefix in sorted(prefixes):
        uri = namespaces.get(prefix, f"urn:moderator:undeclared:{prefix}")
        declarations.append(f'xmlns:{prefix}="{uri}"')
    wrapper = defused_fromstring(
        f"<moderator-recovered {' '.join(declarations)}>{repaired}</moderator-recovered>",
        forbid_dtd=True,
    )
    if len(wrapper) != 1:
        error = ET.ParseError("no single element in the fragment")
        error.position = (1, 0)
        raise error
    return wrapper[0]
