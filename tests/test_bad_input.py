"""Bad input: each file either parses, or fails with one `Error: <file>: <reason>` line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from moderator.cli import main

PAGE = "Café opens on the square\n\nThe new café serves crêpes.\n\n  1. Très bien!\n    • Merci.\n"
# Latin-1 has no bullet character: a page saved in it numbers its comments only
PAGE_LATIN1 = PAGE.replace("    • Merci.", "  2. Merci.")


def parse(path, *extra):
    return CliRunner().invoke(main, ["parse", str(path), "-o", "jsonl", *extra])


def assert_one_line_error(result, expected: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == f"Error: {expected}\n"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.json", b"  \n\n  \t\n", "empty file"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
         "binary file (NUL bytes), not a thread export"),
        ("noise.bin", bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 200, 201]) * 300,
         "binary file, not a thread export"),
        ("truncated.json", b'{"title": "t",\n "comments": [\n  {"text": "a"',
         ":3:15: truncated JSON: Expecting ',' delimiter"),
        ("broken.json", b'{"comments": [\n  {"text": "a"}}\n]}',
         ":2:16: invalid JSON: Expecting ',' delimiter"),
        # cut inside a string: json's "Unterminated string starting at" ends in "here" (the
        # line and column are before it), and the file is called truncated
        ("cut.json", b'{"title": "t",\n "comments": [{"text": "an unfinished comm',
         ":2:24: truncated JSON: Unterminated string starting here"),
        ("control.json", b'{"comments": [{"text": "a\x01b"}]}',
         ":1:26: invalid JSON: Invalid control character here"),
        ("types.json", json.dumps({"comments": [{"text": "ok"}, {"text": ["no"]}]}).encode(),
         "comments[1].text: expected a string, got an array"),
        ("likes.json", json.dumps({"comments": [{"text": "a", "likes": "3"}]}).encode(),
         "comments[0].likes: expected an integer, got a string"),
        ("config.json", b'{"name": "my-app", "version": 2}',
         'the top level: no "comments" key: not a thread in the generic JSON format '
         '{"title", "article", "comments": [{"text", "replies": [...]}]}'),
        ("table.csv", b"name,score\nann,3\n",
         "no text column 'text'; the columns are 'name', 'score' "
         "(name the comment text column with --text-column)"),
    ],
)
def test_bad_files_fail_with_one_line(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    separator = "" if reason.startswith(":") else ": "
    assert_one_line_error(parse(path), f"{path}{separator}{reason}")


def test_not_a_thread_in_any_format(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><body><p>Hello</p></body></html>", encoding="utf-8")
    result = parse(path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "encoding, prefix",
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),  # BOM
        ("utf-16", b""),  # Python writes a BOM
        ("utf-16-le", b""),  # no BOM
        ("utf-16-be", b"\xfe\xff"),
        ("latin-1", b""),
        ("cp1252", b""),
    ],
)
def test_encodings_parse(tmp_path, encoding, prefix):
    path = tmp_path / "page.txt"
    page = PAGE_LATIN1 if encoding == "latin-1" else PAGE
    path.write_bytes(prefix + page.encode(encoding))
    result = parse(path)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    reply_depth = 0 if encoding == "latin-1" else 1
    assert [(r["depth"], r["text"]) for r in rows] == [(0, "Très bien!"), (reply_depth, "Merci.")]
    assert rows[0]["thread_id"] == "page"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_json_and_csv_with_bom(tmp_path, encoding):
    document = {"title": "Crêpes", "comments": [{"text": "Très bon"}]}
    json_path = tmp_path / "t.json"
    json_path.write_bytes(json.dumps(document, ensure_ascii=False).encode(encoding))
    csv_path = tmp_path / "t.csv"
    csv_path.write_bytes("text,author\nTrès bon,zoé\n".encode(encoding))
    for path in (json_path, csv_path):
        result = parse(path)
        assert result.exit_code == 0, result.output
        (row,) = [json.loads(line) for line in result.stdout.splitlines()]
        assert row["text"] == "Très bon"


def test_wrong_format_forced(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(PAGE, encoding="utf-8")
    result = parse(path, "--format", "json")
    assert_one_line_error(result, f"{path}:1:1: invalid JSON: Expecting value")


def _console_script() -> Path:
    script = Path(sys.executable).with_name("moderator")
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    return script


def test_installed_command_reports_bad_input_without_traceback(tmp_path):
    script = _console_script()
    truncated = tmp_path / "truncated.json"
    truncated.write_text('{"comments": [{"text": "a"', encoding="utf-8")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    bad = subprocess.run(
        [str(script), "parse", str(truncated)], capture_output=True, text=True, env=env,
        timeout=60,
    )
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert bad.stderr == f"Error: {truncated}:1:27: truncated JSON: Expecting ',' delimiter\n"

    good = tmp_path / "page.txt"
    good.write_text(PAGE_LATIN1, encoding="latin-1")
    ok = subprocess.run(
        [str(script), "parse", str(good), "-o", "jsonl"], capture_output=True, text=True,
        env=env, timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert [json.loads(line)["text"] for line in ok.stdout.splitlines()] == ["Très bien!", "Merci."]
    assert ok.stderr == "1 thread, 2 comments, none skipped\n"

    stdin = subprocess.run(
        [str(script), "parse", "-", "-o", "jsonl"], input="", capture_output=True, text=True,
        env=env, timeout=60,
    )
    assert stdin.returncode == 1 and stdin.stderr == "Error: <stdin>: empty file\n"
