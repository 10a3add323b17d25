"""The HTML report in a real headless browser (Debian's chromium): the JS runs, marks are
there, and a screenshot is taken for a person to look at.

The set-up installs chromium with apt-get when it is absent (only as root, with apt-get);
otherwise the tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from doubles import BUS_THREAD, KeywordModel, write_thread
from moderator.report import render_report
from moderator.review import comment_records, score_thread
from moderator.threads import read_threads

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _find() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    path = _find()
    if path:
        return path
    if not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and apt-get is not available to install it")
    if os.geteuid() != 0:
        pytest.skip("chromium is not installed and installing it needs root (apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"could not install chromium: {' '.join(command)} failed: "
                        f"{done.stderr.strip().splitlines()[-1:] or done.returncode}")
    path = _find()
    if not path:
        pytest.skip("apt-get installed chromium but no chromium command is on PATH")
    return path


def browse(chromium: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def page(tmp_path):
    comments = BUS_THREAD + [
        ("5", "dee", "Another reply with a damn stupid remark", [
            ("6", "eve", "<script>document.title='pwned'</script> calm down, please"),
        ]),
    ]
    path = write_thread(tmp_path / "bus.json", comments, title="Council approves bus budget")
    model = KeywordModel()
    threads = [(t, comment_records(t, score_thread(model, t))) for t in read_threads(path)]
    out = tmp_path / "report.html"
    out.write_text(render_report(threads, model.attributes, source=str(path)),
                   encoding="utf-8")
    return out


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_dom_after_scripts_ran(chromium, page, tmp_path):
    done = browse(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = Dom()
    dom.feed(done.stdout)
    body = next(attrs for tag, attrs in dom.tags if tag == "body")
    assert body.get("data-filtered") == "true"  # the inline filter script ran
    assert "showing 6 of 6 comments" in done.stdout
    flagged = [a for t, a in dom.tags if t == "article" and "flagged" in a["class"]]
    assert [a["id"] for a in flagged] == ["comment-2", "comment-4", "comment-5"]
    marks = [a for t, a in dom.tags if t == "mark"]
    assert {m["data-attribute"] for m in marks} == {"toxicity", "off_topic"}
    assert all(m["title"].split(" weight ")[0] for m in marks)
    assert "<title>Council approves bus budget</title>" in done.stdout  # not "pwned"
    assert "&lt;script&gt;document.title" in done.stdout


def test_attribute_filter_hides_other_comments(chromium, page, tmp_path):
    done = browse(chromium, tmp_path, "--dump-dom", page.as_uri() + "#only=insult")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = Dom()
    dom.feed(done.stdout)
    shown = [a["id"] for t, a in dom.tags
             if t == "article" and "hidden" not in a["class"].split()]
    assert shown == ["comment-2"]
    assert "showing 1 of 6 comments" in done.stdout


def test_screenshot(chromium, page, tmp_path):
    shot = tmp_path / "report.png"
    done = browse(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1200,1600",
                  page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 1600)
    keep = os.environ.get("MODERATOR_SCREENSHOT")
    if keep:  # MODERATOR_SCREENSHOT=/tmp/report.png pytest -m browser: to look at it
        shutil.copyfile(shot, keep)
